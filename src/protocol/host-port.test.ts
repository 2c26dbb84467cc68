import { describe, expect, it } from 'vitest';
import { parseHostPort, splitHostPort } from './host-port.js';

describe('parseHostPort', () => {
  it('reads host, host:port, [v6] and [v6]:port', () => {
    expect(parseHostPort('h.example', { what: 'x' })).toEqual({ host: 'h.example' });
    expect(parseHostPort('h.example', { what: 'x', defaultPort: 222 })).toEqual({ host: 'h.example', port: 222 });
    expect(parseHostPort(' 10.0.0.1:2222\n', { what: 'x' })).toEqual({ host: '10.0.0.1', port: 2222 });
    expect(parseHostPort('[::1]', { what: 'x' })).toEqual({ host: '::1' });
    expect(parseHostPort('[fe80::1]:22', { what: 'x' })).toEqual({ host: 'fe80::1', port: 22 });
  });

  it('refuses what is not host[:port], naming the input', () => {
    for (const bad of ['', 'a:b:c', '::1', '[nothost]:1', 'bad host', '-o:22', ':22']) {
      expect(() => parseHostPort(bad, { what: '--address' }), bad).toThrow(/^bad --address/);
    }
    for (const bad of ['h:0', 'h:65536', 'h:x', 'h:']) {
      expect(() => parseHostPort(bad, { what: 'agent-host' }), bad).toThrow(/^bad port in agent-host/);
    }
  });

  it('splits without judging the parts', () => {
    expect(splitHostPort(':0')).toEqual({ host: '', portText: '0', bracketed: false });
    expect(splitHostPort('a:b:c')).toBeUndefined();
  });
});
