// The session environment's rules (SPEC §3, §4 `env-set`), shared by the agent
// that keeps the variables and the CLI that reads a value from stdin. Errors
// name the variable and the rule, never the value.
import { ConvocateError, quote } from './errors.js';

export const ENV_NAME_RE = /^[A-Z_][A-Z0-9_]*$/;
export const MAX_ENV_NAME = 128;
export const MAX_ENV_VALUE_BYTES = 8 * 1024;
export const MAX_ENV_VARS = 256;
/** Values that are multi-line by nature (a deploy key); every other value is one line. */
export const MULTILINE_ENV_NAMES: ReadonlySet<string> = new Set(['GIT_SSH_KEY']);

export function validateEnvName(name: string): void {
  if (name.length === 0 || name.length > MAX_ENV_NAME || !ENV_NAME_RE.test(name)) {
    throw new ConvocateError('invalid_argument', `env name ${quote(name.slice(0, MAX_ENV_NAME))} is invalid: use [A-Z_][A-Z0-9_]*, at most ${MAX_ENV_NAME} chars`);
  }
}

export function validateEnvValue(name: string, value: string): void {
  if (Buffer.byteLength(value, 'utf8') > MAX_ENV_VALUE_BYTES) {
    throw new ConvocateError('invalid_argument', `env ${name}: value is longer than ${MAX_ENV_VALUE_BYTES} bytes`);
  }
  if (value.includes('\0')) throw new ConvocateError('invalid_argument', `env ${name}: value must not contain NUL`);
  if (/[\n\r]/.test(value) && !MULTILINE_ENV_NAMES.has(name)) {
    const allowed = [...MULTILINE_ENV_NAMES].join(', ');
    throw new ConvocateError('invalid_argument', `env ${name}: value must not contain a line break (only ${allowed} may)`);
  }
}
