#!/usr/bin/env node
/**
 * Builds the NOC console into dist/console (or the directory given as the
 * first argument): console/src bundled by esbuild into one ES module with
 * uPlot inside, plus index.html, console.css, uPlot's stylesheet and the icon.
 * Nothing is fetched at run time: the console works with no internet.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(root, 'dist', 'console'));
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(root, 'console/src/main.ts')],
  outfile: join(out, 'console.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15'],
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
  legalComments: 'eof',
});
copyFileSync(join(root, 'console/index.html'), join(out, 'index.html'));
copyFileSync(join(root, 'console/style.css'), join(out, 'console.css'));
copyFileSync(join(root, 'console/favicon.svg'), join(out, 'favicon.svg'));
copyFileSync(join(root, 'node_modules/uplot/dist/uPlot.min.css'), join(out, 'uplot.css'));
