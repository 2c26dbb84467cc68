// Ask dnsmasq to re-read its hosts files: SIGHUP to the pid in its pid file,
// or, failing that, to every process named `dnsmasq` found under /proc.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface DnsmasqReloadOptions {
  pidFile?: string;
  /** Look for `dnsmasq` processes under /proc when no pid file gives one (default true). */
  scanProc?: boolean;
  procDir?: string;
  log?: (msg: string) => void;
}

/** Returns a reload function; it resolves to the pids it signalled. */
export function dnsmasqReloader(opts: DnsmasqReloadOptions = {}): () => Promise<number[]> {
  return async () => {
    const fromFile = opts.pidFile ? await readPid(opts.pidFile) : undefined;
    const pids = fromFile !== undefined ? [fromFile] : opts.scanProc === false ? [] : await findByName('dnsmasq', opts.procDir ?? '/proc');
    const signalled: number[] = [];
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGHUP');
        signalled.push(pid);
      } catch (err) {
        opts.log?.(`dns: SIGHUP to dnsmasq pid ${pid}: ${(err as Error).message}`);
      }
    }
    if (signalled.length === 0) opts.log?.('dns: no dnsmasq to reload; the hosts file is written but not yet served');
    return signalled;
  };
}

async function readPid(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 1 ? pid : undefined;
}

async function findByName(name: string, procDir: string): Promise<number[]> {
  const entries = await readdir(procDir).catch(() => [] as string[]);
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const comm = await readFile(join(procDir, entry, 'comm'), 'utf8').catch(() => '');
    if (comm.trim() === name) pids.push(Number(entry));
  }
  return pids;
}
