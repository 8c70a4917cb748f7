/**
 * Incidents, their alerts, timelines, pauses and the knowledge base in the
 * collector's SQLite database. Only this module touches these tables.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../db.js';
import type { Priority } from '../rules/types.js';
import type { AlertText, AttachmentRole, Incident, IncidentAlert, IncidentStatus, KnownFix, TimelineEntry, TimelineType } from './types.js';

interface IncidentRow {
  id: number;
  status: IncidentStatus;
  priority: Priority;
  title: string;
  rule_id: string;
  device: string;
  opened_at: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  planned_at: number | null;
  resolved_at: number | null;
  closed_at: number | null;
  assignee: string | null;
  tier: number;
  cause: string | null;
  fix: string | null;
  updated_at: number;
}

const toIncident = (r: IncidentRow): Incident => ({
  id: r.id,
  status: r.status,
  priority: r.priority,
  title: r.title,
  ruleId: r.rule_id,
  device: r.device,
  openedAt: r.opened_at,
  acknowledgedAt: r.acknowledged_at,
  acknowledgedBy: r.acknowledged_by,
  plannedAt: r.planned_at,
  resolvedAt: r.resolved_at,
  closedAt: r.closed_at,
  assignee: r.assignee,
  tier: r.tier,
  cause: r.cause,
  fix: r.fix,
  updatedAt: r.updated_at,
});

const COLUMNS: Record<keyof Omit<Incident, 'id'>, string> = {
  status: 'status',
  priority: 'priority',
  title: 'title',
  ruleId: 'rule_id',
  device: 'device',
  openedAt: 'opened_at',
  acknowledgedAt: 'acknowledged_at',
  acknowledgedBy: 'acknowledged_by',
  plannedAt: 'planned_at',
  resolvedAt: 'resolved_at',
  closedAt: 'closed_at',
  assignee: 'assignee',
  tier: 'tier',
  cause: 'cause',
  fix: 'fix',
  updatedAt: 'updated_at',
};

export class IncidentStore {
  /**
   * Statements by SQL text, prepared once: preparing on every call cost more
   * than running the statement on the alert path (#15).
   */
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS incidents (
        id INTEGER PRIMARY KEY,
        status TEXT NOT NULL, priority TEXT NOT NULL, title TEXT NOT NULL,
        rule_id TEXT NOT NULL, device TEXT NOT NULL,
        opened_at INTEGER NOT NULL, acknowledged_at INTEGER, acknowledged_by TEXT,
        planned_at INTEGER, resolved_at INTEGER, closed_at INTEGER,
        assignee TEXT, tier INTEGER NOT NULL DEFAULT 0, cause TEXT, fix TEXT,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS incidents_status ON incidents (status);
      CREATE INDEX IF NOT EXISTS incidents_device ON incidents (device, opened_at);
      CREATE TABLE IF NOT EXISTS incident_alerts (
        incident_id INTEGER NOT NULL, identity TEXT NOT NULL, rule_id TEXT NOT NULL, device TEXT NOT NULL,
        role TEXT NOT NULL, active INTEGER NOT NULL, attached_at INTEGER NOT NULL, cleared_at INTEGER,
        PRIMARY KEY (incident_id, identity)
      );
      CREATE INDEX IF NOT EXISTS incident_alerts_identity ON incident_alerts (identity);
      CREATE TABLE IF NOT EXISTS incident_timeline (
        id INTEGER PRIMARY KEY, incident_id INTEGER NOT NULL, at INTEGER NOT NULL,
        type TEXT NOT NULL, actor TEXT, detail TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS incident_timeline_incident ON incident_timeline (incident_id, id);
      CREATE TABLE IF NOT EXISTS incident_pauses (
        incident_id INTEGER NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER, reason TEXT
      );
      CREATE TABLE IF NOT EXISTS knowledge_base (
        incident_id INTEGER PRIMARY KEY, rule_id TEXT NOT NULL, cause TEXT NOT NULL, fix TEXT NOT NULL, closed_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS knowledge_base_rule ON knowledge_base (rule_id, closed_at);
      CREATE TABLE IF NOT EXISTS held_alerts (
        identity TEXT PRIMARY KEY, incident_id INTEGER NOT NULL, reason TEXT NOT NULL, held_at INTEGER NOT NULL
      );
    `);
    // Databases from before the lead-alert columns: add them in place (each is nullable).
    const have = new Set((db.prepare('PRAGMA table_info(incident_alerts)').all() as Array<{ name: string }>).map((c) => c.name));
    for (const col of ['priority', 'summary', 'runbook']) if (!have.has(col)) db.exec(`ALTER TABLE incident_alerts ADD COLUMN ${col} TEXT`);
  }

  private sql(text: string): Statement {
    let stmt = this.statements.get(text);
    if (!stmt) {
      stmt = this.db.prepare(text);
      this.statements.set(text, stmt);
    }
    return stmt;
  }

  create(fields: Omit<Incident, 'id'>): Incident {
    const cols = Object.values(COLUMNS);
    const id = Number(
      this.sql(`INSERT INTO incidents (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...Object.keys(COLUMNS).map((k) => fields[k as keyof typeof COLUMNS])).lastInsertRowid,
    );
    return { id, ...fields };
  }

  update(id: number, patch: Partial<Omit<Incident, 'id'>>): void {
    const keys = Object.keys(patch) as Array<keyof typeof COLUMNS>;
    if (keys.length === 0) return;
    this.sql(`UPDATE incidents SET ${keys.map((k) => `${COLUMNS[k]} = ?`).join(', ')} WHERE id = ?`).run(...keys.map((k) => patch[k]), id);
  }

  get(id: number): Incident | undefined {
    const row = this.sql('SELECT * FROM incidents WHERE id = ?').get(id) as IncidentRow | undefined;
    return row ? toIncident(row) : undefined;
  }

  list(filter: { status?: IncidentStatus[]; priority?: Priority; device?: string; from?: number; to?: number; limit?: number } = {}): Incident[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (filter.status?.length) {
      where.push(`status IN (${filter.status.map(() => '?').join(', ')})`);
      args.push(...filter.status);
    }
    if (filter.priority) {
      where.push('priority = ?');
      args.push(filter.priority);
    }
    if (filter.device) {
      where.push('device = ?');
      args.push(filter.device);
    }
    if (filter.from !== undefined) {
      where.push('opened_at >= ?');
      args.push(filter.from);
    }
    if (filter.to !== undefined) {
      where.push('opened_at <= ?');
      args.push(filter.to);
    }
    const sql = `SELECT * FROM incidents${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.sql(sql).all(...args, filter.limit ?? 1000) as IncidentRow[]).map(toIncident);
  }

  /** The open (or acknowledged) incident an alert identity is attached to. */
  openFor(identity: string): Incident | undefined {
    const row = this.sql(
      `SELECT i.* FROM incidents i JOIN incident_alerts a ON a.incident_id = i.id
         WHERE a.identity = ? AND i.status IN ('open', 'acknowledged') ORDER BY i.id DESC LIMIT 1`,
    ).get(identity) as IncidentRow | undefined;
    return row ? toIncident(row) : undefined;
  }

  /** The newest incident, in any status, an identity was attached to. */
  latestFor(identity: string): Incident | undefined {
    const row = this.sql('SELECT i.* FROM incidents i JOIN incident_alerts a ON a.incident_id = i.id WHERE a.identity = ? ORDER BY i.id DESC LIMIT 1').get(identity) as IncidentRow | undefined;
    return row ? toIncident(row) : undefined;
  }

  /** An open incident on the same device opened at or after `since` (root-cause correlation). */
  openOnDeviceSince(device: string, since: number): Incident | undefined {
    const row = this.sql("SELECT * FROM incidents WHERE device = ? AND status IN ('open', 'acknowledged') AND opened_at >= ? ORDER BY id DESC LIMIT 1").get(device, since) as IncidentRow | undefined;
    return row ? toIncident(row) : undefined;
  }

  attach(a: Omit<IncidentAlert, 'clearedAt' | 'active'>, lead?: AlertText): void {
    this.sql(
      `INSERT INTO incident_alerts (incident_id, identity, rule_id, device, role, active, attached_at) VALUES (?, ?, ?, ?, ?, 1, ?)
         ON CONFLICT (incident_id, identity) DO UPDATE SET active = 1, cleared_at = NULL`,
    ).run(a.incidentId, a.identity, a.ruleId, a.device, a.role, a.attachedAt);
    if (lead) this.setAlertText(a.incidentId, a.identity, lead);
  }

  /** The alert's current priority and text, so the incident can follow its highest-priority active alert. */
  setAlertText(incidentId: number, identity: string, t: AlertText): void {
    this.sql('UPDATE incident_alerts SET priority = ?, summary = ?, runbook = ? WHERE incident_id = ? AND identity = ?').run(t.priority, t.summary, t.runbook, incidentId, identity);
  }

  /**
   * The highest-priority active alert of an incident (origin or correlated;
   * the earliest attached wins a tie), or undefined when none is active.
   */
  leadAlert(incidentId: number): (AlertText & { identity: string }) | undefined {
    const row = this.sql(
      `SELECT identity, priority, summary, runbook FROM incident_alerts
         WHERE incident_id = ? AND active = 1 AND role IN ('origin', 'correlated') AND priority IS NOT NULL
         ORDER BY priority ASC, attached_at ASC LIMIT 1`,
    ).get(incidentId) as { identity: string; priority: Priority; summary: string | null; runbook: string | null } | undefined;
    return row && { identity: row.identity, priority: row.priority, summary: row.summary ?? '', runbook: row.runbook ?? '' };
  }

  /** Holds an alert that still fired when its incident was closed by force: it opens nothing until it clears. */
  hold(identity: string, incidentId: number, reason: string, at: number): void {
    this.sql('INSERT OR REPLACE INTO held_alerts (identity, incident_id, reason, held_at) VALUES (?, ?, ?, ?)').run(identity, incidentId, reason, at);
  }

  heldBy(identity: string): { incidentId: number; reason: string; heldAt: number } | undefined {
    const row = this.sql('SELECT incident_id, reason, held_at FROM held_alerts WHERE identity = ?').get(identity) as { incident_id: number; reason: string; held_at: number } | undefined;
    return row && { incidentId: row.incident_id, reason: row.reason, heldAt: row.held_at };
  }

  release(identity: string): void {
    this.sql('DELETE FROM held_alerts WHERE identity = ?').run(identity);
  }

  activeAlerts(incidentId: number): IncidentAlert[] {
    return this.alerts(incidentId).filter((a) => a.active && a.role !== 'suppressed');
  }

  setAlertActive(incidentId: number, identity: string, active: boolean, at: number): void {
    this.sql('UPDATE incident_alerts SET active = ?, cleared_at = ? WHERE incident_id = ? AND identity = ?').run(active ? 1 : 0, active ? null : at, incidentId, identity);
  }

  alerts(incidentId: number): IncidentAlert[] {
    const rows = this.sql('SELECT * FROM incident_alerts WHERE incident_id = ? ORDER BY attached_at').all(incidentId) as Array<{
      incident_id: number;
      identity: string;
      rule_id: string;
      device: string;
      role: AttachmentRole;
      active: number;
      attached_at: number;
      cleared_at: number | null;
    }>;
    return rows.map((r) => ({
      incidentId: r.incident_id,
      identity: r.identity,
      ruleId: r.rule_id,
      device: r.device,
      role: r.role,
      active: r.active === 1,
      attachedAt: r.attached_at,
      clearedAt: r.cleared_at,
    }));
  }

  activeAlertCount(incidentId: number, roles: AttachmentRole[] = ['origin', 'correlated']): number {
    return (this.sql(`SELECT count(*) AS n FROM incident_alerts WHERE incident_id = ? AND active = 1 AND role IN (${roles.map(() => '?').join(', ')})`).get(incidentId, ...roles) as { n: number }).n;
  }

  addTimeline(incidentId: number, at: number, type: TimelineType, actor: string | null, detail: Record<string, unknown> = {}): void {
    this.sql('INSERT INTO incident_timeline (incident_id, at, type, actor, detail) VALUES (?, ?, ?, ?, ?)').run(incidentId, at, type, actor, JSON.stringify(detail));
  }

  timeline(incidentId: number): TimelineEntry[] {
    const rows = this.sql('SELECT * FROM incident_timeline WHERE incident_id = ? ORDER BY id').all(incidentId) as Array<{
      id: number;
      incident_id: number;
      at: number;
      type: TimelineType;
      actor: string | null;
      detail: string;
    }>;
    return rows.map((r) => ({ id: r.id, incidentId: r.incident_id, at: r.at, type: r.type, actor: r.actor, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }

  /** Whether the timeline already holds an entry of this type with this key (once-only SLA events). */
  hasTimeline(incidentId: number, type: TimelineType, key: string): boolean {
    return this.sql("SELECT 1 FROM incident_timeline WHERE incident_id = ? AND type = ? AND json_extract(detail, '$.key') = ?").get(incidentId, type, key) !== undefined;
  }

  openPause(incidentId: number, start: number, reason: string): void {
    if (this.sql('SELECT 1 FROM incident_pauses WHERE incident_id = ? AND end_ms IS NULL').get(incidentId)) return;
    this.sql('INSERT INTO incident_pauses (incident_id, start_ms, reason) VALUES (?, ?, ?)').run(incidentId, start, reason);
  }

  closePause(incidentId: number, end: number): void {
    this.sql('UPDATE incident_pauses SET end_ms = ? WHERE incident_id = ? AND end_ms IS NULL').run(end, incidentId);
  }

  pauses(incidentId: number): Array<{ start: number; end?: number }> {
    const rows = this.sql('SELECT start_ms, end_ms FROM incident_pauses WHERE incident_id = ? ORDER BY start_ms').all(incidentId) as Array<{
      start_ms: number;
      end_ms: number | null;
    }>;
    return rows.map((r) => (r.end_ms === null ? { start: r.start_ms } : { start: r.start_ms, end: r.end_ms }));
  }

  rememberFix(fix: KnownFix): void {
    this.sql('INSERT OR REPLACE INTO knowledge_base (incident_id, rule_id, cause, fix, closed_at) VALUES (?, ?, ?, ?, ?)').run(fix.incidentId, fix.ruleId, fix.cause, fix.fix, fix.closedAt);
  }

  knownFixes(ruleId: string, limit = 5): KnownFix[] {
    const rows = this.sql('SELECT incident_id, rule_id, cause, fix, closed_at FROM knowledge_base WHERE rule_id = ? ORDER BY closed_at DESC LIMIT ?').all(ruleId, limit) as Array<{
      incident_id: number;
      rule_id: string;
      cause: string;
      fix: string;
      closed_at: number;
    }>;
    return rows.map((r) => ({ incidentId: r.incident_id, ruleId: r.rule_id, cause: r.cause, fix: r.fix, closedAt: r.closed_at }));
  }
}
