// Failed logins per client address: a few tries, then a pause that grows, so a
// 256-bit token can not be guessed and an operator's typo costs seconds.
export class LoginLimiter {
  private readonly failures = new Map<string, { count: number; until: number }>();

  constructor(
    private readonly freeTries = 5,
    private readonly baseDelayMs = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds the address must still wait, 0 when it may try. */
  retryAfter(addr: string): number {
    const f = this.failures.get(addr);
    return f ? Math.max(0, f.until - this.now()) : 0;
  }

  fail(addr: string): void {
    const f = this.failures.get(addr) ?? { count: 0, until: 0 };
    f.count++;
    if (f.count >= this.freeTries) f.until = this.now() + this.baseDelayMs * 2 ** Math.min(f.count - this.freeTries, 8);
    this.failures.set(addr, f);
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  succeed(addr: string): void {
    this.failures.delete(addr);
  }
}
