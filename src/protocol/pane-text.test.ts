import { describe, expect, it } from 'vitest';
import { clipToWidth, textWidth } from './pane-text.js';
import { sanitisePaneText } from './sanitise.js';

describe('sanitisePaneText', () => {
  it('keeps plain text, lines and trims trailing spaces', () => {
    expect(sanitisePaneText('hello   \nworld\n')).toBe('hello\nworld\n');
  });

  it('removes colours, cursor moves, title and clipboard sequences', () => {
    const text = '\x1b[1;31mred\x1b[0m \x1b[2J\x1b[10;5Hmoved\x1b]0;evil title\x07 \x1b]52;c;ZXZpbA==\x1b\\done';
    expect(sanitisePaneText(text)).toBe('red moved done');
  });

  it('removes DCS and APC strings, 8-bit CSI and C1 controls', () => {
    expect(sanitisePaneText('a\x1bPq#0;2;0;0;0\x1b\\b\x1b_payload\x1b\\c\x9b31md\x85e')).toBe('abcde');
  });

  it('drops an escape sequence cut off at the end of the capture', () => {
    expect(sanitisePaneText('ok\x1b]8;;http://x')).toBe('ok');
    expect(sanitisePaneText('ok\x1b[38;5')).toBe('ok');
  });

  it('removes C0 controls, BEL, backspace and carriage returns, and expands tabs', () => {
    expect(sanitisePaneText('a\x07b\x08c\rd\x00e')).toBe('abcde');
    expect(sanitisePaneText('ab\tc')).toBe('ab      c');
  });

  it('removes bidi overrides that would reorder what the operator reads', () => {
    expect(sanitisePaneText('rm \u202eflig\u202c.txt')).toBe('rm flig.txt');
  });

  it('keeps wide characters and measures them as two cells', () => {
    const text = sanitisePaneText('日本語 ok 🙂');
    expect(text).toBe('日本語 ok 🙂');
    expect(textWidth(text)).toBe(6 + 4 + 2);
  });

  it('turns invalid and cut-off UTF-8 into U+FFFD instead of failing', () => {
    const cut = Buffer.from('añb€', 'utf8').subarray(0, -2); // "€" loses two of its three bytes
    expect(sanitisePaneText(cut)).toBe('añb\ufffd');
    expect(sanitisePaneText(Buffer.from([0x61, 0xff, 0x62]))).toBe('a\ufffdb');
  });

  it('decodes raw bytes carrying C1 controls as text, not as controls', () => {
    // 0x9b as a byte is invalid UTF-8 on its own: it must not act as CSI.
    expect(sanitisePaneText(Buffer.from([0x61, 0x9b, 0x32, 0x4a]))).toBe('a\ufffd2J');
  });
});

describe('clipToWidth', () => {
  it('never splits a wide character', () => {
    expect(clipToWidth('日本語', 5)).toBe('日本');
    expect(clipToWidth('ab日', 3)).toBe('ab');
    expect(clipToWidth('abc', 10)).toBe('abc');
  });
});
