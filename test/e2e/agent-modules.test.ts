// What a serving agent holds in memory: the built agent loads dockerode
// without its BuildKit session support (gRPC, protobuf) and without the image
// builder, and the session support still loads and answers when called.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dist = (path: string) => new URL(`../../dist/${path}`, import.meta.url).href;

const SCRIPT = `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
await import(${JSON.stringify(dist('agent/serve.js'))});
const loaded = (part) => Object.keys(require.cache).filter((p) => p.includes(part)).length;
const before = { grpc: loaded('/@grpc/'), protobuf: loaded('/protobufjs/'), dockerode: loaded('/dockerode/') };
const withSession = require('dockerode/lib/session.js');
const error = await new Promise((resolve) => {
  const docker = { modem: { dial: (_opts, callback) => callback(new Error('no daemon here')) } };
  withSession(docker, undefined, (err) => resolve(err?.message));
});
console.log(JSON.stringify({ before, after: { grpc: loaded('/@grpc/') }, error }));
`;

describe('the serving agent', () => {
  it('loads dockerode without gRPC, and its BuildKit session support loads and answers on first use', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', SCRIPT], { cwd: ROOT, timeout: 30_000 });
    const seen = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { before: Record<string, number>; after: { grpc: number }; error: string };
    expect(seen.before.dockerode).toBeGreaterThan(0);
    expect(seen.before).toMatchObject({ grpc: 0, protobuf: 0 });
    expect(seen.after.grpc).toBeGreaterThan(0);
    expect(seen.error).toBe('no daemon here');
  });
});
