import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The roomwatch package's root (where rules/ and dashboards/ ship), found by
 * walking up from this file, so it is the same from sources and from dist/.
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'roomwatch') return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the roomwatch package root');
    dir = up;
  }
}
