// The sizing wrapper on a real pseudo-terminal (util-linux `script` makes one):
// it waits for the size Docker's resize brings and never undoes it; a PTY that
// stays 0x0 gets the initial size.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { sizedCommand } from './sized-command.js';

const run = promisify(execFile);

/** `stty size` as the wrapped command sees it, in a PTY `setup` prepares first. */
async function sizeSeen(setup: string): Promise<string> {
  const inner = sizedCommand(['stty', 'size'], 80, 24).map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const { stdout } = await run('script', ['-qec', `${setup}\n${inner}`, '/dev/null'], { timeout: 10_000 });
  return stdout.trim();
}

describe('sizedCommand', () => {
  it('sizes a PTY that no resize reaches', async () => {
    expect(await sizeSeen('stty rows 0 cols 0')).toBe('24 80');
  });

  it('leaves alone a PTY a resize reached before it ran', async () => {
    expect(await sizeSeen('stty rows 45 cols 44')).toBe('45 44');
  });

  it('waits for a resize that lands while it runs, and keeps it', async () => {
    expect(await sizeSeen('stty rows 0 cols 0; (sleep 0.2; stty rows 46 cols 44 </dev/tty) &')).toBe('46 44');
  });
});
