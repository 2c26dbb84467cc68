// Send an SSH `window-change` on a client channel of any kind. ssh2's own
// `setWindow` silently does nothing unless the channel is a shell or exec, yet
// the attach subsystem needs resizes (SPEC §4), so this goes one level lower.
// Those internals are ssh2 1.17.0's: package.json pins that version, and
// test/integration/agent-ssh.test.ts fails if a resize stops landing.
import type { ClientChannel } from 'ssh2';

interface ChannelInternals {
  outgoing?: { id?: number; state?: string };
  _client?: { _protocol?: { windowChange(id: number, rows: number, cols: number, height: number, width: number): void } };
}

/** Returns false when the channel is no longer open (nothing was sent). */
export function sendWindowChange(channel: ClientChannel, cols: number, rows: number): boolean {
  const ch = channel as unknown as ChannelInternals;
  const id = ch.outgoing?.id;
  const protocol = ch._client?._protocol;
  if (id === undefined || !protocol || ch.outgoing?.state !== 'open') return false;
  protocol.windowChange(id, rows, cols, 0, 0);
  return true;
}
