import { describe, expect, it } from 'vitest';
import { vanishedInside } from './store.js';

describe('a file vanishing mid-copy', () => {
  const src = '/s/u/home';
  it('is tolerated inside the tree, in both of cp\'s quoting styles', () => {
    expect(vanishedInside(`cp: cannot stat '${src}/./.claude.json.lock': No such file or directory`, src)).toBe(true);
    expect(vanishedInside(`cp: \u2018${src}/./locks/9\u2019: No such file or directory`, src)).toBe(true);
  });

  it('is a failure when it is the tree itself, another error, or outside it', () => {
    expect(vanishedInside(`cp: cannot stat '${src}/.': No such file or directory`, src)).toBe(false);
    expect(vanishedInside(`cp: cannot stat '${src}/./x': Permission denied`, src)).toBe(false);
    expect(vanishedInside(`cp: cannot stat '/etc/./x': No such file or directory`, src)).toBe(false);
  });
});
