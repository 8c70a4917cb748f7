/**
 * The audit log: who did what, from where. Append-only: no route edits or
 * deletes it, and SQLite triggers refuse UPDATE and DELETE on the table, so
 * a bug elsewhere in the product cannot rewrite history either.
 */
import type { FastifyRequest } from 'fastify';
import type { Db } from '../db.js';

export interface AuditEntry {
  id: number;
  at: number;
  actor: string;
  /** session, token, link, cli, or anonymous (a failed sign-in). */
  via: string;
  ip: string | null;
  action: string;
  target: string;
  detail: Record<string, unknown> | null;
}

export interface AuditQuery {
  since?: number;
  until?: number;
  actor?: string;
  action?: string;
  limit?: number;
}

/** Detail is for the reader; a runaway body must not fill the disk. */
const MAX_DETAIL_CHARS = 8_000;

export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL, via TEXT NOT NULL,
        ip TEXT, action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT
      );
      CREATE INDEX IF NOT EXISTS audit_by_time ON audit_log (at);
      CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    `);
  }

  record(e: { actor: string; via: string; ip?: string | null; action: string; target: string; detail?: object }): void {
    let detail = e.detail === undefined ? null : JSON.stringify(e.detail);
    if (detail !== null && detail.length > MAX_DETAIL_CHARS) detail = JSON.stringify({ truncated: true, head: detail.slice(0, MAX_DETAIL_CHARS) });
    this.db
      .prepare('INSERT INTO audit_log (at, actor, via, ip, action, target, detail) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(this.now(), e.actor.slice(0, 256), e.via, e.ip ?? null, e.action, e.target.slice(0, 512), detail);
  }

  /** Newest first. */
  query(q: AuditQuery = {}): AuditEntry[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (q.since !== undefined) (where.push('at >= ?'), args.push(q.since));
    if (q.until !== undefined) (where.push('at <= ?'), args.push(q.until));
    if (q.actor !== undefined) (where.push('actor = ?'), args.push(q.actor));
    // `incident` matches incident.ack, incident.close, …; `incident.ack` matches only itself.
    if (q.action !== undefined) (where.push("(action = ? OR action LIKE ? ESCAPE '\\')"), args.push(q.action, `${q.action.replace(/[%_\\]/g, '\\$&')}.%`));
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, Math.min(q.limit ?? 100, 10_000)) as Array<Omit<AuditEntry, 'detail'> & { detail: string | null }>;
    return rows.map((r) => ({ ...r, detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>) }));
  }
}

/**
 * Records an action by whoever the request is: `request.identity` (set by the
 * guard, or by a signed link), from the request's address.
 */
export function recordAudit(request: FastifyRequest, action: string, target: string, detail?: object): void {
  const who = request.identity;
  request.server.rwAudit.record({ actor: who?.username ?? 'anonymous', via: who?.via ?? 'anonymous', ip: request.ip, action, target, detail });
}
