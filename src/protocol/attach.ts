// The attach subsystem's header line: `{"id":"<uuid>","cols":120,"rows":40}`.
import { z } from 'zod/v3';
import { ConvocateError, errors } from './errors.js';
import { formatZodError, MAX_LINE_BYTES } from './rpc.js';

export const DEFAULT_COLS = 80;
export const DEFAULT_ROWS = 24;
/** A window dimension beyond this is absurd: it never reaches Docker, in the header or a later resize. */
export const MAX_ATTACH_DIM = 10_000;
/** The header line, without its newline, is at most this long. */
export const MAX_ATTACH_HEADER_BYTES = MAX_LINE_BYTES;
const dim = z.number().int().min(1).max(MAX_ATTACH_DIM);

export function isValidWindowSize(cols: number, rows: number): boolean {
  const ok = (n: number) => Number.isInteger(n) && n >= 1 && n <= MAX_ATTACH_DIM;
  return ok(cols) && ok(rows);
}

const headerSchema = z.object({
  id: z.string(),
  cols: dim.optional(),
  rows: dim.optional(),
  /** tmux `attach -r`: the operator watches, nothing typed reaches the session. */
  read_only: z.boolean().optional(),
});

export interface AttachHeader {
  id: string;
  cols: number;
  rows: number;
  read_only?: boolean;
}

export function decodeAttachHeader(line: string): AttachHeader {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    throw new ConvocateError('bad_request', `decode attach header: ${(err as Error).message}`);
  }
  const parsed = headerSchema.safeParse(raw);
  if (!parsed.success) throw errors.decodeParams(formatZodError(parsed.error));
  const header: AttachHeader = { id: parsed.data.id, cols: parsed.data.cols ?? DEFAULT_COLS, rows: parsed.data.rows ?? DEFAULT_ROWS };
  if (parsed.data.read_only) header.read_only = true;
  return header;
}

export function encodeAttachHeader(h: AttachHeader): string {
  return `${JSON.stringify(h)}\n`;
}
