import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, NO_WORKSPACE, NO_CHANGES, NO_USAGE, NO_ACTIVITY, NO_RESOURCES, type Session } from '../../protocol/session.js';
import { formatTable, toJson } from './present.js';

const session: Session = {
  uuid: '4b0e1c2d-0000-4000-8000-000000000001', name: 'web', port: 1001, protocol: 'tcp', dns_name: '',
  created_at: '2026-11-25T13:08:08.593Z', last_accessed: '2026-11-25T13:08:08.593Z',
  running: true, attached: false, state: 'R', ...DEFAULT_LIMITS, ...NO_WORKSPACE, ...NO_CHANGES, ...NO_USAGE, ...NO_ACTIVITY, ...NO_RESOURCES, activity: 'waiting',
  activity_since: '2026-11-25T13:09:00.000Z', activity_detail: 'Claude needs your permission', agent_id: 'a1', agent_host: 'h:222',
};

describe('CLI presentation', () => {
  it('prints the TUI columns, "-" for empty cells, "?" for an unreachable agent, the activity and the last access', () => {
    const lines = formatTable([session]).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^S\s+UUID\s+NAME\s+AGENT\s+PORT\s+DNS\s+ACTIVITY\s+CPU\s+MEM\s+CHANGES\s+COST\s+LAST ACCESSED$/);
    expect(lines[1]).toMatch(/^R\s+4b0e1c2d\s+web\s+a1\s+1001\/tcp\s+-\s+waiting\s+-\s+-\s+-\s+-\s+2026-11-25 13:08:08Z$/);
    expect(formatTable([session], new Set(['a1'])).split('\n')[1]).toMatch(/^\?\s+4b0e1c2d/);
  });

  it('shows CPU and memory of a running session, and "-" (never 0) when unknown', () => {
    const busy = { ...session, activity: 'working' as const, cpu_percent: 12.34, mem_bytes: 150 * 2 ** 20 };
    expect(formatTable([busy]).split('\n')[1]).toMatch(/\s+working\s+12%\s+150M\s+/);
    expect(formatTable([{ ...busy, cpu_percent: 0.25, mem_bytes: 3 * 2 ** 30 }]).split('\n')[1]).toMatch(/\s+0\.3%\s+3\.0G\s+/);
  });

  it('keeps the documented JSON keys in order, the resource keys appended', () => {
    expect(Object.keys(toJson(session))).toEqual([
      'uuid', 'name', 'port', 'protocol', 'dns_name', 'created_at', 'last_accessed',
      'running', 'attached', 'agent_id', 'agent_host', 'state',
      'activity', 'activity_since', 'activity_detail', 'cpu_percent', 'mem_bytes',
      'repo', 'branch', 'cpus', 'memory_bytes', 'egress', 'egress_allow',
      'changes_files', 'changes_added', 'changes_removed',
      'tokens_in', 'tokens_out', 'cost_usd', 'context_percent',
    ]);
    expect(toJson(session)).toMatchObject({ repo: null, branch: null, changes_files: null, changes_added: null, changes_removed: null });
    expect(toJson(session)).toMatchObject({ cpus: null, memory_bytes: null, egress: 'open', egress_allow: [] });
    expect(toJson(session)).toMatchObject({ activity: 'waiting', activity_detail: 'Claude needs your permission', cpu_percent: null, mem_bytes: null });
  });
});
