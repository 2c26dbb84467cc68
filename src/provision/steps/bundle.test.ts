import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildBundle, productionModules, type BundleSource } from './bundle.js';

let dir: string;
let source: BundleSource;

async function put(path: string, text: string): Promise<void> {
  await mkdir(join(dir, path, '..'), { recursive: true });
  await writeFile(join(dir, path), text);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bundle-test-'));
  const root = join(dir, 'pkg');
  await put('pkg/package.json', '{"name":"convocate","version":"9.8.7"}');
  await put('pkg/dist/bin/convocate.js', 'shell');
  await put('pkg/dist/bin/convocate-agent.js', 'agent');
  await put('pkg/dist/agent/engine.test.js', 'a test');
  await put('pkg/image/Dockerfile', 'FROM x');
  await put('pkg/node_modules/ssh2/package.json', '{}');
  await put('pkg/node_modules/ssh2/node_modules/nested/package.json', '{}');
  await put('pkg/node_modules/vitest/package.json', '{}');
  await put('pkg/package-lock.json', JSON.stringify({ packages: {
    '': {}, 'node_modules/ssh2': {}, 'node_modules/ssh2/node_modules/nested': {}, 'node_modules/vitest': { dev: true }, 'node_modules/gone': {},
  } }));
  await put('bin/node', 'a node binary');
  source = { root, node: join(dir, 'bin/node') };
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('the bundle', () => {
  it('takes production dependencies only, each once', () => {
    expect(productionModules(source.root)).toEqual(['node_modules/ssh2']);
  });

  it('holds the package, its production dependencies and Node, without tests', async () => {
    const b = await buildBundle(source, join(dir, 'cache'));
    expect(b.id).toBe(`9.8.7-${b.sha256.slice(0, 8)}`);
    const names = execFileSync('tar', ['-tzf', b.path], { encoding: 'utf8' }).split('\n').filter((n) => n && !n.endsWith('/')).sort();
    expect(names).toEqual([
      'dist/bin/convocate-agent.js', 'dist/bin/convocate.js', 'image/Dockerfile', 'node',
      'node_modules/ssh2/node_modules/nested/package.json', 'node_modules/ssh2/package.json', 'package.json',
    ]);
  });

  it('is reproducible and cached until an input changes', async () => {
    const first = await buildBundle(source, join(dir, 'cache-a'));
    const again = await buildBundle(source, join(dir, 'cache-b'));
    expect(again.sha256).toBe(first.sha256);
    const cached = await buildBundle(source, join(dir, 'cache-a'));
    expect(cached.path).toBe(first.path);
    await put('pkg/dist/bin/convocate-agent.js', 'agent, newer');
    const changed = await buildBundle(source, join(dir, 'cache-a'));
    expect(changed.sha256).not.toBe(first.sha256);
  });

  it('refuses an unbuilt package with the remedy', async () => {
    await rm(join(source.root, 'dist'), { recursive: true });
    await expect(buildBundle(source, join(dir, 'cache'))).rejects.toThrow(/dist\/bin\/convocate.js is missing: run `npm run build` first/);
  });
});
