// Global setup of the e2e project: Docker must answer, and the session image
// must exist and be current (built offline with Claude Code once, rebuilt when
// its files or Claude change, else reused by tag). It runs outside the
// test workers, so it must not import the vitest runtime (nor docker.ts).
import Docker from 'dockerode';
import type { TestProject } from 'vitest/node';
import { buildSessionImage, DEFAULT_IMAGE } from '../../src/agent/image/build.js';
import { ensureFreshDist } from './fresh-dist.js';

export const HOW_TO_GET_DOCKER =
  'e2e tests need a running Docker daemon: `apt-get install -y docker.io && (dockerd >/var/log/dockerd.log 2>&1 &)`, or run `.ci/run`';

export default async function setup(project: TestProject): Promise<void> {
  ensureFreshDist(project.config.root, (line) => process.stderr.write(`${line}\n`));
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (err) {
    const cause = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot reach Docker (${cause}). ${HOW_TO_GET_DOCKER}`, { cause: err });
  }
  const tag = process.env.CONVOCATE_IMAGE || DEFAULT_IMAGE;
  const started = Date.now();
  let built = false;
  await buildSessionImage({
    tag,
    offline: true,
    force: false,
    docker,
    onProgress: (line) => {
      if (!line.includes('already present')) built = true;
      if (built) process.stderr.write(`[image] ${line}\n`);
    },
  });
  if (built) process.stderr.write(`[image] ${tag} ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  process.env.CONVOCATE_IMAGE = tag;
  project.provide('sessionImage', tag);
}
