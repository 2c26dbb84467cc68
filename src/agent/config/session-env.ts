// Session environment variables (SPEC §3): names and values the agent passes
// to every container it starts, kept in `<agent-config>/session.env` (0600,
// replaced atomically). Values never leave the agent: names() is the only
// view out, and no error text carries a value.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { ConvocateError, quote } from '../../protocol/errors.js';
import { ENV_NAME_RE, MAX_ENV_NAME, MAX_ENV_VALUE_BYTES, MAX_ENV_VARS, validateEnvName, validateEnvValue } from '../../protocol/session-env.js';

export const SESSION_ENV_FILE = 'session.env';
export const MAX_VALUE_BYTES = MAX_ENV_VALUE_BYTES;
/** A multi-line value is kept base64-encoded under `NAME:base64=`, so each variable stays one line of the file. */
const ENCODED = ':base64';

/**
 * Read afresh on every use: another process on this host (a CLI's embedded
 * agent beside a TUI's) may have changed the file, and it is small.
 */
export class SessionEnvStore {
  /** Serialises writers so that two concurrent sets cannot lose one. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly configDir: string) {}

  get path(): string {
    return join(this.configDir, SESSION_ENV_FILE);
  }

  async names(): Promise<string[]> {
    return [...(await this.load()).keys()].sort();
  }

  /** Every variable, read afresh (another process may have changed the file). */
  read(): Promise<ReadonlyMap<string, string>> {
    return this.load();
  }

  async set(name: string, value: string): Promise<string[]> {
    validateEnvName(name);
    validateEnvValue(name, value);
    return this.change((vars) => {
      if (!vars.has(name) && vars.size >= MAX_ENV_VARS) throw new ConvocateError('invalid_argument', `at most ${MAX_ENV_VARS} session env variables`);
      vars.set(name, value);
    });
  }

  async unset(name: string): Promise<string[]> {
    validateEnvName(name);
    return this.change((vars) => {
      if (!vars.delete(name)) throw new ConvocateError('not_found', `env ${quote(name)} is not set`);
    });
  }

  private change(fn: (vars: Map<string, string>) => void): Promise<string[]> {
    const run = this.queue.then(async () => {
      const next = new Map(await this.load());
      fn(next);
      await writeFileAtomic(this.path, serialise(next), 0o600);
      return [...next.keys()].sort();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async load(): Promise<Map<string, string>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw new ConvocateError('internal', `read ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    return parse(text, this.path);
  }
}

function serialise(vars: Map<string, string>): string {
  return [...vars].map(([k, v]) => (/[\n\r]/.test(v) ? `${k}${ENCODED}=${Buffer.from(v).toString('base64')}\n` : `${k}=${v}\n`)).join('');
}

/** A line that does not parse is named by number only: it may hold a value. */
export function parse(text: string, path: string): Map<string, string> {
  const vars = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq > 0 ? line.slice(0, eq) : '';
    const encoded = key.endsWith(ENCODED);
    const name = encoded ? key.slice(0, -ENCODED.length) : key;
    if (!ENV_NAME_RE.test(name) || name.length > MAX_ENV_NAME) {
      throw new ConvocateError('internal', `${path}: line ${i + 1} is not NAME=value`);
    }
    const raw = line.slice(eq + 1);
    vars.set(name, encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw);
  });
  return vars;
}
