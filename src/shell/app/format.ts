// Pure presentation: a session becomes table cells, columns are fitted to the
// terminal width (truncated, never wrapped), and the title and menu become text.
import type { MenuItem } from './actions.js';
import { shortId, type Session } from '../../protocol/session.js';
import { isRfc3339 } from '../../protocol/untrusted.js';

export const COLUMNS = ['S', 'UUID', 'NAME', 'AGENT', 'PORT', 'DNS', 'ACTIVITY', 'CPU', 'MEM', 'CHANGES', 'COST'] as const;
export type Cells = [string, string, string, string, string, string, string, string, string, string, string];
/** Index of the ACTIVITY cell, which the table colours. */
export const ACTIVITY_COLUMN = 6;

/** Space between columns. */
export const GAP = 2;
/** The selection marker in front of every row (`> ` or two spaces). */
export const MARKER_WIDTH = 2;

const MIN_WIDTH = [1, 4, 4, 5, 4, 3, 8, 3, 3, 7, 4];
/** Columns that give way first when the terminal is narrow. */
const FLEXIBLE = [2, 3, 5];

export function sessionCells(session: Session, unreachable: boolean): Cells {
  return [
    unreachable ? '?' : session.state,
    shortId(session.uuid),
    session.name,
    session.agent_id ?? '',
    session.port > 0 ? `${session.port}/${session.protocol}` : '',
    session.dns_name,
    activityWord(session),
    formatCpu(session.cpu_percent),
    formatMem(session.mem_bytes),
    formatChanges(session),
    formatCost(session.cost_usd),
  ];
}

/** Dollars with cents, a tenth of a cent under a dollar's worth of tokens; `-` when unknown. */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd) || usd < 0) return '-';
  return usd < 1 ? `$${usd.toFixed(3)}` : `$${usd.toFixed(2)}`;
}

/** What every listed session's conversation has cost; undefined when none is known. */
export function totalCost(sessions: ReadonlyArray<Pick<Session, 'cost_usd'>>): number | undefined {
  const known = sessions.filter((s) => typeof s.cost_usd === 'number');
  return known.length === 0 ? undefined : known.reduce((a, s) => a + (s.cost_usd ?? 0), 0);
}

/** `+120 -8` at the end of the last turn; `-` without a repository or before the first turn. */
export function formatChanges(s: Pick<Session, 'changes_added' | 'changes_removed'>): string {
  if (s.changes_added === null || s.changes_removed === null || s.changes_added === undefined || s.changes_removed === undefined) return '-';
  return `+${s.changes_added} -${s.changes_removed}`;
}

/** The activity as the table shows it; a stopped session has none. */
export function activityWord(session: Pick<Session, 'activity'>): string {
  return session.activity === 'none' ? '-' : session.activity;
}

/** 100 = one core; `-` when unknown, never 0. */
export function formatCpu(percent: number | null): string {
  if (percent === null || !Number.isFinite(percent)) return '-';
  return percent < 10 ? `${percent.toFixed(1)}%` : `${Math.round(percent)}%`;
}

export function formatMem(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes) || bytes < 0) return '-';
  const units: Array<[number, string]> = [[2 ** 30, 'G'], [2 ** 20, 'M'], [2 ** 10, 'K']];
  for (const [size, unit] of units) {
    if (bytes >= size) {
      const n = bytes / size;
      return `${n < 10 ? n.toFixed(1) : Math.round(n)}${unit}`;
    }
  }
  return `${bytes}B`;
}

/** Columns left out whole, in this order, before a name or DNS name is cut (COST, CHANGES, MEM, CPU). */
const DROPPABLE = [10, 9, 8, 7];

/** Column widths that fit `width` terminal cells, marker and gaps included; 0 = the column is left out. */
export function fitColumns(rows: readonly Cells[], width: number): number[] {
  const widths = COLUMNS.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const total = () => {
    const shown = widths.filter((w) => w > 0);
    return MARKER_WIDTH + GAP * (shown.length - 1) + shown.reduce((a, b) => a + b, 0);
  };
  for (const i of DROPPABLE) {
    if (total() <= width) break;
    widths[i] = 0;
  }
  // Shrink the widest flexible column one cell at a time: long names and DNS
  // names share the pain instead of one column vanishing.
  while (total() > width) {
    let widest = -1;
    for (const i of FLEXIBLE) {
      if (widths[i]! > MIN_WIDTH[i]! && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
    }
    if (widest < 0) break;
    widths[widest]!--;
  }
  return widths;
}

export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text;
  return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
}

export function pad(text: string, width: number): string {
  const t = truncate(text, width);
  return t + ' '.repeat(Math.max(0, width - t.length));
}

/** A row cut around one column, so that the UI can colour that cell alone. */
export function splitRow(line: string, widths: readonly number[], column: number): [string, string, string] {
  const start = MARKER_WIDTH + widths.slice(0, column).reduce((a, w) => (w > 0 ? a + w + GAP : a), 0);
  const end = start + (widths[column] ?? 0);
  return [line.slice(0, start), line.slice(start, end), line.slice(end)];
}

