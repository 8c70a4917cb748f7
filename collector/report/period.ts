/**
 * Weekly and monthly reports (周报、月报): the same sources as the daily
 * report, summed over a period and set against the period before it.
 * A week runs Monday 00:00 to Monday 00:00 in the report's time zone and is
 * named by its Monday (2026-11-16); a month is named YYYY-MM.
 *
 * What they hold: availability per device and class (device.up where a device
 * reports it, else the time a reachability alert was firing), incidents by
 * priority with respond/plan/resolve SLA compliance and MTTA/MTTR against the
 * previous period, the noisiest rules and devices, capacity forecasts from the
 * period's daily trend, maintenance windows of the period, knowledge-base
 * entries added, and the inventory.
 */
import type { Priority } from '../rules/types.js';
import { daysUntilFull, type UsagePoint } from './forecast.js';
import { ReportDateError, zonedDate, zonedMidnight, type GatherSources } from './gather.js';

export type Period = 'week' | 'month';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PRIORITIES: Priority[] = ['P1', 'P2', 'P3', 'P4'];
/** Capacity metrics forecast over the period: filesystems, tablespaces, ASM, pools. */
export const CAPACITY_METRICS = ['disk.used_pct', 'oracle.tablespace_used_pct', 'oracle.asm_used_pct', 'storage.pool_used_pct', 'oracle.fra_used_pct'];
export const FORECAST_DAYS = 90;
export const TOP_NOISY = 5;

export interface PeriodStats {
  opened: number;
  mttaMs: number | null;
  mttrMs: number | null;
  respondPct: number | null;
  planPct: number | null;
  resolvePct: number | null;
}

export interface PeriodReport {
  period: Period;
  /** 2026-11-16 (a week's Monday) or 2026-11 (a month). */
  label: string;
  timeZone: string;
  from: number;
  to: number;
  previous: { from: number; to: number };
  generatedAt: number;
  availability: Array<{ device: string; class: string; pct: number | null; downMinutes: number }>;
  availabilityByClass: Array<{ class: string; devices: number; pct: number | null }>;
  incidents: Record<Priority, { now: PeriodStats; before: PeriodStats }>;
  noisyRules: Array<{ ruleId: string; fired: number }>;
  noisyDevices: Array<{ device: string; fired: number }>;
  forecasts: Array<{ device: string; metric: string; tags: Record<string, string>; last: number; daysUntilFull: number }>;
  maintenance: Array<{ name: string; start?: number; end?: number; cron?: string; reason?: string }>;
  knowledge: Array<{ incidentId: number; ruleId: string; cause: string; fix: string; closedAt: number }>;
  inventory: { devices: number; byClass: Record<string, number>; added: string[]; silent: string[] };
}

/** The period's bounds: a week from its Monday, a month from its first day. */
export function periodBounds(period: Period, label: string, timeZone: string): { from: number; to: number; prevFrom: number } {
  if (period === 'month') {
    const m = /^(\d{4})-(\d{2})$/.exec(label);
    if (!m) throw new ReportDateError(`'${label}' is not a month; write YYYY-MM, e.g. 2026-11`);
    const y = Number(m[1]);
    const mo = Number(m[2]);
    if (mo < 1 || mo > 12) throw new ReportDateError(`'${label}' is not a month`);
    const ym = (yy: number, mm: number) => `${yy}-${String(mm).padStart(2, '0')}-01`;
    const from = zonedMidnight(ym(y, mo), timeZone);
    const to = zonedMidnight(mo === 12 ? ym(y + 1, 1) : ym(y, mo + 1), timeZone);
    const prevFrom = zonedMidnight(mo === 1 ? ym(y - 1, 12) : ym(y, mo - 1), timeZone);
    return { from, to, prevFrom };
  }
  const from = zonedMidnight(label, timeZone);
  if (new Date(Date.parse(`${label}T12:00:00Z`)).getUTCDay() !== 1) throw new ReportDateError(`'${label}' is not a Monday; a week is named by its Monday`);
  const to = zonedMidnight(zonedDate(from + 7 * DAY + 12 * HOUR, timeZone), timeZone);
  const prevFrom = zonedMidnight(zonedDate(from - 7 * DAY + 12 * HOUR, timeZone), timeZone);
  return { from, to, prevFrom };
}

