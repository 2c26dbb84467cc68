// One `convocate-agent-attach` channel: read the header line, open the relay,
// then pipe raw bytes both ways. Closing the channel only closes the relay;
// the container keeps running. A failure is one `{"ok":false,…}` line.
import { readHeaderLine } from '../../protocol/header-line.js';
import type { ServerChannel } from 'ssh2';
import type { AgentApi, AttachHandle } from '../../protocol/agent-api.js';
import { decodeAttachHeader, isValidWindowSize, MAX_ATTACH_HEADER_BYTES } from '../../protocol/attach.js';
import { ConvocateError } from '../../protocol/errors.js';
import { encodeError } from '../../protocol/rpc.js';

export interface AttachChannelOptions {
  headerTimeoutMs: number;
  log: (msg: string) => void;
}

/** What the server forwards from the session's `window-change` requests. */
export interface AttachControl {
  resize(cols: number, rows: number): void;
}

export function serveAttachChannel(channel: ServerChannel, api: AgentApi, opts: AttachChannelOptions): AttachControl {
  let handle: AttachHandle | undefined;
  let pendingSize: { cols: number; rows: number } | undefined;
  let closed = false;
  let failed = false;

  const fail = (err: unknown) => {
    if (closed || failed) return;
    failed = true;
    if (channel.writable) {
      channel.write(encodeError(err));
      channel.exit(1);
      channel.end();
    } else {
      channel.close();
    }
  };

  const timer = setTimeout(() => {
    fail(new ConvocateError('bad_request', `no attach header within ${opts.headerTimeoutMs} ms`));
  }, opts.headerTimeoutMs);

  channel.once('close', () => {
    closed = true;
    clearTimeout(timer);
    handle?.close();
  });
  channel.on('error', (err: Error) => opts.log(`attach channel error: ${err.message}`));

  // Bytes after the header in the same packet are already keystrokes: handed on raw.
  readHeaderLine(channel, MAX_ATTACH_HEADER_BYTES, 'attach header').then(
    async ({ line, rest }) => {
      clearTimeout(timer);
      // A header that arrives after the timeout answered must not start anything.
      if (failed || closed) return;
      const header = decodeAttachHeader(line);
      const h = await api.attach(header);
      if (closed) return h.close();
      handle = h;
      relay(channel, h, rest, opts.log);
      if (pendingSize) resize(h, pendingSize.cols, pendingSize.rows, opts.log);
    },
    (err: unknown) => {
      clearTimeout(timer);
      throw err;
    },
  ).catch(fail);

  return {
    resize(cols, rows) {
      if (handle) resize(handle, cols, rows, opts.log);
      else pendingSize = { cols, rows };
    },
  };
}

function relay(channel: ServerChannel, handle: AttachHandle, rest: Buffer, log: (msg: string) => void): void {
  const { stream } = handle;
  stream.on('error', (err: Error) => {
    log(`attach relay error: ${err.message}`);
    channel.close();
  });
  // The relay ending (tmux detached, container stopped) ends the channel with status 0.
  stream.pipe(channel, { end: false });
  handle.done.then(
    () => {
      if (!channel.writable) return;
      channel.exit(0);
      channel.end();
    },
    (err: unknown) => {
      log(`attach relay failed: ${(err as Error).message}`);
      channel.close();
    },
  );
  if (rest.length > 0) stream.write(rest);
  channel.pipe(stream);
  channel.resume();
}

function resize(handle: AttachHandle, cols: number, rows: number, log: (msg: string) => void): void {
  if (!isValidWindowSize(cols, rows)) return log(`ignored window-change to ${cols}x${rows}`);
  handle.resize(cols, rows).catch((err: unknown) => log(`resize failed: ${(err as Error).message}`));
}
