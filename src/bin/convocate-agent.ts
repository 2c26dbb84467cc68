#!/usr/bin/env node
// `convocate-agent`: runs on every agent host. `serve` owns the host's
// sessions behind SSH; `image build` makes the session image (offline too).
import { Command, CommanderError } from 'commander';
import { toConvocateError } from '../protocol/errors.js';
import { DEFAULT_IMAGE, VERSION } from '../protocol/version.js';
import { buildSessionImage } from '../agent/image/build.js';

const program = new Command('convocate-agent')
  .description('convocate agent: owns this host\'s sessions and containers')
  .version(VERSION, '-v, --version')
  .exitOverride();

program.command('version').description('print the version').action(() => {
  process.stdout.write(`convocate-agent ${VERSION}\n`);
});
program.command('help').description('show this help').action(() => {
  process.stdout.write(program.helpInformation());
});

const image = program.command('image').description('the session image');
image
  .command('build')
  .description(`build the session image (${DEFAULT_IMAGE}); a no-op when the tag exists`)
  .option('--base <image>', 'base image (default: debian:bookworm-slim, or the debootstrap base with --offline)')
  .option('--offline', 'make the base with debootstrap --variant=minbase + docker import; needs no registry')
  .option('--tag <tag>', 'image tag', process.env.CONVOCATE_IMAGE || DEFAULT_IMAGE)
  .option('--force', 'rebuild even when the tag exists')
  .action(async (opts: { base?: string; offline?: boolean; tag: string; force?: boolean }) => {
    await buildSessionImage({
      tag: opts.tag,
      base: opts.base,
      offline: Boolean(opts.offline),
      force: Boolean(opts.force),
      onProgress: (line) => process.stderr.write(`${line}\n`),
    });
  });

try {
  await program.parseAsync(process.argv.slice(2), { from: 'user' });
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  process.stderr.write(`convocate-agent: ${toConvocateError(err).message}\n`);
  process.exit(1);
}
