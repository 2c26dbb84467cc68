#!/usr/bin/env node
// `convocate`: the operator's TUI and scripting CLI. Wires the shell to its
// agents: registered agents over SSH, or the embedded local agent.
import { createInterface } from 'node:readline/promises';
import { runShell } from '../shell/cli/program.js';
import { resolveShellConfig } from '../shell/config.js';
import { VERSION } from '../protocol/version.js';
import { openDirectory } from '../shell/open-directory.js';
import { activityChange } from '../shell/status/activity-change.js';

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

const code = await runShell(process.argv.slice(2), {
  io,
  openDirectory: () =>
    openDirectory({
      // Loaded on demand: `convocate version` or a remote-only shell never pays for Docker's client.
      embedded: async () => {
        const [{ buildAgent }, { resolveAgentConfig }] = await Promise.all([
          import('../agent/embedded.js'),
          import('../agent/config.js'),
        ]);
        return (await buildAgent(resolveAgentConfig({}))).api;
      },
    }),
  runTui: async (directory) => {
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      throw new Error('the TUI needs a terminal; for scripts see `convocate help`');
    }
    const [{ runTui }, { subscribeStatus }] = await Promise.all([
      import('../shell/tui/run.js'),
      import('../shell/status/subscribe.js'),
    ]);
    const { stateDir } = resolveShellConfig();
    await runTui({
      directory,
      stdin: process.stdin,
      stdout: process.stdout,
      version: VERSION,
      // Status events from `convocate status-serve`, when one runs on this host.
      subscribe: (onChange) =>
        subscribeStatus(stateDir, (ev) => {
          if (ev.type === 'agent.heartbeat') directory.noteHeartbeat(ev.agent_id, ev.timestamp);
          else onChange(activityChange(ev));
        }),
    });
  },
  statusServe: async (flags) => {
    const { runStatusServe } = await import('../shell/status/run.js');
    await runStatusServe(flags, resolveShellConfig(), (msg) => io.stderr.write(`${msg}\n`));
  },
});
process.exit(process.exitCode ?? code);
