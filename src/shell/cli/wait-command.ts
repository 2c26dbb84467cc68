// `convocate wait ID --for waiting|idle|exited [--timeout S]`: returns once
// the session's activity is the one asked for; exit 1 on timeout.
import { ConvocateError, quote } from '../../protocol/errors.js';
import type { Activity } from '../../protocol/session.js';
import type { AgentDirectory } from '../client/agent-directory.js';
import type { CliIo } from './commands.js';

export const WAITABLE: readonly Activity[] = ['waiting', 'idle', 'exited'];
const POLL_MS = 200;

export async function waitCommand(
  dir: AgentDirectory,
  io: CliIo,
  id: string,
  opts: { for?: string; timeout?: string },
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<void> {
  const target = opts.for as Activity | undefined;
  if (!target || !WAITABLE.includes(target)) {
    throw new ConvocateError('invalid_argument', `--for must be one of ${WAITABLE.join(', ')}${opts.for ? `, not ${quote(opts.for)}` : ''}`);
  }
  const timeoutS = opts.timeout === undefined ? undefined : Number(opts.timeout);
  if (timeoutS !== undefined && (!/^\d+(\.\d+)?$/.test(opts.timeout!.trim()) || !Number.isFinite(timeoutS))) {
    throw new ConvocateError('invalid_argument', `--timeout ${quote(opts.timeout!)} is invalid: seconds, e.g. 30`);
  }
  const s = await dir.resolve(id);
  const client = dir.client(s.agent_id!);
  const deadline = timeoutS === undefined ? Infinity : Date.now() + timeoutS * 1000;
  let last = s.activity;
  for (;;) {
    const now = await client.call('get', { id: s.uuid });
    last = now.activity;
    if (last === target) {
      io.stdout.write(`${s.name}: ${last}${now.activity_detail ? ` (${now.activity_detail})` : ''}\n`);
      return;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.max(0, Math.min(POLL_MS, deadline - Date.now())));
  }
  throw new ConvocateError('unavailable', `timed out after ${opts.timeout} s waiting for ${s.name} to be ${target}: it is ${last}`);
}
