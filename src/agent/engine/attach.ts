// Attach: start the container when it is stopped, move `last_accessed`, then
// relay a PTY running `tmux attach-session -t claude` as the session user.
// Closing the relay detaches that one client; it never stops the container.
import type { AttachHandle } from '../../protocol/agent-api.js';
import type { AttachHeader } from '../../protocol/attach.js';
import { ConvocateError } from '../../protocol/errors.js';
import type { SessionMeta } from '../../protocol/session.js';
import { assertUuid } from '../../protocol/validation.js';
import { CONTAINER_USER, TMUX_SESSION, type ContainerRuntime } from '../runtime/container-runtime.js';
import type { SessionStore } from '../sessions/store.js';
import type { LiveState } from './live-state.js';
import { readOnlyHandle } from './read-only.js';

const ATTACH_CMD = ['tmux', '-u', 'attach-session', '-t', TMUX_SESSION];

export interface AttachDeps {
  store: SessionStore;
  runtime: ContainerRuntime;
  live: LiveState;
  ensureRunning: (meta: SessionMeta) => Promise<void>;
}

export async function attachSession(deps: AttachDeps, header: AttachHeader): Promise<AttachHandle> {
  assertUuid(header.id);
  const meta = await deps.store.get(header.id);
  await deps.ensureRunning(meta);
  try {
    await deps.store.locks.withLock(meta.uuid, () => deps.store.touch(meta.uuid));
  } catch (err) {
    // A concurrent mutation holding the lock must not fail the attach.
    if (!(err instanceof ConvocateError && err.code === 'locked')) throw err;
  }
  // `-r`: tmux ignores every key of a read-only client except detach; the
  // agent drops them too, since the session controls what `tmux` runs.
  if (!header.read_only) return relay(deps, meta.uuid, ATTACH_CMD, header);
  return readOnlyHandle(await relay(deps, meta.uuid, [...ATTACH_CMD, '-r'], header));
}

/** A PTY running `cmd` as the session user, counted as an attached operator until it closes. */
async function relay(deps: AttachDeps, uuid: string, cmd: string[], size: { cols: number; rows: number }): Promise<AttachHandle> {
  const pty = await deps.runtime.execPty(uuid, cmd, {
    user: CONTAINER_USER,
    cols: size.cols,
    rows: size.rows,
    env: ['TERM=xterm-256color', 'LANG=C.UTF-8'],
  });
  const endRelay = deps.live.openRelay(uuid);
  const done = pty.exit.then(endRelay, endRelay);
  pty.stream.once('close', endRelay);
  return {
    stream: pty.stream,
    resize: (cols, rows) => pty.resize(cols, rows),
    done,
    close: () => {
      endRelay();
      pty.stream.destroy();
    },
  };
}
