// Reads one header line off a byte stream, handing back the bytes that followed
// it in the same chunk raw (they are already payload: keystrokes, tar data).
import type { Readable } from 'node:stream';
import { ConvocateError } from './errors.js';

export function readHeaderLine(stream: Readable, maxBytes: number, what: string): Promise<{ line: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const done = (fn: () => void) => {
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('close', onEnd);
      stream.pause();
      fn();
    };
    const onData = (chunk: Buffer) => {
      const nl = chunk.indexOf(10);
      const head = nl === -1 ? chunk : chunk.subarray(0, nl);
      size += head.length;
      if (size > maxBytes) return done(() => reject(new ConvocateError('too_large', `${what} exceeds ${maxBytes} bytes`)));
      parts.push(head);
      if (nl === -1) return;
      const line = Buffer.concat(parts).toString('utf8').replace(/\r$/, '');
      done(() => resolve({ line, rest: Buffer.from(chunk.subarray(nl + 1)) }));
    };
    const onEnd = () => done(() => reject(new ConvocateError('bad_request', `channel closed before the ${what}`)));
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('close', onEnd);
  });
}
