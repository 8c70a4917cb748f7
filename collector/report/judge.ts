/**
 * judgeReport: ReportInput → Report. Pure; every number the renderers show is
 * decided here.
 *
 * Risks are the failed checks, then the warnings whose forecast fills them
 * within RISK_FORECAST_DAYS, ranked by severity and capped at MAX_RISKS. Each
 * carries the action an engineer should take, from the most specific source:
 *   1. the runbook of a rule that alerted on that device for that check today;
 *   2. a known fix from closed incidents of one of the check's rules;
 *   3. the runbook of the check's rule, even though it did not fire;
 *   4. the check's default advice from the catalogue (i18n.ts).
 */
import { CLASS_ORDER, DOWN_MINUTES_FAIL, checkDefFor, checkKind, runChecks, seriesOf, worst } from './checks.js';
import { defaultAction } from './i18n.js';
import type { AlertInput, CheckRow, DeviceInput, IncidentInput, Priority, Report, ReportInput, Risk, Status } from './types.js';

export const MAX_RISKS = 10;
export const RISK_FORECAST_DAYS = 14;
/** Completeness: below this share of expected samples, or more gap minutes than this, the device has gaps. */
export const COMPLETE_PCT = 95;
export const GAP_MINUTES = 30;

const PRIORITIES: Priority[] = ['P1', 'P2', 'P3', 'P4'];
const STATUS_RANK: Record<Status, number> = { pass: 0, warn: 1, fail: 2 };

function classRank(cls: string): number {
  const i = CLASS_ORDER.indexOf(cls);
  return i < 0 ? CLASS_ORDER.length : i;
}

const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

export function compareDevices(a: { class: string; name: string }, b: { class: string; name: string }): number {
  return classRank(a.class) - classRank(b.class) || byName(a.name, b.name);
}

export function judgeReport(input: ReportInput): Report {
  const devices = [...input.devices].sort(compareDevices);
  const thresholds = input.thresholds ?? [];
  const rows = devices.flatMap((device) => runChecks({ device, from: input.from, to: input.to, thresholds }));
  return {
    input,
    rows,
    risks: judgeRisks(input, rows),
    summary: summarise(devices, rows),
    alertsByPriority: countAlerts(input),
    incidentStats: incidentStats(input),
    completeness: devices.map((d) => completenessOf(d)),
    thresholds: thresholdsUsed(rows),
  };
}

/** The numbers behind the checklist, once per class, check kind and level, for the report's appendix. */
function thresholdsUsed(rows: CheckRow[]): NonNullable<Report['thresholds']> {
  const out = new Map<string, NonNullable<Report['thresholds']>[number]>();
  for (const r of rows) {
    for (const t of r.thresholds ?? []) {
      const check = checkKind(r.check);
      const key = `${r.class}|${check}|${t.metric}|${t.level}|${t.op}|${t.value}|${t.rule ?? ''}`;
      if (!out.has(key)) out.set(key, { class: r.class, check, ...t });
    }
  }
  return [...out.values()].sort(
    (a, b) => classRank(a.class) - classRank(b.class) || a.check.localeCompare(b.check) || a.metric.localeCompare(b.metric) || (a.level === b.level ? 0 : a.level === 'warn' ? -1 : 1),
  );
}

function summarise(devices: DeviceInput[], rows: CheckRow[]): Report['summary'] {
  // Counted per device: a device is as bad as its worst check.
  const worstOf = new Map<string, Status>(devices.map((d) => [d.name, 'pass']));
  for (const r of rows) worstOf.set(r.device, worst(worstOf.get(r.device) ?? 'pass', r.status));
  const summary = { devices: devices.length, pass: 0, warn: 0, fail: 0 };
  for (const s of worstOf.values()) summary[s]++;
  return summary;
}

/** Alerts that were firing at any time in the day. */
export function alertsInDay(input: ReportInput): AlertInput[] {
  return input.alerts.filter((a) => a.firedAt < input.to && (a.resolvedAt === null || a.resolvedAt >= input.from));
}

function countAlerts(input: ReportInput): Report['alertsByPriority'] {
  const out: Record<Priority, number> = { P1: 0, P2: 0, P3: 0, P4: 0 };
  for (const a of alertsInDay(input)) out[a.priority]++;
  return out;
}

const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

function slaPct(flags: Array<boolean | undefined>): number | null {
  const known = flags.filter((f): f is boolean => f !== undefined);
  return known.length ? (known.filter(Boolean).length / known.length) * 100 : null;
}

