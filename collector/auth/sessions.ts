/**
 * Console sessions. The cookie carries a random value; the DB keeps only its
 * SHA-256, so a copy of the database signs nobody in. Each session has its own
 * CSRF token, and ends after `idleMs` without a request or `absoluteMs` after
 * sign-in, whichever comes first.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db.js';

export const SESSION_COOKIE = 'rw_session';

export interface Session {
  username: string;
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
}

/** Writing last_seen on every request would make every GET a write; a minute's precision is plenty for a 30-minute idle limit. */
const TOUCH_EVERY_MS = 60_000;

const hash = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

export class SessionStore {
  constructor(
    private readonly db: Db,
    private readonly limits: { idleMs: number; absoluteMs: number },
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS sessions (
        id_sha256 TEXT PRIMARY KEY, username TEXT NOT NULL, csrf TEXT NOT NULL,
        created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL, ip TEXT, user_agent TEXT
      )`);
    db.exec('CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (username)');
  }

  /** A new session; the returned cookie value is never stored. */
  create(username: string, now: number, client: { ip?: string; userAgent?: string } = {}): { cookie: string; csrf: string } {
    const cookie = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    this.db
      .prepare('INSERT INTO sessions (id_sha256, username, csrf, created_at, last_seen_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(hash(cookie), username, csrf, now, now, client.ip ?? null, client.userAgent?.slice(0, 256) ?? null);
    return { cookie, csrf };
  }

  /** The live session a cookie names, its idle clock restarted; an expired one is deleted. */
  lookup(cookie: string, now: number): Session | undefined {
    const id = hash(cookie);
    const r = this.db.prepare('SELECT username, csrf, created_at, last_seen_at FROM sessions WHERE id_sha256 = ?').get(id) as
      { username: string; csrf: string; created_at: number; last_seen_at: number } | undefined;
    if (!r) return undefined;
    if (now - r.last_seen_at >= this.limits.idleMs || now - r.created_at >= this.limits.absoluteMs) {
      this.db.prepare('DELETE FROM sessions WHERE id_sha256 = ?').run(id);
      return undefined;
    }
    if (now - r.last_seen_at >= TOUCH_EVERY_MS) this.db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id_sha256 = ?').run(now, id);
    return { username: r.username, csrf: r.csrf, createdAt: r.created_at, lastSeenAt: now };
  }

  end(cookie: string): void {
    this.db.prepare('DELETE FROM sessions WHERE id_sha256 = ?').run(hash(cookie));
  }

  /** Sign a user out everywhere (password change, disabled account); `except` keeps the current session. */
  endAllFor(username: string, exceptCookie?: string): number {
    return this.db.prepare('DELETE FROM sessions WHERE username = ? AND id_sha256 != ?').run(username, exceptCookie ? hash(exceptCookie) : '').changes;
  }

  prune(now: number): number {
    return this.db.prepare('DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?').run(now - this.limits.idleMs, now - this.limits.absoluteMs).changes;
  }
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

export function sessionCookie(value: string, opts: { secure: boolean; maxAgeS?: number }): string {
  const parts = [`${SESSION_COOKIE}=${value}`, 'HttpOnly', 'SameSite=Strict', 'Path=/'];
  if (opts.maxAgeS !== undefined) parts.push(`Max-Age=${opts.maxAgeS}`);
  if (opts.secure) parts.push('Secure');
  return parts.join('; ');
}
