import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FakeSessionDirectory } from '../../../test/helpers/fake-directory.js';
import { relay, watchFilter, type TuiStdin, type TuiStdout } from './relay.js';

function terminal(cols = 80, rows = 24) {
  const stdin = new PassThrough();
  const out = new PassThrough();
  let written = '';
  out.on('data', (c: Buffer) => (written += c.toString()));
  Object.assign(out, { columns: cols, rows });
  return { stdin, out, stdin_: stdin as unknown as TuiStdin, stdout: out as unknown as TuiStdout, written: () => written };
}

async function attached() {
  const dir = await FakeSessionDirectory.create({ agents: [{ id: 'a1' }] });
  const s = await dir.add('a1', { name: 'web' });
  const handle = await dir.client('a1').attach(s.uuid, 80, 24);
  return { handle, fake: dir.attaches[0]! };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('relay', () => {
  it('pipes both ways, resends the size at start and on resize, and ends on detach', async () => {
    const { handle, fake } = await attached();
    const t = terminal(120, 40);
    const done = relay(handle, t.stdin_, t.stdout);
    expect(fake.resizes).toEqual([[120, 40]]);
    t.stdin.write('ls\r');
    fake.write('output');
    await tick();
    expect(fake.input()).toBe('ls\r');
    expect(t.written()).toBe('output');
    Object.assign(t.out, { columns: 100, rows: 30 });
    t.out.emit('resize');
    expect(fake.resizes.at(-1)).toEqual([100, 30]);
    fake.detach();
    await expect(done).resolves.toBe('detached');
  });

  it('leaves input typed after the detach in stdin for the menu, not the old session', async () => {
    const { handle, fake } = await attached();
    const t = terminal();
    const done = relay(handle, t.stdin_, t.stdout);
    fake.detach();
    await done;
    t.stdin.write('n');
    await tick();
    expect(fake.input()).toBe('');
    expect(t.stdin.listenerCount('data')).toBe(0);
    expect(t.out.listenerCount('resize')).toBe(0);
    expect(String(t.stdin.read())).toBe('n');
  });

  it('reports when the operator’s terminal goes away', async () => {
    const { handle } = await attached();
    const t = terminal();
    const done = relay(handle, t.stdin_, t.stdout);
    t.stdin.end();
    await expect(done).resolves.toBe('input-ended');
  });

  it('a watch passes only Ctrl-B and the key after it, each in its own write', async () => {
    const { handle, fake } = await attached();
    const t = terminal();
    const done = relay(handle, t.stdin_, t.stdout, { readOnly: true });
    t.stdin.write('rm -rf /\r\x02');
    await tick();
    t.stdin.write('d');
    await tick();
    expect(fake.input()).toBe('\x02d');
    fake.detach();
    await done;
    const f = watchFilter();
    expect(f('x\x02dyz\x02').map((b) => b.toString())).toEqual(['\x02', 'd', '\x02']);
    expect(f('?q').map((b) => b.toString())).toEqual(['?']);
  });
});
