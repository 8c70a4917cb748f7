/**
 * Gathers a day of the room into a ReportInput: every series' hourly
 * statistics and the previous week's, in two passes over the store (SQLite or
 * InfluxDB, through MetricStore.bucketStats); the registry; the day's alerts,
 * incidents and known fixes. The day is a calendar day in the report's time
 * zone, so a report for 2026-11-22 in Asia/Shanghai covers 2026-11-21T16:00Z
 * to 2026-11-22T16:00Z.
 */
import { CalendarDateError, dateIn, previousDate as previousDateIn, startOfDay } from '../../lib/tz.js';
import type { DeviceRegistry } from '../registry/devices.js';
import type { MaintenanceCalendar } from '../rules/maintenance.js';
import type { AlertStateStore } from '../rules/state-store.js';
import type { RuleDef } from '../rules/types.js';
import type { IncidentStore } from '../incidents/store.js';
import type { SlaJudge } from '../incidents/stats.js';
import type { MetricStore, SeriesBucketStats } from '../store/types.js';
import { EVENT_MEASUREMENTS } from '../store/influx/events.js';
import { thresholdsOf } from './thresholds.js';
import type { AlertInput, DeviceInput, IncidentInput, KnownFix, MaintenanceMark, Priority, ReportInput, SeriesStats, Stats } from './types.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface GatherSources {
  store: MetricStore;
  registry: DeviceRegistry;
  alerts: AlertStateStore;
  rules: () => readonly RuleDef[];
  incidents: IncidentStore;
  judge: SlaJudge;
  /** To name the window that muted an alert (optional: without it a muted alert is marked without a name). */
  maintenance?: MaintenanceCalendar;
}

export interface GatherOptions {
  /** YYYY-MM-DD, a day in `timeZone`. */
  date: string;
  timeZone: string;
  now: number;
  site?: string;
  /** The report's language: alert summaries and runbooks in it where the rule has it. */
  lang?: 'en' | 'zh-CN';
}

export class ReportDateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportDateError';
  }
}

/**
 * Epoch ms of the first instant of `date` in `timeZone`: local midnight, or
 * the first time after it that exists on a day clocks go forward at midnight
 * (America/Santiago 2026-09-06 starts at 01:00). lib/tz.ts does the calendar.
 */
export function zonedMidnight(date: string, timeZone: string): number {
  try {
    return startOfDay(date, timeZone);
  } catch (err) {
    if (err instanceof CalendarDateError) throw new ReportDateError(err.message);
    throw err;
  }
}

/** The day in `timeZone` that contains `ms`, as YYYY-MM-DD. */
export function zonedDate(ms: number, timeZone: string): string {
  return dateIn(ms, timeZone);
}

/** The day before `ms`'s day: what a morning report covers. */
export function previousDate(ms: number, timeZone: string): string {
  return previousDateIn(ms, timeZone);
}

function combine(buckets: SeriesBucketStats['buckets']): Stats | undefined {
  if (buckets.length === 0) return undefined;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let count = 0;
  let last = buckets[0] as SeriesBucketStats['buckets'][number];
  for (const b of buckets) {
    min = Math.min(min, b.min);
    max = Math.max(max, b.max);
    sum += b.sum;
    count += b.count;
    if (b.lastTs >= last.lastTs) last = b;
  }
  return { min, max, avg: sum / count, last: last.last, count, firstTs: (buckets[0] as SeriesBucketStats['buckets'][number]).start, lastTs: last.lastTs };
}

/**
 * Capacities no metric reports, from the device's labels (inventory or agent
 * metadata): `sessions_max` is a firewall's rated session table size.
 */
function maintenanceMark(src: GatherSources, e: { rule_id: string; device: string; data: { tags?: Record<string, string> } }, at: number): { maintenance?: MaintenanceMark } {
  const w = src.maintenance?.covering({ ruleId: e.rule_id, device: e.device, tags: e.data.tags ?? { device: e.device } }, at);
  if (!w) return { maintenance: { name: '?' } };
  return { maintenance: { name: w.name, ...(w.start !== undefined ? { start: w.start } : {}), ...(w.end !== undefined ? { end: w.end } : {}), ...(w.cron ? { cron: w.cron } : {}) } };
}

function limitsOf(labels: Record<string, string> | undefined): { limits?: Record<string, number> } {
  const sessions = Number(labels?.sessions_max);
  return Number.isFinite(sessions) && sessions > 0 ? { limits: { 'fw.sessions': sessions } } : {};
}

const seriesKey = (s: { measurement: string; field: string; tags: Record<string, string> }) =>
  `${s.measurement}.${s.field}|${Object.keys(s.tags)
    .filter((k) => k !== 'device')
    .sort()
    .map((k) => `${k}=${s.tags[k]}`)
    .join(',')}`;

/** A rule's runbook in the report's language, else in English. */
function runbookOf(rule: RuleDef | undefined, lang: 'en' | 'zh-CN'): string | undefined {
  return (lang === 'zh-CN' ? rule?.translations?.['zh-CN']?.runbook : undefined) ?? rule?.runbook;
}

