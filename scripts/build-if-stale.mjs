#!/usr/bin/env node
/**
 * `npm start` and `npm run bench` build first, but only when a source is newer
 * than the last build: a full build (tsc + the agent bundle) takes a minute or
 * two on a small machine, and most starts change nothing.
 * A build is stale when any file under the source directories, or a build
 * file, is newer than dist/.build-stamp.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');
const SOURCE_DIRS = ['agent', 'collector', 'console', 'lib', 'bin', 'bench', 'scripts'];
const BUILD_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

function newestUnder(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestUnder(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const newestSource = Math.max(
  ...SOURCE_DIRS.filter((d) => existsSync(join(root, d))).map((d) => newestUnder(join(root, d))),
  ...BUILD_FILES.filter((f) => existsSync(join(root, f))).map((f) => statSync(join(root, f)).mtimeMs),
);
// `npm run build` ends with `--stamp` (postbuild), so any build counts, not only ours.
if (process.argv[2] === '--stamp') {
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  process.exit(0);
}
const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
if (built >= newestSource) process.exit(0);

process.stderr.write(built ? 'sources changed since the last build: building…\n' : 'no build yet: building…\n');
const started = Date.now();
const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
process.stderr.write(`built in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
