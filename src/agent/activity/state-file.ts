// The activity state file the image's Claude hooks write in a session home
// (`~/.convocate-activity`: activity, RFC 3339 time, detail — one per line).
// The home belongs to an untrusted container, so this is the one door for it:
// regular file only, no links followed, no blocking open, a size cap, the
// activity checked against the enum and the detail cut to one clean line.
import { sanitiseLine } from '../../protocol/sanitise.js';
import { readSmallRegularFile, UnsafeFileError } from '../../lib/small-file.js';
import { join } from 'node:path';
import type { Activity } from '../../protocol/session.js';

export const ACTIVITY_FILE = '.convocate-activity';
export const MAX_STATE_BYTES = 1024;
export const MAX_DETAIL_CHARS = 200;
/** What a hook may report; `none` and `unknown` are the agent's own verdicts. */
const REPORTED: ReadonlySet<string> = new Set<Activity>(['starting', 'working', 'waiting', 'idle', 'exited']);
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

export interface HookState {
  activity: Activity;
  /** RFC 3339 UTC; the file's mtime when its own time is missing, malformed or in the future. */
  since: string;
  detail: string;
  /** When the file was last written (ms since epoch), for the staleness check. */
  mtimeMs: number;
}

export type StateRead = { kind: 'absent' } | { kind: 'invalid'; reason: string } | { kind: 'ok'; state: HookState };

export async function readStateFile(home: string, now: () => number = Date.now): Promise<StateRead> {
  const path = join(home, ACTIVITY_FILE);
  try {
    const { bytes, stat } = await readSmallRegularFile(path, MAX_STATE_BYTES);
    return parseState(bytes.toString('utf8'), stat.mtimeMs, now());
  } catch (err) {
    if (err instanceof UnsafeFileError) {
      return { kind: 'invalid', reason: err.reason === 'too_large' ? `larger than ${MAX_STATE_BYTES} bytes` : 'not a regular file' };
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'absent' };
    // ELOOP: a symlink swapped in between lstat and open.
    return { kind: 'invalid', reason: code ?? 'unreadable' };
  }
}

export function parseState(text: string, mtimeMs: number, nowMs: number): StateRead {
  const lines = text.split('\n');
  const activity = (lines[0] ?? '').trim();
  if (!REPORTED.has(activity)) return { kind: 'invalid', reason: 'unknown activity' };
  const mtime = new Date(Math.min(mtimeMs, nowMs)).toISOString();
  const stamp = (lines[1] ?? '').trim();
  const parsed = RFC3339_UTC.test(stamp) ? Date.parse(stamp) : NaN;
  const since = Number.isFinite(parsed) && parsed <= nowMs + 1000 ? new Date(parsed).toISOString() : mtime;
  return { kind: 'ok', state: { activity: activity as Activity, since, detail: sanitiseDetail(lines[2] ?? ''), mtimeMs } };
}

/** One printable line: escape sequences and control characters go, whitespace collapses, at most 200 chars. */
export function sanitiseDetail(raw: string): string {
  return sanitiseLine(raw, MAX_DETAIL_CHARS);
}
