// The one sanitiser for text a session container (or an agent) can write: every
// caller that shows such text on a terminal or in a log goes through here
// (SPEC §8). Each function is one profile: what is removed, what is masked.
import { charWidth } from './pane-text.js';

// ---- Short text (names, errors, details): escapes removed, controls shown as `?`.

// CSI/OSC/other escape sequences first, so their parameters do not survive as text.
// eslint-disable-next-line no-control-regex
const TEXT_ESCAPES = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[PX^_][^\u001b]*(?:\u001b\\)?|[@-Z\\-_]?)|\u009b[0-?]*[ -/]*[@-~]/g;
// Every character any of the replaces below touches (ESC and CSI, CR, LF and tab included).
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex
const TEXT_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from a container, made safe for a terminal: escape sequences removed,
 * other control characters shown as `?`, newlines kept only when `multiline`,
 * cut at `max` characters.
 */
export function sanitizeText(text: string, opts: { max?: number; multiline?: boolean } = {}): string {
  const max = opts.max ?? 2000;
  // Nearly every string is plain: one test instead of five replaces (a list of 500 sessions holds 25 000).
  if (!UNPRINTABLE.test(text)) return text.length > max ? `${text.slice(0, max)}…` : text;
  let out = text.replace(TEXT_ESCAPES, '');
  out = opts.multiline ? out.replace(/\r\n?/g, '\n') : out.replace(/[\r\n]+/g, ' ');
  out = out.replace(/\t/g, ' ').replace(TEXT_CONTROLS, '?');
  return out.length > max ? `${out.slice(0, max)}…` : out;
}

// ---- A pane's text: lines kept, everything a terminal would obey removed.

// CSI … final byte; OSC … BEL or ST; DCS/SOS/PM/APC … ST; any other two-byte ESC sequence.
// An unterminated string sequence runs to the end of the text and is dropped whole.
const PANE_ESCAPES =
  // eslint-disable-next-line no-control-regex
  /\x1b\[[0-?]*[ -/]*[@-~]?|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\|$)|\x1b[PX^_][^\x1b]*(?:\x1b\\|$)|\x1b[ -/]*[0-~]?|\x9b[0-?]*[ -/]*[@-~]?|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c|$)/g;
// C0 except tab and newline, DEL, C1, and the bidi controls that can reorder what the operator reads.
// eslint-disable-next-line no-control-regex
const PANE_CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const decoder = new TextDecoder('utf-8', { fatal: false });

/** Plain, safe text: one `\n` per line, tabs expanded to 8-column stops, no trailing spaces. */
export function sanitisePaneText(input: string | Uint8Array): string {
  const text = typeof input === 'string' ? input : decoder.decode(input);
  return text
    .replace(/\r\n/g, '\n')
    .replace(PANE_ESCAPES, '')
    .replace(PANE_CONTROLS, '')
    .split('\n')
    .map((line) => expandTabs(line).trimEnd())
    .join('\n');
}

function expandTabs(line: string): string {
  if (!line.includes('\t')) return line;
  let out = '';
  let col = 0;
  for (const ch of line) {
    if (ch === '\t') {
      const n = 8 - (col % 8);
      out += ' '.repeat(n);
      col += n;
    } else {
      out += ch;
      col += charWidth(ch.codePointAt(0)!);
    }
  }
  return out;
}

// ---- One printable line (a hook's activity detail): whitespace collapses, cut at `max` characters.

export function sanitiseLine(raw: string, max: number): string {
  /* eslint-disable no-control-regex -- control characters are exactly what is being removed */
  const text = raw
    // CSI, OSC and other ESC sequences first, so that their parameters go with them.
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?/g, '')
    .replace(/\x1b[@-_]?/g, '')
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  /* eslint-enable no-control-regex */
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, max - 1).join('') + '…';
}

// ---- Checks and masks for text that is refused or quoted, not cleaned.


/** Whether the text holds anything a terminal could obey or that reorders what is read. */
export function hasUnprintable(text: string): boolean {
  return UNPRINTABLE.test(text);
}

/** Control characters shown as `?` and nothing else changed (a parser's message quoting a file). */
export function maskControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
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
