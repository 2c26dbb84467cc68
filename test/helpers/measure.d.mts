export function freePort(host?: string): Promise<number>;
export function timed<T>(fn: () => T | Promise<T>): Promise<{ ms: number; value: T }>;
export function pct(values: number[], p: number): number;
export function cpuSeconds(pid: number): Promise<number>;
export function vmRss(pid: number): Promise<number>;
