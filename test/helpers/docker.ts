// Shared Docker fixtures for e2e tests: the session image tag chosen by the
// global setup, a unique agent id per test file, temp session dirs, cleanup.
//
// The tag reaches tests two ways: vitest `provide('sessionImage')` (read it
// with `sessionImage()`) and `CONVOCATE_IMAGE`, set in the main process before
// any worker starts, so a spawned CLI under test picks the same image.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { inject } from 'vitest';
import { AGENT_LABEL } from '../../src/agent/runtime/container-runtime.js';
import { HOW_TO_GET_DOCKER } from './global-setup.js';

declare module 'vitest' {
  export interface ProvidedContext {
    sessionImage: string;
  }
}


export function sessionImage(): string {
  return inject('sessionImage');
}

export function dockerClient(): Docker {
  return new Docker();
}

/** Fails with a message saying how to get Docker; never lets a test skip silently. */
export async function requireDocker(docker: Docker = dockerClient()): Promise<void> {
  try {
    await docker.ping();
  } catch (err) {
    const cause = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot reach Docker (${cause}). ${HOW_TO_GET_DOCKER}`, { cause: err });
  }
}

/** One agent id per test file, so cleanup never touches another file's containers. */
export function testAgentId(name: string): string {
  return `test-${name}-${randomBytes(4).toString('hex')}`;
}

export interface TempDir {
  dir: string;
  cleanup(): Promise<void>;
}

export async function tempSessionsDir(prefix = 'convocate-sessions-'): Promise<TempDir> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Remove every session container labelled with this agent id, running or not. */
export async function removeAgentContainers(agentId: string, docker: Docker = dockerClient()): Promise<number> {
  const rows = await docker.listContainers({ all: true, filters: { label: [`${AGENT_LABEL}=${agentId}`] } });
  await Promise.all(
    rows.map((row) =>
      docker
        .getContainer(row.Id)
        .remove({ force: true })
        .catch((err: unknown) => {
          if ((err as { statusCode?: number }).statusCode !== 404) throw err;
        }),
    ),
  );
  return rows.length;
}

/** Poll `check` until it returns a value; fail with `what` at the deadline. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 10_000; attempt++) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** The exit code in the `die` event of container `name` since `since` (Unix seconds). */
export async function dieExitCode(name: string, since: number, docker: Docker = dockerClient()): Promise<string | undefined> {
  const until = Math.floor(Date.now() / 1000) + 1;
  const stream = await docker.getEvents({ since, until, filters: { container: [name], event: ['die'] } });
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  const events = text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { Actor?: { Attributes?: Record<string, string> } });
  if (events.length !== 1) throw new Error(`expected one die event of ${name}, got ${events.length}`);
  return events[0]!.Actor?.Attributes?.exitCode;
}
