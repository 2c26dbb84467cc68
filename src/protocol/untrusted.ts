// Strict timestamp parsing for text a session container or an agent can write
// (SPEC §8); sanitising such text is `sanitise.ts`'s job.

// Date-time per RFC 3339 §5.6: no spaces, no names, no parentheses; `Date.parse`
// alone accepts `"Jan 1 2020 (\x1b[31m…)"`.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

export function isRfc3339(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = RFC3339.exec(value);
  if (!m) return false;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  if (mo! < 1 || mo! > 12 || d! < 1 || h! > 23 || mi! > 59 || s! > 60) return false;
  // Day of month exists (leap years included).
  if (d! > new Date(Date.UTC(y!, mo!, 0)).getUTCDate()) return false;
  return !Number.isNaN(Date.parse(value));
}
