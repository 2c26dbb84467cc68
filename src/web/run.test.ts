import { describe, expect, it } from 'vitest';
import { checkFlags, loginUrl, parseListen } from './run.js';

describe('convocate web flags', () => {
  it('reads ADDR:PORT in the one host[:port] syntax, port 0 included', () => {
    expect(parseListen('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListen('[::1]:7681')).toEqual({ host: '::1', port: 7681 });
    expect(parseListen(' localhost:8080 ')).toEqual({ host: 'localhost', port: 8080 });
  });

  it('refuses what is not ADDR:PORT with one line naming the flag', () => {
    for (const bad of ['nowhere', ':7681', '1.2.3.4:99999', '[::1]', '[nothost]:1', 'a b:1', '-x:1', '1.2.3.4:']) {
      expect(() => parseListen(bad), bad).toThrow(`--listen "${bad}" is invalid: use ADDR:PORT, e.g. 127.0.0.1:7681`);
    }
  });

  it('needs TLS off loopback unless told otherwise, and both TLS files together', () => {
    expect(() => checkFlags({ listen: '0.0.0.0:7681' })).toThrow(/refusing to serve 0\.0\.0\.0 without TLS/);
    expect(checkFlags({ listen: '0.0.0.0:7681', insecureHttp: true }).tls).toBe(false);
    expect(checkFlags({ listen: '0.0.0.0:7681', tlsCert: 'c', tlsKey: 'k' }).tls).toBe(true);
    expect(() => checkFlags({ tlsKey: 'k' })).toThrow(/go together/);
  });

  it('puts the token in the fragment of the login URL', () => {
    expect(loginUrl({ host: '::1', port: 7681 }, true, 'ab')).toBe('https://[::1]:7681/#token=ab');
  });
});
