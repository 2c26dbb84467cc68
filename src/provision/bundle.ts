// The self-contained bundle: this package (dist/, image/, package.json), its
// production node_modules and the Node runtime running this process, as one
// reproducible tar.gz (sorted, zero mtimes, numeric root owner) named
// `<version>-<sha8>` after its own checksum.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** dist/provision/ and src/provision/ both sit two levels below the package root. */
export function thisPackage(): BundleSource {
  return { root: fileURLToPath(new URL('../../', import.meta.url)), node: process.execPath };
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

export async function buildBundle(source: BundleSource = thisPackage()): Promise<Bundle> {
  const pkg = JSON.parse(readFileSync(join(source.root, 'package.json'), 'utf8')) as { version?: string };
  const version = pkg.version ?? '0.0.0';
  for (const need of ['dist/bin/convocate.js', 'dist/bin/convocate-agent.js', 'image/Dockerfile']) {
    if (!existsSync(join(source.root, need))) throw new Error(`bundle: ${join(source.root, need)} is missing: run \`npm run build\` first`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'convocate-bundle-'));
  const out = join(dir, 'bundle.tar.gz');
  const list = join(dir, 'files');
  await writeFile(list, ['dist', 'image', 'package.json', ...productionModules(source.root)].join('\n') + '\n');
  const nodeName = basename(source.node);
  const tarArgs = [
    '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--format=gnu',
    '--exclude=*.test.js', '--exclude=*.test.d.ts', '--exclude=node_modules/.bin',
    '-c', '-C', source.root, '-T', list,
    '-C', dirname(source.node), `--transform=s,^${nodeName.replace(/[^A-Za-z0-9]/g, '\\$&')}$,node,`, nodeName,
  ];
  try {
    await pipeToFile(tarArgs, out);
    const sha256 = await hashFile(out);
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

export function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (b) => hash.update(b))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
