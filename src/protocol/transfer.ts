// The transfer subsystem's contract (SPEC §4 `convocate-agent-transfer`): one
// header line names the direction. "out": the agent answers one result line
// `{"ok":true,"result":{"session":<meta>}}` and then the home as a tar stream.
// "in": the tar stream follows the header; once it ended and every member passed,
// the agent answers `{"ok":true,"result":<session>}` (or `ok:false`) and closes.
import type { Readable } from 'node:stream';
import { z } from 'zod/v3';
import { ConvocateError, errors } from './errors.js';
import { formatZodError, MAX_LINE_BYTES } from './rpc.js';
import type { Session, SessionMeta } from './session.js';

export const TRANSFER_SUBSYSTEM = 'convocate-agent-transfer';
export const MAX_TRANSFER_HEADER_BYTES = MAX_LINE_BYTES;
/** The most file bytes one home may carry. */
export const MAX_TRANSFER_BYTES = 64 * 1024 ** 3;

const headerSchema = z.discriminatedUnion('direction', [
  z.object({ direction: z.literal('out'), id: z.string() }).strict(),
  z.object({ direction: z.literal('in'), name: z.string(), move: z.boolean().optional(), meta: z.record(z.string(), z.unknown()) }).strict(),
]);

export type TransferHeader = z.infer<typeof headerSchema>;
export type TransferInHeader = Extract<TransferHeader, { direction: 'in' }>;

export function decodeTransferHeader(line: string): TransferHeader {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    throw new ConvocateError('bad_request', `decode transfer header: ${(err as Error).message}`);
  }
  const parsed = headerSchema.safeParse(raw);
  if (!parsed.success) throw errors.decodeParams(formatZodError(parsed.error));
  return parsed.data;
}

export function encodeTransferHeader(h: TransferHeader): string {
  return `${JSON.stringify(h)}\n`;
}

/** A home leaving its agent: the session's metadata and the tar stream of its home. */
export interface OutgoingHome {
  meta: SessionMeta;
  stream: Readable;
}

/** What both the SSH server and the shell's in-process client offer for transfers. */
export interface TransferApi {
  transferOut(id: string): Promise<OutgoingHome>;
  transferIn(header: TransferInHeader, stream: Readable): Promise<Session>;
}
