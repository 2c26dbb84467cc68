// Attach: start the container when it is stopped, then relay a PTY running
// `tmux attach-session -t claude` as the session user. Closing the relay
// detaches that one client; it never stops the container.
import type { AttachHandle } from '../protocol/agent-api.js';
import type { AttachHeader } from '../protocol/attach.js';
import { ConvocateError } from '../protocol/errors.js';
import { CONTAINER_USER, TMUX_SESSION } from './runtime/container-runtime.js';
import type { SessionEngine } from './engine.js';
import { assertUuid } from './sessions/validation.js';

const ATTACH_CMD = ['tmux', '-u', 'attach-session', '-t', TMUX_SESSION];

export async function attachSession(engine: SessionEngine, header: AttachHeader): Promise<AttachHandle> {
  assertUuid(header.id);
  const meta = await engine.store.get(header.id);
  await engine.ensureRunning(meta);
  await touchQuietly(engine, meta.uuid);

  // `-r`: tmux ignores every key of a read-only client except detach.
  const cmd = header.read_only ? [...ATTACH_CMD, '-r'] : ATTACH_CMD;
  const pty = await engine.runtime.execPty(meta.uuid, cmd, {
    user: CONTAINER_USER,
    cols: header.cols,
    rows: header.rows,
    env: ['TERM=xterm-256color', 'LANG=C.UTF-8'],
  });
  const endRelay = engine.live.openRelay(meta.uuid);
  const done = pty.exit.then(
    () => endRelay(),
    () => endRelay(),
  );
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

/** `last_accessed` moves on every attach; a concurrent mutation holding the lock must not fail the attach. */
async function touchQuietly(engine: SessionEngine, uuid: string): Promise<void> {
  try {
    await engine.store.locks.withLock(uuid, () => engine.store.touch(uuid));
  } catch (err) {
    if (!(err instanceof ConvocateError && err.code === 'locked')) throw err;
  }
}
