/**
 * The notification log and queue, in SQLite. A notification is enqueued in
 * the same transaction as the incident change that causes it, with a dedupe
 * key, so a step that runs again after a restart never queues it twice. The
 * sender marks each attempt here; what was sent is never sent again, what was
 * not is retried after a restart (at-least-once: a crash between the SMTP
 * server's 250 and our update can repeat one message).
 */
import type { Db } from '../db.js';
import type { NotificationContent, Recipient } from './types.js';

export type NotificationStatus = 'pending' | 'sent' | 'failed';

export interface OutboxEntry {
  id: number;
  incidentId: number;
  kind: NotificationContent['kind'];
  channel: string;
  recipient: Recipient;
  content: NotificationContent;
  dedupeKey: string;
  status: NotificationStatus;
  attempts: number;
  nextAt: number;
  lastError: string | null;
  createdAt: number;
  sentAt: number | null;
}

interface Row {
  id: number;
  incident_id: number;
  kind: NotificationContent['kind'];
  channel: string;
  recipient: string;
  content: string;
  dedupe_key: string;
  status: NotificationStatus;
  attempts: number;
  next_at: number;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

const toEntry = (r: Row): OutboxEntry => ({
  id: r.id,
  incidentId: r.incident_id,
  kind: r.kind,
  channel: r.channel,
  recipient: JSON.parse(r.recipient) as Recipient,
  content: JSON.parse(r.content) as NotificationContent,
  dedupeKey: r.dedupe_key,
  status: r.status,
  attempts: r.attempts,
  nextAt: r.next_at,
  lastError: r.last_error,
  createdAt: r.created_at,
  sentAt: r.sent_at,
});

export class Outbox {
  constructor(private readonly db: Db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS notifications (
        id INTEGER PRIMARY KEY,
        incident_id INTEGER NOT NULL, kind TEXT NOT NULL, channel TEXT NOT NULL,
        recipient TEXT NOT NULL, content TEXT NOT NULL, dedupe_key TEXT NOT NULL UNIQUE,
        status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,
        last_error TEXT, created_at INTEGER NOT NULL, sent_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS notifications_due ON notifications (status, next_at);
      CREATE INDEX IF NOT EXISTS notifications_incident ON notifications (incident_id, id);
    `);
  }

  /** Queues a notification unless one with the same key exists; true when queued. */
  enqueue(n: { incidentId: number; channel: string; recipient: Recipient; content: NotificationContent; dedupeKey: string }, now: number): boolean {
    return (
      this.db
        .prepare(
          `INSERT OR IGNORE INTO notifications (incident_id, kind, channel, recipient, content, dedupe_key, status, next_at, created_at)
           VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
        )
        .run(n.incidentId, n.content.kind, n.channel, JSON.stringify(n.recipient), JSON.stringify(n.content), n.dedupeKey, now, now).changes > 0
    );
  }

  due(now: number, limit: number, exclude: ReadonlySet<number>): OutboxEntry[] {
    const rows = this.db.prepare("SELECT * FROM notifications WHERE status = 'pending' AND next_at <= ? ORDER BY id LIMIT ?").all(now, limit + exclude.size) as Row[];
    return rows
      .filter((r) => !exclude.has(r.id))
      .slice(0, limit)
      .map(toEntry);
  }

  /** The earliest time a pending notification becomes due, if any. */
  nextDue(): number | undefined {
    const row = this.db.prepare("SELECT min(next_at) AS t FROM notifications WHERE status = 'pending'").get() as { t: number | null };
    return row.t ?? undefined;
  }

  markSent(id: number, now: number): void {
    this.db.prepare("UPDATE notifications SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL WHERE id = ?").run(now, id);
  }

  markRetry(id: number, nextAt: number, error: string): void {
    this.db.prepare('UPDATE notifications SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?').run(nextAt, error, id);
  }

  markFailed(id: number, error: string): void {
    this.db.prepare("UPDATE notifications SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?").run(error, id);
  }

  forIncident(incidentId: number): OutboxEntry[] {
    return (this.db.prepare('SELECT * FROM notifications WHERE incident_id = ? ORDER BY id').all(incidentId) as Row[]).map(toEntry);
  }

  /** Incidents a contact was sent a message about, most recently messaged first (the SMS reply's "your latest page"). */
  incidentsSentTo(recipientName: string, limit = 50): number[] {
    const rows = this.db
      .prepare("SELECT incident_id, max(id) AS last FROM notifications WHERE status = 'sent' AND json_extract(recipient, '$.name') = ? GROUP BY incident_id ORDER BY last DESC LIMIT ?")
      .all(recipientName, limit) as Array<{ incident_id: number }>;
    return rows.map((r) => r.incident_id);
  }

  counts(): Record<NotificationStatus, number> {
    const rows = this.db.prepare('SELECT status, count(*) AS n FROM notifications GROUP BY status').all() as Array<{ status: NotificationStatus; n: number }>;
    const out: Record<NotificationStatus, number> = { pending: 0, sent: 0, failed: 0 };
    for (const r of rows) out[r.status] = r.n;
    return out;
  }
}
