import { describe, expect, it } from 'vitest';
import { ConvocateError } from './errors.js';
import { decodeAttachHeader } from './attach.js';
import { LineSplitter } from './ndjson.js';
import { decodeRequest, decodeResponse, encodeError, encodeRequest, encodeResult, MAX_LINE_BYTES } from './rpc.js';
import { makeEvent, parseEvent } from './status.js';

function errorOf(fn: () => unknown): ConvocateError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConvocateError) return err;
    throw err;
  }
  throw new Error('expected a ConvocateError');
}

describe('decodeRequest', () => {
  it('decodes a well-formed request and defaults missing params to null', () => {
    expect(decodeRequest('{"op":"ping"}')).toEqual({ op: 'ping', params: null });
    expect(decodeRequest('{"op":"get","params":{"id":"x"}}')).toEqual({ op: 'get', params: { id: 'x' } });
  });

  it('answers malformed JSON, non-objects, unknown ops and wrong types with the spec texts', () => {
    expect(errorOf(() => decodeRequest('{nope')).message).toMatch(/^decode request: /);
    expect(errorOf(() => decodeRequest('[1,2]')).message).toBe('decode request: request must be a JSON object');
    expect(errorOf(() => decodeRequest('{"op":5}')).code).toBe('bad_request');
    const unknown = errorOf(() => decodeRequest('{"op":"format-disk"}'));
    expect(unknown.message).toBe('unknown op "format-disk"');
    expect(unknown.code).toBe('unknown_op');
    const wrongType = errorOf(() => decodeRequest('{"op":"create","params":{"name":42}}'));
    expect(wrongType.message).toMatch(/^decode params: name: /);
    expect(errorOf(() => decodeRequest('{"op":"get","params":{}}')).message).toMatch(/^decode params: id: /);
  });

  it('refuses lines over the cap', () => {
    expect(errorOf(() => decodeRequest('x'.repeat(MAX_LINE_BYTES + 1))).code).toBe('too_large');
  });

  it('round-trips requests, results and errors', () => {
    expect(decodeRequest(encodeRequest('get', { id: 'abc' }).trim())).toEqual({ op: 'get', params: { id: 'abc' } });
    expect(decodeResponse(encodeResult({ a: 1 }).trim())).toEqual({ a: 1 });
    const err = errorOf(() => decodeResponse(encodeError(new ConvocateError('conflict', 'port 1001/tcp already in use')).trim()));
    expect(err.code).toBe('conflict');
    expect(err.message).toBe('port 1001/tcp already in use');
  });
});

describe('LineSplitter', () => {
  it('splits across chunks, trims CR and keeps the tail', () => {
    const s = new LineSplitter(100);
    expect(s.push(Buffer.from('ab'))).toEqual([]);
    expect(s.push(Buffer.from('c\r\nde\nf'))).toEqual(['abc', 'de']);
    expect(s.rest()).toBe('f');
    expect(s.rest()).toBeUndefined();
  });

  it('throws once a line passes the cap, even without a newline', () => {
    const s = new LineSplitter(8);
    expect(() => s.push(Buffer.from('123456789'))).toThrow(/exceeds 8 bytes/);
  });
});

describe('attach header', () => {
  it('defaults to 80x24 and refuses garbage', () => {
    expect(decodeAttachHeader('{"id":"u"}')).toEqual({ id: 'u', cols: 80, rows: 24 });
    expect(decodeAttachHeader('{"id":"u","cols":120,"rows":40}')).toEqual({ id: 'u', cols: 120, rows: 40 });
    expect(errorOf(() => decodeAttachHeader('hello')).message).toMatch(/^decode attach header/);
    expect(errorOf(() => decodeAttachHeader('{"id":"u","cols":-3}')).message).toMatch(/^decode params: cols/);
  });
});

describe('status events', () => {
  it('parses what makeEvent builds and ignores anything else', () => {
    const ev = makeEvent('container.stopped', 'abcd1234', null, 'u1');
    expect(parseEvent(JSON.stringify(ev))).toEqual(ev);
    expect(parseEvent('not json')).toBeUndefined();
    expect(parseEvent('{"type":"bogus","agent_id":"a","timestamp":"t"}')).toBeUndefined();
    expect(parseEvent('{"type":"agent.heartbeat","timestamp":"t"}')).toBeUndefined();
  });
});

describe('what an agent answers', () => {
  it('passes the one sanitiser: results and errors alike', async () => {
    const { decodeResponse } = await import('./rpc.js');
    const got = decodeResponse<'get'>(JSON.stringify({ ok: true, result: { name: 'web\u001b]52;c;cm0gLXJm\u0007', activity_detail: 'a\u001b[2Jb', text: 'x' } }));
    expect(got).toMatchObject({ name: 'web', activity_detail: 'ab' });
    expect(() => decodeResponse(JSON.stringify({ ok: false, code: 'internal', error: 'boom\u001b]0;title\u0007\nnext' }))).toThrow(/^boom next$/);
    const peek = decodeResponse<'peek'>(JSON.stringify({ ok: true, result: { text: 'line 1\nline\u001b[31m 2' } }));
    expect(peek.text).toBe('line 1\nline 2');
  });
});
