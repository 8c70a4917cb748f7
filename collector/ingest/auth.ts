/**
 * Bearer tokens per agent (docs/architecture.md §8). Only SHA-256 hashes are configured;
 * a presented token is hashed and compared with every known hash in constant
 * time, without stopping at the first match, so timing reveals nothing.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AgentCredential } from '../config.js';

export function sha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random token, URL-safe, 256 bits. */
export function newToken(): string {
  return `rw_${randomBytes(32).toString('base64url')}`;
}

export class TokenAuth {
  private readonly hashes: Array<{ name: string; hash: Buffer }>;

  constructor(credentials: readonly AgentCredential[]) {
    this.hashes = credentials.map((c) => ({ name: c.name, hash: Buffer.from(c.tokenSha256, 'hex') }));
  }

  get size(): number {
    return this.hashes.length;
  }

  /** The agent a token belongs to, or undefined. */
  verify(token: string): string | undefined {
    const presented = createHash('sha256').update(token, 'utf8').digest();
    let found: string | undefined;
    for (const { name, hash } of this.hashes) {
      if (timingSafeEqual(presented, hash) && found === undefined) found = name;
    }
    return found;
  }
}

/** The token from `Authorization: Bearer X` or InfluxDB's `Authorization: Token X`. */
export function tokenFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^(?:Bearer|Token)\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}
