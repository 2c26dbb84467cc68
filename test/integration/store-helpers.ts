// Shared by the session store integration tests: a fresh temp dir per test,
// child node processes that run our sources, and waits bounded by a deadline.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { lstat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterEach, beforeEach, expect } from 'vitest';
import { SessionStore } from '../../src/agent/sessions/store.js';
import type { SessionStoreOptions } from '../../src/agent/sessions/store.js';
import { ConvocateError } from '../../src/protocol/errors.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const notBound = () => Promise.resolve(false);

/** `work` is the test's temp dir, `dir` the sessions dir inside it. */
export const ctx = { work: '', dir: '' };
const children: ChildProcess[] = [];

/** Call once at the top of a test file. */
export function useTempDir(): void {
  beforeEach(async () => {
    ctx.work = await mkdtemp(join(tmpdir(), 'convocate-'));
    ctx.dir = join(ctx.work, 'sessions');
  });
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await rm(ctx.work, { recursive: true, force: true });
  });
}

export async function newStore(opts: Partial<SessionStoreOptions> = {}): Promise<SessionStore> {
  const store = new SessionStore({ dir: ctx.dir, isPortBound: notBound, ...opts });
  await store.init();
  return store;
}

export async function caught(p: Promise<unknown>): Promise<ConvocateError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConvocateError);
  return err as ConvocateError;
}

/** Bundle a small TypeScript entry that imports our sources, so a plain `node` child can run it. */
export async function childScript(name: string, source: string): Promise<string> {
  const outfile = join(ctx.work, `${name}.mjs`);
  await build({
    stdin: { contents: source, resolveDir: repoRoot, loader: 'ts', sourcefile: `${name}.ts` },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

export function startChild(script: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

/** Resolve with the first stdout line matching `re`; fail on exit or after `ms`. */
export function waitForLine(child: ChildProcess, re: RegExp, ms = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => finish(new Error(`no line matching ${re} within ${ms} ms: ${out}${err}`)), ms);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => re.test(l));
      if (line !== undefined) finish(undefined, line);
    };
    const onErr = (chunk: Buffer) => {
      err += chunk.toString();
    };
    const onExit = (code: number | null) => finish(new Error(`child exited (${code}) before ${re}: ${out}${err}`));
    function finish(e: Error | undefined, line?: string) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onErr);
      child.off('exit', onExit);
      if (e) reject(e);
      else resolve(line ?? '');
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onErr);
    child.on('exit', onExit);
  });
}

export async function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await once(child, 'exit');
}

export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await once(child, 'exit');
  if (child.pid === undefined) throw new Error('no pid');
  return child.pid;
}

export async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
