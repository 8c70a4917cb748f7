/**
 * The key acknowledge links are signed with: from `auth.link_key_file`, from
 * the environment (ROOMWATCH_LINK_KEY), or generated into the data directory
 * at first start (mode 0600) so links survive a restart without any setup.
 * Several collectors behind one console URL must share the key: give them the
 * same file or variable.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const LINK_KEY_ENV = 'ROOMWATCH_LINK_KEY';
export const LINK_KEY_FILE = 'link.key';
/** 32 characters: a hex-encoded 128-bit key at the least. */
const MIN_CHARS = 32;

export interface LinkKeySource {
  file?: string;
  env: NodeJS.ProcessEnv;
  dataDir: string;
}

export interface LoadedKey {
  key: Buffer;
  /** Where it came from, for the start-up log (never the key). */
  source: string;
  /** A file readable by others than the owner; the log says so. */
  warning?: string;
}

function fromText(text: string, where: string): Buffer {
  const t = text.trim();
  if (t.length < MIN_CHARS) throw new Error(`${where}: the link key must be at least ${MIN_CHARS} characters (e.g. openssl rand -hex 32)`);
  return Buffer.from(t, 'utf8');
}

function looseMode(path: string): string | undefined {
  const mode = statSync(path).mode & 0o077;
  return mode ? `${path} is readable by group or others (mode ${(statSync(path).mode & 0o777).toString(8)}); chmod 600 it` : undefined;
}

export function loadLinkKey(s: LinkKeySource): LoadedKey {
  if (s.file) {
    const text = readFileSync(s.file, 'utf8');
    return { key: fromText(text, s.file), source: s.file, warning: looseMode(s.file) };
  }
  const env = s.env[LINK_KEY_ENV];
  if (env) return { key: fromText(env, LINK_KEY_ENV), source: `$${LINK_KEY_ENV}` };
  const path = join(s.dataDir, LINK_KEY_FILE);
  if (!existsSync(path)) {
    try {
      // 'wx': two collectors starting on one data directory never overwrite each other's key.
      writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
      chmodSync(path, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return { key: fromText(readFileSync(path, 'utf8'), path), source: path, warning: looseMode(path) };
}
