// A key press as the app layer sees it: terminal-independent, so the reducer
// and its tests never depend on Ink. The UI translates Ink's key into this.

export type KeyName =
  | 'char'
  | 'return'
  | 'escape'
  | 'tab'
  | 'backspace'
  | 'up'
  | 'down'
  | 'home'
  | 'end'
  | 'pageup'
  | 'pagedown'
  | 'other';

export interface KeyPress {
  name: KeyName;
  /** The typed text for `char` (may be several characters when pasted); empty otherwise. */
  text: string;
  shift: boolean;
  ctrl: boolean;
}

export function charKey(text: string, opts: { ctrl?: boolean } = {}): KeyPress {
  return { name: 'char', text, shift: text !== text.toLowerCase(), ctrl: opts.ctrl ?? false };
}

export function namedKey(name: Exclude<KeyName, 'char'>, opts: { shift?: boolean } = {}): KeyPress {
  return { name, text: '', shift: opts.shift ?? false, ctrl: false };
}

/** The menu letter a key stands for, lower-cased (keys are case-insensitive), or undefined. */
export function menuLetter(key: KeyPress): string | undefined {
  if (key.name !== 'char' || key.ctrl || key.text.length !== 1) return undefined;
  return key.text.toLowerCase();
}

export function isCtrlC(key: KeyPress): boolean {
  return key.ctrl && key.name === 'char' && key.text.toLowerCase() === 'c';
}
