// The one `host[:port]` syntax every role reads (agent-host files, --address,
// --listen, status-serve's listen): `host`, `host:port`, `[v6]` or `[v6]:port`.
import { isIP } from 'node:net';

export interface SplitHostPort {
  /** Without brackets; may be '' when the text was `:port`. */
  host: string;
  /** The digits after the colon, unchecked; undefined when no port was given. */
  portText?: string;
  bracketed: boolean;
}

/** The syntax only: undefined when the text is not `host[:port]` at all (e.g. `a:b:c`, `x y`). */
export function splitHostPort(text: string): SplitHostPort | undefined {
  const value = text.trim();
  const v6 = /^\[([^\]]+)\](?::([^:]*))?$/.exec(value);
  if (v6) return { host: v6[1] ?? '', portText: v6[2], bracketed: true };
  const plain = /^([^:[\]]*)(?::([^:]*))?$/.exec(value);
  if (!plain) return undefined;
  return { host: plain[1] ?? '', portText: plain[2], bracketed: false };
}

/** A hostname or an IP literal: nothing that could be read as an option or a path. */
export function isValidHost(host: string): boolean {
  return isIP(host) !== 0 || /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/.test(host);
}

export function isPortText(text: string, min: number): boolean {
  return /^\d{1,5}$/.test(text) && Number(text) >= min && Number(text) <= 65535;
}

export interface ParseHostPortOptions {
  /** Names the input in errors, e.g. `agent-host` or `--address`. */
  what: string;
  /** Used when no port is given; without it, the port stays undefined. */
  defaultPort?: number;
  /** The lowest port accepted (default 1; 0 where the kernel picks one). */
  minPort?: number;
}

/** `host[:port]` with a port of 1-65535 (or from `minPort`); errors name the input, not the reason in code terms. */
export function parseHostPort(text: string, opts: ParseHostPortOptions & { defaultPort: number }): { host: string; port: number };
export function parseHostPort(text: string, opts: ParseHostPortOptions): { host: string; port?: number };
export function parseHostPort(text: string, opts: ParseHostPortOptions): { host: string; port?: number } {
  const split = splitHostPort(text);
  const bad = new Error(`bad ${opts.what} ${JSON.stringify(text.trim())}: want HOST or HOST:PORT`);
  if (!split || split.host === '' || (!split.bracketed && !isValidHost(split.host))) throw bad;
  if (split.bracketed && isIP(split.host) !== 6) throw bad;
  if (split.portText === undefined) return opts.defaultPort === undefined ? { host: split.host } : { host: split.host, port: opts.defaultPort };
  const min = opts.minPort ?? 1;
  if (!isPortText(split.portText, min)) throw new Error(`bad port in ${opts.what} ${JSON.stringify(text.trim())}: must be ${min}-65535`);
  return { host: split.host, port: Number(split.portText) };
}
