// How provisioning talks to the operator: one line per step as it runs, and a
// failure that names the host, the step and the remedy.
import { HostError } from './host.js';

export type Print = (line: string) => void;

export class StepFailure extends Error {
  constructor(
    readonly host: string,
    readonly step: string,
    readonly reason: string,
    readonly remedy: string,
    options?: { cause?: unknown },
  ) {
    super(`${host}: step "${step}" failed: ${reason}\n  remedy: ${remedy}`, options);
  }
}

export const RERUN = 'fix the cause above, then run the same command again: every step is idempotent';

/** Run one step, turning any error into a StepFailure that names host, step and remedy. */
export async function step<T>(host: string, title: string, print: Print, fn: () => Promise<T>, remedy = RERUN): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof StepFailure) throw err;
    const reason = err instanceof HostError || err instanceof Error ? err.message : String(err);
    print(`[${host}] ${title}: FAILED`);
    throw new StepFailure(host, title, reason, remedy, { cause: err });
  }
}