/** One table line, exactly `width` cells or fewer: marker, padded cells, gaps. */
export function formatRow(cells: readonly string[], widths: readonly number[], width: number, selected = false): string {
  const body = cells
    .flatMap((c, i) => ((widths[i] ?? 0) > 0 ? [pad(c, widths[i]!)] : []))
    .join(' '.repeat(GAP));
  return truncate(`${selected ? '> ' : '  '}${body}`.trimEnd(), width);
}

export function formatLoad(load: readonly number[]): string {
  return `load ${[0, 1, 2].map((i) => (load[i] ?? 0).toFixed(2)).join(' ')}`;
}

/** HH:MM: with seconds the whole screen would be re-rendered every second for one changing digit. */
export function formatClock(epochMs: number): string {
  const d = new Date(epochMs);
  return [d.getHours(), d.getMinutes()].map((n) => String(n).padStart(2, '0')).join(':');
}

export type CountedActivity = 'waiting' | 'working' | 'idle';
export type ActivityCounts = Record<CountedActivity, number>;
const COUNTED: CountedActivity[] = ['waiting', 'working', 'idle'];

/** `2 waiting · 5 working · 1 idle`; empty when nothing is counted. `waitingNote` follows the waiting count. */
export function activitySummary(counts: ActivityCounts | undefined, waitingNote = ''): string {
  if (!counts) return '';
  return COUNTED.filter((a) => counts[a] > 0)
    .map((a) => `${counts[a]} ${a}${a === 'waiting' ? waitingNote : ''}`)
    .join(' · ');
}

export interface TitleInput {
  /** How many sessions wait, work, idle. */
  activity?: ActivityCounts;
  /** Waiting sessions not on screen (scrolled away or filtered out). */
  waitingHidden?: number;
  sessions: number;
  /** Total estimated cost of the sessions' conversations; absent when unknown. */
  cost?: number;
  unreachableAgents: number;
  broken: number;
  load: readonly number[];
  now: number;
}

/** The title bar as one line of exactly `width` cells: name left, load and clock right. */
export function titleText(t: TitleInput, width: number): string {
  const left = 'convocate';
  const right = `${formatLoad(t.load)}  ${formatClock(t.now)}`;
  const notes = [`${t.sessions} session${t.sessions === 1 ? '' : 's'}`];
  if (t.cost !== undefined) notes.push(formatCost(t.cost));
  if (t.unreachableAgents > 0) notes.push(`${t.unreachableAgents} agent${t.unreachableAgents === 1 ? '' : 's'} unreachable`);
  if (t.broken > 0) notes.push(`${t.broken} unreadable`);
  const hidden = t.waitingHidden ? ` (${t.waitingHidden} off-screen)` : '';
  const summary = activitySummary(t.activity, hidden);
  if (summary) notes.unshift(summary);
  const middle = notes.join(' · ');
  // The waiting count is the last thing to go when the terminal is narrow.
  const waiting = t.activity?.waiting ?? 0;
  const urgent = waiting > 0 ? `${waiting} waiting${hidden}` : undefined;
  const layouts = urgent ? [[left, middle, right], [left, urgent, right], [left, urgent]] : [[left, middle, right]];
  for (const parts of [...layouts, [left, right], [left]]) {
    const used = parts.reduce((a, p) => a + p.length, 0) + 2 * (parts.length - 1);
    if (used <= width) {
      if (parts.length === 1) return pad(left, width);
      const spare = width - used;
      if (parts.length === 2) return `${parts[0]}  ${' '.repeat(spare)}${parts[1]}`;
      const before = Math.floor(spare / 2);
      return `${parts[0]}  ${' '.repeat(before)}${parts[1]}  ${' '.repeat(spare - before)}${parts[2]}`;
    }
  }
  return truncate(left, width);
}

/** Packs menu items into as few lines of at most `width` cells as it takes. */
export function menuLines(items: readonly MenuItem[], width: number): MenuItem[][] {
  const lines: MenuItem[][] = [];
  let line: MenuItem[] = [];
  let used = 0;
  for (const item of items) {
    const w = item.key.length + 1 + item.label.length;
    const need = line.length === 0 ? w : used + GAP + w;
    if (line.length > 0 && need > width) {
      lines.push(line);
      line = [item];
      used = w;
    } else {
      line.push(item);
      used = need;
    }
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

/** First row of the visible window so that the selected row stays on screen. */
export function windowStart(count: number, selectedIndex: number, height: number): number {
  if (height <= 0 || count <= height) return 0;
  const start = selectedIndex - Math.floor(height / 2);
  return Math.min(Math.max(start, 0), count - height);
}

export function relativeAge(iso: string | undefined, now: number): string {
  if (!iso) return 'never';
  // Only a real timestamp is believed; anything else from an agent is never echoed.
  const t = isRfc3339(iso) ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(t)) return 'unknown';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}
