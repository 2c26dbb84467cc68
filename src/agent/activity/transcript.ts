// What a session's Claude has used, from its own transcript
// (`~/.claude/projects/<dir>/<conversation>.jsonl`, one JSON object a line;
// each reply records its `usage`). The container writes that file, so it is
// untrusted input: no link followed at any step, a regular file only, read
// incrementally from where the last read stopped with a cap per read, every
// line parsed strictly and anything that does not fit ignored. A reply is
// logged once per content block with the same usage: counted once by id.
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { join } from 'node:path';
import { CONTEXT_WINDOW_TOKENS, costOf, type TokenCounts } from '../../protocol/prices.js';
import { NO_USAGE, type UsageView } from '../../protocol/session.js';

/** Most bytes one refresh reads; a longer backlog is read over the next refreshes. */
const MAX_READ_BYTES = 8 * 1024 * 1024;
/** A line longer than this is not a usage record worth holding in memory. */
const MAX_LINE_BYTES = 4 * 1024 * 1024;
/** Reply ids remembered to count each once; far more than a conversation has. */
const MAX_IDS = 100_000;
const MAX_TOKENS = 1e9;

/** Claude's project directory for a working directory: every other character becomes `-`. */
export function projectDirName(workdir: string): string {
  return workdir.replace(/[^A-Za-z0-9]/g, '-');
}

export function transcriptPath(home: string, workdir: string, conversation: string): string {
  return join(home, '.claude', 'projects', projectDirName(workdir), `${conversation}.jsonl`);
}

/** Running sums over one transcript. */
export interface UsageSums {
  tokensIn: number;
  tokensOut: number;
  cost: number;
  /** Input of the last reply (cache included): how full the context was. */
  lastContext: number;
  replies: number;
  seen: Set<string>;
}

export function emptySums(): UsageSums {
  return { tokensIn: 0, tokensOut: 0, cost: 0, lastContext: 0, replies: 0, seen: new Set() };
}

const count = (v: unknown): number => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_TOKENS ? v : 0);

/** Adds one transcript line, if it is an assistant reply with usage not counted yet. */
export function addLine(sums: UsageSums, line: string): void {
  if (!line.includes('"usage"')) return;
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return;
  }
  if (!entry || typeof entry !== 'object') return;
  const e = entry as { type?: unknown; message?: unknown };
  if (e.type !== 'assistant' || !e.message || typeof e.message !== 'object') return;
  const m = e.message as { id?: unknown; model?: unknown; usage?: unknown };
  if (!m.usage || typeof m.usage !== 'object') return;
  const id = typeof m.id === 'string' && m.id.length <= 200 ? m.id : undefined;
  if (id !== undefined) {
    if (sums.seen.has(id)) return;
    if (sums.seen.size < MAX_IDS) sums.seen.add(id);
  }
  const u = m.usage as Record<string, unknown>;
  const t: TokenCounts = {
    input: count(u.input_tokens),
    output: count(u.output_tokens),
    cacheWrite: count(u.cache_creation_input_tokens),
    cacheRead: count(u.cache_read_input_tokens),
  };
  const model = typeof m.model === 'string' ? m.model.slice(0, 100) : '';
  const context = t.input + t.cacheWrite + t.cacheRead;
  sums.tokensIn += context;
  sums.tokensOut += t.output;
  sums.cost += costOf(model, t);
  sums.lastContext = context;
  sums.replies++;
}

export function usageView(sums: UsageSums | undefined): UsageView {
  if (!sums || sums.replies === 0) return NO_USAGE;
  return {
    tokens_in: sums.tokensIn,
    tokens_out: sums.tokensOut,
    cost_usd: Math.round(sums.cost * 1e6) / 1e6,
    context_percent: Math.min(100, Math.round((sums.lastContext / CONTEXT_WINDOW_TOKENS) * 1000) / 10),
  };
}

/** One transcript followed incrementally: where the last read stopped, and what it added up. */
export interface TranscriptCursor {
  path: string;
  ino: number;
  offset: number;
  /** A line cut by the end of the last read. */
  partial: string;
  sums: UsageSums;
}

/**
 * Reads what was appended to `path` since `cursor` (a new cursor when the file
 * is another one, or shorter than before), and returns the cursor after it.
 * Undefined when the file is absent or not something to read.
 */
export async function follow(path: string, home: string, cursor: TranscriptCursor | undefined): Promise<TranscriptCursor | undefined> {
  if (!(await realDirsBelow(home, path))) return undefined;
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const info = await fh.stat();
    if (!info.isFile()) return undefined;
    let c = cursor && cursor.path === path && cursor.ino === info.ino && info.size >= cursor.offset ? cursor : undefined;
    c ??= { path, ino: info.ino, offset: 0, partial: '', sums: emptySums() };
    const want = Math.min(info.size - c.offset, MAX_READ_BYTES);
    if (want <= 0) return c;
    const buf = Buffer.alloc(want);
    const { bytesRead } = await fh.read(buf, 0, want, c.offset);
    const text = c.partial + buf.subarray(0, bytesRead).toString('utf8');
    const lines = text.split('\n');
    let partial = lines.pop() ?? '';
    if (partial.length > MAX_LINE_BYTES) partial = '';
    for (const line of lines) if (line.length <= MAX_LINE_BYTES) addLine(c.sums, line);
    return { ...c, offset: c.offset + bytesRead, partial };
  } catch {
    return undefined;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/** Every directory between the home and the file is a real directory, not a link the container planted. */
async function realDirsBelow(home: string, path: string): Promise<boolean> {
  const rel = path.slice(home.length + 1).split('/').slice(0, -1);
  let at = home;
  for (const part of rel) {
    at = join(at, part);
    try {
      if (!(await lstat(at)).isDirectory()) return false;
    } catch {
      return false;
    }
  }
  return true;
}
