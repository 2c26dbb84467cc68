// Builds the session image from the Dockerfile shipped in the package, with
// Claude Code's native binary baked in. Offline, the base comes from
// debootstrap imported through the Engine API, so no Docker registry is ever
// needed (Claude comes from the npm registry, or from --claude-from).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { DockerClient } from '../runtime/dockerode.js';
import { ConvocateError } from '../../protocol/errors.js';
import { DEFAULT_IMAGE } from '../../protocol/version.js';
import { DEFAULT_CLAUDE_VERSION, npmClaude, type ClaudeSource } from './claude-binary.js';
import { assembleContext, contentHash, imageDir, LABELS } from './context.js';
import { statusOf } from '../runtime/docker-errors.js';

export { DEFAULT_IMAGE, imageDir };

// Lean on purpose: only what the Dockerfile and an operator's shell need (ssh for git over ssh).
const DEBOOTSTRAP_PACKAGES = ['tmux', 'sudo', 'git', 'openssh-client', 'ca-certificates', 'less', 'procps', 'ncurses-term'];
/** Named after its package list, so that a changed list makes a new base rather than reusing the old one. */
export const OFFLINE_BASE = `convocate-base:bookworm-${createHash('sha256').update(DEBOOTSTRAP_PACKAGES.join(',')).digest('hex').slice(0, 8)}`;
export const ONLINE_BASE = 'debian:bookworm-slim';
// debootstrap leaves its downloads and indexes behind; docs and translations
// are dead weight in a session container. Together about half the rootfs.
const ROOTFS_EXCLUDES = [
  './var/cache/apt/archives/*.deb',
  './var/lib/apt/lists/*_*',
  './usr/share/doc/*',
  './usr/share/man/*',
  './usr/share/locale/*',
];

export interface BuildOptions {
  tag?: string;
  /** Base image for `ARG BASE` (default ONLINE_BASE); offline builds always use OFFLINE_BASE. */
  base?: string;
  offline: boolean;
  force: boolean;
  /** Which Claude goes in (default: npm, DEFAULT_CLAUDE_VERSION); NO_CLAUDE for an image without it. */
  claude?: ClaudeSource;
  docker?: Docker;
  onProgress: (line: string) => void;
}

export async function buildSessionImage(opts: BuildOptions): Promise<void> {
  const docker = opts.docker ?? new DockerClient();
  const tag = opts.tag ?? DEFAULT_IMAGE;
  const claude = opts.claude ?? npmClaude(DEFAULT_CLAUDE_VERSION);
  const hash = await contentHash(claude.identity);
  const present = await imageInfo(docker, tag);
  const previous = present?.id;
  if (!opts.force && present?.labels[LABELS.hash] === hash) {
    opts.onProgress(`image ${tag} already present`);
    return;
  }
  if (present && !opts.force) opts.onProgress(`image ${tag} is stale (its files or Claude changed): rebuilding`);
  let base = opts.base ?? ONLINE_BASE;
  let previousBase: string | undefined;
  if (opts.offline) {
    previousBase = await ensureOfflineBase(docker, opts.force, opts.onProgress);
    base = OFFLINE_BASE;
  }
  if (claude.identity !== 'none') opts.onProgress(`fetching Claude Code ${claude.version || claude.identity}`);
  const binary = await claude.fetch();
  const context = await assembleContext(binary);
  try {
    const labels = {
      [LABELS.hash]: hash,
      [LABELS.claudeVersion]: binary?.version ?? '',
      [LABELS.claudeSha256]: binary?.sha256 ?? '',
    };
    opts.onProgress(`building ${tag} from ${base}${binary ? ` with Claude Code ${binary.version} (sha256 ${binary.sha256.slice(0, 12)}…)` : ' without Claude Code'}`);
    const buildargs = { BASE: base };
    const stream = await docker.buildImage({ context: context.dir, src: context.entries }, {
      t: tag,
      buildargs,
      labels,
      rm: true,
      forcerm: true,
      // Offline means offline: the RUN steps get no network at all.
      ...(opts.offline ? { networkmode: 'none' } : {}),
    });
    await followJson(docker, stream, opts.onProgress, `build ${tag}`);
  } finally {
    await context.cleanup();
    await binary?.cleanup();
  }
  const current = await imageId(docker, tag);
  if (!current) throw new ConvocateError('internal', `build ${tag}: image missing after build`);
  // The old session image first: the old base cannot go while an image is built on it.
  await dropReplaced(docker, previous, current);
  if (previousBase) await dropReplaced(docker, previousBase, await imageId(docker, OFFLINE_BASE) ?? previousBase);
  opts.onProgress(`image ${tag} built`);
}

