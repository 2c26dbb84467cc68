import { describe, expect, it } from 'vitest';
import { ConvocateError } from './errors.js';
import {
  assertUuid,
  dnsNameProblem,
  isUuid,
  nameProblem,
  parsePortText,
  validateDnsName,
  validateName,
  validatePort,
  validateProtocol,
} from './validation.js';

function thrown(fn: () => unknown): ConvocateError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConvocateError);
    return err as ConvocateError;
  }
  throw new Error('expected a throw');
}

function invalid(fn: () => unknown, message: string): void {
  const err = thrown(fn);
  expect(err.code).toBe('invalid_argument');
  expect(err.message).toBe(message);
}

describe('assertUuid', () => {
  it('accepts canonical UUIDs in either case', () => {
    expect(() => assertUuid('0f8fad5b-d9cb-469f-a165-70867728950e')).not.toThrow();
    expect(() => assertUuid('0F8FAD5B-D9CB-469F-A165-70867728950E')).not.toThrow();
    expect(isUuid(crypto.randomUUID())).toBe(true);
  });

  it.each([
    ['../x'],
    ['..'],
    [''],
    ['0f8fad5b-d9cb-469f-a165-70867728950e\0'],
    ['0f8fad5b-d9cb-469f-a165-70867728950e/..'],
    ['/0f8fad5b-d9cb-469f-a165-70867728950e'],
    [' 0f8fad5b-d9cb-469f-a165-70867728950e'],
    ['0f8fad5b-d9cb-469f-a165-70867728950e\n'],
    ['0f8fad5bd9cb469fa16570867728950e'],
    ['0f8fad5b-d9cb-469f-a165-70867728950g'],
  ])('refuses %j with invalid_argument', (id) => {
    invalid(() => assertUuid(id), `invalid session id ${JSON.stringify(id)}: must be a UUID`);
  });

  it('refuses a 10 kB id and keeps the message short', () => {
    const id = 'a'.repeat(10_000);
    const err = thrown(() => assertUuid(id));
    expect(err.code).toBe('invalid_argument');
    expect(err.message.length).toBeLessThan(120);
    expect(err.message).toBe(`invalid session id "${'a'.repeat(40)}…": must be a UUID`);
  });

  it('refuses a non-string from an untyped caller', () => {
    expect(thrown(() => assertUuid(42 as unknown as string)).code).toBe('invalid_argument');
  });
});

describe('validateName', () => {
  it('accepts letters, digits, - and _ up to 64 characters', () => {
    expect(validateName('My_session-2')).toBe('My_session-2');
    expect(validateName('x'.repeat(64))).toBe('x'.repeat(64));
  });

  it('requires a name', () => {
    invalid(() => validateName(''), 'name is required');
    invalid(() => validateName(undefined), 'name is required');
  });

  it.each(['a b', 'a.b', 'é', '../x', 'a\0b', 'a/b'])('refuses %j', (n) => {
    invalid(() => validateName(n), `name ${JSON.stringify(n)} is invalid: use letters, digits, "-" and "_"`);
  });

  it('refuses more than 64 characters', () => {
    invalid(() => validateName('x'.repeat(65)), 'name is longer than 64 characters');
  });
});

describe('validatePort', () => {
  it.each([-1, 0, 1, 1001, 65535])('accepts %d', (p) => {
    expect(validatePort(p)).toBe(p);
  });

  it.each([-2, 65536, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses %d', (p) => {
    invalid(() => validatePort(p), `port ${p} is invalid: use -1 (auto), 0 (none) or 1-65535`);
  });
});

describe('validateProtocol', () => {
  it('defaults to tcp', () => {
    expect(validateProtocol(undefined)).toBe('tcp');
    expect(validateProtocol('')).toBe('tcp');
  });

  it('accepts tcp and udp', () => {
    expect(validateProtocol('tcp')).toBe('tcp');
    expect(validateProtocol('udp')).toBe('udp');
  });

  it.each(['TCP', 'sctp', ' udp'])('refuses %j', (p) => {
    invalid(() => validateProtocol(p), `protocol ${JSON.stringify(p)} is invalid: use "tcp" or "udp"`);
  });
});

