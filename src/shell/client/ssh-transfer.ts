// The transfer subsystem seen from the shell (SPEC §4): one channel sends a
// home out of its agent, another takes it into the target; the shell pipes the
// two, so agents never hold keys to each other. A cut on either side closes the
// other channel without EOF, and the target then keeps nothing.
import { PassThrough, type Readable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { ConvocateError } from '../../protocol/errors.js';
import { readHeaderLine } from '../../protocol/header-line.js';
import { decodeResponse, MAX_LINE_BYTES } from '../../protocol/rpc.js';
import type { Session, SessionMeta } from '../../protocol/session.js';
import { encodeTransferHeader, type OutgoingHome, type TransferApi, type TransferInHeader } from '../../protocol/transfer.js';

export function sshTransfer(agentId: string, open: () => Promise<ClientChannel>): TransferApi {
  return {
    async transferOut(id: string): Promise<OutgoingHome> {
      const ch = await open();
      let status: number | undefined;
      ch.once('exit', (code: number) => (status = code));
      ch.end(encodeTransferHeader({ direction: 'out', id }));
      const { line, rest } = await readHeaderLine(ch, MAX_LINE_BYTES, 'transfer answer').catch((err: unknown) => {
        ch.close();
        throw err;
      });
      const { session } = decodeResponse<'get'>(line) as unknown as { session: SessionMeta };
      const stream = new PassThrough();
      stream.write(rest);
      ch.on('data', (chunk: Buffer) => {
        if (!stream.write(chunk)) {
          ch.pause();
          stream.once('drain', () => ch.resume());
        }
      });
      ch.once('close', () => {
        if (status === 0) stream.end();
        else stream.destroy(new ConvocateError('unavailable', `agent ${agentId} cut the transfer of ${id}`));
      });
      // The consumer giving up frees the source (its lock and pause) at once.
      stream.once('close', () => ch.close());
      ch.resume();
      return { meta: session, stream };
    },

    async transferIn(header: TransferInHeader, body: Readable): Promise<Session> {
      const ch = await open();
      ch.write(encodeTransferHeader(header));
      const answer = readHeaderLine(ch, MAX_LINE_BYTES, 'transfer answer');
      // A source that fails midway: close without EOF, so the target drops what it staged.
      body.once('error', () => ch.close());
      body.pipe(ch);
      try {
        const { line } = await answer;
        return decodeResponse<'get'>(line);
      } finally {
        body.unpipe(ch);
        body.destroy();
        ch.close();
      }
    },
  };
}

/** Copy (or move) a session between two agents: the source is deleted only after the target answered with the whole copy. */
export async function transferSession(
  from: { transfer?: TransferApi; info: { id: string }; call(op: 'delete', p: { id: string }): Promise<unknown> },
  to: { transfer?: TransferApi; info: { id: string } },
  id: string,
  opts: { name: string; move: boolean },
): Promise<Session> {
  if (!from.transfer) throw new ConvocateError('unavailable', `agent ${from.info.id} takes no transfers`);
  if (!to.transfer) throw new ConvocateError('unavailable', `agent ${to.info.id} takes no transfers`);
  if (from.info.id === to.info.id) throw new ConvocateError('invalid_argument', `the session is already on agent ${to.info.id}`);
  const out = await from.transfer.transferOut(id);
  let copy: Session;
  try {
    copy = await to.transfer.transferIn({ direction: 'in', name: opts.name, move: opts.move, meta: { ...out.meta } }, out.stream);
  } finally {
    out.stream.destroy();
  }
  if (opts.move) await from.call('delete', { id });
  return copy;
}
