// Pure presentation for the scripting CLI: the stable `--json` shape and the
// plain table. No I/O here.
import type { Session } from '../../protocol/session.js';
import { COLUMNS, sessionCells } from '../app/format.js';

/** The documented `--json` object: SPEC §2 fields plus `state`, in a fixed key order. */
export interface SessionJson {
  uuid: string;
  name: string;
  port: number;
  protocol: string;
  dns_name: string;
  created_at: string;
  last_accessed: string;
  running: boolean;
  attached: boolean;
  agent_id: string;
  agent_host: string;
  state: string;
  activity: string;
  activity_since: string;
  activity_detail: string;
  cpu_percent: number | null;
  mem_bytes: number | null;
  repo: string | null;
  branch: string | null;
  cpus: number | null;
  memory_bytes: number | null;
  egress: string;
  egress_allow: string[];
  changes_files: number | null;
  changes_added: number | null;
  changes_removed: number | null;
  tokens_in: number | null;
  tokens_out: number | null;
  cost_usd: number | null;
  context_percent: number | null;
}

export function toJson(s: Session): SessionJson {
  return {
    uuid: s.uuid,
    name: s.name,
    port: s.port,
    protocol: s.protocol,
    dns_name: s.dns_name,
    created_at: s.created_at,
    last_accessed: s.last_accessed,
    running: s.running,
    attached: s.attached,
    agent_id: s.agent_id ?? '',
    agent_host: s.agent_host ?? '',
    state: s.state,
    activity: s.activity,
    activity_since: s.activity_since,
    activity_detail: s.activity_detail,
    cpu_percent: s.cpu_percent ?? null,
    mem_bytes: s.mem_bytes ?? null,
    repo: s.repo ?? null,
    branch: s.branch ?? null,
    cpus: s.cpus ?? null,
    memory_bytes: s.memory_bytes ?? null,
    egress: s.egress ?? 'open',
    egress_allow: s.egress_allow ?? [],
    changes_files: s.changes_files ?? null,
    changes_added: s.changes_added ?? null,
    changes_removed: s.changes_removed ?? null,
    tokens_in: s.tokens_in ?? null,
    tokens_out: s.tokens_out ?? null,
    cost_usd: s.cost_usd ?? null,
    context_percent: s.context_percent ?? null,
  };
}

/** The TUI's cells (one source for what a row shows), `-` for empty, plus when it was last used. */
export function formatTable(sessions: Session[], unreachable: ReadonlySet<string> = new Set()): string {
  const header = [...COLUMNS, 'LAST ACCESSED'];
  const rows = sessions.map((s) => [
    ...sessionCells(s, unreachable.has(s.agent_id ?? '')).map((c) => c || '-'),
    s.last_accessed.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
