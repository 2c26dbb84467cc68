// Session environment rules (SPEC §3), for both roles: which names and values
// an agent accepts. Errors name the variable and the rule, never the value.
import { ConvocateError, quote } from './errors.js';

export const ENV_NAME_PATTERN = /^[A-Z_][A-Z0-9_]*$/;
export const MAX_ENV_NAME_CHARS = 128;
export const MAX_ENV_VALUE_BYTES = 8 * 1024;
export const MAX_ENV_VARS = 256;

/** What a value may hold. Most values are one line; a name may be given its own rule here. */
export interface EnvValueRule {
  maxBytes: number;
  /** Characters the value must not contain, and how the error says so. */
  forbidden: RegExp;
  forbiddenText: string;
}

export const DEFAULT_ENV_VALUE_RULE: EnvValueRule = {
  maxBytes: MAX_ENV_VALUE_BYTES,
  forbidden: /[\0\n\r]/,
  forbiddenText: 'NUL or a line break',
};

/** Names whose values follow another rule than the default (none yet). */
export const ENV_VALUE_RULES: ReadonlyMap<string, EnvValueRule> = new Map();

export function envValueRule(name: string): EnvValueRule {
  return ENV_VALUE_RULES.get(name) ?? DEFAULT_ENV_VALUE_RULE;
}

export function isValidEnvName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_ENV_NAME_CHARS && ENV_NAME_PATTERN.test(name);
}

export function validateEnvName(name: string): void {
  if (!isValidEnvName(name)) {
    throw new ConvocateError(
      'invalid_argument',
      `env name ${quote(name.slice(0, MAX_ENV_NAME_CHARS))} is invalid: use [A-Z_][A-Z0-9_]*, at most ${MAX_ENV_NAME_CHARS} chars`,
    );
  }
}

export function validateEnvValue(name: string, value: string): void {
  const rule = envValueRule(name);
  if (Buffer.byteLength(value, 'utf8') > rule.maxBytes) {
    throw new ConvocateError('invalid_argument', `env ${name}: value is longer than ${rule.maxBytes} bytes`);
  }
  if (rule.forbidden.test(value)) throw new ConvocateError('invalid_argument', `env ${name}: value must not contain ${rule.forbiddenText}`);
}

/** The largest value any name accepts: a reader of untrusted input caps there. */
export function maxEnvValueBytes(): number {
  return Math.max(MAX_ENV_VALUE_BYTES, ...[...ENV_VALUE_RULES.values()].map((r) => r.maxBytes));
}
