// Ink's Output, with its caches kept across frames: the installed Ink has the
// shape the patch expects, frames render as before, and the cache starts over
// past its bound.
import { beforeAll, describe, expect, it } from 'vitest';
import { inkOutputClass, keepInkCachesAcrossFrames, MAX_CACHED_LINES, type OutputClass } from './ink-frame-cache.js';

let Output: OutputClass;
beforeAll(async () => {
  expect(await keepInkCachesAcrossFrames()).toBe(true);
  Output = (await inkOutputClass())!;
});

function frame(lines: string[], width = 12) {
  const out = new Output({ width, height: lines.length });
  lines.forEach((line, y) => out.write(0, y, line, { transformers: [] }));
  return { out, text: out.get().output };
}

describe('keepInkCachesAcrossFrames', () => {
  it('is applied once, and every later frame uses the first frame’s caches', async () => {
    expect(await keepInkCachesAcrossFrames()).toBe(true);
    const first = frame(['alpha', 'beta']);
    const second = frame(['alpha', 'gamma']);
    expect(second.out.caches).toBe(first.out.caches);
    expect(first.out.caches.styledChars.has('alpha')).toBe(true);
  });

  it('renders styled, wide and changed lines as Ink does', () => {
    const red = '\x1b[31mred\x1b[39m';
    const wide = '界x';
    const a = frame([red, wide, 'plain']);
    expect(a.text).toBe(`${red}\n${wide}\nplain`);
    // Same lines again come from the cache, and a changed line is rendered anew.
    const b = frame([red, wide, 'changed']);
    expect(b.text).toBe(`${red}\n${wide}\nchanged`);
  });

  it('starts over once more lines than the bound were seen', () => {
    const before = frame(['kept']).out.caches;
    const many = Array.from({ length: MAX_CACHED_LINES + 1 }, (_, i) => `line ${i}`);
    frame(many, 16);
    const after = frame(['kept']).out.caches;
    expect(after).not.toBe(before);
    expect(after.styledChars.size).toBeLessThanOrEqual(1);
  });
});
