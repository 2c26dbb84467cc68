// A pushed session.activity event as the TUI applies it: one session's
// activity, checked first; anything else (or anything off) means "reload".
import { parseActivityView } from '../../protocol/activity.js';
import type { ActivityView } from '../../protocol/session.js';
import type { StatusEvent } from '../../protocol/status.js';

export interface ActivityChange {
  agentId: string;
  uuid: string;
  view: ActivityView;
}

export function activityChange(ev: StatusEvent): ActivityChange | undefined {
  if (ev.type !== 'session.activity' || !ev.session_id) return undefined;
  const view = parseActivityView(ev.data);
  return view ? { agentId: ev.agent_id, uuid: ev.session_id, view } : undefined;
}
