// Replace a file so that readers, and a crash at any instant, see either the old
// content or the new one in full: temp file in the same directory, fsync, rename, fsync dir.
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteHooks {
  /** Test seam: runs after the temp file is durable and before it replaces the target. */
  beforeRename?: (tmpPath: string) => void | Promise<void>;
}

export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode = 0o644,
  hooks?: AtomicWriteHooks,
): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fh: FileHandle | undefined;
  try {
    // 'wx' refuses to follow a symlink planted at the temp name.
    fh = await open(tmp, 'wx', mode);
    await fh.writeFile(data);
    // open() applies the umask; the caller asked for this exact mode.
    await fh.chmod(mode);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await hooks?.beforeRename?.(tmp);
    await rename(tmp, path);
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dir);
}

/** Make a rename in `dir` durable: without this a power cut can bring the old name back. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } catch (err) {
    // Some filesystems cannot fsync a directory; the rename is still atomic there.
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
  } finally {
    await fh.close();
  }
}
