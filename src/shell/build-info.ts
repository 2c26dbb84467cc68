// The build stamp (git commit and date) written next to the compiled code by
// `npm run build` (scripts/stamp-build.mjs); absent when run from source.
import { readFileSync } from 'node:fs';

export interface BuildStamp {
  commit?: string;
  date?: string;
}

export function readBuildStamp(url = new URL('../build-info.json', import.meta.url)): BuildStamp {
  try {
    const raw = JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
    const text = (v: unknown) => (typeof v === 'string' && /^[\w.:+-]{1,64}$/.test(v) ? v : undefined);
    return { commit: text(raw.commit), date: text(raw.date) };
  } catch {
    return {};
  }
}
