import { describe, expect, it } from 'vitest';
import { checkDnsName, checkName, parsePort } from './validate.js';

describe('checkName', () => {
  it('accepts letters, digits, - and _ up to 64', () => {
    expect(checkName('a-B_9')).toBeUndefined();
    expect(checkName('x'.repeat(64))).toBeUndefined();
  });
  it('refuses empty, long and odd characters', () => {
    expect(checkName('')).toMatch(/required/);
    expect(checkName('x'.repeat(65))).toMatch(/64/);
    expect(checkName('a b')).toMatch(/letters/);
    expect(checkName('a.b')).toMatch(/letters/);
  });
});

describe('parsePort', () => {
  it('reads empty as none and allows -1, 0 and 1-65535', () => {
    expect(parsePort('')).toEqual({ port: 0 });
    expect(parsePort('-1')).toEqual({ port: -1 });
    expect(parsePort('0')).toEqual({ port: 0 });
    expect(parsePort('65535')).toEqual({ port: 65535 });
  });
  it('refuses the rest', () => {
    for (const bad of ['65536', '-2', 'abc', '1.5', '80a']) expect(parsePort(bad)).toHaveProperty('error');
  });
});

describe('checkDnsName', () => {
  it('accepts empty and lowercase hostnames', () => {
    expect(checkDnsName('')).toBeUndefined();
    expect(checkDnsName('web-1.dev')).toBeUndefined();
  });
  it('refuses uppercase, bad labels and overlong names', () => {
    expect(checkDnsName('Web')).toMatch(/lowercase/);
    expect(checkDnsName('-web')).toBeDefined();
    expect(checkDnsName('web-')).toBeDefined();
    expect(checkDnsName('a..b')).toBeDefined();
    expect(checkDnsName('a_b')).toBeDefined();
    expect(checkDnsName(`${'a'.repeat(64)}`)).toBeDefined();
    expect(checkDnsName(Array(64).fill('abc').join('.'))).toMatch(/253/);
  });
});
