// `convocate` argv → commands. With no command it opens the TUI. Every error
// ends as one line on stderr and a non-zero exit code.
import { Command, CommanderError } from 'commander';
import { ConvocateError, quote, toConvocateError } from '../../protocol/errors.js';
import { VERSION } from '../../protocol/version.js';
import type { AgentDirectory } from '../client/agent-directory.js';
import { DEFAULT_PEEK_LINES, MAX_PEEK_LINES } from '../../protocol/ops.js';
import { peekCommand } from './peek.js';
import { diffCommand } from './diff.js';
import { usageCommand } from './usage-command.js';
import type { StatusServeFlags } from '../status/run.js';
import {
  attachCommand,
  cloneCommand,
  moveCommand,
  editCommand,
  listCommand,
  newCommand,
  removeCommand,
  restartCommand,
  simpleCommand,
  type CliIo,
  type SimpleOp,
} from './commands.js';
import { envListCommand, envSetCommand, envUnsetCommand } from './env-commands.js';
import { waitCommand } from './wait-command.js';

export interface ShellDeps {
  io: CliIo;
  openDirectory(): Promise<AgentDirectory>;
  runTui(dir: AgentDirectory, opts?: TuiFlags): Promise<void>;
  statusServe(opts: StatusServeFlags): Promise<void>;
  /** `convocate web`: the directory is opened only when the cockpit is served. */
  web(opts: WebCommandFlags, directory: () => Promise<AgentDirectory>): Promise<void>;
}

export interface WebCommandFlags {
  listen?: string;
  tlsCert?: string;
  tlsKey?: string;
  insecureHttp?: boolean;
  printUrl?: boolean;
  rotateToken?: boolean;
}

export interface TuiFlags {
  /** false with --no-notify. */
  notify?: boolean;
}

export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

export async function runShell(argv: string[], deps: ShellDeps): Promise<number> {
  let dir: AgentDirectory | undefined;
  const directory = async () => (dir ??= await deps.openDirectory());
  const withDir =
    <A extends unknown[]>(fn: (d: AgentDirectory, ...args: A) => Promise<void>) =>
    async (...args: A) =>
      fn(await directory(), ...args);

  const program = buildProgram(deps, withDir, directory);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    deps.io.stderr.write(`convocate: ${toConvocateError(err).message}\n`);
    return EXIT_ERROR;
  } finally {
    await dir?.close();
  }
}

type WithDir = <A extends unknown[]>(fn: (d: AgentDirectory, ...args: A) => Promise<void>) => (...args: A) => Promise<void>;

