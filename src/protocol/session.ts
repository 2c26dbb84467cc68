// The session noun, as it crosses the wire and as every layer names it (SPEC §2).

export const PROTOCOLS = ['tcp', 'udp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** A session's outbound policy (SPEC §2 `egress`), enforced on the agent host. */
export const EGRESS_POLICIES = ['open', 'none', 'allow'] as const;
export type EgressPolicy = (typeof EGRESS_POLICIES)[number];

/** The confinement fields a session carries; what an old session.json without them reads as. */
export interface SessionLimits {
  /** Cores (fractions allowed); null = the agent's default. */
  cpus: number | null;
  /** Bytes; null = the agent's default. */
  memory_bytes: number | null;
  egress: EgressPolicy;
  /** CIDRs and host names reachable under `allow`. */
  egress_allow: string[];
}

export const DEFAULT_LIMITS: SessionLimits = { cpus: null, memory_bytes: null, egress: 'open', egress_allow: [] };

/** Where a session works and how its Claude carries on (SPEC §2 `repo`/`branch`, §3 resume). */
export interface SessionWorkspace {
  /** The git URL cloned into the workspace at the first start; null when none. */
  repo: string | null;
  /** The branch checked out there; null when no repository. */
  branch: string | null;
  /** False for sessions made before workspaces: their Claude keeps running in the home. */
  workspace: boolean;
  /** A clone's next start resumes a fork of the conversation it copied, never the source's own. */
  resume_fork: boolean;
}

/** What a session.json written before workspaces reads as. */
export const NO_WORKSPACE: SessionWorkspace = { repo: null, branch: null, workspace: false, resume_fork: false };

/** The session's workspace inside its container; Claude starts there. */
export const WORKSPACE_DIR = '/home/convocate/work';

/** The branch a session with a repository works on unless told otherwise. */
export function defaultBranch(name: string): string {
  return `convocate/${name}`;
}

/** What the agent persists in `<sessions-dir>/<uuid>/session.json`. */
export interface SessionMeta extends SessionLimits, SessionWorkspace {
  uuid: string;
  name: string;
  /** 0 = none, otherwise 1–65535 (`-1` is resolved to a real port before it is stored). */
  port: number;
  protocol: Protocol;
  /** Empty string when none. */
  dns_name: string;
  created_at: string;
  last_accessed: string;
}

/** What the session's Claude is doing (SPEC §2 `activity`). */
export const ACTIVITIES = ['none', 'starting', 'working', 'waiting', 'idle', 'exited', 'unknown'] as const;
export type Activity = (typeof ACTIVITIES)[number];

/** The live activity triple, as `list`/`get` carry it and `session.activity` events push it. */
export interface ActivityView {
  activity: Activity;
  /** RFC 3339 UTC of the last change; "" when none. */
  activity_since: string;
  /** One sanitised line, at most 200 chars; "" when none. */
  activity_detail: string;
}

/** Live resource use of a running container; null when not running or not measurable. */
export interface ResourceView {
  /** 100 = one core. */
  cpu_percent: number | null;
  mem_bytes: number | null;
}

/** The workspace's changes against its base at the end of the last turn; null when no repository or none recorded. */
export interface ChangesView {
  changes_files: number | null;
  changes_added: number | null;
  changes_removed: number | null;
}

export const NO_CHANGES: ChangesView = { changes_files: null, changes_added: null, changes_removed: null };

/** What the session's current conversation has used, from Claude's own transcript; null when unknown. */
export interface UsageView {
  /** Input tokens, cache reads and writes included. */
  tokens_in: number | null;
  tokens_out: number | null;
  /** Estimated from the price table in protocol/prices.ts. */
  cost_usd: number | null;
  /** How full the context window was at the last reply. */
  context_percent: number | null;
}

export const NO_USAGE: UsageView = { tokens_in: null, tokens_out: null, cost_usd: null, context_percent: null };

/** A session with no Claude signal yet and no measurement: what a stopped session shows. */
export const NO_ACTIVITY: ActivityView = { activity: 'none', activity_since: '', activity_detail: '' };
export const NO_RESOURCES: ResourceView = { cpu_percent: null, mem_bytes: null };

/** One character in the TUI's first column (SPEC §2 "States"). */
export type SessionState = '-' | 'L' | 'R' | 'C';

/** A session as `list`/`get` return it: stored fields plus live ones computed at list time. */
export interface Session extends SessionMeta, ActivityView, ResourceView, ChangesView, UsageView {
  running: boolean;
  attached: boolean;
  state: SessionState;
  /** Stamped by the shell when it lists; never stored or sent by the agent. */
  agent_id?: string;
  agent_host?: string;
}

/** A session directory whose `session.json` could not be read: reported, never dropped. */
export interface BrokenSession {
  uuid: string;
  error: string;
}

export function sessionState(s: { running: boolean; attached: boolean; locked: boolean }): SessionState {
  if (s.running) return s.attached ? 'C' : 'R';
  return s.locked ? 'L' : '-';
}

export function shortId(uuid: string): string {
  return uuid.slice(0, 8);
}
