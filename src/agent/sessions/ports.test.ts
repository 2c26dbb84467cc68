import { describe, expect, it } from 'vitest';
import { ConvocateError } from '../../protocol/errors.js';
import { pickFreePort } from './ports.js';

describe('pickFreePort', () => {
  it('starts at 1001 by default', () => {
    expect(pickFreePort(new Set())).toBe(1001);
  });

  it('skips taken ports and returns the lowest gap', () => {
    expect(pickFreePort(new Set([1001, 1002, 1004]))).toBe(1003);
  });

  it('honours a custom lower bound', () => {
    expect(pickFreePort(new Set([5000]), 5000)).toBe(5001);
    expect(pickFreePort(new Set(), 0)).toBe(1);
  });

  it('can hand out 65535 and then refuses with a conflict', () => {
    expect(pickFreePort(new Set(), 65535)).toBe(65535);
    let err: unknown;
    try {
      pickFreePort(new Set([65535]), 65535);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConvocateError);
    expect((err as ConvocateError).code).toBe('conflict');
    expect((err as ConvocateError).message).toBe('no free port at or above 65535');
  });
});
