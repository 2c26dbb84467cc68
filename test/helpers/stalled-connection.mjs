// One unauthenticated TCP connection to an SSH port, held open: half of them
// get as far as the SSH banner and then stall. Shared by the load test and
// bench/abuse.mjs. Plain ESM so that bench/ runs it without a compile step.
import { connect } from 'node:net';

/** Resolves with the open socket, or undefined when the connection failed. */
export function holdConnection(port, source) {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, localAddress: source });
    s.on('error', () => resolve(undefined));
    s.once('connect', () => {
      if (Math.random() < 0.5) s.write('SSH-2.0-stalling\r\n');
      resolve(s);
    });
  });
}
