#!/usr/bin/env node
// `convocate-agent`: runs on every agent host. `serve` owns the host's
// sessions behind SSH; `image build` makes the session image (offline too).
import { Command, CommanderError } from 'commander';
import { toConvocateError } from '../protocol/errors.js';
import { DEFAULT_IMAGE, VERSION } from '../protocol/version.js';
import type { ClaudeFlags } from '../agent/image/claude-flags.js';
import { resolveAgentConfig, type AgentFlags } from '../agent/config/config.js';

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

program
  .command('serve')
  .description('serve this host\'s sessions over SSH (subsystems convocate-agent-rpc and convocate-agent-attach)')
  .option('--listen <host:port>', 'address to listen on (default 0.0.0.0:222)')
  .option('--config-dir <dir>', 'agent config dir (env CONVOCATE_AGENT_CONFIG_DIR, default /etc/convocate-agent)')
  .option('--sessions-dir <dir>', 'sessions dir (env CONVOCATE_SESSIONS_DIR, default /home/convocate)')
  .option('--host-key <path>', 'ed25519 host key, created when absent (default <config-dir>/host_key)')
  .option('--auth-keys <path>', 'authorized shell keys (default <config-dir>/authorized_keys)')
  .option('--shell-host <host>', 'where status events go (default: contents of <config-dir>/shell-host)')
  .option('--shell-port <port>', 'status listener port (default 223)')
  .option('--shell-key <path>', 'agent key for the status link (default <config-dir>/agent_to_shell_ed25519_key)')
  .option('--shell-known-host <path>', 'pinned shell host key (default <config-dir>/shell_host_key.pub)')
  .option('--image <tag>', 'session image (env CONVOCATE_IMAGE)')
  .option('--dns-server <ip>', 'DNS server given to session containers')
  .option('--cgroup-parent <name>', 'cgroup parent of session containers')
  .option('--heartbeat <ms>', 'status heartbeat interval in ms (default 30000)')
  .action(async (flags: AgentFlags) => {
    const { runServe } = await import('../agent/serve.js');
    await runServe(resolveAgentConfig(flags));
  });

const image = program.command('image').description('the session image');
image
  .command('build')
  .description(`build the session image (${DEFAULT_IMAGE}) with Claude Code; a no-op when the tag is current`)
  .option('--base <image>', 'base image (default: debian:bookworm-slim, or the debootstrap base with --offline)')
  .option('--offline', 'make the base with debootstrap --variant=minbase + docker import; needs no registry')
  .option('--tag <tag>', 'image tag', process.env.CONVOCATE_IMAGE || DEFAULT_IMAGE)
  .option('--force', 'rebuild even when the tag is current')
  .option('--claude-version <version>', 'Claude Code version from the npm registry (an exact version, or a tag such as latest)')
  .option('--claude-from <path>', 'use this Claude Code binary (linux, native) instead of fetching one')
  .option('--no-claude', 'build an image without Claude Code (sessions run a shell)')
  .action(async (opts: { base?: string; offline?: boolean; tag: string; force?: boolean } & ClaudeFlags) => {
    // Loaded here, not at the top: a serving agent never holds the image builder in memory.
    const { buildSessionImage } = await import('../agent/image/build.js');
    const { claudeSourceFromFlags } = await import('../agent/image/claude-flags.js');
    await buildSessionImage({
      tag: opts.tag,
      claude: await claudeSourceFromFlags(opts),
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
