// Ink 6 turns every line of every frame into styled cells again: the caches of
// its Output (cells and widths per line) live for one frame only. Between two
// frames of the cockpit almost every line is the same (a key press moves the
// highlight over two rows), so one cache kept across frames halves what a
// frame costs. It is dropped whenever it grows past a bound, so a preview
// scrolling for hours cannot grow it. Ink 7 needs Node 22; until then this is
// the one place that knows Ink's internals, and it stands aside (Ink renders
// as before) if they are not what it expects.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

interface OutputCaches {
  styledChars: Map<string, unknown>;
  widths: Map<string, number>;
  blockWidths: Map<string, number>;
}
export interface OutputInstance {
  caches: OutputCaches;
  write(x: number, y: number, text: string, options: { transformers: unknown[] }): void;
  get(): { output: string; height: number };
}
export interface OutputClass {
  new (size: { width: number; height: number }): OutputInstance;
  prototype: OutputInstance;
}

/** Lines (and widths) kept before the cache starts over: a few full screens' worth. */
export const MAX_CACHED_LINES = 1_000;

let applied: Promise<boolean> | undefined;

/** Makes Ink's Output keep its caches across frames; resolves false when Ink's internals differ and nothing was changed. */
export function keepInkCachesAcrossFrames(): Promise<boolean> {
  applied ??= inkOutputClass().then((Output) => (Output ? patch(Output) : false), () => false);
  return applied;
}

/** The Output class Ink renders each frame with. */
export async function inkOutputClass(): Promise<OutputClass | undefined> {
  // Not in Ink's exports map; a file URL reaches the very module Ink itself imports.
  const inkEntry = pathToFileURL(createRequire(import.meta.url).resolve('ink'));
  const mod = (await import(new URL('./output.js', inkEntry).href)) as { default?: unknown };
  return typeof mod.default === 'function' ? (mod.default as OutputClass) : undefined;
}

function patch(Output: OutputClass): boolean {
  const original = Output.prototype.get;
  const probe = new Output({ width: 1, height: 1 });
  const { caches } = probe;
  if (typeof original !== 'function' || !(caches?.styledChars instanceof Map) || !(caches.widths instanceof Map) || !(caches.blockWidths instanceof Map)) {
    return false;
  }
  let shared: OutputCaches | undefined;
  Output.prototype.get = function get(this: OutputInstance) {
    if (!shared || shared.styledChars.size > MAX_CACHED_LINES || shared.widths.size > MAX_CACHED_LINES * 4) shared = this.caches;
    this.caches = shared;
    return original.call(this);
  };
  return true;
}
