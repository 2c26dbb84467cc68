// dockerode, with its BuildKit session support loaded on first use only.
// dockerode requires gRPC and protobuf (for `buildImage` over a BuildKit
// session, which the agent never calls) as it loads: about 4 MiB resident in
// every idle agent. Its session module is stood in for by a function that
// loads the real one when called; a dockerode laid out otherwise loads whole.
import { createRequire, Module } from 'node:module';
import type DockerClass from 'dockerode';
// dockerode loads ssh2: through our loader, first.
import '../../lib/ssh2.js';

const require = createRequire(import.meta.url);

type WithSession = (this: unknown, ...args: unknown[]) => unknown;

/** Where dockerode keeps its session support; undefined when it is not there or already loaded. */
function sessionModulePath(): string | undefined {
  try {
    const path = require.resolve('dockerode/lib/session.js');
    return require.cache[path] ? undefined : path;
  } catch {
    return undefined;
  }
}

function deferSessionSupport(path: string): void {
  const lazy = new Module(path);
  lazy.filename = path;
  lazy.loaded = true;
  let real: WithSession | undefined;
  lazy.exports = function withSession(this: unknown, ...args: unknown[]): unknown {
    if (!real) {
      delete require.cache[path];
      try {
        real = require(path) as WithSession;
      } finally {
        require.cache[path] = lazy;
      }
    }
    return real.apply(this, args);
  };
  require.cache[path] = lazy;
}

const path = sessionModulePath();
if (path) deferSessionSupport(path);

/** dockerode's class; its types come from `import type Docker from 'dockerode'`. */
export const DockerClient = require('dockerode') as typeof DockerClass;
