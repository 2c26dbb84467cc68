// Packs a session home as a tar stream for another agent (SPEC §4 transfer):
// a walk by lstat, so a link is sent as a link and never followed; sockets,
// fifos and devices are skipped (the receiver would refuse them).
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pack, type Pack } from 'tar-stream';

/** Start packing `home`; the returned stream ends after the last member, or errors. */
export function sendHome(home: string): Pack {
  const p = pack();
  walk(p, home, '').then(
    () => p.finalize(),
    (err: unknown) => p.destroy(err instanceof Error ? err : new Error(String(err))),
  );
  return p;
}

async function walk(p: Pack, root: string, rel: string): Promise<void> {
  const names = (await readdir(join(root, rel))).sort();
  for (const n of names) {
    const path = rel === '' ? n : `${rel}/${n}`;
    const full = join(root, path);
    // A file that vanished between readdir and lstat (the session may run) is not part of the copy.
    const st = await lstat(full).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
    if (!st) continue;
    const base = { name: path, mode: st.mode & 0o7777, mtime: st.mtime, uid: st.uid, gid: st.gid };
    if (st.isDirectory()) {
      await add(p, { ...base, type: 'directory' });
      await walk(p, root, path);
    } else if (st.isSymbolicLink()) {
      await add(p, { ...base, type: 'symlink', linkname: await readlink(full) });
    } else if (st.isFile()) {
      await new Promise<void>((resolve, reject) => {
        const sink = p.entry({ ...base, type: 'file', size: st.size }, (err) => (err ? reject(err) : resolve()));
        pipeline(createReadStream(full), sink).catch(reject);
      });
    }
  }
}

function add(p: Pack, header: Parameters<Pack['entry']>[0]): Promise<void> {
  return new Promise((resolve, reject) => p.entry(header, (err) => (err ? reject(err) : resolve())));
}
