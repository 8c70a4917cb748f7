/**
 * Files that ship with roomwatch and that the agent reads at run time: SNMP
 * profiles and the SSH platform command sets. From sources and from dist/
 * they are read in the package; the single-file agent
 * (dist/roomwatch-agent.mjs) carries them inside, put there by
 * scripts/bundle-agent.mjs, so that one file runs from an empty directory.
 */
import { readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { packageRoot } from './paths.js';

interface Embedded {
  version: string;
  /** Package-relative paths (with '/') to file contents. */
  files: Record<string, string>;
}

// Replaced by esbuild's `define` in the bundle; absent everywhere else.
declare const __ROOMWATCH_EMBEDDED__: Embedded | undefined;
const embedded: Embedded | undefined = typeof __ROOMWATCH_EMBEDDED__ === 'undefined' ? undefined : __ROOMWATCH_EMBEDDED__;

/** Where embedded files appear to live, so error messages still name a file. */
const EMBEDDED_ROOT = '<roomwatch-agent>';

/** The path of a shipped file or directory (`agent/profiles`), inside the bundle or the package. */
export function shippedPath(relative: string): string {
  return embedded ? `${EMBEDDED_ROOT}/${relative}` : join(packageRoot(), ...relative.split('/'));
}

function embeddedKey(path: string): string | undefined {
  if (!embedded) return undefined;
  const normal = path.split(sep).join('/');
  return normal.startsWith(`${EMBEDDED_ROOT}/`) ? normal.slice(EMBEDDED_ROOT.length + 1) : undefined;
}

/** The text of an embedded file; undefined when `path` is an ordinary file to read from disk. */
export function embeddedText(path: string): string | undefined {
  const key = embeddedKey(path);
  return key === undefined ? undefined : embedded?.files[key];
}

/** The embedded files directly under `dir` (full paths, sorted); undefined for an ordinary directory. */
export function embeddedList(dir: string): string[] | undefined {
  const key = embeddedKey(dir);
  if (key === undefined || !embedded) return undefined;
  const prefix = key.endsWith('/') ? key : `${key}/`;
  return Object.keys(embedded.files)
    .filter((f) => f.startsWith(prefix) && !f.slice(prefix.length).includes('/'))
    .sort()
    .map((f) => `${EMBEDDED_ROOT}/${f}`);
}

/** roomwatch's version: package.json's, or the one the bundle was built from. */
export function roomwatchVersion(): string {
  if (embedded) return embedded.version;
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
