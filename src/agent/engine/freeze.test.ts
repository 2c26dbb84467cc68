import { describe, expect, it } from 'vitest';
import { FakeRuntime } from '../runtime/fake-runtime.js';
import { withFrozen } from './freeze.js';

/** The fake runtime whose freezer refuses the first `refusals` pauses, as runc does on a busy cgroup. */
class StubbornFreezer extends FakeRuntime {
  constructor(private refusals: number) {
    super();
  }
  override async pause(uuid: string): Promise<void> {
    if (this.refusals-- > 0) throw new Error('OCI runtime pause failed: unable to freeze');
    return super.pause(uuid);
  }
}

const running = async () => true;

/** A runtime with session u1 running, whose freezer refuses `refusals` times. */
async function withSession(refusals: number): Promise<StubbornFreezer> {
  const runtime = new StubbornFreezer(refusals);
  runtime.images.add('img');
  await runtime.run({ uuid: 'u1', agentId: 'a', image: 'img', homeDir: '/nonexistent', port: 0, protocol: 'tcp' });
  return runtime;
}

describe('withFrozen', () => {
  it('tries the freeze again when a busy session refuses it, and copies only once frozen', async () => {
    const runtime = await withSession(2);
    let frozenDuringCopy = false;
    const out = await withFrozen(runtime, running, 'u1', async () => {
      frozenDuringCopy = runtime.paused.has('u1');
      return 'copied';
    });
    expect(out).toBe('copied');
    expect(frozenDuringCopy).toBe(true);
    expect(runtime.pauseLog).toEqual(['pause u1', 'unpause u1']);
  });

  it('gives up with the runtime error after a bounded number of refusals, without copying', async () => {
    const runtime = await withSession(100);
    let copied = false;
    await expect(withFrozen(runtime, running, 'u1', async () => (copied = true))).rejects.toThrow(/unable to freeze/);
    expect(copied).toBe(false);
  });

  it('copies a stopped session without freezing it', async () => {
    const runtime = new StubbornFreezer(100);
    expect(await withFrozen(runtime, async () => false, 'u1', async () => 'copied')).toBe('copied');
  });
});
