// The e2e global setup's guard against testing an old build, on temp trees.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { distStaleness } from '../helpers/fresh-dist.js';

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

function tree(): void {
  root = mkdtempSync(join(tmpdir(), 'fresh-dist-'));
  mkdirSync(join(root, 'src/agent'), { recursive: true });
  mkdirSync(join(root, 'dist'));
  writeFileSync(join(root, 'package.json'), '{}');
  writeFileSync(join(root, 'src/agent/a.ts'), 'export {};');
}

const at = (path: string, secondsAgo: number) => {
  const t = Date.now() / 1000 - secondsAgo;
  utimesSync(path, t, t);
};

describe('distStaleness', () => {
  it('is stale without a build, fresh after one, stale again when a nested source changes', () => {
    tree();
    expect(distStaleness(root)).toBe('dist/build-info.json is missing');
    at(join(root, 'package.json'), 100);
    at(join(root, 'src/agent/a.ts'), 100);
    writeFileSync(join(root, 'dist/build-info.json'), '{}');
    at(join(root, 'dist/build-info.json'), 50);
    expect(distStaleness(root)).toBeUndefined();
    at(join(root, 'src/agent/a.ts'), 10);
    expect(distStaleness(root)).toBe('a source file is newer than the last build');
  });

  it('counts the build inputs beside src/ too', () => {
    tree();
    at(join(root, 'src/agent/a.ts'), 100);
    writeFileSync(join(root, 'dist/build-info.json'), '{}');
    at(join(root, 'dist/build-info.json'), 50);
    at(join(root, 'package.json'), 10);
    expect(distStaleness(root)).toBe('a source file is newer than the last build');
  });
});
