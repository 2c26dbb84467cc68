// A read-only attach enforced by the agent (SPEC §8), not only by tmux `-r`
// inside a container the session controls: the watcher's bytes are dropped
// here, except tmux's detach (prefix Ctrl-B, then `d`), so watching can end
// the usual way. Output flows unchanged.
import { Duplex } from 'node:stream';
import type { AttachHandle } from '../../protocol/agent-api.js';

const PREFIX = 0x02;
const DETACH = 0x64; // d

export function readOnlyHandle(handle: AttachHandle): AttachHandle {
  const inner = handle.stream;
  let afterPrefix = false;
  const outer = new Duplex({
    read() {
      inner.resume();
    },
    write(chunk: Buffer, _enc, done) {
      for (const byte of chunk) {
        // Only the detach pair crosses; the pair as a whole, never a lone prefix.
        if (afterPrefix && byte === DETACH) inner.write(Buffer.from([PREFIX, DETACH]));
        afterPrefix = byte === PREFIX;
      }
      done();
    },
    final(done) {
      inner.end();
      done();
    },
    destroy(err, done) {
      inner.destroy();
      done(err);
    },
  });
  inner.on('data', (d: Buffer) => {
    if (!outer.push(d)) inner.pause();
  });
  inner.on('end', () => outer.push(null));
  inner.on('error', (err: Error) => outer.destroy(err));
  inner.on('close', () => outer.destroy());
  return { ...handle, stream: outer };
}
