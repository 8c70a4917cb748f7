/**
 * Maintenance windows: one-off (start … end) or recurring (a cron expression
 * for the start plus a duration), scoped by device, tag or rule. Alerts inside
 * a window are recorded but not raised; an alert still firing when the window
 * ends is raised then. Windows come from maintenance.yaml (read-only) and from
 * POST /api/v1/maintenance (kept in SQLite).
 */
import { randomUUID } from 'node:crypto';
import { CronWindows, cronWindowProblem } from '../../lib/cron-window.js';
import type { Db } from '../db.js';
import { globToSafeRegex, safeRegexProblem, type SafeRegex } from '../../lib/safe-regex.js';
import { isValidTimeZone } from '../../lib/tz.js';

export interface MaintenanceScope {
  /** Device names; `*` and `?` are wildcards. */
  devices?: string[];
  /** Every tag listed must match exactly (device counts as a tag). */
  tags?: Record<string, string>;
  /** Rule ids (`group/name`), rule names, or `group/*`. */
  rules?: string[];
}

export interface MaintenanceWindow {
  id: string;
  name: string;
  reason?: string;
  /** One-off: epoch ms. */
  start?: number;
  end?: number;
  /** Recurring: when each window starts (5 or 6 cron fields) and how long it lasts. */
  cron?: string;
  durationMs?: number;
  timezone?: string;
  scope: MaintenanceScope;
  source: 'file' | 'api';
  /** Who created it through the API (the signed-in identity). */
  author?: string;
}

export interface MutableAlert {
  ruleId: string;
  device: string;
  tags: Record<string, string>;
}

/** Problems with a window definition, each naming the field; empty when valid. */
export function validateWindow(w: Omit<MaintenanceWindow, 'id' | 'source'>): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  const oneOff = w.start !== undefined || w.end !== undefined;
  const recurring = w.cron !== undefined || w.durationMs !== undefined;
  if (oneOff === recurring) problems.push({ field: 'start', message: 'give either start and end, or cron and duration' });
  if (oneOff) {
    if (w.start === undefined || !Number.isFinite(w.start)) problems.push({ field: 'start', message: 'a time is required' });
    if (w.end === undefined || !Number.isFinite(w.end)) problems.push({ field: 'end', message: 'a time is required' });
    else if (w.start !== undefined && w.end <= w.start) problems.push({ field: 'end', message: 'must be after start' });
  }
  if (recurring) {
    if (!w.durationMs || w.durationMs <= 0) problems.push({ field: 'duration', message: 'a positive duration is required, e.g. 2h' });
    const cron = cronWindowProblem(w.cron ?? '');
    if (cron) problems.push({ field: 'cron', message: cron });
  }
  if (w.timezone !== undefined && !isValidTimeZone(w.timezone)) {
    problems.push({ field: 'timezone', message: `'${w.timezone}' is not an IANA time zone such as Europe/Berlin or Asia/Shanghai` });
  }
  const s = w.scope;
  for (const [i, d] of (s.devices ?? []).entries()) {
    const problem = safeRegexProblem(
      d
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.'),
    );
    if (problem) problems.push({ field: `scope.devices.${i}`, message: problem });
  }
  if (!s.devices?.length && !s.tags && !s.rules?.length) {
    problems.push({ field: 'scope', message: 'name devices, tags or rules; a window that mutes everything must say devices: ["*"]' });
  }
  return problems;
}

export class MaintenanceCalendar {
  /** Recurring windows' "open now?" answers (node-cron matching, kept per minute). */
  private readonly cronWindows = new CronWindows();
  private fileWindows: MaintenanceWindow[] = [];
  private readonly regexCache = new Map<string, SafeRegex>();

  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS maintenance_windows (id TEXT PRIMARY KEY, data TEXT NOT NULL, created_at INTEGER NOT NULL)`);
  }

  setFileWindows(windows: MaintenanceWindow[]): void {
    this.fileWindows = windows;
  }

  list(): MaintenanceWindow[] {
    const api = (this.db.prepare('SELECT data FROM maintenance_windows ORDER BY created_at').all() as Array<{ data: string }>).map((r) => JSON.parse(r.data) as MaintenanceWindow);
    return [...this.fileWindows, ...api];
  }

  add(def: Omit<MaintenanceWindow, 'id' | 'source'>, now: number): MaintenanceWindow {
    const window: MaintenanceWindow = { ...def, id: randomUUID(), source: 'api' };
    this.db.prepare('INSERT INTO maintenance_windows (id, data, created_at) VALUES (?, ?, ?)').run(window.id, JSON.stringify(window), now);
    return window;
  }

  remove(id: string): boolean {
    return this.db.prepare('DELETE FROM maintenance_windows WHERE id = ?').run(id).changes > 0;
  }

  /** Forgets one-off API windows that ended more than `keepMs` ago. */
  prune(now: number, keepMs: number): void {
    for (const w of this.list()) {
      if (w.source === 'api' && w.end !== undefined && w.end < now - keepMs) this.remove(w.id);
    }
  }

  isActive(w: MaintenanceWindow, now: number): boolean {
    if (w.start !== undefined && w.end !== undefined) return now >= w.start && now < w.end;
    if (!w.cron || !w.durationMs) return false;
    return this.cronWindows.isOpen(w.cron, w.timezone, w.durationMs, now);
  }

  /** The active window that covers this alert, if any. */
  covering(alert: MutableAlert, now: number): MaintenanceWindow | undefined {
    return this.list().find((w) => this.isActive(w, now) && this.inScope(w.scope, alert));
  }

  private inScope(scope: MaintenanceScope, alert: MutableAlert): boolean {
    if (scope.devices?.length && !scope.devices.some((d) => this.glob(d).test(alert.device))) return false;
    if (scope.tags && !Object.entries(scope.tags).every(([k, v]) => (k === 'device' ? alert.device : alert.tags[k]) === v)) return false;
    if (scope.rules?.length) {
      const [group, name] = splitRuleId(alert.ruleId);
      const hit = scope.rules.some((r) => r === alert.ruleId || r === name || r === `${group}/*`);
      if (!hit) return false;
    }
    return true;
  }

  private glob(pattern: string): SafeRegex {
    let re = this.regexCache.get(pattern);
    if (!re) {
      re = globToSafeRegex(pattern);
      this.regexCache.set(pattern, re);
    }
    return re;
  }
}

function splitRuleId(id: string): [string, string] {
  const i = id.indexOf('/');
  return [id.slice(0, i), id.slice(i + 1)];
}
