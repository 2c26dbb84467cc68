// The RPC op table (SPEC §4 `convocate-agent-rpc`): every op's name, the schema
// of its params and the type of its result. Both the agent's dispatcher and the
// shell's clients are typed from this one table.
import { z } from 'zod/v3';
import { EGRESS_POLICIES, PROTOCOLS, type BrokenSession, type EgressPolicy, type Session } from './session.js';

const id = z.string();
export const DEFAULT_PEEK_LINES = 40;
export const MAX_PEEK_LINES = 500;
const port = z.number().int();
/** null = the agent's default; the agent checks ranges and caps. */
const limits = {
  cpus: z.number().nullable().optional(),
  memory_bytes: z.number().nullable().optional(),
  egress: z.enum(EGRESS_POLICIES).optional(),
  egress_allow: z.array(z.string()).max(1000).optional(),
};

export const paramSchemas = {
  ping: z.null().optional(),
  list: z.null().optional(),
  get: z.object({ id }),
  create: z.object({
    name: z.string(),
    port: port.optional(),
    protocol: z.enum(PROTOCOLS).optional(),
    dns_name: z.string().optional(),
    /** Cloned into the workspace at the first start, inside the container. */
    repo: z.string().optional(),
    /** Default `convocate/<name>` when a repo is given. */
    branch: z.string().optional(),
    ...limits,
  }),
  /** Omitted fields keep their value; an empty name keeps the old one; an empty dns_name clears it. */
  edit: z.object({
    id,
    name: z.string().optional(),
    port: port.optional(),
    protocol: z.enum(PROTOCOLS).optional(),
    dns_name: z.string().optional(),
    ...limits,
  }),
  clone: z.object({ source_id: id, name: z.string() }),
  delete: z.object({ id }),
  kill: z.object({ id }),
  background: z.object({ id }),
  /** `fresh`: start a new conversation instead of resuming the session's. */
  restart: z.object({ id, fresh: z.boolean().optional() }),
  override: z.object({ id }),
  'settings-get': z.null().optional(),
  'settings-set': z.object({
    image: z.string().optional(),
    dns_server: z.string().optional(),
    cgroup_parent: z.string().optional(),
    network: z.string().optional(),
    cpu_cap_percent: z.number().optional(),
    mem_cap_percent: z.number().optional(),
    /** Defaults for sessions: limits (null = none) and the egress policy new sessions get. */
    ...limits,
    pids_limit: z.number().optional(),
  }),
  'env-list': z.null().optional(),
  /** Checked by the agent against the rules of `session-env.ts`; never echoed back. */
  'env-set': z.object({ name: z.string(), value: z.string() }),
  'env-unset': z.object({ name: z.string() }),
  /** The last `lines` lines of the session's pane, control sequences removed. */
  peek: z.object({ id, lines: z.number().int().min(1).max(MAX_PEEK_LINES).optional() }),
  /** The workspace's changes against its base (default: the branch it was made from), computed inside a container. */
  diff: z.object({ id, stat: z.boolean().optional(), base: z.string().optional() }),
  /** Every session's token and cost figures, from Claude's own transcripts. */
  usage: z.null().optional(),
} as const;

export type OpName = keyof typeof paramSchemas;
export type OpParams<O extends OpName> = z.output<(typeof paramSchemas)[O]>;

export interface PingResult {
  agent_id: string;
  version: string;
  server_time: string;
}

export interface ListResult {
  sessions: Session[];
  /** Session directories whose session.json is unreadable. */
  broken: BrokenSession[];
}

export interface AgentSettings {
  agent_id: string;
  version: string;
  /** Session image tag new containers start from. */
  image: string;
  sessions_dir: string;
  /** `--dns` given to containers; empty when DNS is not configured. */
  dns_server: string;
  cgroup_parent: string;
  /** Admission caps (SPEC §7): a start that would push session containers past them is refused. */
  cpu_cap_percent: number;
  mem_cap_percent: number;
  /** Docker network session containers join; empty for the agent's own `convocate-sessions`. */
  network?: string;
  /** Per-session defaults: CPU cores and memory (null = no limit), pids limit, and the egress new sessions get. */
  cpus: number | null;
  memory_bytes: number | null;
  pids_limit: number;
  egress: EgressPolicy;
  egress_allow: string[];
}

/** Names of the session environment variables; values never leave the agent. */
export interface EnvNames {
  names: string[];
}

export interface PeekResult {
  text: string;
}

/** A diff is capped; `truncated` says the cap cut it. */
export const MAX_DIFF_BYTES = 4 * 1024 * 1024;

export interface UsageResult {
  sessions: Array<Pick<Session, 'uuid' | 'name' | 'tokens_in' | 'tokens_out' | 'cost_usd' | 'context_percent'>>;
  /** The date of the price table the costs come from. */
  prices_date: string;
}

export interface DiffResult {
  text: string;
  truncated: boolean;
}

export interface OpResults {
  ping: PingResult;
  list: ListResult;
  get: Session;
  create: Session;
  edit: Session;
  clone: Session;
  delete: { uuid: string };
  kill: Session;
  background: Session;
  restart: Session;
  override: Session;
  'settings-get': AgentSettings;
  'settings-set': AgentSettings;
  'env-list': EnvNames;
  'env-set': EnvNames;
  'env-unset': EnvNames;
  peek: PeekResult;
  diff: DiffResult;
  usage: UsageResult;
}

export type OpResult<O extends OpName> = OpResults[O];

export function isOpName(op: string): op is OpName {
  return Object.prototype.hasOwnProperty.call(paramSchemas, op);
}
