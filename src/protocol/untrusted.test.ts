import { describe, expect, it } from 'vitest';
import { sanitizeText } from './sanitise.js';
import { isRfc3339 } from './untrusted.js';

describe('isRfc3339', () => {
  it('accepts what the agent writes and RFC 3339 offsets', () => {
    expect(isRfc3339(new Date(0).toISOString())).toBe(true);
    expect(isRfc3339('2024-02-29T23:59:59+02:00')).toBe(true);
    expect(isRfc3339('2024-02-29T23:59:59.123456789Z')).toBe(true);
  });

  it('refuses what Date.parse forgives', () => {
    for (const bad of [
      'Jan 1 2020 (\x1b[31mred)',
      '2020-01-01',
      '2020-01-01 00:00:00Z',
      '2023-02-29T00:00:00Z',
      '2020-13-01T00:00:00Z',
      '2020-01-01T24:00:00Z',
      '2020-01-01T00:00:00Z\n',
      ' 2020-01-01T00:00:00Z',
      1577836800000,
      null,
    ]) {
      expect(isRfc3339(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('sanitizeText', () => {
  it('removes escape sequences and shows other controls as ?', () => {
    expect(sanitizeText('a\x1b[31mred\x1b[0m b\x1b]0;title\x07c\x07d\x00e\x9b2Jf')).toBe('ared bc?d?ef');
  });

  it('folds lines unless multiline, and cuts at max', () => {
    expect(sanitizeText('one\r\ntwo\nthree\tfour')).toBe('one two three four');
    expect(sanitizeText('one\r\ntwo\rthree', { multiline: true })).toBe('one\ntwo\nthree');
    expect(sanitizeText('x'.repeat(10), { max: 4 })).toBe('xxxx…');
  });

  it('drops bidi overrides that would reorder what the operator reads', () => {
    expect(sanitizeText('ok\u202eevil')).toBe('ok?evil');
  });

  it('hands plain text back as it is, and still cleans a text holding one lone special character', () => {
    const plain = 'web-1 2025-01-02T03:04:05.000Z ünïcödé ✓';
    expect(sanitizeText(plain)).toBe(plain);
    const cleaned: Record<string, string> = { '\t': 'a b', '\n': 'a b', '\r': 'a b', '\x1b': 'ab', '\x9b': 'a', '\x7f': 'a?b', '\u2028': 'a?b', '\u2066': 'a?b' };
    for (const [ch, want] of Object.entries(cleaned)) expect(sanitizeText(`a${ch}b`), JSON.stringify(ch)).toBe(want);
  });
});
