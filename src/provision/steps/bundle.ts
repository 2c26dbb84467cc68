// The self-contained bundle: this package (dist/, image/, package.json), its
// production node_modules and the Node runtime running this process, as one
// reproducible tar.gz (sorted, zero mtimes, numeric root owner) named
// `<version>-<sha8>` after its own checksum, cached until an input changes.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256File } from '../../lib/sha256-file.js';

export interface Bundle {
  /** `<version>-<first 8 of sha256>`: the directory name on the target. */
  id: string;
  version: string;
  sha256: string;
  path: string;
  bytes: number;
  cleanup(): Promise<void>;
}

export interface BundleSource {
  /** Package root holding dist/, image/, package.json and node_modules/. */
  root: string;
  /** The Node binary shipped as `<bundle>/node`. */
  node: string;
}

/** dist/provision/steps/ and src/provision/steps/ both sit three levels below the package root. */
export function thisPackage(): BundleSource {
  return { root: fileURLToPath(new URL('../../../', import.meta.url)), node: process.execPath };
}

/**
 * Production dependencies from package-lock.json (entries not marked dev), each
 * only once: a nested entry inside an included one comes with its parent. A
 * package installed from the registry has no lockfile and no dev dependencies,
 * so all of node_modules goes.
 */
export function productionModules(root: string): string[] {
  const lockPath = join(root, 'package-lock.json');
  if (!existsSync(lockPath)) return existsSync(join(root, 'node_modules')) ? ['node_modules'] : [];
  const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as { packages?: Record<string, { dev?: boolean }> };
  const wanted = Object.entries(lock.packages ?? {})
    .filter(([path, meta]) => path.startsWith('node_modules/') && !meta.dev && existsSync(join(root, path)))
    .map(([path]) => path)
    .sort();
  return wanted.filter((path) => !wanted.some((other) => other !== path && path.startsWith(`${other}/`)));
}

export function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'convocate-host');
}

/**
 * The bundle for `source`, from the cache when no input file changed since it
 * was built (keyed by every input's path, size and mtime), else built and
 * cached in place of the previous one.
 */
export async function buildBundle(source: BundleSource = thisPackage(), cacheDir = defaultCacheDir()): Promise<Bundle> {
  const pkg = JSON.parse(readFileSync(join(source.root, 'package.json'), 'utf8')) as { version?: string };
  const version = pkg.version ?? '0.0.0';
  for (const need of ['dist/bin/convocate.js', 'dist/bin/convocate-agent.js', 'image/Dockerfile']) {
    if (!existsSync(join(source.root, need))) throw new Error(`bundle: ${join(source.root, need)} is missing: run \`npm run build\` first`);
  }
  const entries = ['dist', 'image', 'package.json', ...productionModules(source.root)];
  const key = await inputsKey(source, entries);
  const cached = join(cacheDir, `${key}.tar.gz`);
  const cachedSum = await readFile(`${cached}.sha256`, 'utf8').then((t) => t.trim(), () => '');
  if (/^[0-9a-f]{64}$/.test(cachedSum) && existsSync(cached)) {
    return { id: `${version}-${cachedSum.slice(0, 8)}`, version, sha256: cachedSum, path: cached, bytes: (await stat(cached)).size, cleanup: async () => {} };
  }
  const built = await buildFresh(source, entries, version);
  try {
    await mkdir(cacheDir, { recursive: true, mode: 0o700 });
    for (const old of await readdir(cacheDir)) await rm(join(cacheDir, old), { force: true });
    await rename(built.path, cached);
    await writeFile(`${cached}.sha256`, `${built.sha256}\n`);
    return { ...built, path: cached, cleanup: async () => {} };
  } finally {
    await built.cleanup();
  }
}

/**
 * Path, size and mtime of every file of dist/ and image/, and of each
 * dependency's package.json (an install rewrites them): a rebuild, edit or
 * reinstall changes the key.
 */
async function inputsKey(source: BundleSource, entries: string[]): Promise<string> {
  const hash = createHash('sha256').update(`${source.root}\0${source.node}\0`);
  const node = await stat(source.node);
  hash.update(`node ${node.size} ${node.mtimeMs}\n`);
  for (const entry of entries) {
    if (entry.startsWith('node_modules/')) {
      const st = await stat(join(source.root, entry, 'package.json')).catch(() => undefined);
      hash.update(`${entry} ${st?.size} ${st?.mtimeMs}\n`);
      continue;
    }
    const top = join(source.root, entry);
    const topStat = await stat(top);
    const files = topStat.isDirectory() ? (await readdir(top, { recursive: true })).sort() : [''];
    for (const rel of files) {
      const st = await stat(join(top, rel)).catch(() => undefined);
      if (st?.isFile()) hash.update(`${entry}/${rel} ${st.size} ${st.mtimeMs}\n`);
    }
  }
  return hash.digest('hex').slice(0, 16);
}

async function buildFresh(source: BundleSource, entries: string[], version: string): Promise<Bundle> {
  const dir = await mkdtemp(join(tmpdir(), 'convocate-bundle-'));
  const out = join(dir, 'bundle.tar.gz');
  const list = join(dir, 'files');
  await writeFile(list, entries.join('\n') + '\n');
  const nodeName = basename(source.node);
  const tarArgs = [
    '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--format=gnu',
    '--exclude=*.test.js', '--exclude=*.test.d.ts', '--exclude=node_modules/.bin',
    '-c', '-C', source.root, '-T', list,
    '-C', dirname(source.node), `--transform=s,^${nodeName.replace(/[^A-Za-z0-9]/g, '\\$&')}$,node,`, nodeName,
  ];
  try {
    await pipeToFile(tarArgs, out);
    const sha256 = await sha256File(out);
    return {
      id: `${version}-${sha256.slice(0, 8)}`,
      version,
      sha256,
      path: out,
      bytes: (await stat(out)).size,
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** `tar … | gzip -n` into `out`; gzip without a name or time keeps the output reproducible. */
function pipeToFile(tarArgs: string[], out: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const quoted = tarArgs.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const child = spawn('bash', ['-o', 'pipefail', '-c', `tar ${quoted} | gzip -n -1 > '${out.replace(/'/g, `'\\''`)}'`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`bundle: tar exited ${code}: ${err.trim().slice(-500)}`))));
  });
}

