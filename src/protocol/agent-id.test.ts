import { describe, expect, it } from 'vitest';
import { agentIdProblem, isAgentId } from './agent-id.js';

describe('the agent-id rule', () => {
  it('accepts named ids and minted hex ids', () => {
    for (const id of ['gpu-1', 'a', 'build-box-07', '3fa2b1c9', '0badcafe', `a${'b'.repeat(31)}`]) expect(isAgentId(id)).toBe(true);
  });

  it('refuses paths, newlines, capitals, leading digits or dashes, and overlong ids', () => {
    for (const id of ['../../../etc', 'a\nb', 'GPU-1', '1gpu', '-a', '', 'a b', 'a/b', `a${'b'.repeat(32)}`, '0badcafe0', 'a.b']) {
      expect(isAgentId(id), id).toBe(false);
    }
    expect(isAgentId(undefined)).toBe(false);
    expect(agentIdProblem('../x')).toMatch(/^agent id "..\/x" is invalid: use lowercase letters/);
    expect(agentIdProblem('a\nb')).toContain('"a\\nb"');
  });
});
