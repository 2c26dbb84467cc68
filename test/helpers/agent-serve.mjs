// The one starter of a real `convocate-agent serve` process, shared by the
// tests (test/helpers/agent-process.ts) and the benchmarks (bench/agents.mjs).
// Plain ESM over the built dist/ so that bench/ runs it without a compile step.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const AGENT_BIN = fileURLToPath(new URL('../../dist/bin/convocate-agent.js', import.meta.url));

/**
 * Runs `convocate-agent serve ...args` and resolves once it logs that it is
 * listening (within `timeoutMs`); rejects with its output if it exits first.
 */
export async function spawnAgentServe(args, { env = process.env, timeoutMs = 30_000 } = {}) {
  const child = spawn(process.execPath, [AGENT_BIN, 'serve', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent did not start within ${timeoutMs / 1000} s:\n${output}`)), timeoutMs);
    const onData = (b) => {
      output += b.toString();
      if (/listening on /.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`agent exited with ${code}:\n${output}`));
    });
  });
  return { child, output: () => output };
}

/**
 * Sends `signal` to a child still running and resolves with its exit code once
 * it has exited; a child that ignores the signal gets SIGKILL after `graceMs`.
 */
export async function stopChild(child, signal = 'SIGTERM', graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  const hard = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const code = await exited;
  clearTimeout(hard);
  return code;
}