function incidentStats(input: ReportInput): Report['incidentStats'] {
  const inDay = (t: number | null): t is number => t !== null && t >= input.from && t < input.to;
  const out = {} as Report['incidentStats'];
  for (const p of PRIORITIES) {
    const list: IncidentInput[] = input.incidents.filter((i) => i.priority === p);
    const acked = list.filter((i) => inDay(i.acknowledgedAt));
    const resolved = list.filter((i) => inDay(i.resolvedAt));
    out[p] = {
      opened: list.filter((i) => inDay(i.openedAt)).length,
      acknowledged: acked.length,
      resolved: resolved.length,
      mttaMs: mean(acked.map((i) => i.acknowledgedAt! - i.openedAt)),
      mttrMs: mean(resolved.map((i) => i.resolvedAt! - i.openedAt)),
      respondSlaPct: slaPct(list.map((i) => i.respondMet)),
      resolveSlaPct: slaPct(list.map((i) => i.resolveMet)),
    };
  }
  return out;
}

export function completenessOf(d: DeviceInput): Report['completeness'][number] {
  const receivedPct = d.expectedSamples > 0 ? Math.min(100, (d.receivedSamples / d.expectedSamples) * 100) : d.receivedSamples > 0 ? 100 : 0;
  const up = seriesOf(d, 'device.up')[0];
  let verdict: Report['completeness'][number]['verdict'];
  if (d.downMinutes >= DOWN_MINUTES_FAIL || (up !== undefined && up.day.avg < 0.5)) verdict = 'down';
  else if (d.receivedSamples === 0) verdict = 'silent';
  else if (d.gapMinutes > GAP_MINUTES || receivedPct < COMPLETE_PCT) verdict = 'gaps';
  else verdict = 'complete';
  return { device: d.name, class: d.class, receivedPct: Math.round(receivedPct * 10) / 10, gapMinutes: d.gapMinutes, downMinutes: d.downMinutes, verdict };
}

// ---------- risks ----------

const PRIORITY_RANK: Record<Priority, number> = { P1: 1, P2: 2, P3: 3, P4: 4 };

function alertsFor(input: ReportInput, row: CheckRow, rules: string[]): AlertInput[] {
  return alertsInDay(input)
    .filter((a) => a.device === row.device && rules.includes(a.ruleId))
    .sort((a, b) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || b.firedAt - a.firedAt);
}

/** Runbooks are templates; fill what the report knows (device, the row's tag) and drop the rest's braces. */
function fillRunbook(text: string, row: CheckRow): string {
  const i = row.check.indexOf(':');
  const tag = i < 0 ? '' : row.check.slice(i + 1);
  return text.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, name: string) => (name === 'device' ? row.device : tag || name)).trim();
}

export function actionFor(input: ReportInput, row: CheckRow): Pick<Risk, 'action' | 'source'> {
  const rules = checkDefFor(row.class, row.check)?.rules ?? [];
  for (const a of alertsFor(input, row, rules)) {
    const runbook = a.runbook ?? input.runbooks[a.ruleId];
    if (runbook && runbook.trim()) return { action: fillRunbook(runbook, row), source: 'runbook' };
  }
  const fix = input.knownFixes.filter((f) => rules.includes(f.ruleId) && f.fix.trim()).sort((a, b) => b.incidentId - a.incidentId)[0];
  if (fix) return { action: `${fix.fix.trim()} (#${fix.incidentId}: ${fix.cause.trim()})`, source: 'knowledge-base' };
  for (const r of rules) {
    const runbook = input.runbooks[r];
    if (runbook && runbook.trim()) return { action: fillRunbook(runbook, row), source: 'runbook' };
  }
  return { action: defaultAction(row.check, 'en'), source: 'default' };
}

function severityOf(input: ReportInput, row: CheckRow): number {
  const def = checkDefFor(row.class, row.check);
  const fired = alertsFor(input, row, def?.rules ?? [])[0];
  // An alert that fired says how urgent the rules judged it; otherwise the check's own priority.
  return PRIORITY_RANK[fired?.priority ?? def?.priority ?? 'P4'];
}

