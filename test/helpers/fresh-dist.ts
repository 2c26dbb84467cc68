// e2e tests run the built agent and CLIs from dist/: a source newer than the
// last build means they would test old code, so the build runs first (and a
// failing build stops the run).
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What a build reads besides src/. */
const BUILD_INPUTS = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
const STAMP = join('dist', 'build-info.json');

/** The newest mtime (ms) of a file under `dir`, at most `maxFiles` visited. */
function newestUnder(dir: string, maxFiles = 20_000): number {
  let newest = 0;
  let seen = 0;
  const stack = [dir];
  while (stack.length > 0 && seen < maxFiles) {
    const d = stack.pop()!;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) {
        seen++;
        newest = Math.max(newest, statSync(p).mtimeMs);
      }
    }
  }
  return newest;
}

/** Why dist/ is stale, or undefined when the last build is newer than every input. */
export function distStaleness(root: string): string | undefined {
  let built: number;
  try {
    built = statSync(join(root, STAMP)).mtimeMs;
  } catch {
    return `${STAMP} is missing`;
  }
  const inputs = [newestUnder(join(root, 'src')), ...BUILD_INPUTS.map((f) => statSync(join(root, f), { throwIfNoEntry: false })?.mtimeMs ?? 0)];
  return Math.max(...inputs) > built ? 'a source file is newer than the last build' : undefined;
}

/** Builds when stale; a failed build throws, so no e2e test runs against old code. */
export function ensureFreshDist(root: string, log: (line: string) => void): void {
  const why = distStaleness(root);
  if (!why) return;
  log(`[build] dist/ is stale (${why}): npm run build`);
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const still = distStaleness(root);
  if (still) throw new Error(`dist/ is still stale after npm run build (${still}): refusing to test old code`);
}
