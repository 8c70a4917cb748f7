/**
 * What the links remember in SQLite: the nonce of every token that was used
 * (a second use is refused, naming when the first was) and the short ids SMS
 * messages carry, each mapped to its signed token until the token expires.
 */
import { randomInt } from 'node:crypto';
import type { Db } from '../db.js';

export interface LinkUse {
  nonce: string;
  incidentId: number;
  recipient: string;
  usedAt: number;
  ip: string | null;
}

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
/** 10 characters of a 57-letter alphabet: ~58 bits, far beyond guessing within a link's lifetime. */
export const SHORT_ID_LENGTH = 10;

export class LinkStore {
  constructor(private readonly db: Db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS ack_link_uses (
        nonce TEXT PRIMARY KEY, incident_id INTEGER NOT NULL, recipient TEXT NOT NULL,
        used_at INTEGER NOT NULL, ip TEXT, expires_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS ack_short_links (
        id TEXT PRIMARY KEY, token TEXT NOT NULL, expires_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS ack_short_links_expiry ON ack_short_links (expires_at);
    `);
  }

  used(nonce: string): LinkUse | undefined {
    const r = this.db.prepare('SELECT nonce, incident_id, recipient, used_at, ip FROM ack_link_uses WHERE nonce = ?').get(nonce) as
      { nonce: string; incident_id: number; recipient: string; used_at: number; ip: string | null } | undefined;
    return r && { nonce: r.nonce, incidentId: r.incident_id, recipient: r.recipient, usedAt: r.used_at, ip: r.ip };
  }

  /** Records a use; false when the nonce was used already (the primary key decides, not a prior read). */
  markUsed(u: LinkUse & { expiresAt: number }): boolean {
    return (
      this.db
        .prepare('INSERT OR IGNORE INTO ack_link_uses (nonce, incident_id, recipient, used_at, ip, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(u.nonce, u.incidentId, u.recipient, u.usedAt, u.ip, u.expiresAt).changes > 0
    );
  }

  /** A new short id for a token. */
  shorten(token: string, expiresAt: number): string {
    for (;;) {
      let id = '';
      for (let i = 0; i < SHORT_ID_LENGTH; i++) id += ALPHABET[randomInt(ALPHABET.length)];
      if (this.db.prepare('INSERT OR IGNORE INTO ack_short_links (id, token, expires_at) VALUES (?, ?, ?)').run(id, token, expiresAt).changes > 0) return id;
    }
  }

  expand(id: string): string | undefined {
    return (this.db.prepare('SELECT token FROM ack_short_links WHERE id = ?').get(id) as { token: string } | undefined)?.token;
  }

  /**
   * Forgets short ids and uses a day after their token expired: an expired
   * token is refused by its signature's expiry anyway, and the day keeps the
   * "expired" page (rather than "unknown link") for a late click.
   */
  prune(now: number, graceMs = 86_400_000): number {
    const a = this.db.prepare('DELETE FROM ack_short_links WHERE expires_at < ?').run(now - graceMs).changes;
    const b = this.db.prepare('DELETE FROM ack_link_uses WHERE expires_at < ?').run(now - graceMs).changes;
    return a + b;
  }
}

export function looksLikeShortId(s: string): boolean {
  return s.length === SHORT_ID_LENGTH && [...s].every((c) => ALPHABET.includes(c));
}
