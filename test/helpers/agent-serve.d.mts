import type { ChildProcess } from 'node:child_process';

export const AGENT_BIN: string;
export function spawnAgentServe(
  args: string[],
  opts?: { env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ child: ChildProcess; output(): string }>;
export function stopChild(child: ChildProcess, signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
