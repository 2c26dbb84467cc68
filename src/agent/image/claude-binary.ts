// Where the session image's Claude Code comes from: the native binary of the
// npm package @anthropic-ai/claude-code (its platform package, fetched with
// npm on the building host, so only the npm registry is needed), or a binary
// the operator already has (`--claude-from`).
import { execFile } from 'node:child_process';
import { access, constants, copyFile, chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConvocateError } from '../../protocol/errors.js';
import { sha256File } from '../../lib/sha256-file.js';

const execFileP = promisify(execFile);

export const CLAUDE_PACKAGE = '@anthropic-ai/claude-code';
/** The version this release is tested with; `--claude-version` picks another. */
export const DEFAULT_CLAUDE_VERSION = '2.1.197';
const EXACT_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/** What goes into the image: a binary at `path`, or none at all. */
export interface ClaudeSource {
  /** `npm:<version>`, `file:<sha256>` or `none`: part of the image's content hash. */
  identity: string;
  version: string;
  /** Filled in by fetch(): the binary on disk and its sha256. */
  fetch(): Promise<ClaudeBinary | undefined>;
}

export interface ClaudeBinary {
  path: string;
  sha256: string;
  version: string;
  cleanup(): Promise<void>;
}

export const NO_CLAUDE: ClaudeSource = { identity: 'none', version: '', fetch: async () => undefined };

/** The glibc build: the session image is Debian. */
export function platformPackage(arch: string = process.arch): string {
  if (arch === 'x64' || arch === 'arm64') return `${CLAUDE_PACKAGE}-linux-${arch}`;
  throw new ConvocateError('invalid_argument', `no Claude Code build for architecture ${arch}: use --claude-from or --no-claude`);
}

/** An exact version stays as given (no network); a tag or range is asked of the registry. */
export async function resolveClaudeVersion(spec: string): Promise<string> {
  if (EXACT_VERSION.test(spec)) return spec;
  if (!/^[A-Za-z0-9.^~<>=| -]+$/.test(spec)) throw new ConvocateError('invalid_argument', `bad Claude version ${JSON.stringify(spec)}`);
  const out = await npm(['view', `${CLAUDE_PACKAGE}@${spec}`, 'version', '--json']);
  const parsed: unknown = JSON.parse(out || 'null');
  const versions = Array.isArray(parsed) ? parsed : [parsed];
  const last = versions[versions.length - 1];
  if (typeof last !== 'string' || !EXACT_VERSION.test(last)) {
    throw new ConvocateError('invalid_argument', `no ${CLAUDE_PACKAGE} version matches ${JSON.stringify(spec)}`);
  }
  return last;
}

export function npmClaude(version: string): ClaudeSource {
  return {
    identity: `npm:${version}`,
    version,
    fetch: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'convocate-claude-'));
      try {
        const pkg = `${platformPackage()}@${version}`;
        // npm checks the registry's integrity hash and keeps the tarball in its cache.
        await npm(['pack', pkg, '--pack-destination', dir, '--silent']);
        const tgz = (await readdir(dir)).find((f) => f.endsWith('.tgz'));
        if (!tgz) throw new ConvocateError('internal', `npm pack ${pkg} left no tarball`);
        await execFileP('tar', ['-xzf', join(dir, tgz), '-C', dir, 'package/claude']);
        await rm(join(dir, tgz));
        const path = join(dir, 'package', 'claude');
        return { path, sha256: await sha256File(path), version, cleanup: () => rm(dir, { recursive: true, force: true }) };
      } catch (err) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
    },
  };
}

/** A binary the operator already has; its version is whatever it says it is. */
export async function fileClaude(path: string): Promise<ClaudeSource> {
  try {
    if (!(await stat(path)).isFile()) throw new Error('not a regular file');
    await access(path, constants.X_OK);
  } catch (err) {
    throw new ConvocateError('invalid_argument', `--claude-from ${path}: ${(err as Error).message}`, { cause: err });
  }
  const sha256 = await sha256File(path);
  const version = await execFileP(path, ['--version'], { timeout: 15_000 })
    .then(({ stdout }) => /^(\S+)/.exec(stdout.trim())?.[1] ?? 'unknown')
    .catch(() => 'unknown');
  return {
    identity: `file:${sha256}`,
    version,
    fetch: async () => {
      // A copy, so that the build context holds a regular 0755 file whatever the original is.
      const dir = await mkdtemp(join(tmpdir(), 'convocate-claude-'));
      const copy = join(dir, 'claude');
      await copyFile(path, copy);
      await chmod(copy, 0o755);
      return { path: copy, sha256, version, cleanup: () => rm(dir, { recursive: true, force: true }) };
    },
  };
}


async function npm(args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileP('npm', args, { timeout: 300_000, maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim();
  } catch (err) {
    const e = err as { stderr?: string; message: string; code?: string };
    const why = e.code === 'ENOENT' ? 'npm not found' : lastLine(e.stderr || e.message);
    throw new ConvocateError(
      'unavailable',
      `npm ${args[0]} ${args[1] ?? ''}: ${why}. Claude Code comes from the npm registry; without it use --claude-from PATH or --no-claude`,
      { cause: err },
    );
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n').filter((l) => l.trim());
  return lines[lines.length - 1] ?? '';
}
