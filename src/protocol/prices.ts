// What Claude's tokens cost, per model family, in USD per million tokens: the
// one table both the agent (which estimates each session's cost) and the
// shell (which prints the table's date beside the figures) read.

/** When the table was last checked against the published list prices. */
export const PRICES_DATE = '2026-11-01';

export interface Price {
  input: number;
  output: number;
  /** Writing the prompt cache (5-minute entries). */
  cacheWrite: number;
  cacheRead: number;
}

/** Matched in order against the model name Claude records; the last row is the fallback. */
export const PRICES: ReadonlyArray<{ match: RegExp; family: string; price: Price }> = [
  { match: /opus-4-[5-9]|opus-[5-9]/, family: 'opus 4.5+', price: { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 } },
  { match: /opus/, family: 'opus', price: { input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5 } },
  { match: /haiku-4|haiku-[5-9]/, family: 'haiku 4.5+', price: { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 } },
  { match: /haiku/, family: 'haiku', price: { input: 0.8, output: 4, cacheWrite: 1, cacheRead: 0.08 } },
  { match: /./, family: 'sonnet', price: { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 } },
];

/** Claude's context window, for `context_percent`. */
export const CONTEXT_WINDOW_TOKENS = 200_000;

export interface TokenCounts {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

export function priceOf(model: string): Price {
  return (PRICES.find((p) => p.match.test(model)) ?? PRICES[PRICES.length - 1]!).price;
}

/** The estimated cost in USD of one reply's tokens. */
export function costOf(model: string, t: TokenCounts): number {
  const p = priceOf(model);
  return (t.input * p.input + t.output * p.output + t.cacheWrite * p.cacheWrite + t.cacheRead * p.cacheRead) / 1e6;
}
