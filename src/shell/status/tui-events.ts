// Where the TUI hears agents: status-serve's socket and the embedded agent's
// own events, routed once: heartbeats keep an agent's health fresh, anything
// else is a change (one session's activity, or "reload").
import type { EventEmitter } from 'node:events';
import type { StatusEvent } from '../../protocol/status.js';
import { activityChange, type ActivityChange } from './activity-change.js';
import { subscribeStatus } from './subscribe.js';

export interface HeartbeatSink {
  noteHeartbeat(agentId: string, at: string): void;
}

/** One status event to where it belongs. */
export function routeStatusEvent(ev: StatusEvent, directory: HeartbeatSink, onChange: (change?: ActivityChange) => void): void {
  if (ev.type === 'agent.heartbeat') directory.noteHeartbeat(ev.agent_id, ev.timestamp);
  else onChange(activityChange(ev));
}

/** The `subscribe` runTui takes: the status socket under `stateDir` plus the embedded agent's events. */
export function tuiSubscription(directory: HeartbeatSink, stateDir: string, localEvents: EventEmitter<{ event: [StatusEvent] }>) {
  return (onChange: (change?: ActivityChange) => void): { close(): void } => {
    const onEvent = (ev: StatusEvent): void => routeStatusEvent(ev, directory, onChange);
    const remote = subscribeStatus(stateDir, onEvent);
    localEvents.on('event', onEvent);
    return {
      close: () => {
        remote.close();
        localEvents.off('event', onEvent);
      },
    };
  };
}
