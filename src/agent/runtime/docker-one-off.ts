// A one-off command in a throwaway container over a session's home, mounted
// read-only, with no network and no capabilities (the diff of a stopped
// session): never listed as a session's container, always removed.
import type Docker from 'dockerode';
import { ConvocateError } from '../../protocol/errors.js';
import { sanitizeText } from '../../protocol/sanitise.js';
import { CONTAINER_HOME, type ExecResult, type OneOffSpec } from './container-runtime.js';
import { causeText, ignoreStatus, imageMissing, statusOf, wrap } from './docker-errors.js';

export interface OneOffContext {
  /** The runtime's deadline wrapper for one Docker call. */
  within<T>(what: string, p: Promise<T>, extraMs?: number): Promise<T>;
  limits: { execTimeoutMs: number; execOutputMaxBytes: number };
}

export async function runOneOff(docker: Docker, spec: OneOffSpec, ctx: OneOffContext): Promise<ExecResult> {
  const what = `one-off ${sanitizeText(spec.cmd.join(' '), { max: 80 })}`;
  const container = await ctx.within(
    `create ${what}`,
    docker.createContainer({
      Image: spec.image,
      Entrypoint: spec.cmd.slice(0, 1),
      Cmd: spec.cmd.slice(1),
      User: spec.user,
      Env: spec.env,
      WorkingDir: CONTAINER_HOME,
      NetworkDisabled: true,
      HostConfig: {
        Binds: [`${spec.homeDir}:${CONTAINER_HOME}:ro`],
        NetworkMode: 'none',
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        PidsLimit: 256,
      },
    }),
  ).catch((err: unknown) => {
    if (err instanceof ConvocateError) throw err;
    if (statusOf(err) === 404 && /image/i.test(causeText(err))) throw imageMissing(spec.image, err);
    throw wrap(`create ${what}`, err);
  });
  try {
    await ctx.within(`start ${what}`, container.start());
    const ms = ctx.limits.execTimeoutMs;
    const waited = (await ctx.within(`wait for ${what}`, container.wait(), ms)) as { StatusCode?: number };
    const logs = (await ctx.within(`logs of ${what}`, container.logs({ stdout: true, stderr: true, follow: false }))) as unknown as Buffer;
    const max = spec.maxBytes ?? ctx.limits.execOutputMaxBytes;
    const output = demuxBuffer(logs);
    return { exitCode: waited.StatusCode ?? -1, output: output.subarray(0, max).toString('utf8'), truncated: output.length > max };
  } finally {
    await ignoreStatus(ctx.within(`remove ${what}`, container.remove({ force: true })), 404, 409).catch(() => undefined);
  }
}

/** Docker's multiplexed log framing (8-byte header: stream, 0, 0, 0, big-endian size) to the plain bytes. */
function demuxBuffer(buf: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at + 8 <= buf.length; ) {
    const size = buf.readUInt32BE(at + 4);
    parts.push(buf.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts);
}
