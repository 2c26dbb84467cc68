// Starts `convocate web` as a process on a free loopback port and hands back
// its base URL and login URL; and a headless Chromium (Debian's package) for the page.
import { spawn, type ChildProcess } from 'node:child_process';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { CONVOCATE_BIN } from './cli.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface WebServer {
  base: string;
  loginUrl: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startWeb(env: NodeJS.ProcessEnv, args: string[] = []): Promise<WebServer> {
  const child: ChildProcess = spawn(process.execPath, [CONVOCATE_BIN, 'web', '--listen', '127.0.0.1:0', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  let m: RegExpExecArray | null = null;
  while (!(m = /log in with: (http:\/\/127\.0\.0\.1:(\d+)\/#token=[0-9a-f]{64})/.exec(out)) && Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!m) {
    child.kill('SIGTERM');
    throw new Error(`convocate web did not print its login URL: ${out}`);
  }
  return {
    base: `http://127.0.0.1:${m[2]}`,
    loginUrl: m[1]!,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export function launchChromium(): Promise<Browser> {
  return puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** The list row of the session called `name`, as a selector. */
export const rowSelector = (name: string) => `xpath///tr[td[@data-label="NAME" and text()="${name}"]]`;

/** The terminal's visible text (xterm's DOM renderer), polled until it matches or the deadline passes. */
export async function waitForTerminal(p: Page, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let shown = '';
  while (Date.now() < deadline) {
    // Page-side expressions are strings: tests are compiled for Node, without the DOM's types.
    shown = (await p.evaluate("Array.from(document.querySelector('.xterm-rows')?.children ?? []).map((c) => c.textContent).join('\\n')").catch((e: unknown) => `evaluate failed: ${String(e)}`)) as string;
    if (pattern.test(shown)) return shown;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`terminal never showed ${pattern}; it shows:\n${shown}`);
}
