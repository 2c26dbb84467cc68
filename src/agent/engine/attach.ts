// Attach: start the container when it is stopped, then relay a PTY running
// `tmux attach-session -t claude` as the session user. Closing the relay
// detaches that one client; it never stops the container.
import type { AttachHandle } from '../../protocol/agent-api.js';
import type { AttachHeader } from '../../protocol/attach.js';
import { TMUX_SESSION } from '../runtime/container-runtime.js';
import type { SessionEngine } from './engine.js';
import { readOnlyHandle } from './read-only.js';

const ATTACH_CMD = ['tmux', '-u', 'attach-session', '-t', TMUX_SESSION];

export async function attachSession(engine: SessionEngine, header: AttachHeader): Promise<AttachHandle> {
  const meta = await engine.prepareAttach(header.id);
  // `-r`: tmux ignores every key of a read-only client except detach; the
  // agent drops them too, since the session controls what `tmux` runs.
  if (!header.read_only) return engine.relay(meta.uuid, ATTACH_CMD, header);
  return readOnlyHandle(await engine.relay(meta.uuid, [...ATTACH_CMD, '-r'], header));
}