/** The last complete period before `now`: what a Monday-morning or first-of-month run covers. */
export function previousPeriod(period: Period, now: number, timeZone: string): string {
  const today = zonedDate(now, timeZone);
  if (period === 'month') {
    const [y, m] = today.split('-').map(Number) as [number, number];
    return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
  }
  const d = new Date(`${today}T12:00:00Z`);
  const back = ((d.getUTCDay() + 6) % 7) + 7; // to last week's Monday
  return new Date(d.getTime() - back * DAY).toISOString().slice(0, 10);
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const pct = (xs: Array<boolean | undefined>) => {
  const known = xs.filter((x): x is boolean => x !== undefined);
  return known.length ? Math.round((known.filter(Boolean).length / known.length) * 1000) / 10 : null;
};

function incidentStats(src: GatherSources, from: number, to: number, now: number): Record<Priority, PeriodStats> {
  const list = src.incidents.list({ from, to: to - 1, limit: 100_000 });
  const out = {} as Record<Priority, PeriodStats>;
  for (const p of PRIORITIES) {
    const mine = list.filter((i) => i.priority === p);
    out[p] = {
      opened: mine.length,
      mttaMs: mean(mine.flatMap((i) => (i.acknowledgedAt !== null ? [i.acknowledgedAt - i.openedAt] : []))),
      mttrMs: mean(mine.flatMap((i) => (i.resolvedAt !== null ? [i.resolvedAt - i.openedAt] : []))),
      respondPct: pct(mine.map((i) => src.judge.met(i, 'respond', now))),
      planPct: pct(mine.map((i) => src.judge.met(i, 'plan', now))),
      resolvePct: pct(mine.map((i) => src.judge.met(i, 'resolve', now))),
    };
  }
  return out;
}

export async function buildPeriodReport(src: GatherSources, o: { period: Period; label: string; timeZone: string; now: number }): Promise<PeriodReport> {
  const { from, to, prevFrom } = periodBounds(o.period, o.label, o.timeZone);
  const end = Math.min(to, o.now);
  const span = Math.max(0, end - from);
  const registered = src.registry.list();
  const daily = await src.store.bucketStats({ from, to, bucketMs: DAY });

  // Reachability alerts' firing time per device, clipped to the period.
  const reach = new Set(
    src
      .rules()
      .filter((r) => r.reachability)
      .map((r) => r.id),
  );
  const events = src.alerts.events({ since: from - 30 * DAY, limit: 1_000_000 }).reverse() as Array<{ at: number; type: string; rule_id: string; device: string; identity: string }>;
  const downMs = new Map<string, number>();
  const openAt = new Map<string, { at: number; device: string }>();
  const firedByRule = new Map<string, number>();
  const firedByDevice = new Map<string, number>();
  for (const e of events) {
    if (e.at >= to) break;
    if (e.type === 'fired') {
      if (e.at >= from) {
        firedByRule.set(e.rule_id, (firedByRule.get(e.rule_id) ?? 0) + 1);
        firedByDevice.set(e.device, (firedByDevice.get(e.device) ?? 0) + 1);
      }
      if (reach.has(e.rule_id)) openAt.set(e.identity, { at: e.at, device: e.device });
    } else if (e.type === 'resolved') {
      const o2 = openAt.get(e.identity);
      if (o2) downMs.set(o2.device, (downMs.get(o2.device) ?? 0) + Math.max(0, Math.min(e.at, end) - Math.max(o2.at, from)));
      openAt.delete(e.identity);
    }
  }
  for (const o2 of openAt.values()) downMs.set(o2.device, (downMs.get(o2.device) ?? 0) + Math.max(0, end - Math.max(o2.at, from)));

  const upAvg = new Map<string, number>();
  for (const s of daily) {
    if (`${s.measurement}.${s.field}` !== 'device.up' || s.buckets.length === 0) continue;
    const sum = s.buckets.reduce((a, b) => a + b.sum, 0);
    const count = s.buckets.reduce((a, b) => a + b.count, 0);
    upAvg.set(s.device, count ? sum / count : 1);
  }
  // A device counts from its first sample: the registry's first_seen, or older data in the store.
  const earliest = new Map<string, number>();
  for (const s of daily) if (s.buckets[0]) earliest.set(s.device, Math.min(earliest.get(s.device) ?? Infinity, s.buckets[0].start));
  const firstOf = (d: { name: string; first_seen: number }) => Math.min(d.first_seen, earliest.get(d.name) ?? Infinity);
  const availability = registered
    .filter((d) => firstOf(d) < end)
    .map((d) => {
      const watched = Math.max(0, end - Math.max(from, firstOf(d)));
      const alertDown = downMs.get(d.name) ?? 0;
      const up = upAvg.get(d.name);
      const downByUp = up !== undefined ? (1 - up) * watched : 0;
      const down = Math.min(watched, Math.max(alertDown, downByUp));
      return { device: d.name, class: d.class ?? 'unknown', pct: watched > 0 ? Math.round((1 - down / watched) * 100_000) / 1000 : null, downMinutes: Math.round(down / 60_000) };
    })
    .sort((a, b) => (a.pct ?? 101) - (b.pct ?? 101) || a.device.localeCompare(b.device));
  const classes = [...new Set(availability.map((a) => a.class))].sort();
  const availabilityByClass = classes.map((cls) => {
    const list = availability.filter((a) => a.class === cls && a.pct !== null);
    const m = mean(list.map((a) => a.pct as number));
    return { class: cls, devices: availability.filter((a) => a.class === cls).length, pct: m === null ? null : Math.round(m * 1000) / 1000 };
  });

  const now = incidentStats(src, from, to, o.now);
  const before = incidentStats(src, prevFrom, from, o.now);
  const incidents = Object.fromEntries(PRIORITIES.map((p) => [p, { now: now[p], before: before[p] }])) as PeriodReport['incidents'];

  const forecasts: PeriodReport['forecasts'] = [];
  for (const s of daily) {
    const metric = `${s.measurement}.${s.field}`;
    if (!CAPACITY_METRICS.includes(metric) || s.buckets.length < 2) continue;
    const points: UsagePoint[] = s.buckets.map((b) => [b.start + DAY / 2, b.sum / b.count]);
    const last = s.buckets.at(-1)!.last;
    const days = daysUntilFull(points, end);
    if (days !== undefined && days <= FORECAST_DAYS) {
      forecasts.push({ device: s.device, metric, tags: Object.fromEntries(Object.entries(s.tags).filter(([k]) => k !== 'device')), last, daysUntilFull: Math.round(days * 10) / 10 });
    }
  }
  forecasts.sort((a, b) => a.daysUntilFull - b.daysUntilFull);

  const maintenance = (src.maintenance?.list() ?? [])
    .filter((w) => (w.start === undefined || w.start < to) && (w.end === undefined || w.end > from))
    .map((w) => ({
      name: w.name,
      ...(w.start !== undefined ? { start: w.start } : {}),
      ...(w.end !== undefined ? { end: w.end } : {}),
      ...(w.cron ? { cron: w.cron } : {}),
      ...(w.reason ? { reason: w.reason } : {}),
    }));
  const knowledge = src.incidents
    .list({ status: ['closed'], limit: 100_000 })
    .filter((i) => i.closedAt !== null && i.closedAt >= from && i.closedAt < to && i.cause && i.fix)
    .map((i) => ({ incidentId: i.id, ruleId: i.ruleId, cause: i.cause as string, fix: i.fix as string, closedAt: i.closedAt as number }));
  const byClass: Record<string, number> = {};
  for (const d of registered) byClass[d.class ?? 'unknown'] = (byClass[d.class ?? 'unknown'] ?? 0) + 1;
  const top = <K extends string>(m: Map<string, number>, key: K) =>
    [...m]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, TOP_NOISY)
      .map(([k, fired]) => ({ [key]: k, fired }) as Record<K, string> & { fired: number });

  return {
    period: o.period,
    label: o.label,
    timeZone: o.timeZone,
    from,
    to,
    previous: { from: prevFrom, to: from },
    generatedAt: o.now,
    availability,
    availabilityByClass,
    incidents,
    noisyRules: top(firedByRule, 'ruleId'),
    noisyDevices: top(firedByDevice, 'device'),
    forecasts: forecasts.slice(0, 20),
    maintenance,
    knowledge,
    inventory: {
      devices: registered.length,
      byClass,
      added: registered
        .filter((d) => d.first_seen >= from && d.first_seen < to)
        .map((d) => d.name)
        .sort(),
      silent: registered
        .filter((d) => d.last_seen < Math.max(from, end - DAY))
        .map((d) => d.name)
        .sort(),
    },
  };
}
