// An exec'd command wrapped to start at the operator's terminal size.

/** About a second: how long the wrapper waits for Docker's resize before sizing the PTY itself. */
const WAIT_TICKS = 100;

/**
 * Docker applies an exec's size only once its process runs (ConsoleSize needs
 * API 1.42): the PTY starts at 0x0 and the resize sent right after start lands
 * a moment later. Starting the program before then would have a full-screen
 * program draw at 80x24 inside a larger terminal. So the wrapper waits for
 * that resize, and sizes the PTY with `stty` only if it never came. Setting
 * the size itself whenever the PTY looked unsized would race a resize landing
 * between the look and the set, and undo the operator's newer size.
 */
export function sizedCommand(cmd: string[], cols: number, rows: number): string[] {
  const unsized = '[ "$(stty size 2>/dev/null)" = "0 0" ]';
  const script = [
    `n=0; while ${unsized} && [ $n -lt ${WAIT_TICKS} ]; do sleep 0.01; n=$((n+1)); done`,
    `${unsized} && stty cols "$1" rows "$2" 2>/dev/null`,
    'shift 2; exec "$@"',
  ].join('; ');
  return ['sh', '-c', script, 'sh', String(cols), String(rows), ...cmd];
}