function buildProgram(deps: ShellDeps, withDir: WithDir, directory: () => Promise<AgentDirectory>): Command {
  const { io } = deps;
  const program = new Command('convocate')
    .description('Run many Claude Code sessions, each in its own container with tmux, from one terminal UI.\nWith no command, opens the TUI.')
    .version(VERSION, '-v, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .usage('[command] [options]')
    .argument('[command]')
    .option('--no-notify', 'TUI: no bell or desktop notification (also CONVOCATE_NO_NOTIFY=1)')
    .action(async (command: string | undefined, opts: TuiFlags) => {
      if (command) throw new ConvocateError('invalid_argument', `unknown command ${quote(command)}: see \`convocate help\``);
      await withDir((d) => deps.runTui(d, opts))();
    });

  program.command('version').description('print the version').action(() => {
    io.stdout.write(`convocate ${VERSION}\n`);
  });
  program.command('help').description('show this help').action(() => {
    io.stdout.write(program.helpInformation());
  });
  program
    .command('tui')
    .description('open the terminal UI (the default)')
    .option('--no-notify', 'no bell or desktop notification (also CONVOCATE_NO_NOTIFY=1)')
    .action(withDir((d, opts: TuiFlags) => deps.runTui(d, opts)));
  program
    .command('ls')
    .description('list sessions on every agent')
    .option('--json', 'print a JSON array of session objects')
    .action(withDir((d, opts: { json?: boolean }) => listCommand(d, io, opts)));
  program
    .command('new <name>')
    .description('create a session (no container until it is attached or restarted)')
    .option('--agent <id>', 'agent to create it on (required when several agents are registered)')
    .option('--port <n>', '0 = none, -1 = auto-pick a free port >= 1001')
    .option('--proto <tcp|udp>', 'protocol of the published port', 'tcp')
    .option('--dns <name>', 'DNS name, resolvable as <name>.<domain> through the shell dnsmasq')
    .option('--cpus <n>', 'CPU cores the session may use, e.g. 1.5 (default: the agent\'s)')
    .option('--memory <size>', 'memory limit, e.g. 512m or 4g (default: the agent\'s)')
    .option('--egress <open|none|allow>', 'outbound connections: all, none (DNS only), or only --allow (default: the agent\'s)')
    .option('--allow <cidr|host,...>', 'what egress "allow" reaches: IPv4 addresses, CIDRs, host names')
    .option('--repo <url>', 'git repository cloned into the workspace at the first start, inside the container')
    .option('--branch <name>', 'branch to work on (made from the default branch when the remote lacks it; default convocate/<name>)')
    .option('--json', 'print the session as JSON')
    .action(withDir((d, name: string, opts) => newCommand(d, io, name, opts)));
  program
    .command('edit <id>')
    .description('change name, port, protocol, DNS name, limits or egress (a running container keeps its flags until restart)')
    .option('--name <name>')
    .option('--port <n>')
    .option('--proto <tcp|udp>')
    .option('--dns <name>', 'new DNS name; "" clears it')
    .option('--cpus <n>', 'CPU cores, or "default" for the agent\'s')
    .option('--memory <size>', 'memory limit such as 512m or 4g, or "default" for the agent\'s')
    .option('--egress <open|none|allow>', 'outbound policy, applied at the next start')
    .option('--allow <cidr|host,...>', 'the egress allow list (sets egress to allow)')
    .option('--json', 'print the session as JSON')
    .action(withDir((d, id: string, opts) => editCommand(d, io, id, opts)));
  program
    .command('clone <id> <name>')
    .description('copy a session (home dir and settings; port 0, no DNS name)')
    .option('--json', 'print the clone as JSON')
    .option('--to <agent>', 'make the clone on another agent (home and conversation stream across)')
    .action(withDir((d, id: string, name: string, opts) => cloneCommand(d, io, id, name, opts)));
  program
    .command('move <id>')
    .description('move a session to another agent; the source is deleted once the target holds the whole copy')
    .requiredOption('--to <agent>', 'the agent that takes the session')
    .option('--json', 'print the moved session as JSON')
    .action(withDir((d, id: string, opts: { to: string; json?: boolean }) => moveCommand(d, io, id, opts)));
  program
    .command('attach <id>')
    .description('attach to the session tmux (starts it when stopped); Ctrl-B D detaches')
    .option('--read-only', 'watch only: nothing typed reaches the session (tmux attach -r)')
    .action(withDir((d, id: string, opts: { readOnly?: boolean }) => attachCommand(d, io, id, opts)));
  program
    .command('peek <id>')
    .description("print the last lines of the session's screen, control sequences removed")
    .option('--lines <n>', `how many lines (1-${MAX_PEEK_LINES})`, String(DEFAULT_PEEK_LINES))
    .action(withDir((d, id: string, opts: { lines: string }) => peekCommand(d, io, id, opts)));
  program
    .command('diff <id>')
    .description("the workspace's changes against its base: committed, uncommitted and untracked")
    .option('--stat', 'a diffstat instead of the patch')
    .option('--base <ref>', 'compare against this ref (default: the branch the session was made from)')
    .action(withDir((d, id: string, opts: { stat?: boolean; base?: string }) => diffCommand(d, io, id, opts)));
  program
    .command('usage')
    .description("what each session's Claude has used: tokens, estimated cost, context; per agent and in total")
    .option('--json', 'print {sessions, agents, total, prices_date}')
    .action(withDir((d, opts: { json?: boolean }) => usageCommand(d, io, opts)));
  program
    .command('restart <id>')
    .description("start a stopped session in the background, resuming its Claude conversation")
    .option('--fresh', 'start a new conversation instead')
    .action(withDir((d, id: string, opts: { fresh?: boolean }) => restartCommand(d, io, id, opts)));
  const simple: Array<[string, SimpleOp, string]> = [
    ['kill', 'kill', 'stop the container (docker stop -t 10); the home dir stays'],
    ['bg', 'background', 'detach every attached operator; the container keeps running'],
    ['override', 'override', 'remove a stale lock; stops nothing'],
  ];
  for (const [name, op, description] of simple) {
    program
      .command(`${name} <id>`)
      .description(description)
      .action(withDir((d, id: string) => simpleCommand(d, io, op, id)));
  }
  program
    .command('rm <id>')
    .description('delete a session: container, home dir, metadata, lock and DNS record')
    .option('--yes', 'do not ask (required without a terminal)')
    .action(withDir((d, id: string, opts: { yes?: boolean }) => removeCommand(d, io, id, opts)));
  program
    .command('wait <id>')
    .description("wait until the session's Claude is waiting, idle or exited; exit 1 on timeout")
    .requiredOption('--for <activity>', 'waiting, idle or exited')
    .option('--timeout <seconds>', 'give up after this long (default: never)')
    .action(withDir((d, id: string, opts: { for?: string; timeout?: string }) => waitCommand(d, io, id, opts)));
  const env = program.command('env').description("session environment variables (names only are ever shown)");
  env
    .command('set <name>')
    .description('set NAME to the value read from stdin (one trailing newline dropped); used by containers started next')
    .option('--agent <id>', 'agent to set it on (required when several agents are registered)')
    .action(withDir((d, name: string, opts: { agent?: string }) => envSetCommand(d, io, name, opts)));
  env
    .command('unset <name>')
    .description('remove NAME')
    .option('--agent <id>', 'agent to remove it from (required when several agents are registered)')
    .action(withDir((d, name: string, opts: { agent?: string }) => envUnsetCommand(d, io, name, opts)));
  env
    .command('ls')
    .description('list the names set on every agent')
    .option('--agent <id>', 'only this agent')
    .option('--json', 'print [{"agent_id","names"}]')
    .action(withDir((d, opts: { agent?: string; json?: boolean }) => envListCommand(d, io, opts)));
  program
    .command('web')
    .description('serve the web cockpit (every session from a browser, behind a login)')
    .option('--listen <addr:port>', 'where to listen (default 127.0.0.1:7681)')
    .option('--tls-cert <file>', 'PEM certificate: serve HTTPS')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .option('--insecure-http', 'allow plain HTTP on a non-loopback address')
    .option('--print-url', 'print the login URL and exit')
    .option('--rotate-token', 'make a new login token (every browser logs in again) and exit')
    .action((opts: WebCommandFlags) => deps.web(opts, directory));
  program
    .command('status-serve')
    .description('listen for agent status events (SSH subsystem convocate-status)')
    .option('--listen <addr>', 'host:port to listen on', '0.0.0.0:223')
    .option('--host-key <path>', 'ed25519 host key, created when absent (default <config-dir>/status_host_key)')
    .option('--auth-keys <path>', 'authorized agent keys (default <config-dir>/status_authorized_keys)')
    .option('--dns-domain <domain>', 'also publish <dns_name>.<domain> in the dnsmasq hosts file')
    .option('--dnsmasq-pid-file <path>', 'dnsmasq to SIGHUP after a change (default: found by process lookup)')
    .option('--resync <seconds>', 'full DNS resync over every registered agent', '60')
    .option('--notify-cmd <cmd>', 'run CMD (with /bin/sh) when a session starts waiting or ends a turn; the facts are in CONVOCATE_SESSION, CONVOCATE_NAME, CONVOCATE_AGENT, CONVOCATE_ACTIVITY, CONVOCATE_DETAIL')
    .action((opts: StatusServeFlags) => deps.statusServe(opts));
  program.addHelpText(
    'after',
    '\nID is a session name or a uuid prefix. Environment: CONVOCATE_CONFIG_DIR, CONVOCATE_STATE_DIR,\nCONVOCATE_SESSIONS_DIR, CONVOCATE_AGENT_CONFIG_DIR, CONVOCATE_IMAGE, DOCKER_HOST.\n',
  );
  return program;
}