async function imageId(docker: Docker, tag: string): Promise<string | undefined> {
  return (await imageInfo(docker, tag))?.id;
}

/** The image's id and labels; undefined when the tag is absent. */
export async function imageInfo(docker: Docker, tag: string): Promise<{ id: string; labels: Record<string, string> } | undefined> {
  try {
    const info = await docker.getImage(tag).inspect();
    return { id: info.Id, labels: info.Config?.Labels ?? {} };
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}

/** A forced rebuild would otherwise leave the old image dangling; one still in use by a container stays. */
async function dropReplaced(docker: Docker, previous: string | undefined, current: string): Promise<void> {
  if (!previous || previous === current) return;
  await docker
    .getImage(previous)
    .remove()
    .catch(() => undefined);
}

/** Returns the id of the base it replaced, to drop once nothing is built on it. */
async function ensureOfflineBase(docker: Docker, force: boolean, onProgress: (line: string) => void): Promise<string | undefined> {
  const previous = await imageId(docker, OFFLINE_BASE);
  if (!force && previous) {
    onProgress(`base ${OFFLINE_BASE} already present`);
    return undefined;
  }
  const root = await mkdtemp(join(tmpdir(), 'convocate-rootfs-'));
  try {
    onProgress(`debootstrap bookworm into ${root} (about a minute)`);
    const include = `--include=${DEBOOTSTRAP_PACKAGES.join(',')}`;
    await runTool('debootstrap', ['--variant=minbase', include, 'bookworm', root], onProgress);
    // mkdtemp made the root 0700: imported as is, `/` would keep that mode, and
    // the session user could not reach anything under a storage driver that honours it (vfs).
    await chmod(root, 0o755);
    onProgress(`importing ${OFFLINE_BASE}`);
    await importRootfs(docker, root, onProgress);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return previous;
}

async function importRootfs(docker: Docker, root: string, onProgress: (line: string) => void): Promise<void> {
  const excludes = ROOTFS_EXCLUDES.map((p) => `--exclude=${p}`);
  const tar = spawn('tar', ['--numeric-owner', ...excludes, '-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tarErr = '';
  tar.stderr.on('data', (b: Buffer) => (tarErr += b.toString()));
  const tarDone = new Promise<void>((resolve, reject) => {
    tar.on('error', (err) => reject(new Error(`tar: ${err.message}`, { cause: err })));
    tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar exited ${code}: ${tarErr.trim()}`))));
  });
  const [repo, tagPart] = OFFLINE_BASE.split(':');
  const stream = await docker.importImage(tar.stdout, { repo, tag: tagPart });
  await Promise.all([tarDone, followJson(docker, stream, onProgress, `import ${OFFLINE_BASE}`)]);
}

interface ProgressEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/** Forward a Docker JSON progress stream line by line; reject with the daemon's own error text. */
function followJson(docker: Docker, stream: NodeJS.ReadableStream, onProgress: (line: string) => void, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: string | undefined;
    docker.modem.followProgress(
      stream,
      (err: Error | null) => {
        if (err) reject(new ConvocateError('internal', `${what}: ${err.message}`, { cause: err }));
        else if (failure) reject(new ConvocateError('internal', `${what}: ${failure}`));
        else resolve();
      },
      (event: ProgressEvent) => {
        const error = event.errorDetail?.message ?? event.error;
        if (error) failure = error.trim();
        const text = error ?? event.stream ?? event.status;
        for (const line of (text ?? '').split('\n')) if (line.trim()) onProgress(line.trimEnd());
      },
    );
  });
}

function runTool(cmd: string, args: string[], onProgress: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const forward = (b: Buffer): void => {
      const text = b.toString();
      tail = (tail + text).slice(-2000);
      for (const line of text.split('\n')) if (line.trim()) onProgress(line.trimEnd());
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', (err) =>
      reject(new ConvocateError('unavailable', `${cmd} not found: install it with \`apt-get install -y ${cmd}\``, { cause: err })),
    );
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new ConvocateError('internal', `${cmd} exited ${code}: ${lastLine(tail)}`)),
    );
  });
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

