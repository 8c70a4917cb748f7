/**
 * The durable hand-off to InfluxDB. Every batch the collector acknowledges is
 * already in the local SQLite store; its line protocol goes into this outbox
 * in the same transaction, and the shipper deletes rows only after InfluxDB
 * accepted them. An InfluxDB outage therefore loses nothing: the outbox grows,
 * and when InfluxDB returns it is drained oldest first (the backfill), so
 * Grafana shows no gap. The outbox is bounded; past the bound the oldest rows
 * go first and are counted, while the local store still holds their samples.
 *
 * A line InfluxDB refuses for what it says (a field whose type changed, a
 * line it cannot parse) would be refused for ever and block everything behind
 * it; the shipper moves such lines to `influx_dead_letters` with the server's
 * reason, in the same transaction that acknowledges the rest of their rows.
 */
import type { Db } from '../../db.js';

export interface OutboxRow {
  id: number;
  lines: string;
  count: number;
  createdMs: number;
}

export interface OutboxStats {
  rows: number;
  lines: number;
  bytes: number;
  oldestMs: number | undefined;
  droppedLines: number;
}

/** A line InfluxDB refused for its content, with what the server said. */
export interface DeadLine {
  line: string;
  status: number;
  reason: string;
}

export interface DeadLetterRow extends DeadLine {
  id: number;
  createdMs: number;
}

export class InfluxOutbox {
  private droppedLines = 0;
  private readonly insert;
  private readonly selectOldest;
  private readonly remove;
  private readonly totals;
  private readonly insertDead;
  private readonly selectDead;
  private readonly countDead;

  constructor(
    private readonly db: Db,
    private readonly maxBytes: number,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS influx_outbox (
      id INTEGER PRIMARY KEY,
      lines TEXT NOT NULL,
      count INTEGER NOT NULL,
      bytes INTEGER NOT NULL,
      created_ms INTEGER NOT NULL
    )`);
    this.insert = db.prepare('INSERT INTO influx_outbox (lines, count, bytes, created_ms) VALUES (?, ?, ?, ?)');
    this.selectOldest = db.prepare('SELECT id, lines, count, created_ms AS createdMs FROM influx_outbox ORDER BY id LIMIT ?');
    this.remove = db.prepare('DELETE FROM influx_outbox WHERE id <= ?');
    db.exec(`CREATE TABLE IF NOT EXISTS influx_dead_letters (
      id INTEGER PRIMARY KEY,
      line TEXT NOT NULL,
      status INTEGER NOT NULL,
      reason TEXT NOT NULL,
      created_ms INTEGER NOT NULL
    )`);
    this.insertDead = db.prepare('INSERT INTO influx_dead_letters (line, status, reason, created_ms) VALUES (?, ?, ?, ?)');
    this.selectDead = db.prepare('SELECT id, line, status, reason, created_ms AS createdMs FROM influx_dead_letters ORDER BY id DESC LIMIT ?');
    this.countDead = db.prepare('SELECT COUNT(*) AS n, MAX(created_ms) AS latest FROM influx_dead_letters');
    this.totals = db.prepare('SELECT COUNT(*) AS rows, COALESCE(SUM(count), 0) AS lines, COALESCE(SUM(bytes), 0) AS bytes, MIN(created_ms) AS oldest FROM influx_outbox');
  }

  /** Appends one batch's lines; runs inside the caller's transaction. */
  append(lines: string[], nowMs: number): void {
    if (lines.length === 0) return;
    const text = lines.join('\n');
    this.insert.run(text, lines.length, Buffer.byteLength(text), nowMs);
  }

  /** The oldest rows, at most `maxRows`. */
  oldest(maxRows: number): OutboxRow[] {
    return this.selectOldest.all(maxRows) as OutboxRow[];
  }

  /** Removes every row up to and including `id` (InfluxDB accepted them). */
  ack(id: number): void {
    this.remove.run(id);
  }

  /** Acknowledges rows up to `id` and keeps the refused lines among them, in one transaction. */
  ackWithDeadLetters(id: number, dead: readonly DeadLine[], nowMs: number): void {
    this.db.transaction(() => {
      for (const d of dead) this.insertDead.run(d.line, d.status, d.reason.slice(0, 1_000), nowMs);
      this.remove.run(id);
    })();
  }

  /** The newest dead letters first. */
  deadLetters(limit = 100): DeadLetterRow[] {
    return this.selectDead.all(limit) as DeadLetterRow[];
  }

  deadLetterStats(): { lines: number; latestMs: number | undefined } {
    const r = this.countDead.get() as { n: number; latest: number | null };
    return { lines: r.n, latestMs: r.latest ?? undefined };
  }

  /** Drops the oldest rows while the outbox is over its bound; returns the lines dropped. */
  enforceBound(): number {
    let dropped = 0;
    for (;;) {
      const t = this.totals.get() as { bytes: number };
      if (t.bytes <= this.maxBytes) break;
      const [row] = this.oldest(1);
      if (!row) break;
      this.ack(row.id);
      dropped += row.count;
    }
    this.droppedLines += dropped;
    return dropped;
  }

  stats(): OutboxStats {
    const t = this.totals.get() as { rows: number; lines: number; bytes: number; oldest: number | null };
    return { rows: t.rows, lines: t.lines, bytes: t.bytes, oldestMs: t.oldest ?? undefined, droppedLines: this.droppedLines };
  }
}
