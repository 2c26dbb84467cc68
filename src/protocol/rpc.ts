// Framing of one RPC: a request line `{"op","params"}` and a response line
// `{"ok":true,"result"}` or `{"ok":false,"error","code"}`. Decoding never throws
// anything but a ConvocateError, so a server can always answer.
import type { z } from 'zod/v3';
import { sanitizeDeep, sanitizeText } from './sanitise.js';
import { ConvocateError, errors, isErrorCode, toConvocateError } from './errors.js';
import { isOpName, paramSchemas, type OpName, type OpParams, type OpResult } from './ops.js';

export const MAX_LINE_BYTES = 1024 * 1024;

export interface RpcRequest<O extends OpName = OpName> {
  op: O;
  params: OpParams<O>;
}


export function formatZodError(err: z.ZodError): string {
  return err.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/** A request whose params are decoded: for callers that do not hand it to an AgentApi (which decodes itself). */
export function decodeRequest(line: string): RpcRequest {
  const { op, params } = decodeEnvelope(line);
  return { op, params: decodeParams(op, params) };
}

/**
 * The request line's op, checked, and its params as sent: the agent's
 * dispatcher decodes params against the op's schema, once, for every path.
 */
export function decodeEnvelope(line: string): { op: OpName; params: unknown } {
  if (Buffer.byteLength(line) > MAX_LINE_BYTES) {
    throw new ConvocateError('too_large', `request line exceeds ${MAX_LINE_BYTES} bytes`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    throw errors.decodeRequest((err as Error).message);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw errors.decodeRequest('request must be a JSON object');
  }
  const { op, params } = raw as { op?: unknown; params?: unknown };
  if (typeof op !== 'string' || op === '') throw errors.decodeRequest('"op" must be a non-empty string');
  if (!isOpName(op)) throw errors.unknownOp(op);
  return { op, params: params ?? null };
}

export function decodeParams<O extends OpName>(op: O, params: unknown): OpParams<O> {
  const parsed = paramSchemas[op].safeParse(params);
  if (!parsed.success) throw errors.decodeParams(formatZodError(parsed.error));
  return parsed.data as OpParams<O>;
}

export function encodeRequest<O extends OpName>(op: O, params: OpParams<O> | null = null): string {
  return `${JSON.stringify({ op, params: params ?? null })}\n`;
}

export function encodeResult(result: unknown): string {
  return `${JSON.stringify({ ok: true, result })}\n`;
}

export function encodeError(err: unknown): string {
  const e = toConvocateError(err);
  return `${JSON.stringify({ ok: false, error: e.message, code: e.code })}\n`;
}

/** Client side: turn a response line back into a result or a thrown ConvocateError. */
export function decodeResponse<O extends OpName>(line: string): OpResult<O> {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (err) {
    throw new ConvocateError('bad_request', `bad response from agent: ${(err as Error).message}`);
  }
  const r = raw as Partial<{ ok: boolean; result: unknown; error: unknown; code: unknown }>;
  // An agent is a peer: whatever it answers passes the one sanitiser before any terminal can show it.
  if (r?.ok === true) return sanitizeDeep(r.result) as OpResult<O>;
  if (r?.ok === false && typeof r.error === 'string') {
    throw new ConvocateError(isErrorCode(r.code) ? r.code : 'internal', sanitizeText(r.error));
  }
  throw new ConvocateError('bad_request', 'bad response from agent: missing "ok"');
}
