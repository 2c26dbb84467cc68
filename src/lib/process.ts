// Questions about processes on this host that lock files and privilege checks need.

/** True when a process with this PID exists, even one we may not signal. */
export function isPidAlive(pid: number): boolean {
  // kill(0, …) and kill(-n, …) address process groups, never "this PID".
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `getuid` is absent on platforms without POSIX users (never root there). */
export function isRoot(getuid: (() => number) | undefined = process.getuid?.bind(process)): boolean {
  return getuid !== undefined && getuid() === 0;
}
