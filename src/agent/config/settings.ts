// Agent settings that `settings-set` may change at run time, persisted as
// `<config-dir>/settings.json` so they survive a restart.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import type { EgressPolicy } from '../../protocol/session.js';
import { cpusProblem, egressEntryProblem, memoryProblem } from '../../protocol/validation.js';

export interface EngineSettings {
  image: string;
  /** `--dns` for containers; empty when DNS is not configured. */
  dnsServer: string;
  cgroupParent: string;
  /** Docker network for session containers; empty for Docker's default bridge. */
  network?: string;
  /** Admission caps (SPEC §7), percent of the host's cores / RAM; default 90. */
  cpuCapPercent?: number;
  memCapPercent?: number;
  /** Per-session defaults (SPEC §3 confinement): cores and bytes (null = no limit), the pids limit. */
  cpus?: number | null;
  memoryBytes?: number | null;
  pidsLimit?: number;
  /** The egress policy a new session gets when its create does not say. */
  egress?: EgressPolicy;
  egressAllow?: string[];
}

export const DEFAULT_PIDS_LIMIT = 4096;
export const DEFAULT_SESSION_MEMORY_BYTES = 4 * 1024 ** 3;

export interface SettingsStore {
  load(defaults: EngineSettings): Promise<EngineSettings>;
  save(settings: EngineSettings): Promise<void>;
}

export class FileSettingsStore implements SettingsStore {
  constructor(private readonly configDir: string) {}

  private get path(): string {
    return join(this.configDir, 'settings.json');
  }

  async load(defaults: EngineSettings): Promise<EngineSettings> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return defaults;
      throw err;
    }
    const saved = JSON.parse(text) as Partial<EngineSettings>;
    return {
      image: typeof saved.image === 'string' && saved.image ? saved.image : defaults.image,
      dnsServer: typeof saved.dnsServer === 'string' ? saved.dnsServer : defaults.dnsServer,
      cgroupParent: typeof saved.cgroupParent === 'string' ? saved.cgroupParent : defaults.cgroupParent,
      network: typeof saved.network === 'string' ? saved.network : defaults.network,
      cpuCapPercent: typeof saved.cpuCapPercent === 'number' ? saved.cpuCapPercent : defaults.cpuCapPercent,
      memCapPercent: typeof saved.memCapPercent === 'number' ? saved.memCapPercent : defaults.memCapPercent,
      // A hand-edited file with a bad limit falls back to the default rather than failing every start.
      cpus: saved.cpus === null || (typeof saved.cpus === 'number' && !cpusProblem(saved.cpus)) ? saved.cpus : defaults.cpus,
      memoryBytes:
        saved.memoryBytes === null || (typeof saved.memoryBytes === 'number' && !memoryProblem(saved.memoryBytes)) ? saved.memoryBytes : defaults.memoryBytes,
      pidsLimit: typeof saved.pidsLimit === 'number' && pidsLimitProblem(saved.pidsLimit) === undefined ? saved.pidsLimit : defaults.pidsLimit,
      egress: saved.egress === 'open' || saved.egress === 'none' || saved.egress === 'allow' ? saved.egress : defaults.egress,
      egressAllow:
        Array.isArray(saved.egressAllow) && saved.egressAllow.every((e) => typeof e === 'string' && !egressEntryProblem(e)) ? saved.egressAllow : defaults.egressAllow,
    };
  }

  async save(settings: EngineSettings): Promise<void> {
    await writeFileAtomic(this.path, `${JSON.stringify(settings, null, 2)}\n`);
  }
}

/** A pids limit: enough for a shell and its tools, and a real bound. */
export function pidsLimitProblem(n: number): string | undefined {
  return Number.isInteger(n) && n >= 32 && n <= 1_000_000 ? undefined : `pids_limit ${String(n)} is invalid: an integer from 32 to 1000000`;
}

/** Settings that live only in memory, for tests that must not touch a config dir. */
export class MemorySettingsStore implements SettingsStore {
  async load(defaults: EngineSettings): Promise<EngineSettings> {
    return defaults;
  }
  async save(): Promise<void> {}
}
