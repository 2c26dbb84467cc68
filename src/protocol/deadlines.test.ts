import { describe, expect, it } from 'vitest';
import { OP_DEADLINES } from './deadlines.js';
import { paramSchemas, type OpName } from './ops.js';

describe('OP_DEADLINES', () => {
  it('gives every op both deadlines, the caller never waiting past the agent\'s answer', () => {
    for (const op of Object.keys(paramSchemas) as OpName[]) {
      const d = OP_DEADLINES[op];
      expect(d, op).toBeDefined();
      expect(d.agentMs, op).toBeGreaterThan(0);
      expect(d.callerMs, op).toBeLessThanOrEqual(d.agentMs);
    }
    expect(OP_DEADLINES.kill.callerMs).toBe(60_000);
    expect(OP_DEADLINES.clone.agentMs).toBe(600_000);
  });
});
