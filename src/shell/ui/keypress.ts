// Translates Ink's key report into the app layer's key presses; the only place
// that knows how Ink names keys. Backspace arrives as `delete` from most
// terminals, and a burst of keys (fast typing, a paste, a remote link) arrives
// as one string, which is split here so that no Tab or Backspace is lost.
import type { Key } from 'ink';
import { charKey, namedKey, type KeyPress } from '../app/keys.js';

export function toKeyPresses(input: string, key: Key): KeyPress[] {
  if (key.return) return [namedKey('return')];
  if (key.escape) return [namedKey('escape')];
  if (key.tab) return [namedKey('tab', { shift: key.shift })];
  if (key.backspace || key.delete) return [namedKey('backspace')];
  if (key.upArrow) return [namedKey('up')];
  if (key.downArrow) return [namedKey('down')];
  if (key.pageUp) return [namedKey('pageup')];
  if (key.pageDown) return [namedKey('pagedown')];
  if (key.home) return [namedKey('home')];
  if (key.end) return [namedKey('end')];
  if (key.leftArrow || key.rightArrow) return [namedKey('other')];
  if (input === '') return [];
  if (key.ctrl) return [charKey(input, { ctrl: true })];
  return splitBurst(input);
}

function controlKey(c: string): KeyPress {
  switch (c) {
    case '\r':
    case '\n':
      return namedKey('return');
    case '\t':
      return namedKey('tab');
    case '\x7f':
    case '\b':
      return namedKey('backspace');
    case '\x1b':
      return namedKey('escape');
    default:
      // Ctrl-A … Ctrl-Z arrive as bytes 1–26.
      return charKey(String.fromCharCode(c.charCodeAt(0) + 96), { ctrl: true });
  }
}

/** Printable runs stay one key (typed text); every control byte becomes its own key. */
export function splitBurst(input: string): KeyPress[] {
  const keys: KeyPress[] = [];
  let text = '';
  for (const c of input) {
    const code = c.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) {
      if (text) keys.push(charKey(text));
      text = '';
      keys.push(controlKey(c));
    } else {
      text += c;
    }
  }
  if (text) keys.push(charKey(text));
  return keys;
}
