import { describe, expect, it } from 'vitest';
import { dropOneNewline } from './env-commands.js';

describe('dropOneNewline', () => {
  it('drops exactly one trailing newline', () => {
    expect(dropOneNewline('value\n')).toBe('value');
    expect(dropOneNewline('value\r\n')).toBe('value');
    expect(dropOneNewline('value\n\n')).toBe('value\n');
    expect(dropOneNewline('value')).toBe('value');
    expect(dropOneNewline('')).toBe('');
  });
});
