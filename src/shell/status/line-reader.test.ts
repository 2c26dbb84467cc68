import { describe, expect, it } from 'vitest';
import { SkippingLineReader } from './line-reader.js';

describe('SkippingLineReader', () => {
  it('splits lines across chunks', () => {
    const r = new SkippingLineReader(100);
    expect(r.push(Buffer.from('ab'))).toEqual([]);
    expect(r.push(Buffer.from('c\nde\r\nf'))).toEqual(['abc', 'de']);
    expect(r.push(Buffer.from('\n'))).toEqual(['f']);
  });

  it('skips an oversized line, even one spread over many chunks, and keeps the rest', () => {
    const r = new SkippingLineReader(8);
    expect(r.push(Buffer.from('ok\n0123456789'))).toEqual(['ok']);
    expect(r.push(Buffer.from('more-more-more'))).toEqual([]);
    expect(r.push(Buffer.from('end\nnext\nalso-too-long\nlast\n'))).toEqual(['next', 'last']);
    expect(r.skipped).toBe(2);
  });
});