describe('validateDnsName', () => {
  const msg = (n: string, reason: string) => `dns name ${JSON.stringify(n)} is invalid: ${reason}`;

  it('allows none', () => {
    expect(validateDnsName('')).toBe('');
    expect(validateDnsName(undefined)).toBe('');
  });

  it('accepts lowercase names with dots and inner hyphens', () => {
    expect(validateDnsName('web')).toBe('web');
    expect(validateDnsName('my-app.dev.example')).toBe('my-app.dev.example');
    expect(validateDnsName('a1.b2')).toBe('a1.b2');
  });

  it.each(['Web', 'a_b', 'a b', 'a/b', 'ü.x'])('refuses characters in %j', (n) => {
    invalid(() => validateDnsName(n), msg(n, 'use lowercase letters, digits, "-" and "."'));
  });

  it.each(['a..b', '.a', 'a.', `${'x'.repeat(64)}.y`])('refuses label lengths in %j', (n) => {
    invalid(() => validateDnsName(n), msg(n, 'labels must be 1-63 characters'));
  });

  it('accepts a 63-character label', () => {
    expect(validateDnsName('x'.repeat(63))).toBe('x'.repeat(63));
  });

  it.each(['-a', 'a-', 'ok.-b', 'b-.ok'])('refuses hyphens at label ends in %j', (n) => {
    invalid(() => validateDnsName(n), msg(n, 'labels must not start or end with "-"'));
  });

  it('refuses more than 253 characters and accepts 253', () => {
    const label = 'x'.repeat(63);
    const ok = [label, label, label, 'x'.repeat(61)].join('.');
    expect(ok.length).toBe(253);
    expect(validateDnsName(ok)).toBe(ok);
    const long = `${ok}x`;
    const err = thrown(() => validateDnsName(long));
    expect(err.message).toBe(`dns name ${JSON.stringify(`${long.slice(0, 80)}…`)} is invalid: longer than 253 characters`);
  });
});

describe('person-typed values (form fields, CLI flags)', () => {
  it('parsePortText reads empty as none and allows -1, 0 and 1-65535', () => {
    expect(parsePortText('')).toBe(0);
    expect(parsePortText(' -1 ')).toBe(-1);
    expect(parsePortText('65535')).toBe(65535);
  });

  it.each(['65536', '-2', 'abc', '1.5', '80a'])('parsePortText refuses %j with the agent\'s text', (bad) => {
    expect(thrown(() => parsePortText(bad)).message).toMatch(/^port .* is invalid: use -1 \(auto\), 0 \(none\) or 1-65535$/);
  });

  it('the problem functions say the same as the validators, and nothing for good values', () => {
    expect(nameProblem('web')).toBeUndefined();
    expect(nameProblem('a b')).toBe(thrown(() => validateName('a b')).message);
    expect(dnsNameProblem('')).toBeUndefined();
    expect(dnsNameProblem('Web')).toBe(thrown(() => validateDnsName('Web')).message);
  });
});

describe('limits and egress as typed', () => {
  it('reads sizes, cores and allow lists, "default" meaning the agent default', async () => {
    const { parseMemoryText, parseCpusText, parseAllowText, validateEgress } = await import('./validation.js');
    expect(parseMemoryText('512m')).toBe(512 * 1024 ** 2);
    expect(parseMemoryText('4g')).toBe(4 * 1024 ** 3);
    expect(parseMemoryText('1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseMemoryText('default')).toBeNull();
    expect(parseCpusText('1.5')).toBe(1.5);
    expect(parseCpusText('default')).toBeNull();
    expect(parseAllowText('10.0.0.0/8, example.org,1.2.3.4')).toEqual(['10.0.0.0/8', 'example.org', '1.2.3.4']);
    expect(validateEgress('none')).toBe('none');
  });

  it('refuses what Docker or the firewall could not take, with the reason', async () => {
    const { parseMemoryText, parseCpusText, parseAllowText, validateEgress } = await import('./validation.js');
    expect(() => parseMemoryText('lots')).toThrow(/memory "lots" is invalid/);
    expect(() => parseMemoryText('1k')).toThrow(/at least 6 MiB/);
    expect(() => parseCpusText('-1')).toThrow(/cpus "-1" is invalid/);
    expect(() => parseCpusText('0')).toThrow(/from 0.01/);
    expect(() => parseAllowText('10.0.0.0/33')).toThrow(/not a valid IPv4 CIDR/);
    expect(() => parseAllowText('999.1.1.1')).toThrow(/invalid/);
    expect(() => parseAllowText('a b')).toThrow(/invalid/);
    expect(() => validateEgress('all')).toThrow(/egress "all" is invalid: use "open", "none" or "allow"/);
  });
});
