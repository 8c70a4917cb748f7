/**
 * The knowledge base: the cause and fix of every closed incident, keyed by the
 * rule that raised it (docs/architecture.md §5). Closing writes an entry
 * (IncidentStore.rememberFix); here operators browse, search and edit them.
 * An edit keeps who and when; the incident's own closing note in its timeline
 * stays as it was written.
 */
import type { KnowledgeEntry } from '../contract/incidents.js';
import type { Db } from '../db.js';

export type { KnowledgeEntry } from '../contract/incidents.js';

interface Row {
  incident_id: number;
  rule_id: string;
  cause: string;
  fix: string;
  closed_at: number;
  title: string | null;
  device: string | null;
  priority: string | null;
  edited_by: string | null;
  edited_at: number | null;
}

const toEntry = (r: Row): KnowledgeEntry => ({
  incidentId: r.incident_id,
  ruleId: r.rule_id,
  cause: r.cause,
  fix: r.fix,
  closedAt: r.closed_at,
  title: r.title,
  device: r.device,
  priority: r.priority,
  editedBy: r.edited_by,
  editedAt: r.edited_at,
});

const SELECT = `SELECT k.incident_id, k.rule_id, k.cause, k.fix, k.closed_at, k.edited_by, k.edited_at, i.title, i.device, i.priority
  FROM knowledge_base k LEFT JOIN incidents i ON i.id = k.incident_id`;

/** LIKE wildcards in a search term are literal text, not patterns. */
const likeTerm = (term: string) => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export class KnowledgeBase {
  constructor(private readonly db: Db) {
    // The table is the incident store's; databases from before edits get the two columns in place.
    const have = new Set((db.prepare('PRAGMA table_info(knowledge_base)').all() as Array<{ name: string }>).map((c) => c.name));
    if (!have.has('edited_by')) db.exec('ALTER TABLE knowledge_base ADD COLUMN edited_by TEXT');
    if (!have.has('edited_at')) db.exec('ALTER TABLE knowledge_base ADD COLUMN edited_at INTEGER');
  }

  /** Newest first. Every word of `q` must appear in the cause, fix, title, rule or device (case-insensitive). */
  search(filter: { q?: string; rule?: string; limit?: number } = {}): KnowledgeEntry[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    for (const word of (filter.q ?? '').split(/\s+/).filter(Boolean)) {
      where.push(`(k.cause LIKE ? ESCAPE '\\' OR k.fix LIKE ? ESCAPE '\\' OR i.title LIKE ? ESCAPE '\\' OR k.rule_id LIKE ? ESCAPE '\\' OR i.device LIKE ? ESCAPE '\\')`);
      args.push(...Array(5).fill(likeTerm(word)));
    }
    if (filter.rule) {
      where.push('k.rule_id = ?');
      args.push(filter.rule);
    }
    const sql = `${SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY k.closed_at DESC, k.incident_id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, filter.limit ?? 200) as Row[]).map(toEntry);
  }

  get(incidentId: number): KnowledgeEntry | undefined {
    const row = this.db.prepare(`${SELECT} WHERE k.incident_id = ?`).get(incidentId) as Row | undefined;
    return row ? toEntry(row) : undefined;
  }

  edit(incidentId: number, text: { cause: string; fix: string }, by: string, at: number): KnowledgeEntry | undefined {
    const changed = this.db.prepare('UPDATE knowledge_base SET cause = ?, fix = ?, edited_by = ?, edited_at = ? WHERE incident_id = ?').run(text.cause, text.fix, by, at, incidentId).changes;
    return changed ? this.get(incidentId) : undefined;
  }
}
