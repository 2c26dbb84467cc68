// Unpacks a session home arriving as a tar stream from another agent (SPEC §4
// transfer): every member is checked before anything is written (no absolute
// path, no "..", only files, dirs and links that stay inside the home, a byte
// cap), files are created exclusively without following links, and links are
// made last so no write ever passes through one. Any refusal removes `dest`.
import { constants } from 'node:fs';
import { chmod, chown, lchown, lstat, mkdir, open, rm, symlink } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, type Headers } from 'tar-stream';
import { ConvocateError } from '../../protocol/errors.js';

export interface ReceiveOptions {
  /** Sum of file sizes the stream may carry. */
  maxBytes: number;
  /** Every member is owned by this user in the new home, whatever the stream says. */
  owner?: { uid: number; gid: number };
}

/** A member's path inside the home, or the reason it is refused. */
export function memberPath(name: string): string {
  if (name.includes('\0')) throw refuse(name, 'NUL in name');
  if (name.startsWith('/')) throw refuse(name, 'absolute path');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw refuse(name, '".." in path');
  return parts.join('/');
}

/** A link's target must resolve, from the link's own dir, to a place inside the home. */
export function checkLinkTarget(path: string, target: string): void {
  if (target === '' || target.includes('\0')) throw refuse(path, 'empty link target');
  if (target.startsWith('/')) throw refuse(path, `link to absolute path ${JSON.stringify(target)}`);
  const resolved = posix.normalize(posix.join(posix.dirname(path), target));
  if (resolved === '..' || resolved.startsWith('../')) throw refuse(path, `link out of the home to ${JSON.stringify(target)}`);
  // Checked lexically, as the container itself could make any link once running: the agent host never
  // follows links in a home (it reads through the no-link door), and links are made after every file.
}

export async function receiveHome(stream: Readable, dest: string, opts: ReceiveOptions): Promise<void> {
  await mkdir(dest, { mode: 0o755 });
  await chmod(dest, 0o755);
  if (opts.owner) await chown(dest, opts.owner.uid, opts.owner.gid);
  const links: Array<{ path: string; target: string }> = [];
  let bytes = 0;
  const ex = extract();
  ex.on('entry', (header, entry, next) => {
    handle(header, entry)
      .then(() => next())
      .catch((err: unknown) => {
        entry.resume();
        next(err);
      });
  });
  const handle = async (h: Headers, entry: Readable) => {
    const path = memberPath(h.name);
    const full = path === '' ? dest : join(dest, path);
    if (path !== '') await ensureParents(dest, path);
    const mode = (h.mode ?? 0o644) & 0o1777;
    switch (h.type ?? 'file') {
      case 'directory':
        if (path !== '') await mkdir(full, { mode }).catch((err: NodeJS.ErrnoException) => (err.code === 'EEXIST' ? assertDir(full, path) : Promise.reject(err)));
        if (path !== '') await chmod(full, mode);
        if (opts.owner) await chown(full, opts.owner.uid, opts.owner.gid);
        entry.resume();
        return;
      case 'file':
      case 'contiguous-file': {
        if (path === '') throw refuse(h.name, 'a file in place of the home');
        bytes += h.size ?? 0;
        if (bytes > opts.maxBytes) throw refuse(h.name, `transfer larger than ${opts.maxBytes} bytes`);
        const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
        const fh = await open(full, flags, mode);
        await pipeline(entry, fh.createWriteStream());
        await chmod(full, mode); // open's mode was masked by the umask; the file was just made, no link
        if (opts.owner) await chown(full, opts.owner.uid, opts.owner.gid);
        return;
      }
      case 'symlink':
        checkLinkTarget(path, h.linkname ?? '');
        links.push({ path, target: h.linkname ?? '' });
        entry.resume();
        return;
      default:
        throw refuse(h.name, `member type ${h.type ?? 'unknown'} not allowed`);
    }
  };
  try {
    await pipeline(stream, ex);
    for (const l of links) {
      await ensureParents(dest, l.path);
      await symlink(l.target, join(dest, l.path));
      if (opts.owner) await lchown(join(dest, l.path), opts.owner.uid, opts.owner.gid);
    }
  } catch (err) {
    await rm(dest, { recursive: true, force: true });
    if (err instanceof ConvocateError) throw err;
    throw new ConvocateError('bad_request', `transfer: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** Every ancestor of `path` under `dest` is a real directory (made if missing), never a link. */
async function ensureParents(dest: string, path: string): Promise<void> {
  const parts = dirname(path) === '.' ? [] : dirname(path).split('/');
  let at = dest;
  for (const p of parts) {
    at = join(at, p);
    await mkdir(at, { mode: 0o755 }).catch((err: NodeJS.ErrnoException) => (err.code === 'EEXIST' ? assertDir(at, path) : Promise.reject(err)));
  }
}

async function assertDir(full: string, member: string): Promise<void> {
  const st = await lstat(full);
  if (!st.isDirectory()) throw refuse(member, 'a path through a non-directory');
}

function refuse(name: string, why: string): ConvocateError {
  return new ConvocateError('bad_request', `transfer: member ${JSON.stringify(name.slice(0, 200))} refused: ${why}`);
}
