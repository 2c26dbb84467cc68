// Where a session lives on the agent host, and the one-time move from the first
// layout. Now: `<dir>/<uuid>/session.json` (the agent's, out of the container's
// reach) beside `<dir>/<uuid>/home/` (bind-mounted at /home/convocate). Before:
// `<dir>/<uuid>/` was the home itself and held session.json, which the
// container (sudo inside) could rewrite.
//
// Migration runs at agent start, per session under its lock, in steps that each
// leave a state the next start recognises, so a crash anywhere resumes:
//   0. `.layout-journal` lists every session still in the old layout;
//   1. mkdir `.migrate-<uuid>`;  2. rename `<uuid>` → `.migrate-<uuid>/home`;
//   3. move `home/session.json` → `.migrate-<uuid>/session.json`;
//   4. drop the uuid from the journal;  5. rename `.migrate-<uuid>` → `<uuid>`.
// Then `.layout` is written and the journal removed. Every user file keeps its
// path relative to the home, so the container sees the same /home/convocate.
import { lstat, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDir, writeFileAtomic } from '../../lib/atomic-write.js';
import { SESSION_FILE } from './session-file.js';
import { isUuid } from '../../protocol/validation.js';

export const HOME_DIR = 'home';
const LAYOUT_FILE = '.layout';
const LAYOUT_VERSION = '2';
const JOURNAL_FILE = '.layout-journal';
const MIGRATE_PREFIX = '.migrate-';

/** Test seam: runs after each numbered step (see above) of one session. */
export type MigrationHook = (step: number, uuid: string) => void | Promise<void>;

export interface MigrationDeps {
  dir: string;
  withLock<T>(uuid: string, fn: () => Promise<T>): Promise<T>;
  log?: (msg: string) => void;
  afterStep?: MigrationHook;
}

/** Bring every session in `dir` to the current layout; a no-op once `.layout` says so. */
export async function migrateLayout(deps: MigrationDeps): Promise<number> {
  const { dir } = deps;
  if ((await readText(join(dir, LAYOUT_FILE)))?.trim() === LAYOUT_VERSION) {
    await rm(join(dir, JOURNAL_FILE), { force: true });
    return 0;
  }
  let journal = await readJournal(dir);
  if (!journal) {
    // No marker and no journal: nothing here was written by this layout yet.
    const names = await readdir(dir, { withFileTypes: true });
    journal = names.filter((e) => e.isDirectory() && isUuid(e.name)).map((e) => e.name).sort();
    await writeJournal(dir, journal);
  }
  const pending = new Set(journal);
  // Sessions past step 4 are no longer in the journal but still staged.
  const staged = (await readdir(dir)).filter((n) => n.startsWith(MIGRATE_PREFIX)).map((n) => n.slice(MIGRATE_PREFIX.length));
  const all = [...new Set([...pending, ...staged.filter(isUuid)])];
  for (const uuid of all) {
    await deps.withLock(uuid, () => migrateOne(deps, uuid, pending.has(uuid)));
  }
  await writeFileAtomic(join(dir, LAYOUT_FILE), `${LAYOUT_VERSION}\n`);
  await rm(join(dir, JOURNAL_FILE), { force: true });
  if (all.length > 0) deps.log?.(`sessions: moved ${all.length} session(s) to the ${dir}/<uuid>/home layout`);
  return all.length;
}

/** Mark a fresh (empty) sessions dir as current, so nothing made later is taken for the old layout. */
export async function markLayoutCurrent(dir: string): Promise<void> {
  await writeFileAtomic(join(dir, LAYOUT_FILE), `${LAYOUT_VERSION}\n`);
}

async function migrateOne(deps: MigrationDeps, uuid: string, inJournal: boolean): Promise<void> {
  const { dir } = deps;
  const live = join(dir, uuid);
  const staging = join(dir, `${MIGRATE_PREFIX}${uuid}`);
  const stagedHome = join(staging, HOME_DIR);
  const step = async (n: number) => deps.afterStep?.(n, uuid);

  if (inJournal) {
    if (!(await exists(staging))) {
      await mkdir(staging, { mode: 0o755 });
      await step(1);
    }
    if (await exists(live)) {
      await rename(live, stagedHome);
      await syncDir(dir);
      await step(2);
    }
    if (!(await exists(stagedHome))) {
      // Removed meanwhile (e.g. deleted by hand): nothing left to move.
      await rm(staging, { recursive: true, force: true });
      return;
    }
    await moveMetadata(staging, stagedHome);
    await step(3);
    await writeJournal(dir, ((await readJournal(dir)) ?? []).filter((u) => u !== uuid));
    await step(4);
  } else {
    // Past step 4: only the final rename is left (the metadata move is idempotent).
    await moveMetadata(staging, stagedHome);
  }
  await rename(staging, live);
  await syncDir(dir);
  await step(5);
}

/**
 * The old session.json moves beside the home. It is taken as it is: the store
 * checks it strictly on every read, and a broken one is reported, not dropped.
 */
async function moveMetadata(staging: string, home: string): Promise<void> {
  const old = join(home, SESSION_FILE);
  const target = join(staging, SESSION_FILE);
  const st = await lstat(old).catch(() => undefined);
  if (st?.isFile() && !(await exists(target))) {
    // Copy, then remove: a rename into another dir is as atomic, but the copy keeps the old one until the new is durable.
    await writeFileAtomic(target, await readFile(old), 0o644);
  }
  if (st && !st.isDirectory()) await rm(old, { force: true });
}

async function readJournal(dir: string): Promise<string[] | undefined> {
  const text = await readText(join(dir, JOURNAL_FILE));
  if (text === undefined) return undefined;
  return text.split('\n').filter((line) => isUuid(line));
}

async function writeJournal(dir: string, uuids: string[]): Promise<void> {
  await writeFileAtomic(join(dir, JOURNAL_FILE), uuids.map((u) => `${u}\n`).join(''));
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

