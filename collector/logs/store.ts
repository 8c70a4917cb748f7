/**
 * Raw syslog lines in the collector's SQLite database, bounded twice: by age
 * (`logs.retention`, default 14 days) and by count (`logs.max_lines`, default
 * one million, the oldest go first), so a storm can fill neither the disk nor
 * the queries. A batch's lines and its batch id commit in one transaction,
 * so an agent's replay after a lost answer is acknowledged, not stored twice.
 *
 * Search is a plain case-insensitive substring (`q`), never a regex: a
 * pattern from the API must not be able to hold the event loop (issue #14).
 */
import type { Statement } from 'better-sqlite3';
import type { LogLine } from '../contract/logs.js';
import type { Db } from '../db.js';

export interface LogsSettings {
  retentionMs: number;
  maxLines: number;
  /** Alert and incident context: lines of the device from this long before to this long after. */
  contextWindowMs: number;
  contextLines: number;
}

export const LOGS_DEFAULTS: LogsSettings = { retentionMs: 14 * 86_400_000, maxLines: 1_000_000, contextWindowMs: 5 * 60_000, contextLines: 20 };

export interface StoredLogLine {
  id: number;
  ts: number;
  received_at: number;
  device: string;
  agent: string;
  source: string;
  facility: number;
  severity: number;
  host: string | null;
  app: string | null;
  mnemonic: string | null;
  text: string;
  encoding: string | null;
}

export interface LogQuery {
  device?: string;
  since?: number;
  until?: number;
  q?: string;
  limit: number;
  /** Pagination: only lines with a smaller id (the previous page's `next`). */
  before?: number;
}

/** Prune at most this often on the write path; the count bound is checked on every batch. */
const PRUNE_EVERY_MS = 60_000;

export class LogStore {
  private readonly insert: Statement;
  private readonly seen: Statement;
  private readonly remember: Statement;
  private readonly count: Statement;
  private lastPrune = 0;
  /** Lines stored, kept in memory so the count bound costs nothing per batch. */
  private lines: number;
  private readonly applyTx: (agent: string, batchId: string, lines: readonly LogLine[], now: number) => boolean;

  constructor(
    private readonly db: Db,
    readonly settings: LogsSettings = LOGS_DEFAULTS,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS syslog_lines (
        id INTEGER PRIMARY KEY,
        ts INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        device TEXT NOT NULL,
        agent TEXT NOT NULL,
        source TEXT NOT NULL,
        facility INTEGER NOT NULL,
        severity INTEGER NOT NULL,
        host TEXT,
        app TEXT,
        mnemonic TEXT,
        text TEXT NOT NULL,
        encoding TEXT
      );
      CREATE INDEX IF NOT EXISTS syslog_lines_device_ts ON syslog_lines (device, ts);
      CREATE INDEX IF NOT EXISTS syslog_lines_ts ON syslog_lines (ts);
      CREATE TABLE IF NOT EXISTS syslog_batches (batch_id TEXT PRIMARY KEY, agent TEXT NOT NULL, at INTEGER NOT NULL);
    `);
    this.insert = db.prepare('INSERT INTO syslog_lines (ts, received_at, device, agent, source, facility, severity, host, app, mnemonic, text, encoding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.seen = db.prepare('SELECT 1 FROM syslog_batches WHERE batch_id = ?');
    this.remember = db.prepare('INSERT INTO syslog_batches (batch_id, agent, at) VALUES (?, ?, ?)');
    this.count = db.prepare('SELECT count(*) AS n FROM syslog_lines');
    this.lines = (this.count.get() as { n: number }).n;
    this.applyTx = db.transaction((agent: string, batchId: string, lines: readonly LogLine[], now: number): boolean => {
      if (this.seen.get(batchId)) return false;
      for (const l of lines) {
        this.insert.run(l.ts, l.received_at, l.device, agent, l.source, l.facility, l.severity, l.host ?? null, l.app ?? null, l.mnemonic ?? null, l.text, l.encoding ?? null);
      }
      this.remember.run(batchId, agent, now);
      return true;
    });
  }

  /** Stores a batch; false when the batch id was stored before (a replay). */
  apply(agent: string, batchId: string, lines: readonly LogLine[], now: number): boolean {
    const applied = this.applyTx(agent, batchId, lines, now);
    if (applied) this.lines += lines.length;
    if (this.lines > this.settings.maxLines * 1.05 || now - this.lastPrune > PRUNE_EVERY_MS) this.prune(now);
    return applied;
  }

  /** Drops lines past the retention, then the oldest past the count bound; returns how many went. */
  prune(now: number): number {
    this.lastPrune = now;
    const cutoff = now - this.settings.retentionMs;
    let gone = this.db.prepare('DELETE FROM syslog_lines WHERE ts < ?').run(cutoff).changes;
    this.db.prepare('DELETE FROM syslog_batches WHERE at < ?').run(cutoff);
    this.lines = (this.count.get() as { n: number }).n;
    const excess = this.lines - this.settings.maxLines;
    if (excess > 0) {
      gone += this.db.prepare('DELETE FROM syslog_lines WHERE id IN (SELECT id FROM syslog_lines ORDER BY ts, id LIMIT ?)').run(excess).changes;
      this.lines -= excess;
    }
    return gone;
  }

  get size(): number {
    return this.lines;
  }

  /** Newest first; `next` is the `before` of the following page, absent on the last page. */
  query(q: LogQuery): { lines: StoredLogLine[]; next?: number } {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (q.device !== undefined) {
      where.push('device = ?');
      args.push(q.device);
    }
    if (q.since !== undefined) {
      where.push('ts >= ?');
      args.push(q.since);
    }
    if (q.until !== undefined) {
      where.push('ts <= ?');
      args.push(q.until);
    }
    if (q.before !== undefined) {
      where.push('id < ?');
      args.push(q.before);
    }
    if (q.q !== undefined && q.q !== '') {
      where.push("text LIKE ? ESCAPE '\\'");
      args.push(`%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    const sql = `SELECT * FROM syslog_lines ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, q.limit + 1) as StoredLogLine[];
    const more = rows.length > q.limit;
    const lines = more ? rows.slice(0, q.limit) : rows;
    return more ? { lines, next: (lines.at(-1) as StoredLogLine).id } : { lines };
  }

  /**
   * The device's lines around a moment (an alert firing, an incident opening),
   * oldest first: the newest `limit` lines from `at - window` to `at + window`.
   */
  around(device: string, at: number, limit = this.settings.contextLines, windowMs = this.settings.contextWindowMs): StoredLogLine[] {
    const rows = this.db
      .prepare('SELECT * FROM syslog_lines WHERE device = ? AND ts BETWEEN ? AND ? ORDER BY ts DESC, id DESC LIMIT ?')
      .all(device, at - windowMs, at + windowMs, limit) as StoredLogLine[];
    return rows.reverse();
  }

  /** What a message can carry when it is sent: the device's newest lines in the window up to `at`, oldest first. */
  before(device: string, at: number, limit = this.settings.contextLines): StoredLogLine[] {
    const rows = this.db
      .prepare('SELECT * FROM syslog_lines WHERE device = ? AND ts BETWEEN ? AND ? ORDER BY ts DESC, id DESC LIMIT ?')
      .all(device, at - this.settings.contextWindowMs, at, limit) as StoredLogLine[];
    return rows.reverse();
  }
}
