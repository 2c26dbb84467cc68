// `convocate-agent serve`: build the agent (the composition root makes the
// config dir, agent id, store and engine), mint the SSH host key, start the
// SSH server and the status emitter, and shut both down cleanly on SIGTERM/SIGINT.
import { readFile } from 'node:fs/promises';
import type { AgentApi } from '../protocol/agent-api.js';
import { makeEvent, type StatusEvent } from '../protocol/status.js';
import { VERSION } from '../protocol/version.js';
import { fingerprint, loadOrCreateHostKey, parsePrivateKey } from '../lib/keys.js';
import type { AgentConfig } from './config/config.js';
import { buildAgent } from './build-agent.js';
import { startAgentServer } from './ssh/server.js';
import { STATUS_QUEUE_MAX, StatusEmitter } from './status/emitter.js';

export type Emit = (ev: StatusEvent) => void;

export interface ServeDeps {
  /** The composition root (buildAgent by default; tests pass it a fake runtime). `emit` never blocks or throws. */
  build?(config: AgentConfig, emit: Emit): Promise<{ agentId: string; api: AgentApi }>;
  log?: (msg: string) => void;
  /** Installs the stop handler for termination signals; returns an uninstaller. Tests inject their own. */
  onSignals?: (stop: (signal: string) => void) => () => void;
  exit?: (code: number) => void;
  /** Emitter timing overrides, for tests. */
  emitter?: { backoffInitialMs?: number; backoffMaxMs?: number };
}

export interface RunningAgent {
  agentId: string;
  port: number;
  /** Undefined when no shell host is configured or its keys are unusable. */
  emitter: StatusEmitter | undefined;
  stop(reason: string): Promise<void>;
}

/** Bound on shutdown so that a stuck peer cannot keep the process alive. */
const STOP_TIMEOUT_MS = 5_000;

export async function runServe(config: AgentConfig, deps: ServeDeps = {}): Promise<RunningAgent> {
  const log = deps.log ?? ((msg: string) => process.stderr.write(`${msg}\n`));
  // The emitter needs the agent id the build mints: events of the build itself wait for it.
  const early: StatusEvent[] = [];
  let sink: Emit = (ev) => {
    if (early.length < STATUS_QUEUE_MAX) early.push(ev);
  };
  const emit: Emit = (ev) => sink(ev);
  const build = deps.build ?? ((c: AgentConfig, e: Emit) => buildAgent(c, { emit: e }));
  const { agentId, api } = await build(config, emit);
  const hostKey = await loadOrCreateHostKey(config.hostKey);
  const emitter = await makeEmitter(config, agentId, log, deps);
  sink = emitter ? (ev) => emitter.emit(ev) : () => undefined;
  for (const ev of early.splice(0)) sink(ev);
  const server = await startAgentServer({ api, hostKey: hostKey.private, authorizedKeysPath: config.authKeys, listen: config.listen, log });
  log(`agent ${agentId} ${VERSION} listening on ${config.listen.host}:${server.port}, host key ${fingerprint(parsePrivateKey(hostKey.private))}`);
  emitter?.start();
  // The image in force may come from a saved `settings-set`, not the flag.
  const imageTag = await api.call('settings-get', null).then((s) => s.image, () => config.image);
  emit(makeEvent('agent.started', agentId, { version: VERSION, image_tag: imageTag }));

  let stopping: Promise<void> | undefined;
  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      uninstall();
      const done = Promise.all([emitter?.close(reason), server.close()]);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_TIMEOUT_MS)));
      await Promise.race([done, timeout]);
      clearTimeout(timer);
      log(`agent ${agentId} stopped: ${reason}`);
    })();
    return stopping;
  };
  const exit = deps.exit ?? ((code: number) => process.exit(code));
  const uninstall = (deps.onSignals ?? processSignals)((signal) => {
    stop(`received ${signal}`).then(() => exit(0), () => exit(1));
  });

  return { agentId, port: server.port, emitter, stop };
}

function processSignals(stop: (signal: string) => void): () => void {
  const onTerm = () => stop('SIGTERM');
  const onInt = () => stop('SIGINT');
  process.once('SIGTERM', onTerm);
  process.once('SIGINT', onInt);
  return () => {
    process.removeListener('SIGTERM', onTerm);
    process.removeListener('SIGINT', onInt);
  };
}

/** A missing shell key or pin disables status events with one clear line; the agent still serves. */
async function makeEmitter(config: AgentConfig, agentId: string, log: (msg: string) => void, deps: ServeDeps): Promise<StatusEmitter | undefined> {
  if (!config.shellHost) {
    log('status events disabled: no shell host configured');
    return undefined;
  }
  try {
    const [privateKey, knownHostKey] = await Promise.all([readFile(config.shellKey), readFile(config.shellKnownHost, 'utf8')]);
    parsePrivateKey(privateKey, config.shellKey);
    return new StatusEmitter({
      agentId,
      host: config.shellHost,
      port: config.shellPort,
      privateKey,
      knownHostKey,
      log,
      heartbeatMs: config.heartbeatMs,
      ...deps.emitter,
    });
  } catch (err) {
    log(`status events disabled: ${(err as Error).message}`);
    return undefined;
  }
}
