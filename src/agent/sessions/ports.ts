// Port allocation: the pure "lowest free port" rule and a real probe of the host,
// since a port some other program holds would make `docker run -p` fail later.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { ConvocateError } from '../../protocol/errors.js';
import type { Protocol } from '../../protocol/session.js';

export const AUTO_PORT_FROM = 1001;
const PORT_MAX = 65535;

export function pickFreePort(taken: ReadonlySet<number>, from = AUTO_PORT_FROM): number {
  for (let p = Math.max(1, from); p <= PORT_MAX; p++) {
    if (!taken.has(p)) return p;
  }
  throw new ConvocateError('conflict', `no free port at or above ${from}`);
}

/**
 * True when something on this host already holds the port, on IPv4 or IPv6.
 * Only EADDRINUSE counts: EACCES (a low port without root) says nothing about
 * the port, and Docker's proxy binds as root anyway; a missing address family
 * (IPv6 disabled) cannot hold anything.
 */
export async function isPortBound(port: number, protocol: Protocol): Promise<boolean> {
  const probe = protocol === 'udp' ? tryBindUdp : tryBindTcp;
  if (await probe(port, '0.0.0.0')) return true;
  return probe(port, '::');
}

type BindProbe = (port: number, host: string) => Promise<boolean>;

const tryBindTcp: BindProbe = (port, host) =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      server.close(() => resolve(err.code === 'EADDRINUSE'));
    });
    server.listen({ port, host, exclusive: true, ipv6Only: host === '::' }, () => {
      server.close(() => resolve(false));
    });
  });

const tryBindUdp: BindProbe = (port, host) =>
  new Promise((resolve) => {
    const socket = createSocket({ type: host === '::' ? 'udp6' : 'udp4', ipv6Only: host === '::' });
    const done = (bound: boolean) => {
      try {
        socket.close(() => resolve(bound));
      } catch {
        // Never bound, so already closed.
        resolve(bound);
      }
    };
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'EADDRINUSE'));
    socket.bind({ port, address: host, exclusive: true }, () => done(false));
  });
