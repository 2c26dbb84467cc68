// What Docker's errors mean to the agent: the daemon's own message, its HTTP
// status, and the ConvocateErrors a client sees (container text sanitised).
import { ConvocateError } from '../../protocol/errors.js';
import { sanitizeText } from '../../protocol/sanitise.js';

export function imageMissing(tag: string, cause: unknown): ConvocateError {
  return new ConvocateError('unavailable', `session image "${tag}" not found: run \`convocate-agent image build --offline\``, { cause });
}

export function notRunning(uuid: string, exitCode?: number, output = ''): ConvocateError {
  const code = exitCode === undefined ? '' : ` (exit code ${exitCode})`;
  const tail = lastLines(output);
  return new ConvocateError('internal', `session ${uuid} container exited before it was ready${code}${tail ? `: ${tail}` : ''}`);
}

/** The container's own log text: sanitised, since it reaches the operator's terminal in an error. */
export function lastLines(text: string, n = 3): string {
  return sanitizeText(text.trim().split('\n').slice(-n).join(' | '), { max: 500 });
}

export function wrap(what: string, err: unknown): ConvocateError {
  return new ConvocateError('internal', `${what}: ${sanitizeText(causeText(err), { max: 500 })}`, { cause: err });
}

/** The daemon's own message when there is one, else the transport error. */
export function causeText(err: unknown): string {
  const json = (err as { json?: { message?: unknown } } | null)?.json;
  if (json && typeof json.message === 'string') return json.message;
  return err instanceof Error ? err.message : String(err);
}

export function statusOf(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

export async function ignoreStatus(p: Promise<unknown>, ...statuses: number[]): Promise<void> {
  try {
    await p;
  } catch (err) {
    const status = statusOf(err);
    if (status === undefined || !statuses.includes(status)) throw err;
  }
}
