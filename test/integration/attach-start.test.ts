// Attaching to a stopped session starts its container once, however many
// operators press Enter at the same moment (engine over real files, a fake runtime).
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { attachSession } from '../../src/agent/attach.js';
import { SessionEngine } from '../../src/agent/engine.js';
import type { ContainerInfo, ContainerRuntime, PtyExec, RunSpec } from '../../src/agent/runtime/container-runtime.js';
import { MemorySettingsStore } from '../../src/agent/settings.js';
import { newStore, useTempDir } from './store-helpers.js';

useTempDir();

/** Containers as a set of running uuids; `run` waits for `release()` so that starts overlap. */
class FakeContainerRuntime {
  readonly running = new Set<string>();
  runs = 0;
  private gate: Promise<void>;
  release!: () => void;

  constructor() {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }

  async list(): Promise<ContainerInfo[]> {
    return [...this.running].map((uuid) => ({ uuid, containerId: uuid, running: true, image: 'test' }));
  }

  async run(spec: RunSpec): Promise<void> {
    this.runs++;
    await this.gate;
    this.running.add(spec.uuid);
  }

  async waitReady(): Promise<void> {}

  async execPty(): Promise<PtyExec> {
    const stream = new PassThrough();
    return { stream, resize: async () => undefined, exit: new Promise(() => undefined) };
  }
}

describe('attach on a stopped session', () => {
  it('two attaches at once share one start and both get a relay', async () => {
    const store = await newStore();
    const runtime = new FakeContainerRuntime();
    const engine = new SessionEngine({
      store,
      runtime: runtime as unknown as ContainerRuntime,
      agentId: 'test',
      settings: { image: 'test', dnsServer: '', cgroupParent: '' },
      settingsStore: new MemorySettingsStore(),
    });
    const s = await store.create({ name: 'pair' });
    const first = attachSession(engine, { id: s.uuid, cols: 80, rows: 24 });
    const second = attachSession(engine, { id: s.uuid, cols: 80, rows: 24 });
    // Both are past their running check before the container exists.
    const deadline = Date.now() + 5_000;
    while (runtime.runs === 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    runtime.release();
    const handles = await Promise.all([first, second]);
    expect(runtime.runs).toBe(1);
    expect((await engine.get(s.uuid)).state).toBe('C');
    for (const h of handles) h.close();
  });
});
