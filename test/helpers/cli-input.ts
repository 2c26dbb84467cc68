// Runs the built `convocate` with text on stdin (for `env set`, which reads its value there).
import { execFile } from 'node:child_process';
import { CONVOCATE_BIN, type CliResult } from './cli.js';

export function runCliWithInput(args: string[], env: NodeJS.ProcessEnv, input: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CONVOCATE_BIN, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(input);
  });
}
