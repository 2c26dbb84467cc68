// A session held still for a copy (SPEC §8 clones): its container paused, so
// the copy is one consistent snapshot and no link can be swapped in mid-walk.
import type { ContainerRuntime } from '../runtime/container-runtime.js';

/** Run `copy` with the container paused (a stopped one has nothing to freeze); it is thawed whatever happens. */
export async function withFrozen<T>(runtime: ContainerRuntime, isRunning: () => Promise<boolean>, uuid: string, copy: () => Promise<T>): Promise<T> {
  if (!(await isRunning())) return copy();
  await runtime.pause(uuid);
  try {
    return await copy();
  } finally {
    // Bounded retries: a session left frozen would look hung to its operator.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const thawed = await runtime.unpause(uuid).then(() => true, (err: unknown) => (attempt === 3 ? Promise.reject(err) : false));
      if (thawed) break;
    }
  }
}
