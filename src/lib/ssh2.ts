// ssh2, without the WebAssembly poly1305 it compiles as it loads. ssh2 uses
// that module only for chacha20-poly1305 when its native binding is missing;
// with the binding (built at install) it is dead weight: about 1 MiB resident
// in every process, the agent's idle budget included. Its module is stood in
// for by a loader that gives ssh2 the real one only when the binding cannot
// load. Every import of ssh2's value goes through here, and so does dockerode,
// which loads ssh2 too.
import { createRequire, Module } from 'node:module';
import type Ssh2 from 'ssh2';

const require = createRequire(import.meta.url);

type Poly1305Factory = (...args: unknown[]) => Promise<unknown>;

/** What ssh2 gets instead of the WebAssembly module; it calls these once at load and never again with the binding. */
const UNUSED_POLY1305 = {
  _malloc: () => 0,
  cwrap: () => () => {
    throw new Error('ssh2 asked for the WebAssembly poly1305 although its native binding loaded');
  },
};

/** Whether ssh2's native crypto binding loads here, as ssh2 itself tries it. */
export function nativeBindingLoads(): boolean {
  try {
    require('ssh2/lib/protocol/crypto/build/Release/sshcrypto.node');
    return true;
  } catch {
    return false;
  }
}

/** The stand-in's answer: the real module only when ssh2 will use it. */
export function poly1305Loader(path: string, bindingLoads: () => boolean): Poly1305Factory {
  return async (...args) => {
    if (bindingLoads()) return UNUSED_POLY1305;
    const stub = require.cache[path];
    delete require.cache[path];
    try {
      return await (require(path) as Poly1305Factory)(...args);
    } finally {
      if (stub) require.cache[path] = stub;
    }
  };
}

function deferPoly1305(): void {
  let path: string;
  try {
    path = require.resolve('ssh2/lib/protocol/crypto/poly1305.js');
  } catch {
    return;
  }
  // Already loaded (ssh2 came first): nothing left to save.
  if (require.cache[path]) return;
  const stub = new Module(path);
  stub.filename = path;
  stub.loaded = true;
  stub.exports = poly1305Loader(path, nativeBindingLoads);
  require.cache[path] = stub;
}

deferPoly1305();

const ssh2 = require('ssh2') as typeof Ssh2;
export default ssh2;
