// One `convocate-agent-transfer` channel (SPEC §4): a header line, then either
// the home goes out (a result line with the metadata, then tar bytes; a failure
// midway exits 1 without a clean end) or comes in (tar bytes until the peer's
// EOF, then one result line). A channel closed early leaves no partial session.
import { PassThrough } from 'node:stream';
import type { ServerChannel } from 'ssh2';
import type { AgentApi } from '../../protocol/agent-api.js';
import { ConvocateError } from '../../protocol/errors.js';
import { readHeaderLine } from '../../protocol/header-line.js';
import { encodeError, encodeResult } from '../../protocol/rpc.js';
import { decodeTransferHeader, MAX_TRANSFER_HEADER_BYTES } from '../../protocol/transfer.js';

export interface TransferChannelOptions {
  headerTimeoutMs: number;
  log: (msg: string) => void;
}

export function serveTransferChannel(channel: ServerChannel, api: AgentApi, opts: TransferChannelOptions): void {
  let answered = false;
  const fail = (err: unknown) => {
    if (answered) return;
    answered = true;
    if (channel.writable) {
      channel.write(encodeError(err));
      channel.exit(1);
      channel.end();
    } else {
      channel.close();
    }
  };
  const timer = setTimeout(() => fail(new ConvocateError('bad_request', `no transfer header within ${opts.headerTimeoutMs} ms`)), opts.headerTimeoutMs);
  channel.on('error', (err: Error) => opts.log(`transfer channel error: ${err.message}`));
  readHeaderLine(channel, MAX_TRANSFER_HEADER_BYTES, 'transfer header')
    .then(async ({ line, rest }) => {
      clearTimeout(timer);
      if (answered) return;
      const header = decodeTransferHeader(line);
      const transfer = api.transfer;
      if (!transfer) throw new ConvocateError('unavailable', 'this agent takes no transfers');
      if (header.direction === 'out') {
        const out = await transfer.transferOut(header.id);
        answered = true;
        channel.write(encodeResult({ session: out.meta }));
        channel.once('close', () => out.stream.destroy());
        out.stream.on('error', (err: Error) => {
          opts.log(`transfer out of ${header.id} failed: ${err.message}`);
          channel.exit(1);
          channel.close();
        });
        out.stream.on('end', () => {
          channel.exit(0);
          channel.end();
        });
        out.stream.pipe(channel, { end: false });
        return;
      }
      // The tar bytes: what followed the header, then the channel until the peer's EOF.
      const body = new PassThrough();
      body.write(rest);
      let ended = false;
      channel.once('end', () => {
        ended = true;
        body.end();
      });
      channel.once('close', () => {
        if (!ended) body.destroy(new ConvocateError('bad_request', 'transfer cut before the end of the stream'));
      });
      channel.on('data', (chunk: Buffer) => {
        if (!body.write(chunk)) {
          channel.pause();
          body.once('drain', () => channel.resume());
        }
      });
      channel.resume();
      const session = await transfer.transferIn(header, body);
      answered = true;
      channel.write(encodeResult(session));
      channel.exit(0);
      channel.end();
    })
    .catch((err: unknown) => {
      clearTimeout(timer);
      opts.log(`transfer: ${err instanceof Error ? err.message : String(err)}`);
      fail(err);
    });
}
