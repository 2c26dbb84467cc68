import { describe, expect, it } from 'vitest';
import type { SessionState } from '../../protocol/session.js';
import { actionForLetter, busyLine, confirmation, confirmMenu, doneMessage, who, whyNot, type SessionAction } from './actions.js';
import { makeSession } from './testing.js';

const up = { unreachable: false };
const at = (state: SessionState) => makeSession({ state, running: state === 'R' || state === 'C', attached: state === 'C' });

describe('whyNot', () => {
  it('allows override only on a locked session', () => {
    expect(whyNot('override', at('L'), up)).toBeUndefined();
    for (const s of ['-', 'R', 'C'] as const) expect(whyNot('override', at(s), up)).toMatch(/locked \(L\)/);
  });

  it('refuses restart when running, saying so', () => {
    expect(whyNot('restart', at('R'), up)).toBe('session is already running');
    expect(whyNot('restart', at('C'), up)).toBe('session is already running');
    expect(whyNot('restart', at('-'), up)).toBeUndefined();
    expect(whyNot('restart', at('L'), up)).toMatch(/locked/);
  });

  it('allows background and kill only when running', () => {
    expect(whyNot('background', at('C'), up)).toBeUndefined();
    expect(whyNot('background', at('R'), up)).toBeUndefined();
    expect(whyNot('background', at('-'), up)).toMatch(/not running/);
    expect(whyNot('kill', at('-'), up)).toMatch(/not running/);
    expect(whyNot('kill', at('R'), up)).toBeUndefined();
  });

  it('attaches to stopped, running and shared sessions but not a locked one', () => {
    for (const s of ['-', 'R', 'C'] as const) expect(whyNot('attach', at(s), up)).toBeUndefined();
    expect(whyNot('attach', at('L'), up)).toMatch(/locked/);
  });

  it('refuses everything on an unreachable agent, with its error', () => {
    const s = at('R');
    const health = { info: { id: 'a1', host: 'h' }, reachable: false, error: 'connect ECONNREFUSED' };
    const actions: SessionAction[] = ['attach', 'clone', 'edit', 'background', 'delete', 'kill', 'override', 'restart'];
    for (const a of actions) {
      expect(whyNot(a, s, { unreachable: true, health })).toBe('agent a1 is unreachable: connect ECONNREFUSED');
    }
  });
});

describe('the action table', () => {
  const s = makeSession({ name: 'web', uuid: '0123abcd-0000-4000-8000-000000000000' });

  it('maps each letter to its action and nothing else', () => {
    expect(actionForLetter('d')).toBe('delete');
    expect(actionForLetter('v')).toBe('diff');
    expect(actionForLetter('w')).toBe('watch');
    expect(actionForLetter('n')).toBeUndefined();
  });

  it('gives every confirmed action a question, a busy line and a done message', () => {
    for (const kind of ['delete', 'kill', 'override', 'background', 'restart'] as const) {
      expect(confirmation(kind).title(who(s))).toContain('web (0123abcd)');
      expect(busyLine(kind, 'web')).toMatch(/web…$/);
      expect(doneMessage(kind, s)).toContain('web (0123abcd)');
    }
    expect(doneMessage('restart', s, true)).toBe('started web (0123abcd) with a new conversation');
    expect(confirmMenu('restart').map((m) => m.key)).toEqual(['Y', 'F', 'N', 'Esc']);
    expect(confirmMenu('kill').map((m) => m.key)).toEqual(['Y', 'N', 'Esc']);
  });
});
