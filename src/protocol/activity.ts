// Checks a pushed `session.activity` event's data before the shell applies it:
// the enum, RFC 3339 or "", and one printable line of at most 200 chars.
import { hasUnprintable } from './sanitise.js';
import { ACTIVITIES, type Activity, type ActivityView } from './session.js';

const SINCE = /^(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z)?$/;

/** The view, or undefined when anything about it is off (the shell then reloads instead). */
export function parseActivityView(data: unknown): ActivityView | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as Record<string, unknown>;
  if (typeof d.activity !== 'string' || !(ACTIVITIES as readonly string[]).includes(d.activity)) return undefined;
  if (typeof d.activity_since !== 'string' || !SINCE.test(d.activity_since)) return undefined;
  const detail = d.activity_detail;
  if (typeof detail !== 'string' || Array.from(detail).length > 200 || hasUnprintable(detail)) return undefined;
  return { activity: d.activity as Activity, activity_since: d.activity_since, activity_detail: detail };
}
