/**
 * The console's files, read once at start from the built bundle
 * (dist/console, made by scripts/bundle-console.mjs during `npm run build`).
 * Everything ships in the package: the console needs no internet.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

export interface ConsoleAsset {
  body: Buffer;
  type: string;
  etag: string;
}

export interface ConsoleAssets {
  dir: string;
  /** The app shell with asset URLs versioned by content, or undefined when the console was not built. */
  shell: Buffer | undefined;
  files: Map<string, ConsoleAsset>;
  version: string;
}

/** dist/console next to this module's build output, or (run from source) under the repository's dist/. */
export function defaultAssetsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', '..', 'console'), join(here, '..', '..', 'dist', 'console')];
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? (candidates[1] as string);
}

export function loadConsoleAssets(dir: string): ConsoleAssets {
  const files = new Map<string, ConsoleAsset>();
  if (!existsSync(join(dir, 'index.html'))) return { dir, shell: undefined, files, version: '' };
  const hash = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    const type = CONTENT_TYPES[extname(name)];
    if (!type || name === 'index.html') continue;
    const body = readFileSync(join(dir, name));
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 20)}"`;
    files.set(name, { body, type, etag });
    hash.update(name).update(etag);
  }
  const version = hash.digest('hex').slice(0, 12);
  // Asset URLs carry the content version so they can be cached for good; the shell itself is always revalidated.
  const shell = Buffer.from(readFileSync(join(dir, 'index.html'), 'utf8').replaceAll('__RW_VERSION__', version));
  return { dir, shell, files, version };
}
