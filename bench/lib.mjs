// Small shared helpers for the benchmark scripts: timing, percentiles, a temp
// agent over the built package, and cleanup by agent label.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { buildAgent } from '../dist/agent/build-agent.js';
import { resolveAgentConfig } from '../dist/agent/config/config.js';
import { SESSION_ENV_FILE } from '../dist/agent/config/session-env.js';
import { DockerRuntime } from '../dist/agent/runtime/docker-runtime.js';
import { DEFAULT_IMAGE } from '../dist/protocol/version.js';

export const docker = new Docker();
export const image = process.env.CONVOCATE_IMAGE || DEFAULT_IMAGE;

export { pct, timed } from '../test/helpers/measure.mjs';

/** Bench sessions run a shell, as the raw baselines do, not Claude: the session env an operator would set. */
export const SHELL_SESSION_ENV = 'CONVOCATE_SESSION_COMMAND=bash -l';
export const useShellSessions = (configDir) => writeFile(join(configDir, SESSION_ENV_FILE), `${SHELL_SESSION_ENV}\n`, { mode: 0o600 });

export const fmt = (ms) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
export const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/**
 * A real agent from the production composition root over temp dirs; `runtime`
 * may be wrapped to count calls; `emitFor` may hand it an event sink.
 */
export async function benchAgent(name, wrapRuntime = (r) => r, emitFor = () => undefined, deps = {}, claude = undefined) {
  const agentId = `bench-${name}-${process.pid}`;
  const root = await mkdtemp(join(tmpdir(), `convocate-bench-${name}-`));
  const config = resolveAgentConfig({ configDir: join(root, 'agent'), sessionsDir: join(root, 'sessions'), image }, {});
  await mkdir(config.configDir, { recursive: true });
  if (claude) {
    // Claude against the stand-in Messages API, on the stand-in's network (see stand-in.mjs).
    await writeFile(join(config.configDir, 'settings.json'), JSON.stringify({ network: claude.network }));
    const env = `ANTHROPIC_BASE_URL=${claude.url}\nANTHROPIC_API_KEY=${claude.key}\nCLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1\n`;
    await writeFile(join(config.configDir, SESSION_ENV_FILE), env, { mode: 0o600 });
  } else {
    await useShellSessions(config.configDir);
  }
  const built = await buildAgent(config, {
    agentId,
    runtime: wrapRuntime(new DockerRuntime(docker)),
    emit: (ev) => emitFor()?.(ev),
    ...deps,
  });
  return {
    ...built,
    dir: config.sessionsDir,
    cleanup: async () => {
      built.engine.close();
      await removeByLabel(`convocate.agent=${agentId}`);
      await rm(root, { recursive: true, force: true });
    },
  };
}

export async function removeByLabel(label) {
  const rows = await docker.listContainers({ all: true, filters: { label: [label] } });
  await Promise.all(rows.map((r) => docker.getContainer(r.Id).remove({ force: true }).catch(() => undefined)));
}

/**
 * Raw baseline: `docker run -d` through the Engine API on the session image
 * (a shell, like the bench agent's sessions), then wait for the entrypoint's ready line.
 */
export async function rawStart(label, home, network) {
  const c = await docker.createContainer({
    Image: image,
    Labels: { [label.split('=')[0]]: label.split('=')[1] },
    Env: [SHELL_SESSION_ENV],
    HostConfig: { Binds: [`${home}:/home/convocate`], ...(network ? { NetworkMode: network } : {}) },
  });
  await c.start();
  const logs = await c.logs({ follow: true, stdout: true, stderr: true });
  await new Promise((resolve) => {
    const out = new PassThrough();
    let seen = '';
    out.on('data', (b) => {
      seen += b.toString();
      if (seen.includes('convocate: ready')) {
        logs.destroy();
        resolve();
      }
    });
    docker.modem.demuxStream(logs, out, out);
  });
  return c;
}

export function row(label, ...cells) {
  console.log(`${label.padEnd(44)} ${cells.join('  ')}`);
}