function judgeRisks(input: ReportInput, rows: CheckRow[]): Risk[] {
  const candidates = rows.filter((r) => r.status === 'fail' || (r.status === 'warn' && r.daysUntilFull !== undefined && r.daysUntilFull < RISK_FORECAST_DAYS));
  const ranked = candidates
    .map((row, order) => ({ row, order, severity: severityOf(input, row) }))
    .sort(
      (a, b) =>
        STATUS_RANK[b.row.status] - STATUS_RANK[a.row.status] ||
        (a.row.status === 'warn' ? (a.row.daysUntilFull ?? Infinity) - (b.row.daysUntilFull ?? Infinity) : 0) ||
        a.severity - b.severity ||
        a.order - b.order,
    );
  const fromChecks = ranked.map(({ row, severity }) => ({
    risk: { device: row.device, check: row.check, status: row.status, text: row.detail ?? row.value, ...actionFor(input, row), kind: 'check', priority: PRIORITIES[severity - 1] } as Risk,
    rules: checkDefFor(row.class, row.check)?.rules ?? [],
  }));
  const live = liveRisks(input, fromChecks, rows);
  // P1 and P2 first, whatever raised them; within a priority failed before warned, checklist rows
  // (which carry the day's evidence) before the live alerts and incidents they do not already explain;
  // muted items after everything that pages.
  const all = [...fromChecks.map((c) => c.risk), ...live].map((risk, order) => ({ risk, order }));
  all.sort(
    (a, b) =>
      Number(a.risk.maintenance !== undefined) - Number(b.risk.maintenance !== undefined) ||
      PRIORITY_RANK[a.risk.priority ?? 'P4'] - PRIORITY_RANK[b.risk.priority ?? 'P4'] ||
      STATUS_RANK[b.risk.status] - STATUS_RANK[a.risk.status] ||
      a.order - b.order,
  );
  return all.slice(0, MAX_RISKS).map(({ risk }) => risk);
}

const OPEN = new Set(['open', 'acknowledged']);

/**
 * Alerts still firing at the end of the report's period and incidents still
 * open: a UPS on bypass with a P2 firing is a risk whether or not a checklist
 * row failed. An alert a failed row already explains (same device, one of the
 * row's rules) is not listed twice; an incident of a listed alert is named on
 * the alert's line.
 */
function liveRisks(input: ReportInput, fromChecks: Array<{ risk: Risk; rules: string[] }>, rows: CheckRow[]): Risk[] {
  const out: Risk[] = [];
  const listed = (device: string, ruleId: string) => fromChecks.some((c) => c.risk.device === device && c.rules.includes(ruleId));
  // A P3/P4 alert that a checklist row judges (any status) is left to that row: the row saw the same
  // data over the whole day (a filesystem at 91 % that fills in 3 weeks is not a top risk). P1/P2 always count.
  const judged = (device: string, ruleId: string) => rows.some((r) => r.device === device && (checkDefFor(r.class, r.check)?.rules ?? []).includes(ruleId));
  const covered = (device: string, ruleId: string, p: Priority) => listed(device, ruleId) || ((p === 'P3' || p === 'P4') && judged(device, ruleId));
  const openIncidents = input.incidents.filter((i) => i.status !== undefined && OPEN.has(i.status));
  const firing = input.alerts.filter((a) => a.resolvedAt === null && a.firedAt < input.to);
  const seen = new Set<string>();
  for (const a of firing.sort((x, y) => PRIORITY_RANK[x.priority] - PRIORITY_RANK[y.priority] || x.firedAt - y.firedAt)) {
    const key = `${a.device}|${a.ruleId}`;
    if (seen.has(key) || covered(a.device, a.ruleId, a.priority)) continue;
    seen.add(key);
    const incident = openIncidents.find((i) => i.device === a.device && i.ruleId === a.ruleId);
    const runbook = a.runbook ?? input.runbooks[a.ruleId];
    out.push({
      device: a.device,
      check: a.ruleName,
      status: a.priority === 'P1' || a.priority === 'P2' ? 'fail' : 'warn',
      text: a.summary || a.ruleName,
      action: runbook ? fillRunbook(runbook, { device: a.device, check: a.ruleName } as CheckRow) : '',
      source: runbook ? 'runbook' : 'default',
      kind: 'alert',
      priority: a.priority,
      ...(incident ? { incidentId: incident.id } : {}),
      ...(a.muted ? { maintenance: a.maintenance ?? { name: '?' } } : {}),
    });
  }
  for (const i of openIncidents) {
    if (out.some((r) => r.incidentId === i.id) || covered(i.device, i.ruleId, i.priority)) continue;
    const runbook = input.runbooks[i.ruleId];
    out.push({
      device: i.device,
      check: 'incident',
      status: i.priority === 'P1' || i.priority === 'P2' ? 'fail' : 'warn',
      text: i.title,
      action: runbook ? fillRunbook(runbook, { device: i.device, check: 'incident' } as CheckRow) : '',
      source: runbook ? 'runbook' : 'default',
      kind: 'incident',
      priority: i.priority,
      incidentId: i.id,
    });
  }
  return out;
}
