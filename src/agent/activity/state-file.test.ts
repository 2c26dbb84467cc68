import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdir, mkdtemp, open, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTIVITY_FILE, MAX_DETAIL_CHARS, parseState, readStateFile, sanitiseDetail } from './state-file.js';

let home = '';
const fifos: string[] = [];
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'convocate-activity-'));
});
afterEach(async () => {
  for (const path of fifos.splice(0)) {
    const fh = await open(path, constants.O_RDWR | constants.O_NONBLOCK).catch(() => undefined);
    await fh?.close();
  }
  await rm(home, { recursive: true, force: true });
});

const file = () => join(home, ACTIVITY_FILE);

describe('readStateFile: the hooks state file as untrusted input', () => {
  it('reads what the hook writes', async () => {
    await writeFile(file(), 'waiting\n2026-11-26T09:10:11.609Z\nClaude needs your permission to use Bash\n');
    const r = await readStateFile(home);
    expect(r).toMatchObject({ kind: 'ok', state: { activity: 'waiting', since: '2026-11-26T09:10:11.609Z', detail: 'Claude needs your permission to use Bash' } });
  });

  it('says absent when there is no file', async () => {
    expect(await readStateFile(home)).toEqual({ kind: 'absent' });
  });

  it('refuses a huge file without reading it all', async () => {
    await writeFile(file(), `working\n${'x'.repeat(10 * 1024 * 1024)}`);
    expect(await readStateFile(home)).toMatchObject({ kind: 'invalid', reason: /larger than/ });
  });

  it('does not follow a symlink, even to a valid state file', async () => {
    const outside = join(home, 'elsewhere');
    await writeFile(outside, 'working\n2026-11-26T09:10:11.609Z\n\n');
    await symlink(outside, file());
    expect(await readStateFile(home)).toMatchObject({ kind: 'invalid' });
    await rm(file());
    await symlink('/dev/zero', file());
    expect(await readStateFile(home)).toMatchObject({ kind: 'invalid' });
  });

  it('answers at once for a FIFO nobody writes, and for a directory', async () => {
    execFileSync('mkfifo', [file()]);
    fifos.push(file());
    const started = Date.now();
    expect(await readStateFile(home)).toMatchObject({ kind: 'invalid', reason: 'not a regular file' });
    expect(Date.now() - started).toBeLessThan(5_000);
    await rm(file());
    await mkdir(file());
    expect(await readStateFile(home)).toMatchObject({ kind: 'invalid', reason: 'not a regular file' });
  });

  it('takes the mtime when the time is missing, malformed or in the future', async () => {
    await writeFile(file(), 'idle\n3026-01-01T00:00:00Z\n\n');
    const when = new Date('2026-11-26T08:00:00.000Z');
    await utimes(file(), when, when);
    expect(await readStateFile(home)).toMatchObject({ kind: 'ok', state: { since: when.toISOString() } });
    await writeFile(file(), 'idle\nyesterday\n\n');
    await utimes(file(), when, when);
    expect(await readStateFile(home)).toMatchObject({ kind: 'ok', state: { since: when.toISOString() } });
  });
});

describe('parseState', () => {
  const now = Date.parse('2026-11-26T10:00:00Z');
  it.each(['none', 'unknown', 'WORKING', '', 'working; rm -rf /', '\u001b[31mworking', 'idle idle', '{"activity":"idle"}'])(
    'refuses activity %j',
    (activity) => {
      expect(parseState(`${activity}\n2026-11-26T09:00:00Z\n\n`, now, now)).toMatchObject({ kind: 'invalid' });
    },
  );

  it('refuses binary junk', () => {
    expect(parseState('\u0000\u0001\u00ff\ufffd', now, now)).toMatchObject({ kind: 'invalid' });
  });

  it('keeps only the third line as the detail', () => {
    const r = parseState('idle\n2026-11-26T09:00:00Z\nfirst\nsecond line smuggled\n', now, now);
    expect(r).toMatchObject({ kind: 'ok', state: { detail: 'first' } });
  });
});

describe('sanitiseDetail', () => {
  it('removes terminal escapes: colours, OSC 52 clipboard writes, title changes', () => {
    expect(sanitiseDetail('\u001b[31mred\u001b[0m text')).toBe('red text');
    expect(sanitiseDetail('a\u001b]52;c;ZWNobyBwd25lZA==\u0007b')).toBe('ab');
    expect(sanitiseDetail('a\u001b]0;evil title\u001b\\b')).toBe('ab');
    expect(sanitiseDetail('a\u009b31mb')).toBe('a 31mb');
  });

  it('makes one line without control or bidi characters', () => {
    expect(sanitiseDetail('one\rtwo\tthree\u0008\u0007four')).toBe('one two three four');
    expect(sanitiseDetail('safe\u202egnp.exe')).toBe('safe gnp.exe');
    expect(sanitiseDetail('  lots   of\u2028space  ')).toBe('lots of space');
  });

  it('cuts to 200 characters, counting code points', () => {
    const out = sanitiseDetail('é'.repeat(500));
    expect(Array.from(out)).toHaveLength(MAX_DETAIL_CHARS);
    expect(out.endsWith('…')).toBe(true);
    expect(Array.from(sanitiseDetail('😀'.repeat(300)))).toHaveLength(MAX_DETAIL_CHARS);
  });
});
