// Agent settings that `settings-set` may change at run time, persisted as
// `<config-dir>/settings.json` so they survive a restart.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-write.js';

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
}

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
    };
  }

  async save(settings: EngineSettings): Promise<void> {
    await writeFileAtomic(this.path, `${JSON.stringify(settings, null, 2)}\n`);
  }
}

/** Settings that live only in memory, for tests that must not touch a config dir. */
export class MemorySettingsStore implements SettingsStore {
  async load(defaults: EngineSettings): Promise<EngineSettings> {
    return defaults;
  }
  async save(): Promise<void> {}
}
