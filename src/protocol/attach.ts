// The attach subsystem's header line: `{"id":"<uuid>","cols":120,"rows":40}`.
import { z } from 'zod';
import { ConvocateError, errors } from './errors.js';
import { formatZodError } from './rpc.js';

export const DEFAULT_COLS = 80;
export const DEFAULT_ROWS = 24;
const dim = z.number().int().min(1).max(10_000);

const headerSchema = z.object({
  id: z.string(),
  cols: dim.optional(),
  rows: dim.optional(),
});

export interface AttachHeader {
  id: string;
  cols: number;
  rows: number;
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
  return { id: parsed.data.id, cols: parsed.data.cols ?? DEFAULT_COLS, rows: parsed.data.rows ?? DEFAULT_ROWS };
}

export function encodeAttachHeader(h: AttachHeader): string {
  return `${JSON.stringify(h)}\n`;
}
