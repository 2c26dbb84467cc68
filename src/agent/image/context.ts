// The session image's build context: the files shipped in the package's
// image/ directory plus claude/ (the binary, or empty), assembled in a temp
// dir. Its content hash, recorded as a label, tells a current image from a
// stale one with the same tag.
import { createHash } from 'node:crypto';
import { copyFile, link, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClaudeBinary } from './claude-binary.js';

export const IMAGE_FILES = [
  'Dockerfile',
  'entrypoint.sh',
  'session.sh',
  'activity.sh',
  'clone.sh',
  'diff.sh',
  'git-credential.sh',
  'git-ssh.sh',
  'gitconfig',
  'tmux.conf',
  'managed-settings.json',
];

export const LABELS = {
  hash: 'convocate.image.hash',
  claudeVersion: 'convocate.claude.version',
  claudeSha256: 'convocate.claude.sha256',
} as const;

/** src/agent/image and dist/agent/image both sit three levels below the package root. */
export function imageDir(): string {
  return fileURLToPath(new URL('../../../image/', import.meta.url));
}

/** Changes whenever a shipped file or the chosen Claude does; the base is the tag's business. */
export async function contentHash(claudeIdentity: string): Promise<string> {
  const hash = createHash('sha256');
  for (const name of IMAGE_FILES) {
    hash.update(`${name}\0`);
    hash.update(await readFile(join(imageDir(), name)));
    hash.update('\0');
  }
  hash.update(`claude\0${claudeIdentity}`);
  return hash.digest('hex').slice(0, 32);
}

export interface BuildContext {
  dir: string;
  entries: string[];
  cleanup(): Promise<void>;
}

export async function assembleContext(claude: ClaudeBinary | undefined): Promise<BuildContext> {
  const dir = await mkdtemp(join(tmpdir(), 'convocate-image-'));
  try {
    for (const name of IMAGE_FILES) await copyFile(join(imageDir(), name), join(dir, name));
    await mkdir(join(dir, 'claude'));
    if (claude) {
      const target = join(dir, 'claude', 'claude');
      // A hard link when both sit on one filesystem: the binary is a few hundred MB.
      await link(claude.path, target).catch(() => copyFile(claude.path, target));
    }
    return { dir, entries: [...IMAGE_FILES, 'claude'], cleanup: () => rm(dir, { recursive: true, force: true }) };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
