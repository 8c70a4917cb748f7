/**
 * `npm start` builds only when sources changed (scripts/build-if-stale.mjs),
 * checked on a scratch package whose "build" only counts how often it ran.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../lib/paths.js';
import { tempDir } from '../helpers.js';

const exec = promisify(execFile);

describe('build-if-stale', () => {
  it('builds when there is no build or a source is newer, and not otherwise', async () => {
    const tmp = tempDir();
    try {
      const root = tmp.dir;
      mkdirSync(join(root, 'scripts'));
      mkdirSync(join(root, 'lib'));
      mkdirSync(join(root, 'dist'));
      copyFileSync(join(packageRoot(), 'scripts', 'build-if-stale.mjs'), join(root, 'scripts', 'build-if-stale.mjs'));
      writeFileSync(join(root, 'lib', 'a.ts'), 'export const a = 1;\n');
      const count = join(root, 'builds.txt');
      const build = `node -e "require('fs').appendFileSync('builds.txt','x')"`;
      writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'scratch', version: '0.0.0', scripts: { build, postbuild: 'node scripts/build-if-stale.mjs --stamp' } }));
      const builds = () => readFileSync(count, 'utf8').length;
      const check = () => exec(process.execPath, [join(root, 'scripts', 'build-if-stale.mjs')], { cwd: root });
      // The scratch files must not look newer than the stamp because of coarse timestamps.
      const past = new Date(Date.now() - 60_000);
      for (const f of ['package.json', 'lib/a.ts', 'scripts/build-if-stale.mjs']) utimesSync(join(root, f), past, past);

      await check();
      expect(builds()).toBe(1);
      await check();
      expect(builds()).toBe(1);
      const later = new Date(Date.now() + 60_000);
      utimesSync(join(root, 'lib', 'a.ts'), later, later);
      const { stderr } = await check();
      expect(stderr).toMatch(/sources changed since the last build/);
      expect(builds()).toBe(2);
    } finally {
      tmp.cleanup();
    }
  });
});
