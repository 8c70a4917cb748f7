/**
 * Personal API tokens (`rwu_…`) for scripts and Grafana: stored as SHA-256,
 * each with an owner, a name, a role no higher than the owner's, and an
 * optional expiry. A token stops working when its owner is disabled, and
 * never acts above the owner's current role.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../db.js';
import type { Role } from './types.js';

export const USER_TOKEN_PREFIX = 'rwu_';

export interface ApiToken {
  id: string;
  owner: string;
  name: string;
  role: Role;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
}

interface Row {
  id: string;
  owner: string;
  name: string;
  role: Role;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
}

const toToken = (r: Row): ApiToken => ({ id: r.id, owner: r.owner, name: r.name, role: r.role, createdAt: r.created_at, expiresAt: r.expires_at, lastUsedAt: r.last_used_at });

export const tokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

export class ApiTokenStore {
  constructor(private readonly db: Db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS api_tokens (
        id TEXT PRIMARY KEY, token_sha256 TEXT NOT NULL UNIQUE, owner TEXT NOT NULL, name TEXT NOT NULL,
        role TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER, last_used_at INTEGER
      )`);
  }

  /** A new token; the secret is returned once and only its hash is kept. */
  create(t: { owner: string; name: string; role: Role; expiresAt?: number }, now: number): { token: string; info: ApiToken } {
    const token = `${USER_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const id = randomUUID();
    this.db
      .prepare('INSERT INTO api_tokens (id, token_sha256, owner, name, role, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(id, tokenHash(token), t.owner, t.name, t.role, now, t.expiresAt ?? null);
    return { token, info: this.get(id) as ApiToken };
  }

  get(id: string): ApiToken | undefined {
    const r = this.db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(id) as Row | undefined;
    return r ? toToken(r) : undefined;
  }

  /** The unexpired token with this secret. */
  verify(token: string, now: number): ApiToken | undefined {
    const r = this.db.prepare('SELECT * FROM api_tokens WHERE token_sha256 = ?').get(tokenHash(token)) as Row | undefined;
    if (!r || (r.expires_at !== null && r.expires_at <= now)) return undefined;
    // As with sessions: a minute's precision, so reads stay reads.
    if (r.last_used_at === null || now - r.last_used_at >= 60_000) this.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(now, r.id);
    return toToken(r);
  }

  list(owner?: string): ApiToken[] {
    const rows =
      owner === undefined ? this.db.prepare('SELECT * FROM api_tokens ORDER BY created_at').all() : this.db.prepare('SELECT * FROM api_tokens WHERE owner = ? ORDER BY created_at').all(owner);
    return (rows as Row[]).map(toToken);
  }

  revoke(id: string): boolean {
    return this.db.prepare('DELETE FROM api_tokens WHERE id = ?').run(id).changes === 1;
  }
}
