// Built session records, kept per session and rebuilt only when something they
// are built from changed (the metadata file, the container, a hook's report,
// the clients or changes file, the usage figures): a list of hundreds of
// mostly unchanged sessions allocates almost nothing. Records are frozen,
// since every caller of every list shares them.
import { NO_RESOURCES, sessionState, type ChangesView, type ResourceView, type Session, type SessionMeta, type UsageView } from '../../protocol/session.js';
import type { StateRead } from '../activity/state-file.js';
import { activityView } from '../activity/view.js';

/** What a record is built from; every object here is kept by its source while unchanged, so identity compares. */
export interface RecordInputs {
  meta: SessionMeta;
  /** Epoch ms the running container was created; undefined when the session does not run. */
  createdAt: number | undefined;
  running: boolean;
  attached: boolean;
  locked: boolean;
  read: StateRead;
  changes: ChangesView;
  usage: UsageView;
}

export interface KeptRecord {
  readonly record: Session;
  /** `last_accessed` as epoch ms: lists sort newest first. */
  readonly accessedMs: number;
}

interface Entry extends KeptRecord {
  inputs: RecordInputs;
  /** The record with the last resource figures shown, while they stay the same. */
  measured: Session | undefined;
}

export class SessionRecords {
  private readonly kept = new Map<string, Entry>();

  /** The record for these inputs: the kept one when none of them changed. */
  entry(inputs: RecordInputs): KeptRecord {
    const uuid = inputs.meta.uuid;
    const had = this.kept.get(uuid);
    if (had && sameInputs(had.inputs, inputs)) return had;
    const fresh: Entry = { inputs, record: build(inputs), accessedMs: epochMs(inputs.meta.last_accessed), measured: undefined };
    this.kept.set(uuid, fresh);
    return fresh;
  }

  /** The record as a list shows it: with a running container's CPU and memory, when they could be measured. */
  shown(kept: KeptRecord, resources: ResourceView | undefined): Session {
    const e = kept as Entry;
    if (!resources) return e.record;
    const m = e.measured;
    if (m && m.cpu_percent === resources.cpu_percent && m.mem_bytes === resources.mem_bytes) return m;
    e.measured = Object.freeze({ ...e.record, ...resources });
    return e.measured;
  }

  /** Forget every session but these (the ones the last list found). */
  retain(uuids: ReadonlySet<string>): void {
    for (const uuid of this.kept.keys()) if (!uuids.has(uuid)) this.kept.delete(uuid);
  }
}

export function newestFirst(a: KeptRecord, b: KeptRecord): number {
  return b.accessedMs - a.accessedMs;
}

function build({ meta, createdAt, running, attached, locked, read, changes, usage }: RecordInputs): Session {
  return Object.freeze({
    ...meta,
    running,
    attached,
    state: sessionState({ running, attached, locked }),
    ...activityView({ running, containerCreatedMs: createdAt, read }),
    ...NO_RESOURCES,
    ...changes,
    ...usage,
  });
}

function sameInputs(a: RecordInputs, b: RecordInputs): boolean {
  return (
    a.meta === b.meta &&
    a.createdAt === b.createdAt &&
    a.running === b.running &&
    a.attached === b.attached &&
    a.locked === b.locked &&
    a.read === b.read &&
    a.changes === b.changes &&
    a.usage === b.usage
  );
}

function epochMs(timestamp: string): number {
  const ms = Date.parse(timestamp);
  return Number.isFinite(ms) ? ms : 0;
}
