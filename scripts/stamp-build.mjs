// Writes dist/build-info.json: the git commit (with +dirty when the tree has
// changes) and the build date, shown in the TUI's settings. Outside a git
// checkout the commit is "unknown".
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

function git(...args) {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

const head = git('rev-parse', '--short=12', 'HEAD');
const dirty = head && git('status', '--porcelain', '--untracked-files=no');
const commit = head ? `${head}${dirty ? '+dirty' : ''}` : 'unknown';
const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
writeFileSync(new URL('../dist/build-info.json', import.meta.url), `${JSON.stringify({ commit, date })}\n`);
