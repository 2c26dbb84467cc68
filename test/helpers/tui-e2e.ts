// Reading and steering the real TUI in a pty for e2e tests: the command line
// that runs the built binary, finding a session's row and its state on the
// screen, moving the selection to a row, and `ls --json` for the truth.
import { expect } from 'vitest';
import type { Session } from '../../src/protocol/session.js';
import { CONVOCATE_BIN, runCli } from './cli.js';
import type { TuiPty } from './tui-pty.js';

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The shell command line that runs the built `convocate` TUI. */
export function tuiCommand(args: string[] = []): string {
  return [process.execPath, CONVOCATE_BIN, ...args].map(shellQuote).join(' ');
}

/** The environment as TuiPty wants it: strings only. */
export function ptyEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/** A clean frame: nothing wider than the terminal, one title bar and one menu bar. */
export function fits(screen: string, cols: number): boolean {
  return (
    screen.split('\n').every((line) => line.length <= cols) &&
    screen.match(/^convocate /gm)?.length === 1 &&
    screen.match(/Enter attach/g)?.length === 1 &&
    /Q quit/.test(screen)
  );
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface Row {
  selected: boolean;
  state: string;
  short: string;
  line: string;
  index: number;
}

/** The table row of the session called `name`, as drawn: marker, state, short uuid, name. */
export function rowOf(screen: string, name: string): Row | undefined {
  const re = new RegExp(`^(> |  )([-LRC?])  ([0-9a-f]{8})  ${escapeRe(name)}(?:\\s|$)`);
  const lines = screen.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const m = re.exec(lines[index]!);
    if (m) return { selected: m[1] === '> ', state: m[2]!, short: m[3]!, line: lines[index]!, index };
  }
  return undefined;
}

/** Polls until the row of `name` shows `state` (a reload may take up to 15 s). */
export function waitForState(pty: TuiPty, name: string, state: string, timeoutMs = 25_000): Promise<string> {
  return pty.waitFor((s) => rowOf(s, name)?.state === state, `row ${name} in state ${state}`, timeoutMs);
}

/** Moves the highlight to the row of `name`, one arrow key at a time, checking the screen after each. */
export async function select(pty: TuiPty, name: string, timeoutMs = 25_000): Promise<void> {
  await pty.waitFor((s) => rowOf(s, name) !== undefined, `row ${name}`, timeoutMs);
  for (let step = 0; step < 50; step++) {
    const screen = await pty.screen();
    const target = rowOf(screen, name);
    if (target?.selected) return;
    const current = screen.split('\n').findIndex((l) => /^> [-LRC?] {2}[0-9a-f]{8} {2}/.test(l));
    if (!target || current < 0) throw new Error(`cannot find the selection or row ${name} on:\n${screen}`);
    await pty.keys(target.index > current ? 'Down' : 'Up');
    await pty.waitFor((s) => s.split('\n').findIndex((l) => /^> /.test(l)) !== current, 'the highlight to move');
  }
  throw new Error(`could not select ${name}`);
}

/** Erases `n` characters of the active form field. */
export async function erase(pty: TuiPty, n: number): Promise<void> {
  await pty.keys(...Array.from({ length: n }, () => 'BSpace'));
}

/** Every session, as the scripting CLI reports it. */
export async function lsJson(env: NodeJS.ProcessEnv): Promise<Session[]> {
  const r = await runCli(['ls', '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Session[];
}

export async function sessionNamed(env: NodeJS.ProcessEnv, name: string): Promise<Session> {
  const found = (await lsJson(env)).filter((s) => s.name === name);
  expect(found, `sessions named ${name}`).toHaveLength(1);
  return found[0]!;
}
