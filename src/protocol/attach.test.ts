import { describe, expect, it } from 'vitest';
import { decodeAttachHeader, encodeAttachHeader } from './attach.js';

describe('attach header', () => {
  it('carries read_only only when asked, and round-trips', () => {
    expect(decodeAttachHeader('{"id":"x"}')).toEqual({ id: 'x', cols: 80, rows: 24 });
    const ro = decodeAttachHeader(encodeAttachHeader({ id: 'x', cols: 100, rows: 30, read_only: true }));
    expect(ro).toEqual({ id: 'x', cols: 100, rows: 30, read_only: true });
    expect(decodeAttachHeader('{"id":"x","read_only":false}')).not.toHaveProperty('read_only');
  });

  it('refuses a read_only that is not a boolean', () => {
    expect(() => decodeAttachHeader('{"id":"x","read_only":"yes"}')).toThrow(/decode params: .*read_only/);
  });
});
