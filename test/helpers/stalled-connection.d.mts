import type { Socket } from 'node:net';
export function holdConnection(port: number, source: string): Promise<Socket | undefined>;
