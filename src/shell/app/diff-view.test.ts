import { describe, expect, it } from 'vitest';
import { namedKey } from './keys.js';
import { DIFF_PAGE, diffLineKind } from './diff-view.js';
import type { AppEvent } from './transition.js';
import { baseState, key, letter, makeList, makeSession, run } from './testing.js';

const withRepo = makeSession({ name: 'app', repo: 'https://example.com/app.git', branch: 'convocate/app', state: 'R', running: true });
const plain = makeSession({ name: 'plain', last_accessed: '2000-01-01T00:00:00Z' });
const loaded: AppEvent = { type: 'loaded', list: makeList([withRepo, plain]), agents: [{ id: 'a1', host: 'a1.example' }], health: [] };
const text = Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? `+added ${i}` : `-removed ${i}`)).join('\n');

describe('the V diff view', () => {
  it('V opens it for the highlighted session and asks for its diff', () => {
    const t = run(baseState(), loaded, letter('v'));
    expect(t.state.mode).toMatchObject({ screen: 'diff', session: { uuid: withRepo.uuid }, top: 0 });
    expect(t.intent).toEqual({ kind: 'load-diff', session: withRepo });
  });

  it('says why not for a session without a repository', () => {
    const t = run(baseState(), loaded, key(namedKey('down')), letter('V'));
    expect(t.state.mode.screen).toBe('list');
    expect(t.intent).toBeUndefined();
    expect(t.state.message).toMatch(/no repository/);
  });

  it('shows the lines that arrive for its session only, and scrolls within them', () => {
    const open = run(baseState(), loaded, letter('v')).state;
    expect((run(open, { type: 'diff', uuid: plain.uuid, text }).state.mode as { lines?: string[] }).lines).toBeUndefined();
    const shown = run(open, { type: 'diff', uuid: withRepo.uuid, text: `${text}\n` }).state;
    const mode = () => shown.mode as Extract<typeof shown.mode, { screen: 'diff' }>;
    expect(mode().lines).toHaveLength(100);
    const top = (s: typeof shown) => (s.mode as { top: number }).top;
    expect(top(run(shown, letter('j'), letter('j'), letter('k')).state)).toBe(1);
    expect(top(run(shown, key(namedKey('pagedown'))).state)).toBe(DIFF_PAGE);
    expect(top(run(shown, letter('G')).state)).toBe(99);
    expect(top(run(shown, letter('G'), letter('j')).state)).toBe(99);
    expect(top(run(shown, letter('G'), letter('g')).state)).toBe(0);
    expect(top(run(shown, letter('k')).state)).toBe(0);
    expect(run(shown, letter('q')).state.mode.screen).toBe('list');
    expect(run(shown, key(namedKey('escape'))).state.mode.screen).toBe('list');
  });

  it('shows why the agent could not make one', () => {
    const open = run(baseState(), loaded, letter('v')).state;
    expect(run(open, { type: 'diff', uuid: withRepo.uuid, error: 'session "app" has no repository in its workspace' }).state.mode).toMatchObject({
      error: 'session "app" has no repository in its workspace',
    });
  });

  it('colours lines by kind', () => {
    expect(['diff --git a/x b/x', '+++ b/x', '@@ -1 +1 @@', '+new', '-old', ' same'].map(diffLineKind)).toEqual([
      'file', 'file', 'hunk', 'added', 'removed', 'context',
    ]);
  });
});

describe('restart with a fresh conversation', () => {
  it('F in the restart confirmation restarts with fresh set; Y resumes', () => {
    const stopped = makeSession({ name: 'z', last_accessed: '2030-01-01T00:00:00Z' });
    const list: AppEvent = { type: 'loaded', list: makeList([stopped]), agents: [{ id: 'a1', host: 'a1.example' }], health: [] };
    expect(run(baseState(), list, letter('r'), letter('f')).intent).toEqual({ kind: 'restart', session: stopped, fresh: true });
    expect(run(baseState(), list, letter('r'), letter('y')).intent).toEqual({ kind: 'restart', session: stopped });
    // F means nothing in another confirmation.
    expect(run(baseState(), list, letter('d'), letter('f')).intent).toBeUndefined();
  });
});
