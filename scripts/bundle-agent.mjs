#!/usr/bin/env node
/**
 * Bundles the stand-alone agent into dist/roomwatch-agent.mjs: one minified
 * ESM file with the agent's code, its dependencies and the YAML files it reads
 * at run time (agent/**.yaml: SNMP profiles, SSH platform command sets),
 * embedded through esbuild's `define` (lib/shipped.ts reads them). Native
 * addons stay external: ssh2 loads them optionally and runs without.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function yamlUnder(dir) {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return yamlUnder(rel);
    return /\.ya?ml$/.test(e.name) ? [rel] : [];
  });
}

const files = Object.fromEntries(yamlUnder('agent').map((rel) => [rel, readFileSync(join(root, rel), 'utf8')]));
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;

await build({
  entryPoints: [join(root, 'dist/bin/roomwatch-agent.js')],
  outfile: join(root, 'dist/roomwatch-agent.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  minify: true,
  logLevel: 'warning',
  external: ['*.node', 'cpu-features'],
  define: { __ROOMWATCH_EMBEDDED__: JSON.stringify({ version, files }) },
  // CommonJS dependencies inside an ESM bundle need require, __filename and __dirname.
  banner: {
    js: "import{createRequire}from'node:module';import{fileURLToPath as __rwf}from'node:url';import{dirname as __rwd}from'node:path';const require=createRequire(import.meta.url);const __filename=__rwf(import.meta.url);const __dirname=__rwd(__filename);",
  },
});
