// Clones of a busy session on real Docker (SPEC §8): while a process in the
// session swaps a directory for a symlink to /etc and back and makes and
// removes lock files, every clone succeeds, and no clone holds a file from
// outside the source home.
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestAgent, type TestAgent } from '../helpers/agent.js';
import { waitFor } from '../helpers/docker.js';

const CLONES = 50;
// Bounded by time and by a stop file the test writes.
const CHURN = [
  'cd /home/convocate; mkdir -p churn/d; echo inside > churn/d/own-file',
  'end=$((SECONDS+300)); n=0',
  'while [ $SECONDS -lt $end ] && [ ! -e churn-stop ]; do',
  '  mv churn/d churn/d.real; ln -s /etc churn/d',
  '  : > .claude.json.lock; mkdir -p locks/$n; : > locks/$n/lock',
  '  rm churn/d; mv churn/d.real churn/d',
  '  rm -f .claude.json.lock; rm -rf locks/$n; n=$((n+1)); echo $n > churn-count',
  'done',
].join('\n');

let agent: TestAgent;

beforeAll(async () => {
  agent = await makeTestAgent('clone-churn');
}, 60_000);
afterAll(async () => {
  await agent?.cleanup();
}, 120_000);

/** Every regular file under `dir` (links are listed, never followed). */
async function walk(dir: string, out: { files: string[]; links: Array<[string, string]> }, depth = 0): Promise<void> {
  if (depth > 20) throw new Error(`${dir}: deeper than 20 levels`);
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isSymbolicLink()) out.links.push([p, await readlink(p)]);
    else if (e.isDirectory()) await walk(p, out, depth + 1);
    else out.files.push(p);
  }
}

describe('clone under churn', () => {
  it(`${CLONES} clones of a session that swaps a directory for a link to /etc all succeed, and hold nothing from outside`, async () => {
    const src = await agent.api.call('create', { name: 'churning' });
    await agent.api.call('restart', { id: src.uuid });
    const started = await agent.runtime.exec(src.uuid, ['bash', '-c', `nohup bash -c '${CHURN.replace(/'/g, `'\\''`)}' >/dev/null 2>&1 &`], { user: 'root' });
    expect(started.exitCode, started.output).toBe(0);
    const home = agent.store.homeDir(src.uuid);
    await waitFor('churn running', async () => ((await lstat(join(home, 'churn-count')).catch(() => undefined)) ? true : undefined), 15_000);

    const failures: string[] = [];
    const clones: string[] = [];
    for (let i = 0; i < CLONES; i++) {
      try {
        clones.push((await agent.api.call('clone', { source_id: src.uuid, name: `churn-clone-${i}` })).uuid);
      } catch (err) {
        failures.push(`clone ${i}: ${(err as Error).message}`);
      }
    }
    await agent.runtime.exec(src.uuid, ['touch', '/home/convocate/churn-stop'], { user: 'root' });
    expect(failures).toEqual([]);
    expect(clones).toHaveLength(CLONES);
    // The session kept running (and was thawed) through all of it.
    expect((await agent.runtime.exec(src.uuid, ['cat', '/home/convocate/churn-count'], { user: 'root' })).exitCode).toBe(0);
    expect((await agent.api.call('get', { id: src.uuid })).running).toBe(true);

    let sawLink = 0;
    for (const uuid of clones) {
      const tree = { files: [] as string[], links: [] as Array<[string, string]> };
      const root = agent.store.homeDir(uuid);
      await walk(root, tree);
      // /etc's files would appear under churn/d as regular files if a link had been followed.
      const outside = tree.files.filter((f) => /\/(passwd|shadow|hostname|group|os-release)$/.test(f));
      expect(outside, uuid).toEqual([]);
      const d = join(root, 'churn', 'd');
      const st = await lstat(d).catch(() => undefined);
      if (st?.isSymbolicLink()) sawLink++;
      // Caught mid-swap, the real directory sits under its other name; either way it is in the clone.
      expect(tree.files.filter((f) => f.endsWith('/own-file')), uuid).toHaveLength(1);
    }
    // Informational: how many snapshots caught the link (copied as a link, never followed).
    expect(sawLink).toBeLessThanOrEqual(CLONES);
  }, 600_000);
});