export async function gatherReport(src: GatherSources, o: GatherOptions): Promise<ReportInput> {
  const lang = o.lang ?? 'en';
  const from = zonedMidnight(o.date, o.timeZone);
  const to = zonedMidnight(zonedDate(from + 36 * HOUR, o.timeZone), o.timeZone);
  const hours = Math.round((to - from) / HOUR);
  const devicesOnly = (list: SeriesBucketStats[]) => list.filter((s) => !EVENT_MEASUREMENTS.has(s.measurement));
  const [day, week] = (await Promise.all([src.store.bucketStats({ from, to, bucketMs: HOUR }), src.store.bucketStats({ from: from - 7 * DAY, to: from, bucketMs: 7 * DAY })])).map(devicesOnly) as [
    SeriesBucketStats[],
    SeriesBucketStats[],
  ];
  const weekByKey = new Map(week.map((s) => [`${s.device}|${seriesKey(s)}`, combine(s.buckets)]));
  const earliest = new Map<string, number>();
  for (const s of [...week, ...day]) {
    const first = s.buckets[0]?.start;
    if (first !== undefined) earliest.set(s.device, Math.min(earliest.get(s.device) ?? Infinity, first));
  }

  const registered = new Map(src.registry.list().map((d) => [d.name, d]));
  const devices = new Map<string, DeviceInput>();
  const deviceOf = (name: string): DeviceInput => {
    let d = devices.get(name);
    if (!d) {
      const r = registered.get(name);
      d = {
        name,
        class: r?.class ?? 'unknown',
        ...(r?.site ? { site: r.site } : {}),
        ...(r?.room ? { room: r.room } : {}),
        ...(r?.vendor ? { vendor: r.vendor } : {}),
        ...(r?.model ? { model: r.model } : {}),
        ...limitsOf(r?.labels),
        series: [],
        expectedSamples: 0,
        receivedSamples: 0,
        downMinutes: 0,
        gapMinutes: 0,
      };
      devices.set(name, d);
    }
    return d;
  };
  // Every registered device has a row, including one that sent nothing all day.
  for (const name of registered.keys()) deviceOf(name);

  const perHourCount = new Map<string, number[]>();
  const busiest = new Map<string, number>();
  const upByHour = new Map<string, Array<number | null>>();
  for (const s of day) {
    const stats = combine(s.buckets);
    if (!stats) continue;
    const hourly: Array<number | null> = Array.from({ length: hours }, () => null);
    const counts = perHourCount.get(s.device) ?? Array.from({ length: hours }, () => 0);
    for (const b of s.buckets) {
      const i = Math.floor((b.start - from) / HOUR);
      if (i < 0 || i >= hours) continue;
      hourly[i] = b.sum / b.count;
      counts[i] = (counts[i] as number) + b.count;
    }
    perHourCount.set(s.device, counts);
    const d = deviceOf(s.device);
    const tags = Object.fromEntries(Object.entries(s.tags).filter(([k]) => k !== 'device'));
    const metric = `${s.measurement}.${s.field}`;
    const weekStats = weekByKey.get(`${s.device}|${seriesKey(s)}`);
    d.series.push({ metric, tags, day: stats, ...(weekStats ? { week: weekStats } : {}), hourly } satisfies SeriesStats);
    // Expected: the series' busiest hour, every hour the device was there (scaled below).
    busiest.set(s.device, (busiest.get(s.device) ?? 0) + Math.max(...s.buckets.map((b) => b.count)));
    d.receivedSamples += stats.count;
    if (metric === 'device.up') upByHour.set(s.device, hourly);
  }

  // Down: device.up below 1, plus time a reachability alert was firing. Gaps: the rest of what is missing.
  const reachability = new Set(
    src
      .rules()
      .filter((r) => r.reachability)
      .map((r) => r.id),
  );
  const events = src.alerts.events({ since: from - 7 * DAY, limit: 100_000 }).reverse() as Array<{
    at: number;
    type: string;
    rule_id: string;
    device: string;
    priority: Priority;
    identity: string;
    data: { summary?: string; muted?: boolean; tags?: Record<string, string>; texts?: Partial<Record<string, { summary: string; runbook: string }>> };
  }>;
  const downAlert = new Map<string, Array<[number, number]>>();
  const open = new Map<string, { at: number; e: (typeof events)[number] }>();
  const alerts: AlertInput[] = [];
  const rules = new Map(src.rules().map((r) => [r.id, r]));
  const finish = (identity: string, end: number | null) => {
    const o2 = open.get(identity);
    if (!o2) return;
    open.delete(identity);
    const e = o2.e;
    if (reachability.has(e.rule_id)) {
      const list = downAlert.get(e.device) ?? [];
      list.push([Math.max(o2.at, from), Math.min(end ?? to, to)]);
      downAlert.set(e.device, list);
    }
    if ((end === null || end >= from) && o2.at < to) {
      const rule = rules.get(e.rule_id);
      alerts.push({
        ruleId: e.rule_id,
        ruleName: rule?.name ?? e.rule_id,
        device: e.device,
        priority: e.priority,
        firedAt: o2.at,
        resolvedAt: end !== null && end < to ? end : null,
        summary: e.data?.texts?.[lang]?.summary ?? e.data?.summary ?? '',
        ...(runbookOf(rule, lang) ? { runbook: runbookOf(rule, lang) } : {}),
        ...(e.data?.muted ? { muted: true, ...maintenanceMark(src, e, o2.at) } : {}),
      });
    }
  };
  for (const e of events) {
    if (e.at >= to) break;
    if (e.type === 'fired') open.set(e.identity, { at: e.at, e });
    else if (e.type === 'resolved') finish(e.identity, e.at);
  }
  for (const identity of [...open.keys()]) finish(identity, null);

  // A device counts only from its first sample and up to now: the hours before it was first seen,
  // and the hours of today still to come, are neither expected samples nor gaps.
  const end = Math.min(to, o.now);
  const activeShare = new Map<string, number[]>();
  for (const d of [...devices.values()]) {
    // The first sample: the registry's first_seen, or older data in the store (a replayed spool, an import).
    const firstSeen = Math.min(registered.get(d.name)?.first_seen ?? Infinity, earliest.get(d.name) ?? Infinity);
    const start = Math.max(from, Number.isFinite(firstSeen) ? firstSeen : from);
    const share = Array.from({ length: hours }, (_, i) => Math.max(0, Math.min(end, from + (i + 1) * HOUR) - Math.max(start, from + i * HOUR)) / HOUR);
    const activeHours = share.reduce((x, y) => x + y, 0);
    // First seen after the day (or the day is still to come): it was not there, so it has no row.
    if (activeHours === 0 && d.series.length === 0) {
      devices.delete(d.name);
      continue;
    }
    activeShare.set(d.name, share);
    d.expectedSamples = Math.round((busiest.get(d.name) ?? 0) * activeHours);
  }

  for (const d of devices.values()) {
    const up = upByHour.get(d.name);
    const counts = perHourCount.get(d.name) ?? Array.from({ length: hours }, () => 0);
    const typical = Math.max(0, ...counts);
    const downFraction = counts.map((_, i) => {
      const u = up?.[i];
      let f = u === null || u === undefined ? 0 : 1 - Math.max(0, Math.min(1, u));
      for (const [a, b] of downAlert.get(d.name) ?? []) f = Math.max(f, Math.max(0, Math.min(b, from + (i + 1) * HOUR) - Math.max(a, from + i * HOUR)) / HOUR);
      return f;
    });
    const share = activeShare.get(d.name) ?? counts.map(() => 1);
    d.downMinutes = Math.round(downFraction.reduce((a, f) => a + f * 60, 0));
    d.gapMinutes =
      typical === 0
        ? Math.round(share.reduce((a, x) => a + x, 0) * 60 * (1 - Math.max(...downFraction, 0)))
        : Math.round(counts.reduce((a, c, i) => a + Math.max(0, (share[i] as number) - c / typical) * 60 * (1 - (downFraction[i] as number)), 0));
  }

  // The day's incidents, and every one still open when the report is made (opened any day before).
  const dayIncidents = src.incidents.list({ from, to: to - 1, limit: 10_000 });
  const seen = new Set(dayIncidents.map((i) => i.id));
  const stillOpen = src.incidents.list({ status: ['open', 'acknowledged'], to: to - 1, limit: 10_000 }).filter((i) => !seen.has(i.id));
  const incidents: IncidentInput[] = [...dayIncidents, ...stillOpen].map((i) => ({
    status: i.status,
    id: i.id,
    priority: i.priority,
    device: i.device,
    title: i.title,
    ruleId: i.ruleId,
    openedAt: i.openedAt,
    acknowledgedAt: i.acknowledgedAt,
    resolvedAt: i.resolvedAt,
    respondMet: src.judge.met(i, 'respond', o.now),
    resolveMet: src.judge.met(i, 'resolve', o.now),
  }));
  const knownFixes: KnownFix[] = src.incidents
    .list({ status: ['closed', 'resolved'], limit: 10_000 })
    .filter((i) => i.cause && i.fix)
    .map((i) => ({ ruleId: i.ruleId, cause: i.cause as string, fix: i.fix as string, incidentId: i.id }));
  const runbooks: Record<string, string> = {};
  for (const r of src.rules()) {
    const text = runbookOf(r, lang);
    if (text) runbooks[r.id] = text;
  }

  const list = [...devices.values()].filter((d) => !o.site || d.site === o.site).sort((a, b) => a.class.localeCompare(b.class) || a.name.localeCompare(b.name));
  return {
    date: o.date,
    timeZone: o.timeZone,
    from,
    to,
    generatedAt: o.now,
    ...(o.site ? { site: o.site } : {}),
    devices: list,
    alerts: alerts.filter((a) => !o.site || devices.get(a.device)?.site === o.site),
    incidents: incidents.filter((i) => !o.site || devices.get(i.device)?.site === o.site),
    knownFixes,
    runbooks,
    thresholds: thresholdsOf(src.rules()),
  };
}
