// Reconnect pacing: 1 s doubling to 30 s, reset on success. `ready()` says
// whether enough time has passed to try again, so callers fail fast meanwhile.
export class Backoff {
  private delay = 0;
  private notBefore = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  ready(): boolean {
    return this.now() >= this.notBefore;
  }

  fail(): number {
    this.delay = this.delay === 0 ? this.initialMs : Math.min(this.delay * 2, this.maxMs);
    this.notBefore = this.now() + this.delay;
    return this.delay;
  }

  reset(): void {
    this.delay = 0;
    this.notBefore = 0;
  }
}
