/**
 * Alert state in SQLite, written on every transition (not every evaluation),
 * so a collector restart restores pending `for` timers and firing alerts
 * without paging anyone again. Also keeps the alert event log.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db.js';
import type { AlertEvent, AlertState } from './events.js';

interface Row {
  identity: string;
  data: string;
}

export class AlertStateStore {
  private readonly upsert: Statement;
  private readonly remove: Statement;
  private readonly logEvent: Statement;

  constructor(private readonly db: Db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS alert_state (
        identity TEXT PRIMARY KEY,
        rule_id TEXT NOT NULL,
        device TEXT NOT NULL,
        state TEXT NOT NULL,
        priority TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS alert_state_rule ON alert_state (rule_id);
      CREATE TABLE IF NOT EXISTS alert_events (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        type TEXT NOT NULL,
        identity TEXT NOT NULL,
        rule_id TEXT NOT NULL,
        device TEXT NOT NULL,
        priority TEXT NOT NULL,
        damped INTEGER NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS alert_events_at ON alert_events (at);
    `);
    this.upsert = db.prepare(`
      INSERT INTO alert_state (identity, rule_id, device, state, priority, updated_at, data)
      VALUES (@identity, @ruleId, @device, @state, @priority, @updatedAt, @data)
      ON CONFLICT (identity) DO UPDATE SET state = excluded.state, priority = excluded.priority,
        updated_at = excluded.updated_at, data = excluded.data
    `);
    this.remove = db.prepare('DELETE FROM alert_state WHERE identity = ?');
    this.logEvent = db.prepare(`
      INSERT INTO alert_events (at, type, identity, rule_id, device, priority, damped, data)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    `);
  }

  loadAll(): AlertState[] {
    return (this.db.prepare('SELECT identity, data FROM alert_state').all() as Row[]).map((r) => JSON.parse(r.data) as AlertState);
  }

  save(state: AlertState): void {
    this.upsert.run({ ...state, data: JSON.stringify(state) });
  }

  delete(identity: string): void {
    this.remove.run(identity);
  }

  /** Drops states of rules that no longer exist (after a reload removed them). */
  deleteRulesNotIn(ruleIds: ReadonlySet<string>): number {
    const rows = this.db.prepare('SELECT DISTINCT rule_id FROM alert_state').all() as Array<{ rule_id: string }>;
    let n = 0;
    for (const { rule_id } of rows) {
      if (!ruleIds.has(rule_id)) n += this.db.prepare('DELETE FROM alert_state WHERE rule_id = ?').run(rule_id).changes;
    }
    return n;
  }

  record(event: AlertEvent): void {
    const a = event.alert;
    this.logEvent.run(
      event.at,
      event.type,
      a.identity,
      a.ruleId,
      a.device,
      a.priority,
      event.damped ? 1 : 0,
      JSON.stringify({
        value: a.value,
        previousPriority: event.previousPriority,
        suppressedBy: a.suppressedBy,
        summary: a.summary,
        ...(a.texts ? { texts: a.texts } : {}),
        // The report marks muted alerts with their window, and says why one resolved without clearing.
        ...(a.muted ? { muted: true, tags: a.tags } : {}),
        ...(event.reason ? { reason: event.reason } : {}),
      }),
    );
  }

  events(filter: { since?: number; identity?: string; limit?: number }): Array<Record<string, unknown>> {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (filter.since !== undefined) {
      where.push('at >= ?');
      args.push(filter.since);
    }
    if (filter.identity) {
      where.push('identity = ?');
      args.push(filter.identity);
    }
    const rows = this.db.prepare(`SELECT * FROM alert_events${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`).all(...args, filter.limit ?? 500) as Array<
      Record<string, unknown> & { data: string; damped: number }
    >;
    return rows.map((r) => ({ ...r, damped: r.damped === 1, data: JSON.parse(r.data) as unknown }));
  }
}
