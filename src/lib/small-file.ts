// The one way to read a small file an untrusted party (a session container)
// can write: no link followed, no FIFO or device opened or blocked on, the
// regular-file check repeated on the open descriptor, and a size cap.
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { basename } from 'node:path';

/** The file is there but is not one to read: a link, a FIFO, a device, a directory, or too large. */
export class UnsafeFileError extends Error {
  constructor(
    readonly reason: 'link' | 'not_regular' | 'too_large',
    message: string,
  ) {
    super(message);
  }
}

export interface SmallFile {
  bytes: Buffer;
  /** The open descriptor's stat: identity (dev, ino) and mtime of what was read. */
  stat: Stats;
}

// O_NONBLOCK: a FIFO swapped in after the lstat cannot hang the reader; O_NOFOLLOW: nor can a link (ELOOP).
const FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

const isLink = (path: string) => new UnsafeFileError('link', `${basename(path)} is a symlink`);
const notRegular = (path: string) => new UnsafeFileError('not_regular', `${basename(path)} is not a regular file`);
const tooLarge = (path: string, max: number) => new UnsafeFileError('too_large', `${basename(path)} is larger than ${max} bytes`);

/** Room for what stat saw plus some growth, one byte past the cap at most (so an overrun shows). */
function bufferSize(size: number, maxBytes: number): number {
  return Math.min(maxBytes + 1, size + 4096);
}

/** Throws UnsafeFileError, or the errno error (ENOENT when absent, ELOOP for a link raced in). */
export async function readSmallRegularFile(path: string, maxBytes: number): Promise<SmallFile> {
  const pre = await lstat(path);
  if (pre.isSymbolicLink()) throw isLink(path);
  if (!pre.isFile()) throw notRegular(path);
  const fh = await open(path, FLAGS);
  try {
    const stat = await fh.stat();
    if (!stat.isFile()) throw notRegular(path);
    if (stat.size > maxBytes) throw tooLarge(path, maxBytes);
    const buf = Buffer.alloc(bufferSize(stat.size, maxBytes));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    if (bytesRead > maxBytes) throw tooLarge(path, maxBytes);
    return { bytes: buf.subarray(0, bytesRead), stat };
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/**
 * The same, synchronous: listing reads hundreds of files at once, and a few
 * microseconds of blocking each beat the thread pool's round trips.
 */
export function readSmallRegularFileSync(path: string, maxBytes: number): SmallFile {
  const pre = lstatSync(path);
  if (pre.isSymbolicLink()) throw isLink(path);
  if (!pre.isFile()) throw notRegular(path);
  const fd = openSync(path, FLAGS);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw notRegular(path);
    if (stat.size > maxBytes) throw tooLarge(path, maxBytes);
    const buf = Buffer.alloc(bufferSize(stat.size, maxBytes));
    let n = 0;
    for (let r = 1; r > 0 && n < buf.length; n += r) r = readSync(fd, buf, n, buf.length - n, n);
    if (n > maxBytes) throw tooLarge(path, maxBytes);
    return { bytes: buf.subarray(0, n), stat };
  } finally {
    closeSync(fd);
  }
}
