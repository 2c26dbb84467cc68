// The package version, read once from package.json at run time so that the
// built binaries and the tests agree without a generated file.
import { readFileSync } from 'node:fs';

function readVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  const pkg = JSON.parse(readFileSync(url, 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

export const VERSION = readVersion();
export const DEFAULT_IMAGE = `convocate-session:${VERSION}`;
