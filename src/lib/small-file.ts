// The door for small files an untrusted party (a session container) can
// write: a regular file only, no link followed, no blocking open (a FIFO
// cannot hang the caller), the type checked again after open, a size cap.
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';

/** The file's text, or undefined when it is absent, not a regular file, larger than `maxBytes` or unreadable. */
export async function readSmallRegularFile(path: string, maxBytes: number): Promise<string | undefined> {
  let fh;
  try {
    if (!(await lstat(path)).isFile()) return undefined;
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const info = await fh.stat();
    if (!info.isFile() || info.size > maxBytes) return undefined;
    const buf = Buffer.alloc(maxBytes + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return bytesRead > maxBytes ? undefined : buf.subarray(0, bytesRead).toString('utf8');
  } catch {
    return undefined;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
