// The capture loop's framing against a stand-in shell: answers split across
// chunks, a failed capture, a pane that floods, and a loop that dies.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PaneCapture } from './pane.js';
import type { ContainerRuntime, PipeExec } from '../runtime/container-runtime.js';

/** A runtime whose only working call is execPipe; `answer` plays the container's shell. */
function runtimeWith(answer: (lines: string, end: string, out: PassThrough) => void) {
  const opened: string[][] = [];
  const unused = () => Promise.reject(new Error('not used'));
  const runtime: ContainerRuntime = {
    ping: unused,
    run: unused,
    stop: unused,
    pause: unused,
    unpause: unused,
    list: unused,
    waitReady: unused,
    execPty: unused,
    exec: unused,
    runOneOff: unused,
    imageExists: unused,
    async execPipe(_uuid, cmd): Promise<PipeExec> {
      opened.push(cmd);
      const end = cmd[cmd.length - 1]!;
      const stdin = new PassThrough();
      const stdout = new PassThrough();
      stdin.on('data', (b: Buffer) => answer(b.toString().trim(), end, stdout));
      return { stdin, stdout, close: () => stdout.end() };
    },
  };
  return { runtime, opened };
}

describe('PaneCapture', () => {
  it('answers each capture through one loop, even when the answer arrives in pieces', async () => {
    const { runtime, opened } = runtimeWith((n, end, out) => {
      const text = `lines=${n}\nsecond line\n${end} 0\n`;
      out.write(text.slice(0, 5));
      setImmediate(() => out.write(text.slice(5)));
    });
    const c = new PaneCapture(runtime);
    expect(await c.capture('u1', 7)).toBe('lines=7\nsecond line');
    expect(await c.capture('u1', 3)).toBe('lines=3\nsecond line');
    expect(opened).toHaveLength(1);
    c.closeAll();
  });

  it('a failed capture-pane is no text: the caller falls back to an exec that says why', async () => {
    const { runtime } = runtimeWith((_n, end, out) => out.write(`can't find session: claude\n${end} 1\n`));
    const c = new PaneCapture(runtime);
    expect(await c.capture('u1', 5)).toBeUndefined();
    c.closeAll();
  });

  it('gives up on a pane that floods without an end line, and opens a fresh loop next time', async () => {
    let calls = 0;
    const { runtime, opened } = runtimeWith((_n, end, out) => {
      calls++;
      if (calls === 1) out.write('x'.repeat(1024 * 1024 + 10));
      else out.write(`ok\n${end} 0\n`);
    });
    const c = new PaneCapture(runtime);
    expect(await c.capture('u1', 5)).toBeUndefined();
    expect(await c.capture('u1', 5)).toBe('ok');
    expect(opened).toHaveLength(2);
    c.closeAll();
  });

  it('a loop that ends is replaced', async () => {
    let first = true;
    const { runtime, opened } = runtimeWith((_n, end, out) => {
      if (first) {
        first = false;
        out.end();
      } else out.write(`back\n${end} 0\n`);
    });
    const c = new PaneCapture(runtime);
    expect(await c.capture('u1', 5)).toBeUndefined();
    expect(await c.capture('u1', 5)).toBe('back');
    expect(opened).toHaveLength(2);
    c.closeAll();
  });

  it('keeps at most eight loops, closing the least recently used', async () => {
    const { runtime, opened } = runtimeWith((_n, end, out) => out.write(`ok\n${end} 0\n`));
    const c = new PaneCapture(runtime);
    for (let i = 0; i < 9; i++) expect(await c.capture(`u${i}`, 1)).toBe('ok');
    expect(opened).toHaveLength(9);
    // u1..u8 are still open: no new loop for them; u0 was closed and opens again.
    for (let i = 1; i < 9; i++) await c.capture(`u${i}`, 1);
    expect(opened).toHaveLength(9);
    await c.capture('u0', 1);
    expect(opened).toHaveLength(10);
    c.closeAll();
  });
});
