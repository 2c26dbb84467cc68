// ssh2 through our loader: with the native binding, an SSH connection on
// chacha20-poly1305 works and no WebAssembly is ever compiled; without it,
// the loader hands ssh2 the real poly1305 module.
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';

const require = createRequire(import.meta.url);
const CHACHA = 'chacha20-poly1305@openssh.com';

// Node's WebAssembly global; the tests compile without the DOM's types that would name it.
const wasm = (globalThis as unknown as { WebAssembly: { instantiate: (...args: unknown[]) => Promise<unknown> } }).WebAssembly;

afterEach(() => vi.restoreAllMocks());

describe('ssh2 without its WebAssembly poly1305', () => {
  it('talks chacha20-poly1305 over the native binding and compiles no WebAssembly', async () => {
    const compiled = vi.spyOn(wasm, 'instantiate');
    const { default: ssh2, nativeBindingLoads } = await import('./ssh2.js');
    const { generateEd25519 } = await import('./keys.js');
    expect(nativeBindingLoads()).toBe(true);
    const hostKey = generateEd25519('host');
    const server = new ssh2.Server({ hostKeys: [hostKey.private], algorithms: { cipher: [CHACHA] } }, (conn) => {
      conn.on('authentication', (ctx) => ctx.accept());
      conn.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new ssh2.Client();
    try {
      const cipher = await new Promise<string>((resolve, reject) => {
        client.on('handshake', (n) => resolve(n.cs.cipher));
        client.on('error', reject);
        client.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, username: 'x', password: 'y', algorithms: { cipher: [CHACHA] } });
      });
      expect(cipher).toBe(CHACHA);
      await new Promise<void>((resolve, reject) => (client.once('ready', resolve), client.once('error', reject)));
    } finally {
      client.end();
      server.close();
    }
    expect(compiled).not.toHaveBeenCalled();
  });

  it('loads the real module when the binding does not load', async () => {
    const { poly1305Loader } = await import('./ssh2.js');
    const compiled = vi.spyOn(wasm, 'instantiate');
    const path = require.resolve('ssh2/lib/protocol/crypto/poly1305.js');
    const mod = (await poly1305Loader(path, () => false)()) as { cwrap: (...a: unknown[]) => unknown; HEAPU8?: Uint8Array };
    expect(compiled).toHaveBeenCalled();
    expect(typeof mod.cwrap('poly1305_auth', null, ['number', 'array', 'number', 'array', 'number', 'array'])).toBe('function');
    expect(mod.HEAPU8).toBeInstanceOf(Uint8Array);
  });
});
