// Session environment variables (SPEC §3): names and values the agent passes
// to every container it starts, kept in `<agent-config>/session.env` (0600,
// replaced atomically). Values never leave the agent: names() is the only
// view out, and no error text carries a value.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { ConvocateError, quote } from '../../protocol/errors.js';
import { isValidEnvName, MAX_ENV_VALUE_BYTES, MAX_ENV_VARS, validateEnvName, validateEnvValue } from '../../protocol/session-env.js';

export const SESSION_ENV_FILE = 'session.env';
/** Kept for callers that name the cap by this module. */
export const MAX_VALUE_BYTES = MAX_ENV_VALUE_BYTES;
export { validateEnvName, validateEnvValue };

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
  return [...vars].map(([k, v]) => `${k}=${v}\n`).join('');
}

/** A line that does not parse is named by number only: it may hold a value. */
export function parse(text: string, path: string): Map<string, string> {
  const vars = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const name = eq > 0 ? line.slice(0, eq) : '';
    if (!isValidEnvName(name)) {
      throw new ConvocateError('internal', `${path}: line ${i + 1} is not NAME=value`);
    }
    vars.set(name, line.slice(eq + 1));
  });
  return vars;
}
