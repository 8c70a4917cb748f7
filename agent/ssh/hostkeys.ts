/**
 * Host key pinning for agentless SSH checks. A server is trusted only when its
 * key matches a pinned SHA256 fingerprint or an entry of a known_hosts file;
 * trust-on-first-use records the first key seen, and only when a target asks
 * for it explicitly. Anything else refuses the connection before any command
 * (or password) is sent.
 */
import { globMatcher } from '../../lib/glob.js';
import { createHash, createHmac } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The OpenSSH form of a key's fingerprint: `SHA256:` and unpadded base64 of the key blob's digest. */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

export type HostKeyPolicy = { kind: 'fingerprint'; fingerprints: string[] } | { kind: 'known_hosts'; file: string } | { kind: 'tofu'; store: string };

export class HostKeyMismatchError extends Error {
  constructor(
    readonly host: string,
    readonly presented: string,
    readonly expected: string,
  ) {
    super(`host key of ${host} is ${presented}, expected ${expected}: connection refused (was the server replaced, or is someone in the middle?)`);
    this.name = 'HostKeyMismatchError';
  }
}

/** How known_hosts names a host: `host` on port 22, `[host]:port` otherwise. */
function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function hostPatternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    // Hashed entry: |1|base64(salt)|base64(HMAC-SHA1(salt, name)).
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return globMatcher(pattern, { ignoreCase: true })(name);
}

/** The key blobs known_hosts holds for this host (negated patterns and @revoked lines excluded). */
export function knownHostKeys(text: string, host: string, port: number): { keys: Buffer[]; revoked: Buffer[] } {
  const name = knownHostsName(host, port);
  const keys: Buffer[] = [];
  const revoked: Buffer[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    let marker: string | undefined;
    if (parts[0]?.startsWith('@')) marker = parts.shift();
    const [patterns, , blob] = parts;
    if (!patterns || !blob) continue;
    const list = patterns.split(',');
    if (list.some((p) => p.startsWith('!') && hostPatternMatches(p.slice(1), name))) continue;
    if (!list.some((p) => !p.startsWith('!') && hostPatternMatches(p, name))) continue;
    const key = Buffer.from(blob, 'base64');
    if (marker === '@revoked') revoked.push(key);
    else if (marker === undefined) keys.push(key);
  }
  return { keys, revoked };
}

/**
 * Checks a presented key against the policy. Throws HostKeyMismatchError when
 * it does not match; returns the fingerprint when it does.
 */
export function verifyHostKey(policy: HostKeyPolicy, host: string, port: number, keyBlob: Buffer): string {
  const presented = sha256Fingerprint(keyBlob);
  const where = knownHostsName(host, port);
  switch (policy.kind) {
    case 'fingerprint':
      if (policy.fingerprints.includes(presented)) return presented;
      throw new HostKeyMismatchError(where, presented, policy.fingerprints.join(' or '));
    case 'known_hosts': {
      let text: string;
      try {
        text = readFileSync(policy.file, 'utf8');
      } catch (err) {
        throw new HostKeyMismatchError(where, presented, `an entry in ${policy.file} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
      }
      const { keys, revoked } = knownHostKeys(text, host, port);
      if (revoked.some((k) => k.equals(keyBlob))) throw new HostKeyMismatchError(where, presented, `a key not marked @revoked in ${policy.file}`);
      if (keys.some((k) => k.equals(keyBlob))) return presented;
      throw new HostKeyMismatchError(where, presented, keys.length > 0 ? keys.map(sha256Fingerprint).join(' or ') : `an entry for ${where} in ${policy.file}`);
    }
    case 'tofu': {
      const store = readTofuStore(policy.store);
      const pinned = store[where];
      if (pinned === undefined) {
        store[where] = presented;
        writeTofuStore(policy.store, store);
        return presented;
      }
      if (pinned === presented) return presented;
      throw new HostKeyMismatchError(where, presented, `${pinned} (recorded on first use in ${policy.store})`);
    }
  }
}

function readTofuStore(file: string): Record<string, string> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}

/** Written to a temporary file and renamed, so a crash never leaves half a store. */
function writeTofuStore(file: string, store: Record<string, string>): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(store, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}
