// A session's activity (SPEC §2) from what the agent knows for sure — is the
// container running, when was it created — and what the hooks reported.
import { NO_ACTIVITY, type ActivityView } from '../../protocol/session.js';
import type { StateRead } from './state-file.js';

export const UNKNOWN_ACTIVITY: ActivityView = { activity: 'unknown', activity_since: '', activity_detail: '' };

export interface ActivityInputs {
  running: boolean;
  /** ms since epoch; a state written before it is left over from an earlier run. */
  containerCreatedMs?: number;
  read: StateRead;
}

export function activityView({ running, containerCreatedMs, read }: ActivityInputs): ActivityView {
  if (!running) return NO_ACTIVITY;
  if (read.kind !== 'ok') return UNKNOWN_ACTIVITY;
  const { state } = read;
  // Docker reports creation in whole seconds: anything from before that second is stale.
  if (containerCreatedMs !== undefined && state.mtimeMs < Math.floor(containerCreatedMs / 1000) * 1000) return UNKNOWN_ACTIVITY;
  return { activity: state.activity, activity_since: state.since, activity_detail: state.detail };
}

export function sameView(a: ActivityView | undefined, b: ActivityView): boolean {
  return a !== undefined && a.activity === b.activity && a.activity_since === b.activity_since && a.activity_detail === b.activity_detail;
}
