// Errors that cross the wire carry a code the client can branch on and a
// message a person can read. The message texts are part of the public contract.

export const ERROR_CODES = [
  'invalid_argument', // bad name/port/protocol/dns/id
  'not_found',
  'conflict', // port or dns name already in use
  'locked', // another live process holds the session lock
  'already_running',
  'unknown_op',
  'bad_request', // undecodable request line or params
  'too_large',
  'unavailable', // Docker or an agent cannot be reached
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class ConvocateError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConvocateError';
    this.code = code;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** Quote a user-supplied value for an error text without letting it flood a terminal. */
export function quote(value: string, max = 80): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut);
}

export const errors = {
  notFound: (id: string) => new ConvocateError('not_found', `session ${quote(id)} not found`),
  portInUse: (port: number, proto: string) => new ConvocateError('conflict', `port ${port}/${proto} already in use`),
  dnsInUse: (name: string) => new ConvocateError('conflict', `dns name ${quote(name)} already in use`),
  unknownOp: (op: string) => new ConvocateError('unknown_op', `unknown op ${quote(op)}`),
  decodeParams: (detail: string) => new ConvocateError('bad_request', `decode params: ${detail}`),
  decodeRequest: (detail: string) => new ConvocateError('bad_request', `decode request: ${detail}`),
  alreadyRunning: () => new ConvocateError('already_running', 'session is already running'),
  locked: (uuid: string, pid: number) =>
    new ConvocateError('locked', `session ${quote(uuid)} is locked by pid ${pid}`),
  invalidId: (id: string) => new ConvocateError('invalid_argument', `invalid session id ${quote(id, 40)}: must be a UUID`),
};

/** Turn anything thrown into a wire-safe error. */
export function toConvocateError(err: unknown): ConvocateError {
  if (err instanceof ConvocateError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ConvocateError('internal', message, { cause: err });
}
