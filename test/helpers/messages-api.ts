// Runs the Messages API stand-in (messages-api-server.mjs) in a container on
// an internal Docker network the test creates: session containers on that
// network reach it by address, and nothing on it reaches anywhere else. The
// container runs this host's node binary, bind-mounted read-only.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { waitFor } from './docker.js';

const SERVER = fileURLToPath(new URL('./messages-api-server.mjs', import.meta.url));
const PORT = 8080;
export const STAND_IN_LABEL = 'convocate.test.stand-in';
/** A key of the shape Claude Code accepts; it never leaves the test network. */
export const TEST_API_KEY = `sk-ant-api03-standin-${'x'.repeat(60)}-${'0123456789abcdefghij'}`;

export interface StandInRequest {
  method: string;
  path: string;
  kind: string;
  /** The text of every user turn the request carried (each cut at 300 chars). */
  user: string[];
  model: string;
}

/** What the stand-in reports for every reply (messages-api-server.mjs). */
export const STAND_IN_USAGE = { input_tokens: 120, output_tokens: 30, cache_creation_input_tokens: 500, cache_read_input_tokens: 2000 };

export interface MessagesApiStandIn {
  /** The internal network sessions must join. */
  network: string;
  /** e.g. http://172.30.0.2:8080 — for ANTHROPIC_BASE_URL. */
  url: string;
  requests(): Promise<StandInRequest[]>;
  stop(): Promise<void>;
}

export async function startMessagesApi(image: string, docker = new Docker()): Promise<MessagesApiStandIn> {
  const suffix = randomBytes(4).toString('hex');
  const network = `convocate-test-api-${suffix}`;
  const net = await docker.createNetwork({ Name: network, Internal: true, Labels: { [STAND_IN_LABEL]: suffix } });
  let container: Docker.Container | undefined;
  const stop = async (): Promise<void> => {
    await container?.remove({ force: true }).catch(() => undefined);
    await net.remove().catch(() => undefined);
  };
  try {
    container = await docker.createContainer({
      name: `convocate-test-api-${suffix}`,
      Image: image,
      Entrypoint: ['/usr/local/bin/node', '/stand-in/server.mjs'],
      Env: [`PORT=${PORT}`],
      User: 'nobody',
      Labels: { [STAND_IN_LABEL]: suffix },
      HostConfig: {
        NetworkMode: network,
        Mounts: [
          { Type: 'bind', Source: process.execPath, Target: '/usr/local/bin/node', ReadOnly: true },
          { Type: 'bind', Source: SERVER, Target: '/stand-in/server.mjs', ReadOnly: true },
        ],
      },
    });
    await container.start();
    const c = container;
    const logLines = async (): Promise<string[]> => {
      const buf = (await c.logs({ stdout: true, stderr: false, follow: false })) as unknown as Buffer;
      return demux(buf).split('\n').filter((l) => l.trim());
    };
    await waitFor('the stand-in to listen', async () => ((await logLines()).some((l) => l.includes('"listening"')) ? true : undefined), 15_000);
    const info = await c.inspect();
    const ip = info.NetworkSettings.Networks[network]?.IPAddress;
    if (!ip) throw new Error(`stand-in has no address on ${network}`);
    return {
      network,
      url: `http://${ip}:${PORT}`,
      requests: async () =>
        (await logLines()).flatMap((l) => {
          try {
            const r = JSON.parse(l) as Partial<StandInRequest>;
            return typeof r.method === 'string' ? [r as StandInRequest] : [];
          } catch {
            return [];
          }
        }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Docker's multiplexed log frames (8-byte headers) → text. */
function demux(buf: Buffer): string {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
