// A process's start time, so that a PID reused by an unrelated process is not
// taken for the one that wrote a lock file (SPEC §8).
import { readFileSync } from 'node:fs';

/**
 * Field 22 of /proc/<pid>/stat (clock ticks since boot), as text; undefined when
 * the process is gone or /proc is not there. The command name (field 2) may hold
 * spaces and parentheses, so fields are counted after its last ')'.
 */
export function processStartTime(pid: number): string | undefined {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): field 22 is fields[19].
  const start = fields[19];
  return start && /^[0-9]+$/.test(start) ? start : undefined;
}
