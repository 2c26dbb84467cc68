#!/usr/bin/env node
// `convocate-host`: provisioning from the operator's machine (SPEC §7).
import { Command, CommanderError } from 'commander';
import { VERSION } from '../protocol/version.js';
import { addProvisionCommands } from '../provision/cli.js';

const program = new Command('convocate-host')
  .description('convocate provisioning: install, init-shell, init-agent, update, status (SPEC §7)')
  .version(VERSION, '-v, --version')
  .exitOverride();

program.command('version').description('print the version').action(() => {
  process.stdout.write(`convocate-host ${VERSION}\n`);
});
addProvisionCommands(program, (line) => process.stdout.write(`${line}\n`));
program.command('help').description('show this help').action(() => {
  process.stdout.write(program.helpInformation());
});

try {
  await program.parseAsync(process.argv.slice(2), { from: 'user' });
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  process.stderr.write(`convocate-host: ${(err as Error).message}\n`);
  process.exit(1);
}
