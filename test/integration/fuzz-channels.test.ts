// 100 000 fuzzed rpc request lines and 100 000 fuzzed attach headers, from
// random bytes to mutated valid requests, fed to the agent's channel handlers
// (the code behind both subsystems) over an in-memory channel: no crash, every
// one answered with one JSON line (`ok:false` unless the mutation is itself a
// valid request) or closed, and the agent still answers `ping` afterwards. The
// same handlers behind real SSH are fuzzed in agent-ssh.test.ts (10 000 lines).
import { randomBytes } from 'node:crypto';
import { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerChannel } from 'ssh2';
import { serveAttachChannel } from '../../src/agent/ssh/attach-channel.js';
import { serveRpcChannel } from '../../src/agent/ssh/rpc-channel.js';
import { FakeAgentApi } from '../helpers/fake-agent-api.js';

/** The server side of one SSH channel, in memory: what the peer sent is pushed in, what the server wrote is kept. */
class MemoryChannel extends Duplex {
  readonly written: Buffer[] = [];
  exitCode: number | undefined;
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.written.push(chunk);
    cb();
  }
  exit(code: number): void {
    this.exitCode = code;
  }
  close(): void {
    this.destroy();
  }
  /** Resolves once the server ended or closed its side. */
  settled(): Promise<void> {
    return new Promise((resolve) => {
      if (this.writableFinished || this.destroyed) return resolve();
      this.once('finish', () => resolve());
      this.once('close', () => resolve());
    });
  }
}

const N = 100_000;
const BATCH = 2_000;
const seeds = [
  JSON.stringify({ op: 'create', params: { name: 'fuzz', port: 80, protocol: 'tcp', dns_name: 'a.b' } }),
  JSON.stringify({ op: 'edit', params: { id: '0f8fad5b-d9cb-469f-a165-70867728950e', name: 'x', port: -1 } }),
  JSON.stringify({ op: 'peek', params: { id: '0f8fad5b-d9cb-469f-a165-70867728950e', lines: 40 } }),
  JSON.stringify({ op: 'delete', params: { id: '0f8fad5b-d9cb-469f-a165-70867728950e' } }),
];
const headerSeed = JSON.stringify({ id: '0f8fad5b-d9cb-469f-a165-70867728950e', cols: 120, rows: 40 });

/** Random bytes, or a valid request with a few characters changed, cut or repeated. */
function mutate(seed: string, i: number): Buffer {
  switch (i % 5) {
    case 0:
      return randomBytes(1 + (i % 300));
    case 1:
      return Buffer.from(`${seed.slice(0, i % seed.length)}\n`);
    case 2:
      return Buffer.concat([Buffer.from(seed), randomBytes(1 + (i % 8)), Buffer.from('\n')]);
    default: {
      const chars = [...seed];
      for (let k = 0; k < 1 + (i % 6); k++) chars[(i * 7 + k * 13) % chars.length] = String.fromCharCode((i * 31 + k * 17) % 256);
      return Buffer.from(`${chars.join('')}${i % 2 ? '\n' : ''}`, 'latin1');
    }
  }
}

/** Everything the server wrote is exactly one JSON line with a boolean `ok`: silence is no answer. */
function checkAnswer(ch: MemoryChannel): boolean {
  const text = Buffer.concat(ch.written).toString('utf8');
  expect(text, 'an answer line').not.toBe('');
  expect(text.endsWith('\n') && text.indexOf('\n') === text.length - 1).toBe(true);
  const parsed = JSON.parse(text) as { ok: unknown };
  expect(typeof parsed.ok).toBe('boolean');
  return parsed.ok as boolean;
}

let api: FakeAgentApi;
const crashes: unknown[] = [];
const onCrash = (err: unknown) => crashes.push(err);
beforeAll(() => {
  api = new FakeAgentApi('f0220001');
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
});
afterAll(() => {
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
});

async function ping(): Promise<void> {
  const ch = new MemoryChannel();
  serveRpcChannel(ch as unknown as ServerChannel, api, { timeoutMs: 5_000, log: () => undefined });
  ch.push('{"op":"ping","params":null}\n');
  await ch.settled();
  expect(JSON.parse(Buffer.concat(ch.written).toString())).toMatchObject({ ok: true, result: { agent_id: 'f0220001' } });
}

describe('fuzzed channels', () => {
  it(`answers ${N} fuzzed rpc lines without a crash`, async () => {
    let failed = 0;
    let random = 0;
    for (let start = 0; start < N; start += BATCH) {
      await Promise.all(
        Array.from({ length: BATCH }, async (_, k) => {
          const i = start + k;
          const ch = new MemoryChannel();
          serveRpcChannel(ch as unknown as ServerChannel, api, { timeoutMs: 5_000, log: () => undefined });
          ch.push(mutate(seeds[i % seeds.length]!, i));
          ch.push(null);
          await ch.settled();
          const ok = checkAnswer(ch);
          if (ok === false) failed++;
          // Pure random bytes are never a request.
          if (i % 5 === 0) {
            random++;
            expect(ok).toBe(false);
          }
        }),
      );
    }
    expect(crashes).toEqual([]);
    expect(failed).toBeGreaterThan(N * 0.9);
    expect(random).toBe(N / 5);
    await ping();
  }, 120_000);

  it(`answers ${N} fuzzed attach headers without a crash`, async () => {
    for (let start = 0; start < N; start += BATCH) {
      await Promise.all(
        Array.from({ length: BATCH }, async (_, k) => {
          const i = start + k;
          const ch = new MemoryChannel();
          serveAttachChannel(ch as unknown as ServerChannel, api, { headerTimeoutMs: 5_000, log: () => undefined });
          ch.push(mutate(headerSeed, i));
          ch.push(null);
          await ch.settled();
          // No session exists: nothing can attach, so every answer is a refusal or a close.
          expect(checkAnswer(ch)).toBe(false);
        }),
      );
    }
    expect(crashes).toEqual([]);
    expect(api.attaches).toEqual([]);
    await ping();
  }, 120_000);
});
