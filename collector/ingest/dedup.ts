/**
 * Remembers applied batch ids so a replayed batch is acknowledged but not
 * applied twice. The record is written in the same transaction as the samples,
 * so after a kill -9 either both exist or neither does.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db.js';

export class BatchLedger {
  private readonly seenStmt: Statement;
  private readonly rememberStmt: Statement;
  private readonly agentStmt: Statement;

  constructor(
    private readonly db: Db,
    private readonly keepMs: number,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS ingest_batches (
        batch_id TEXT PRIMARY KEY,
        agent TEXT NOT NULL,
        seq INTEGER NOT NULL,
        received_ms INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS ingest_batches_received ON ingest_batches (received_ms);
      CREATE TABLE IF NOT EXISTS agents (
        name TEXT PRIMARY KEY,
        last_seq INTEGER NOT NULL,
        last_batch_ms INTEGER NOT NULL,
        batches INTEGER NOT NULL DEFAULT 0
      );
    `);
    this.seenStmt = db.prepare('SELECT 1 FROM ingest_batches WHERE batch_id = ?').pluck();
    this.rememberStmt = db.prepare('INSERT INTO ingest_batches (batch_id, agent, seq, received_ms) VALUES (?, ?, ?, ?)');
    this.agentStmt = db.prepare(`
      INSERT INTO agents (name, last_seq, last_batch_ms, batches) VALUES (?, ?, ?, 1)
      ON CONFLICT (name) DO UPDATE SET last_seq = max(agents.last_seq, excluded.last_seq),
        last_batch_ms = excluded.last_batch_ms, batches = agents.batches + 1
    `);
  }

  seen(batchId: string): boolean {
    return this.seenStmt.get(batchId) !== undefined;
  }

  remember(batchId: string, agent: string, seq: number, now: number): void {
    this.rememberStmt.run(batchId, agent, seq, now);
    this.agentStmt.run(agent, seq, now);
  }

  /** Forgets ids older than the keep window; agents replay within hours, not weeks. */
  prune(now: number): number {
    return this.db.prepare('DELETE FROM ingest_batches WHERE received_ms < ?').run(now - this.keepMs).changes;
  }

  agents(): Array<{ name: string; last_seq: number; last_batch_ms: number; batches: number }> {
    return this.db.prepare('SELECT name, last_seq, last_batch_ms, batches FROM agents ORDER BY name').all() as Array<{
      name: string;
      last_seq: number;
      last_batch_ms: number;
      batches: number;
    }>;
  }
}
