#!/usr/bin/env node
// `convocate`: the operator's TUI and scripting CLI. Wires the shell to its
// agents: registered agents over SSH, or the embedded local agent.
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline/promises';
import type { StatusEvent } from '../protocol/status.js';
import { runShell } from '../shell/cli/program.js';
import { resolveShellConfig } from '../shell/config.js';
import { VERSION } from '../protocol/version.js';
import { openDirectory } from '../shell/open-directory.js';

// React's development build renders several times slower; the TUI (React) is
// imported dynamically below, after this line has run.
process.env.NODE_ENV ??= 'production';

const io = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  confirm: process.stdin.isTTY
    ? async (question: string) => {
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        try {
          return /^y(es)?$/i.test((await rl.question(question)).trim());
        } finally {
          rl.close();
        }
      }
    : undefined,
};

// Events of the embedded agent, when it runs in this process: the TUI hears them
// at once, as it hears a status-serve's.
const localEvents = new EventEmitter<{ event: [StatusEvent] }>();

const code = await runShell(process.argv.slice(2), {
  io,
  openDirectory: () =>
    openDirectory({
      // Loaded on demand: `convocate version` or a remote-only shell never pays for Docker's client.
      embedded: async () => {
        const [{ buildAgent }, { resolveAgentConfig }] = await Promise.all([
          import('../agent/build-agent.js'),
          import('../agent/config/config.js'),
        ]);
        return (await buildAgent(resolveAgentConfig({}), { emit: (ev) => localEvents.emit('event', ev) })).api;
      },
    }),
  runTui: async (directory, flags) => {
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      throw new Error('the TUI needs a terminal; for scripts see `convocate help`');
    }
    const [{ runTui }, { tuiSubscription }, { notifyEnabled }] = await Promise.all([
      import('../shell/tui/run.js'),
      import('../shell/status/tui-events.js'),
      import('../shell/tui/notify.js'),
    ]);
    const { stateDir } = resolveShellConfig();
    await runTui({
      directory,
      stdin: process.stdin,
      stdout: process.stdout,
      version: VERSION,
      notify: notifyEnabled(flags?.notify, process.env),
      subscribe: tuiSubscription(directory, stateDir, localEvents),
    });
  },
  web: async (flags, directory) => {
    const [{ runWeb, tokenCommand }, { tuiSubscription }] = await Promise.all([
      import('../web/run.js'),
      import('../shell/status/tui-events.js'),
    ]);
    const { configDir, stateDir } = resolveShellConfig();
    const out = (line: string) => io.stdout.write(`${line}\n`);
    if (flags.printUrl || flags.rotateToken) return tokenCommand(flags, { configDir, out });
    const dir = await directory();
    await runWeb(dir, flags, {
      configDir,
      out,
      subscribe: tuiSubscription(dir, stateDir, localEvents),
    });
  },
  statusServe: async (flags) => {
    const { runStatusServe } = await import('../shell/status/run.js');
    await runStatusServe(flags, resolveShellConfig(), (msg) => io.stderr.write(`${msg}\n`));
  },
});
process.exit(process.exitCode ?? code);
