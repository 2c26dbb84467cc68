// A session held still for a copy (SPEC §8 clones): its container paused, so
// the copy is one consistent snapshot and no link can be swapped in mid-walk.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerRuntime } from '../runtime/container-runtime.js';

/** A busy session (processes forking as the freezer walks them) can refuse a freeze; runc gives up after about a second. */
const FREEZE_ATTEMPTS = 4;
const FREEZE_RETRY_MS = 150;

/** Run `copy` with the container paused (a stopped one has nothing to freeze); it is thawed whatever happens. */
export async function withFrozen<T>(runtime: ContainerRuntime, isRunning: () => Promise<boolean>, uuid: string, copy: () => Promise<T>): Promise<T> {
  if (!(await isRunning())) return copy();
  await retry(FREEZE_ATTEMPTS, FREEZE_RETRY_MS, () => runtime.pause(uuid));
  try {
    return await copy();
  } finally {
    // A session left frozen would look hung to its operator.
    await retry(3, 0, () => runtime.unpause(uuid));
  }
}

async function retry(attempts: number, waitMs: number, fn: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts) throw err;
      await sleep(waitMs * attempt);
    }
  }
}
