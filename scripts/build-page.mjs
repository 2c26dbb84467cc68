// Bundles the web cockpit page (Preact + xterm.js) into dist/web/page/, so the
// package serves it itself: no CDN, works offline.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src/web/page');
const out = join(root, 'dist/web/page');
const require = createRequire(import.meta.url);

await mkdir(out, { recursive: true });
await build({
  entryPoints: [join(src, 'app.tsx')],
  bundle: true,
  format: 'esm',
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  tsconfig: join(src, 'tsconfig.json'),
  outfile: join(out, 'app.js'),
  logLevel: 'warning',
});
await copyFile(join(src, 'index.html'), join(out, 'index.html'));
await copyFile(join(src, 'app.css'), join(out, 'app.css'));
await copyFile(require.resolve('@xterm/xterm/css/xterm.css'), join(out, 'xterm.css'));
