// The one door for text a session container can write (its home's files, its
// logs, its pane): strict timestamp parsing, and sanitising before any terminal
// shows it (SPEC §8).

// Date-time per RFC 3339 §5.6: no spaces, no names, no parentheses; `Date.parse`
// alone accepts `"Jan 1 2020 (\x1b[31m…)"`.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

export function isRfc3339(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = RFC3339.exec(value);
  if (!m) return false;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  if (mo! < 1 || mo! > 12 || d! < 1 || h! > 23 || mi! > 59 || s! > 60) return false;
  // Day of month exists (leap years included).
  if (d! > new Date(Date.UTC(y!, mo!, 0)).getUTCDate()) return false;
  return !Number.isNaN(Date.parse(value));
}

// CSI/OSC/other escape sequences first, so their parameters do not survive as text.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[PX^_][^\u001b]*(?:\u001b\\)?|[@-Z\\-_]?)|\u009b[0-?]*[ -/]*[@-~]/g;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from a container, made safe for a terminal: escape sequences removed,
 * other control characters shown as `?`, newlines kept only when `multiline`,
 * cut at `max` characters.
 */
export function sanitizeText(text: string, opts: { max?: number; multiline?: boolean } = {}): string {
  let out = text.replace(ESCAPES, '');
  out = opts.multiline ? out.replace(/\r\n?/g, '\n') : out.replace(/[\r\n]+/g, ' ');
  out = out.replace(/\t/g, ' ').replace(CONTROLS, '?');
  const max = opts.max ?? 2000;
  return out.length > max ? `${out.slice(0, max)}…` : out;
}

/**
 * Everything a peer sent, made safe for a terminal in one pass: every string
 * in it sanitised (multi-line only under a key named `text`, e.g. a peek's
 * pane), keys included. Numbers, booleans and null pass as they are.
 */
export function sanitizeDeep<T>(value: T, key = ''): T {
  if (typeof value === 'string') {
    return (key === 'text' ? sanitizeText(value, { multiline: true, max: 4 * 1024 * 1024 }) : sanitizeText(value)) as T;
  }
  if (Array.isArray(value)) return value.map((v) => sanitizeDeep(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[sanitizeText(k, { max: 200 })] = sanitizeDeep(v, k);
    return out as T;
  }
  return value;
}
