/**
 * The daily checklist: per device class, the checks a NOC engineer runs every
 * morning, judged on the day's statistics.
 *
 * How warn and fail are chosen, so the checklist agrees with rules/*.yaml:
 * - The numbers are the rules' numbers; each check names the rules it mirrors
 *   (`rules`), which also supply its runbook and known fixes for risks.
 * - warn: the rule's alerting threshold was crossed during the day. For levels
 *   (usage, temperature, charge) that is the day's peak or current value; for
 *   busy-ness that peaks by nature (CPU, link utilisation) it is the highest
 *   hourly average, because the rules use a window average there too.
 * - fail: the rule's escalation level is crossed, or a condition the rules page
 *   at P1/P2 held for at least an hour or still holds at the end of the day, or
 *   a component has failed and redundancy is gone (disk, drive, port, RAC node).
 * - Where a rule pack has no number, the number chosen is explained next to it.
 * - Capacity checks also warn when the trend (forecast.ts) fills them within the
 *   lead time of the matching predict() rule.
 * A check whose series the device does not report yields no row: an Oracle
 * single instance has no RAC row, a switch without sensors no temperature row.
 */
import { daysUntilFullFromStats } from './forecast.js';
import { renderMessages } from './i18n.js';
import type { CheckRow, DeviceInput, Message, Priority, SeriesStats, Status } from './types.js';

export type Agg = 'last' | 'max' | 'min' | 'avg' | 'hourMax' | 'hourMin';
export type Unit = 'pct' | 'rh' | 'c' | 'ps' | 'h' | 'min' | 's' | 'count';
export interface Level {
  agg: Agg;
  op: '>' | '<';
  value: number;
}

export interface CheckContext {
  device: DeviceInput;
  from: number;
  to: number;
}

export interface CheckDef {
  /** The check id, or the prefix of per-tag ids (`fs` gives `fs:/u01`). */
  id: string;
  /** Rule ids (`group/name`) this check mirrors: their alerts, runbooks and known fixes feed its risk. */
  rules: string[];
  /** Priority of the check's fail condition in the rules; ranks failed checks among the risks. */
  priority: Priority;
  run(ctx: CheckContext): CheckRow[];
}

/** Days until full within which a row reports the forecast (CheckRow.daysUntilFull). */
export const FORECAST_REPORT_DAYS = 30;
const RANK: Record<Status, number> = { pass: 0, warn: 1, fail: 2 };

export function worst(a: Status, b: Status): Status {
  return RANK[b] > RANK[a] ? b : a;
}

// ---------- statistics helpers ----------

export function seriesOf(d: DeviceInput, metric: string): SeriesStats[] {
  return d.series.filter((s) => s.metric === metric && s.day.count > 0);
}

function firstOf(d: DeviceInput, metric: string): SeriesStats | undefined {
  return seriesOf(d, metric)[0];
}

export function aggregate(s: SeriesStats, agg: Agg): number {
  const hours = s.hourly.filter((v): v is number => v !== null);
  switch (agg) {
    case 'last': return s.day.last;
    case 'max': return s.day.max;
    case 'min': return s.day.min;
    case 'avg': return s.day.avg;
    // Without hourly detail the day's average is the best hourly estimate.
    case 'hourMax': return hours.length ? Math.max(...hours) : s.day.avg;
    case 'hourMin': return hours.length ? Math.min(...hours) : s.day.avg;
  }
}

function trendOf(s: SeriesStats): number | undefined {
  return s.week && s.week.count > 0 ? Math.round((s.day.avg - s.week.avg) * 10) / 10 : undefined;
}

function crosses(v: number, l: Level): boolean {
  return l.op === '>' ? v > l.value : v < l.value;
}

const m = (key: string, params?: Message['params']): Message => (params ? { key, params } : { key });
const fact = (agg: Agg, v: number, unit: Unit): Message => m('fact', { agg, v, unit });
const cond = (agg: Agg, v: number, l: Level, unit: Unit): Message => m('cond', { agg, v, op: l.op, t: l.value, unit });

/** The first level crossed, as a detail phrase. */
function judgeLevels(s: SeriesStats, unit: Unit, warn: Level[] = [], fail: Level[] = []): { status: Status; detail: Message[] } {
  for (const l of fail) {
    const v = aggregate(s, l.agg);
    if (crosses(v, l)) return { status: 'fail', detail: [cond(l.agg, v, l, unit)] };
  }
  for (const l of warn) {
    const v = aggregate(s, l.agg);
    if (crosses(v, l)) return { status: 'warn', detail: [cond(l.agg, v, l, unit)] };
  }
  return { status: 'pass', detail: [] };
}

interface RowParts {
  check: string;
  status: Status;
  value: Message[];
  detail?: Message[];
  hourly?: Array<number | null>;
  trend?: number;
  daysUntilFull?: number;
}

function row(ctx: CheckContext, p: RowParts): CheckRow {
  const r: CheckRow = { device: ctx.device.name, class: ctx.device.class, check: p.check, status: p.status, value: renderMessages(p.value, 'en'), valueMsg: p.value };
  if (p.detail && p.detail.length > 0) {
    r.detail = renderMessages(p.detail, 'en');
    r.detailMsg = p.detail;
  }
  if (p.hourly) r.hourly = p.hourly;
  if (p.trend !== undefined) r.trend = p.trend;
  if (p.daysUntilFull !== undefined) r.daysUntilFull = p.daysUntilFull;
  return r;
}

function groupByTag(list: SeriesStats[], tag: string | undefined): Map<string, SeriesStats> {
  const out = new Map<string, SeriesStats>();
  for (const s of list) {
    const key = tag ? (s.tags[tag] ?? '') : '';
    if (!out.has(key)) out.set(key, s);
  }
  return out;
}

// ---------- declarative series checks ----------

interface Companion {
  metric: string;
  unit: Unit;
  show: Agg[];
  warn?: Level[];
  fail?: Level[];
}

interface SeriesCheckSpec {
  id: string;
  metric: string;
  unit: Unit;
  /** Aggregations shown in the value, first one is the headline. */
  show: Agg[];
  warn?: Level[];
  fail?: Level[];
  /** One row per value of this tag (`fs:/u01`) … */
  perTag?: string;
  /** … except values matching this (the rules skip them too). */
  skipTag?: RegExp;
  /** … or, with worstOnly, one row for the device naming the worst tag. */
  worstOnly?: boolean;
  /** Warn when the linear trend reaches 100 % within this many days. */
  forecastWarnDays?: number;
  /** Other series of the same tag judged into the same row (inodes next to disk usage). */
  companions?: Companion[];
  rules: string[];
  priority: Priority;
}

function seriesCheck(spec: SeriesCheckSpec): CheckDef {
  const judgeOne = (ctx: CheckContext, s: SeriesStats, key: string): RowParts => {
    let { status, detail } = judgeLevels(s, spec.unit, spec.warn, spec.fail);
    const value = spec.show.map((a) => fact(a, aggregate(s, a), spec.unit));
    let days: number | undefined;
    if (spec.forecastWarnDays !== undefined) {
      const d = daysUntilFullFromStats(s, ctx.from, ctx.to, 100);
      if (d !== undefined && d <= FORECAST_REPORT_DAYS) {
        days = Math.round(d * 10) / 10;
        detail = [...detail, m('fullIn', { d: days })];
        if (d <= spec.forecastWarnDays) status = worst(status, 'warn');
      }
    }
    for (const c of spec.companions ?? []) {
      const cs = seriesOf(ctx.device, c.metric).find((x) => !spec.perTag || (x.tags[spec.perTag] ?? '') === key);
      if (!cs) continue;
      value.push(...c.show.map((a) => m('factOf', { what: c.metric, agg: a, v: aggregate(cs, a), unit: c.unit })));
      const j = judgeLevels(cs, c.unit, c.warn, c.fail);
      if (j.status !== 'pass') {
        status = worst(status, j.status);
        detail = [...detail, ...j.detail.map((x) => m('condOf', { what: c.metric, ...x.params }))];
      }
    }
    const parts: RowParts = { check: spec.perTag && !spec.worstOnly ? `${spec.id}:${key}` : spec.id, status, value, detail, hourly: s.hourly };
    const trend = trendOf(s);
    if (trend !== undefined) parts.trend = trend;
    if (days !== undefined) parts.daysUntilFull = days;
    return parts;
  };
  return {
    id: spec.id,
    rules: spec.rules,
    priority: spec.priority,
    run(ctx) {
      const groups = [...groupByTag(seriesOf(ctx.device, spec.metric), spec.perTag)].filter(([k]) => !spec.skipTag || !spec.skipTag.test(k));
      if (groups.length === 0) return [];
      const judged = groups.map(([key, s]) => ({ key, s, parts: judgeOne(ctx, s, key) }));
      if (!spec.worstOnly) return judged.map((j) => row(ctx, j.parts));
      // The worst tag by status, then by the headline aggregation.
      const head = spec.show[0] ?? 'max';
      judged.sort((a, b) => RANK[b.parts.status] - RANK[a.parts.status] || aggregate(b.s, head) - aggregate(a.s, head));
      const top = judged[0]!;
      top.parts.value = [...top.parts.value, m('where', { name: top.key, n: judged.length })];
      return [row(ctx, top.parts)];
    },
  };
}

// ---------- component states: failed disks, drives, instances ----------

interface StateCheckSpec {
  id: string;
  metric: string;
  tag?: string;
  /** The value that means broken (storage.disk_failed 1; *_ok, *.up 0). */
  bad: number;
  rules: string[];
  priority: Priority;
}

/** fail when a component is broken at the end of the day; warn when it was broken and recovered. */
function stateCheck(spec: StateCheckSpec): CheckDef {
  return {
    id: spec.id,
    rules: spec.rules,
    priority: spec.priority,
    run(ctx) {
      const groups = [...groupByTag(seriesOf(ctx.device, spec.metric), spec.tag)];
      if (groups.length === 0) return [];
      const isBad = (v: number) => (spec.bad === 0 ? v < 0.5 : v >= 0.5);
      const badNow = groups.filter(([, s]) => isBad(s.day.last)).map(([k]) => k);
      const badEarlier = groups.filter(([, s]) => !isBad(s.day.last) && (isBad(s.day.min) || isBad(s.day.max))).map(([k]) => k);
      const n = groups.length;
      if (badNow.length > 0) {
        return [row(ctx, { check: spec.id, status: 'fail', value: [m(`${spec.id}.bad`, { bad: badNow.length, n, list: badNow.join(', ') })] })];
      }
      if (badEarlier.length > 0) {
        return [row(ctx, { check: spec.id, status: 'warn', value: [m(`${spec.id}.recovered`, { bad: badEarlier.length, n, list: badEarlier.join(', ') })] })];
      }
      return [row(ctx, { check: spec.id, status: 'pass', value: [m(`${spec.id}.ok`, { n })] })];
    },
  };
}

// ---------- interfaces: one row per device for the worst port ----------

interface InterfacesSpec {
  id: string;
  tag: string;
  util?: string;
  errors: string[];
  /** Errors per second: warn on the peak, fail on the day's average. */
  errorsPs: number;
  /** Operationally down while administratively up (or simply down without admin_up). */
  down?: { oper: string; admin?: string; status: Status };
  rules: string[];
  priority: Priority;
}

/** Link utilisation %: the rules' 90 % (network/Interface saturated), see the header for peak vs hourly. */
const UTIL_PCT = 90;

function interfacesCheck(spec: InterfacesSpec): CheckDef {
  return {
    id: spec.id,
    rules: spec.rules,
    priority: spec.priority,
    run(ctx) {
      const d = ctx.device;
      const util = spec.util ? seriesOf(d, spec.util) : [];
      const errs = spec.errors.flatMap((metric) => seriesOf(d, metric));
      const oper = spec.down ? groupByTag(seriesOf(d, spec.down.oper), spec.tag) : new Map<string, SeriesStats>();
      if (util.length === 0 && errs.length === 0 && oper.size === 0) return [];
      const admin = spec.down?.admin ? groupByTag(seriesOf(d, spec.down.admin), spec.tag) : undefined;
      let status: Status = 'pass';
      const value: Message[] = [];
      const detail: Message[] = [];
      const parts: Partial<RowParts> = {};
      const names = new Set([...util, ...errs].map((s) => s.tags[spec.tag] ?? '').concat([...oper.keys()]));
      value.push(m('ifCount', { n: names.size }));

      const busiest = [...util].sort((a, b) => b.day.max - a.day.max)[0];
      if (busiest) {
        const name = busiest.tags[spec.tag] ?? '';
        value.push(m('ifUtil', { v: busiest.day.max, unit: 'pct', name }));
        parts.hourly = busiest.hourly;
        const t = trendOf(busiest);
        if (t !== undefined) parts.trend = t;
        const sustained = [...util].sort((a, b) => aggregate(b, 'hourMax') - aggregate(a, 'hourMax'))[0]!;
        const hourMax = aggregate(sustained, 'hourMax');
        if (hourMax > UTIL_PCT) {
          status = 'fail';
          detail.push(m('ifCond', { name: sustained.tags[spec.tag] ?? '', agg: 'hourMax', v: hourMax, op: '>', t: UTIL_PCT, unit: 'pct' }));
        } else if (busiest.day.max > UTIL_PCT) {
          status = 'warn';
          detail.push(m('ifCond', { name, agg: 'max', v: busiest.day.max, op: '>', t: UTIL_PCT, unit: 'pct' }));
        }
      }
      const noisiest = [...errs].sort((a, b) => b.day.max - a.day.max)[0];
      if (noisiest && noisiest.day.max > 0) {
        const name = noisiest.tags[spec.tag] ?? '';
        value.push(m('ifErrors', { v: noisiest.day.max, unit: 'ps', name }));
        const chronic = [...errs].sort((a, b) => b.day.avg - a.day.avg)[0]!;
        if (chronic.day.avg > spec.errorsPs) {
          status = 'fail';
          detail.push(m('ifCond', { name: chronic.tags[spec.tag] ?? '', agg: 'avg', v: chronic.day.avg, op: '>', t: spec.errorsPs, unit: 'ps' }));
        } else if (noisiest.day.max > spec.errorsPs) {
          status = worst(status, 'warn');
          detail.push(m('ifCond', { name, agg: 'max', v: noisiest.day.max, op: '>', t: spec.errorsPs, unit: 'ps' }));
        }
        if (!parts.hourly) parts.hourly = noisiest.hourly;
      } else if (errs.length > 0) {
        value.push(m('ifNoErrors'));
      }
      if (spec.down) {
        const down = [...oper].filter(([k, s]) => s.day.last < 0.5 && (!admin || (admin.get(k)?.day.last ?? 1) >= 0.5)).map(([k]) => k);
        if (down.length > 0) {
          value.push(m('ifDown', { n: down.length }));
          status = worst(status, spec.down.status);
          detail.push(m('ifDownDetail', { list: down.join(', ') }));
        } else if (oper.size > 0) {
          value.push(m('ifAllUp'));
        }
      }
      return [row(ctx, { check: spec.id, status, value, detail, ...parts })];
    },
  };
}

// ---------- special checks ----------

/** Minutes of down time beyond which the device counts as down for the day (and in completeness). */
export const DOWN_MINUTES_FAIL = 60;

function reachableCheck(rules: string[], priority: Priority): CheckDef {
  return {
    id: 'reachable',
    rules,
    priority,
    run(ctx) {
      const d = ctx.device;
      const up = firstOf(d, 'device.up');
      const downAtEnd = up !== undefined && up.day.last < 0.5;
      const mostlyDown = up !== undefined && up.day.avg < 0.5;
      const value: Message[] = [d.downMinutes > 0 ? m('reachDown', { min: d.downMinutes }) : m('reachUp')];
      const parts = up ? { hourly: up.hourly } : {};
      if (d.downMinutes >= DOWN_MINUTES_FAIL || downAtEnd || mostlyDown) {
        const detail = downAtEnd ? [m('reachDownAtEnd')] : [m('reachLongOutage', { min: d.downMinutes, t: DOWN_MINUTES_FAIL })];
        return [row(ctx, { check: 'reachable', status: 'fail', value, detail, ...parts })];
      }
      if (d.receivedSamples === 0) {
        return [row(ctx, { check: 'reachable', status: 'warn', value: [m('reachNoData')], detail: [m('reachNoDataDetail')] })];
      }
      // One missed poll is noise; the reachability rules wait a minute (for: 1m) too.
      if (d.downMinutes > 1) return [row(ctx, { check: 'reachable', status: 'warn', value, detail: [m('reachOutage')], ...parts })];
      return [row(ctx, { check: 'reachable', status: 'pass', value, ...parts })];
    },
  };
}

const memoryCheck: CheckDef = {
  id: 'mem',
  rules: ['host/Memory exhausted', 'host/Swap heavily used'],
  priority: 'P2',
  run(ctx) {
    const mem = firstOf(ctx.device, 'mem.used_pct');
    const swap = firstOf(ctx.device, 'swap.used_pct');
    if (!mem) return [];
    const value = [fact('max', mem.day.max, 'pct'), fact('avg', mem.day.avg, 'pct')];
    let status: Status = 'pass';
    const detail: Message[] = [];
    if (swap) {
      value.push(m('factOf', { what: 'swap.used_pct', agg: 'max', v: swap.day.max, unit: 'pct' }));
      // host/Memory exhausted (mem > 95 and swap > 50, P2) held for a whole hour: thrashing.
      const thrashing = mem.hourly.some((v, i) => v !== null && v > 95 && (swap.hourly[i] ?? 0) > 50);
      if (thrashing) {
        status = 'fail';
        detail.push(m('memThrashing'));
      } else if (swap.day.max > 80) {
        status = 'warn';
        detail.push(m('condOf', { what: 'swap.used_pct', agg: 'max', v: swap.day.max, op: '>', t: 80, unit: 'pct' }));
      }
    }
    const parts: RowParts = { check: 'mem', status, value, detail, hourly: mem.hourly };
    const trend = trendOf(mem);
    if (trend !== undefined) parts.trend = trend;
    return [row(ctx, parts)];
  },
};

/** Share of the rated session capacity: no rule has a number; 80 % leaves room for a burst, 95 % is one away from refusing sessions. */
const SESSIONS_WARN_PCT = 80;
const SESSIONS_FAIL_PCT = 95;
/** security/Firewall session table filling: new sessions per second. */
const SESSION_RATE_PS = 20_000;

const firewallSessionsCheck: CheckDef = {
  id: 'fw.sessions',
  rules: ['security/Firewall session table filling'],
  priority: 'P3',
  run(ctx) {
    const s = firstOf(ctx.device, 'fw.sessions');
    if (!s) return [];
    const limit = ctx.device.limits?.['fw.sessions'];
    const value: Message[] = [];
    const detail: Message[] = [];
    let status: Status = 'pass';
    if (limit && limit > 0) {
      const pct = (s.day.max / limit) * 100;
      value.push(m('fwSessions', { n: Math.round(s.day.max), p: pct, limit }));
      if (pct >= SESSIONS_FAIL_PCT) status = 'fail';
      else if (pct >= SESSIONS_WARN_PCT) status = 'warn';
      if (status !== 'pass') detail.push(m('fwSessionsNear', { p: pct, t: status === 'fail' ? SESSIONS_FAIL_PCT : SESSIONS_WARN_PCT }));
    } else {
      value.push(m('fwSessionsNoLimit', { n: Math.round(s.day.max) }));
    }
    const rate = firstOf(ctx.device, 'fw.session_rate_ps');
    if (rate) {
      const peakHour = aggregate(rate, 'hourMax');
      value.push(m('factOf', { what: 'fw.session_rate_ps', agg: 'hourMax', v: peakHour, unit: 'ps' }));
      if (peakHour > SESSION_RATE_PS) {
        status = worst(status, 'warn');
        detail.push(m('condOf', { what: 'fw.session_rate_ps', agg: 'hourMax', v: peakHour, op: '>', t: SESSION_RATE_PS, unit: 'ps' }));
      }
    }
    const parts: RowParts = { check: 'fw.sessions', status, value, detail, hourly: s.hourly };
    const trend = trendOf(s);
    if (trend !== undefined) parts.trend = trend;
    return [row(ctx, parts)];
  },
};

const firewallHaCheck: CheckDef = {
  id: 'fw.ha',
  rules: ['security/Firewall HA state changed'],
  priority: 'P2',
  run(ctx) {
    const s = firstOf(ctx.device, 'fw.ha_state');
    if (!s) return [];
    // A failover happened today: warn; the state now may be healthy again.
    const changed = s.day.min !== s.day.max;
    return [row(ctx, { check: 'fw.ha', status: changed ? 'warn' : 'pass', value: [m(changed ? 'fwHaChanged' : 'fwHaStable', { s: s.day.last })] })];
  },
};

const oraErrorsCheck: CheckDef = {
  id: 'ora.errors',
  rules: ['oracle/ORA- errors in the alert log'],
  priority: 'P2',
  run(ctx) {
    const list = seriesOf(ctx.device, 'oracle.alert_errors');
    if (list.length === 0) return [];
    // Each sample counts new ORA- lines since the previous read, so the day's total is avg × count.
    const byCode = list
      .map((s) => ({ code: s.tags.code ?? 'ORA-?', total: Math.round(s.day.avg * s.day.count), max: s.day.max }))
      .filter((e) => e.total > 0)
      .sort((a, b) => b.total - a.total || a.code.localeCompare(b.code));
    if (byCode.length === 0) return [row(ctx, { check: 'ora.errors', status: 'pass', value: [m('oraErrorsNone')] })];
    const total = byCode.reduce((a, e) => a + e.total, 0);
    const value = [m('oraErrors', { n: total, list: byCode.map((e) => `${e.code} × ${e.total}`).join(', ') })];
    // The rule escalates to P2 above 10 in one read; internal errors always need a vendor case.
    const internal = byCode.filter((e) => /ORA-0*(600|7445)\b/.test(e.code));
    if (internal.length > 0) return [row(ctx, { check: 'ora.errors', status: 'fail', value, detail: [m('oraInternal', { list: internal.map((e) => e.code).join(', ') })] })];
    const burst = byCode.find((e) => e.max > 10);
    if (burst) return [row(ctx, { check: 'ora.errors', status: 'fail', value, detail: [m('oraBurst', { code: burst.code, v: burst.max })] })];
    return [row(ctx, { check: 'ora.errors', status: 'warn', value, detail: [m('oraRead')] })];
  },
};

const upsBatteryCheck: CheckDef = {
  id: 'ups.battery',
  rules: ['ups/UPS battery low or depleted'],
  priority: 'P1',
  run(ctx) {
    const s = firstOf(ctx.device, 'ups.battery_status');
    if (!s) return [];
    // RFC 1628 upsBatteryStatus: 1 unknown, 2 normal, 3 low, 4 depleted.
    const value = [m('upsBatteryStatus', { s: Math.round(s.day.last) })];
    if (s.day.last >= 3) return [row(ctx, { check: 'ups.battery', status: 'fail', value, detail: [m('upsBatteryBad')] })];
    if (s.day.max >= 3) return [row(ctx, { check: 'ups.battery', status: 'warn', value, detail: [m('upsBatteryWasLow')] })];
    return [row(ctx, { check: 'ups.battery', status: 'pass', value })];
  },
};

const upsOnBatteryCheck: CheckDef = {
  id: 'ups.onbattery',
  rules: ['ups/UPS on battery'],
  priority: 'P1',
  run(ctx) {
    const s = firstOf(ctx.device, 'ups.on_battery');
    if (!s) return [];
    if (s.day.max < 0.5) return [row(ctx, { check: 'ups.onbattery', status: 'pass', value: [m('upsOnBatteryNone')], hourly: s.hourly })];
    // The day's average of a 0/1 series is the share of the day on battery.
    const minutes = Math.max(1, Math.round((s.day.avg * (ctx.to - ctx.from)) / 60_000));
    return [row(ctx, { check: 'ups.onbattery', status: 'fail', value: [m('upsOnBattery', { min: minutes })], detail: [m('upsOnBatteryDetail', { min: minutes })], hourly: s.hourly })];
  },
};

/** precision-ac/Return air too hot; the ±3 °C band around the set point is the unit's usual control band. */
const AC_RETURN_MAX_C = 27;
const AC_RETURN_CRIT_C = 32;
const AC_SETPOINT_BAND_C = 3;
const AC_SUPPLY_MAX_C = 22;

const acTemperatureCheck: CheckDef = {
  id: 'ac.temp',
  rules: ['precision-ac/Return air too hot', 'precision-ac/Supply air too hot'],
  priority: 'P2',
  run(ctx) {
    const r = firstOf(ctx.device, 'ac.return_temp_c');
    if (!r) return [];
    const sp = firstOf(ctx.device, 'ac.temp_setpoint_c')?.day.last;
    const supply = firstOf(ctx.device, 'ac.supply_temp_c');
    const value: Message[] = [m('range', { lo: r.day.min, hi: r.day.max, unit: 'c' })];
    if (sp !== undefined) value.push(m('setpoint', { v: sp, unit: 'c' }));
    if (supply) value.push(m('factOf', { what: 'ac.supply_temp_c', agg: 'max', v: supply.day.max, unit: 'c' }));
    const detail: Message[] = [];
    let status: Status = 'pass';
    const hourMax = aggregate(r, 'hourMax');
    if (hourMax > AC_RETURN_MAX_C || r.day.max > AC_RETURN_CRIT_C) {
      status = 'fail';
      detail.push(r.day.max > AC_RETURN_CRIT_C ? cond('max', r.day.max, { agg: 'max', op: '>', value: AC_RETURN_CRIT_C }, 'c') : cond('hourMax', hourMax, { agg: 'hourMax', op: '>', value: AC_RETURN_MAX_C }, 'c'));
    } else if (r.day.max > AC_RETURN_MAX_C) {
      status = 'warn';
      detail.push(cond('max', r.day.max, { agg: 'max', op: '>', value: AC_RETURN_MAX_C }, 'c'));
    }
    if (sp !== undefined && (r.day.max > sp + AC_SETPOINT_BAND_C || r.day.min < sp - AC_SETPOINT_BAND_C)) {
      status = worst(status, 'warn');
      detail.push(m('offSetpoint', { d: AC_SETPOINT_BAND_C, unit: 'c' }));
    }
    if (supply && supply.day.max > AC_SUPPLY_MAX_C) {
      status = worst(status, 'warn');
      detail.push(m('condOf', { what: 'ac.supply_temp_c', agg: 'max', v: supply.day.max, op: '>', t: AC_SUPPLY_MAX_C, unit: 'c' }));
    }
    const parts: RowParts = { check: 'ac.temp', status, value, detail, hourly: r.hourly };
    const trend = trendOf(r);
    if (trend !== undefined) parts.trend = trend;
    return [row(ctx, parts)];
  },
};

/**
 * Humidity: warn outside 20–70 %RH (the rules, ASHRAE allowable) or more than
 * 10 %RH from the unit's set point (a humidifier or dehumidifier not keeping
 * up); fail outside 10–80 %RH, where condensation or static damage is
 * imminent (no rule number; chosen as the ASHRAE A1 allowable extremes).
 */
const HUMIDITY = { warnLo: 20, warnHi: 70, failLo: 10, failHi: 80, band: 10 };

function humidityRow(ctx: CheckContext, check: string, s: SeriesStats, setpoint: number | undefined): CheckRow {
  const value: Message[] = [m('range', { lo: s.day.min, hi: s.day.max, unit: 'rh' })];
  if (setpoint !== undefined) value.push(m('setpoint', { v: setpoint, unit: 'rh' }));
  let { status, detail } = judgeLevels(
    s,
    'rh',
    [{ agg: 'max', op: '>', value: HUMIDITY.warnHi }, { agg: 'min', op: '<', value: HUMIDITY.warnLo }],
    [{ agg: 'max', op: '>', value: HUMIDITY.failHi }, { agg: 'min', op: '<', value: HUMIDITY.failLo }],
  );
  if (setpoint !== undefined && (s.day.max > setpoint + HUMIDITY.band || s.day.min < setpoint - HUMIDITY.band)) {
    status = worst(status, 'warn');
    detail = [...detail, m('offSetpoint', { d: HUMIDITY.band, unit: 'rh' })];
  }
  const parts: RowParts = { check, status, value, detail, hourly: s.hourly };
  const trend = trendOf(s);
  if (trend !== undefined) parts.trend = trend;
  return row(ctx, parts);
}

const acHumidityCheck: CheckDef = {
  id: 'ac.humidity',
  rules: ['precision-ac/Humidity out of range'],
  priority: 'P3',
  run(ctx) {
    const s = firstOf(ctx.device, 'ac.return_humidity_pct');
    return s ? [humidityRow(ctx, 'ac.humidity', s, firstOf(ctx.device, 'ac.humidity_setpoint_pct')?.day.last)] : [];
  },
};

const envHumidityCheck: CheckDef = {
  id: 'env.humidity',
  rules: ['environment/Room humidity out of range'],
  priority: 'P3',
  run(ctx) {
    return [...groupByTag(seriesOf(ctx.device, 'env.humidity_pct'), 'sensor')].map(([k, s]) => humidityRow(ctx, `env.humidity:${k}`, s, undefined));
  },
};

const acAlarmsCheck: CheckDef = {
  id: 'ac.alarms',
  rules: ['precision-ac/Precision AC alarms', 'precision-ac/Precision AC stopped'],
  priority: 'P1',
  run(ctx) {
    const alarms = firstOf(ctx.device, 'ac.alarms');
    const running = firstOf(ctx.device, 'ac.running');
    if (!alarms && !running) return [];
    const names = seriesOf(ctx.device, 'ac.alarm').filter((s) => s.day.last >= 0.5).map((s) => s.tags.name ?? '?');
    const value: Message[] = [];
    let status: Status = 'pass';
    if (running) {
      value.push(m(running.day.last < 0.5 ? 'acStopped' : 'acRunning'));
      if (running.day.last < 0.5) status = 'fail';
      else if (running.day.min < 0.5) status = worst(status, 'warn');
    }
    if (alarms) {
      if (alarms.day.last > 0) {
        value.push(m('acAlarmsNow', { n: Math.round(alarms.day.last), list: names.join(', ') }));
        status = 'fail';
      } else if (alarms.day.max > 0) {
        value.push(m('acAlarmsEarlier', { n: Math.round(alarms.day.max) }));
        status = worst(status, 'warn');
      } else {
        value.push(m('acAlarmsNone'));
      }
    }
    return [row(ctx, { check: 'ac.alarms', status, value })];
  },
};

const envSafetyCheck: CheckDef = {
  id: 'env.safety',
  rules: ['environment/Water leak detected', 'environment/Smoke detected', 'environment/Door open'],
  priority: 'P1',
  run(ctx) {
    const leak = firstOf(ctx.device, 'env.water_leak');
    const smoke = firstOf(ctx.device, 'env.smoke');
    const door = firstOf(ctx.device, 'env.door_open');
    if (!leak && !smoke && !door) return [];
    const value: Message[] = [];
    let status: Status = 'pass';
    if (leak) {
      value.push(m(leak.day.max >= 0.5 ? 'envLeak' : 'envNoLeak'));
      if (leak.day.max >= 0.5) status = 'fail';
    }
    if (smoke) {
      value.push(m(smoke.day.max >= 0.5 ? 'envSmoke' : 'envNoSmoke'));
      if (smoke.day.max >= 0.5) status = 'fail';
    }
    if (door) {
      const minutes = Math.round((door.day.avg * (ctx.to - ctx.from)) / 60_000);
      value.push(m(minutes > 0 ? 'envDoorOpen' : 'envDoorClosed', { min: minutes }));
      // environment/Door open: 10 minutes (P4, advisory).
      if (minutes > 10 || door.day.last >= 0.5) status = worst(status, 'warn');
    }
    return [row(ctx, { check: 'env.safety', status, value })];
  },
};

// ---------- the catalogue per class ----------

const hostChecks: CheckDef[] = [
  seriesCheck({
    id: 'cpu', metric: 'cpu.usage_pct', unit: 'pct', show: ['max', 'avg'],
    // host/CPU saturated: avg 10m > 95. Fail on the day's average (saturated all day).
    warn: [{ agg: 'hourMax', op: '>', value: 95 }], fail: [{ agg: 'avg', op: '>', value: 95 }],
    rules: ['host/CPU saturated'], priority: 'P3',
  }),
  memoryCheck,
  seriesCheck({
    id: 'fs', metric: 'disk.used_pct', unit: 'pct', show: ['last', 'max'], perTag: 'mount', skipTag: /^\/boot/,
    warn: [{ agg: 'last', op: '>', value: 90 }], fail: [{ agg: 'last', op: '>', value: 97 }],
    forecastWarnDays: 3, // host/Filesystem full within 3 days
    companions: [{ metric: 'disk.inodes_used_pct', unit: 'pct', show: [], warn: [{ agg: 'last', op: '>', value: 90 }] }],
    rules: ['host/Filesystem almost full', 'host/Filesystem full within 3 days', 'host/Inodes almost exhausted'], priority: 'P2',
  }),
  interfacesCheck({
    id: 'if', tag: 'iface', errors: ['net.rx_errors_ps', 'net.tx_errors_ps'], errorsPs: 1,
    rules: ['host/Network interface errors'], priority: 'P3',
  }),
];

function deviceCpuMem(cpuPct: number, memPct: number, group: string): CheckDef[] {
  const names = group === 'security' ? ['Firewall CPU high', 'Firewall memory high'] : ['Network device CPU high', 'Network device memory high'];
  return [
    seriesCheck({
      id: 'cpu', metric: 'device.cpu_pct', unit: 'pct', show: ['max', 'avg'],
      warn: [{ agg: 'hourMax', op: '>', value: cpuPct }], fail: [{ agg: 'avg', op: '>', value: cpuPct }],
      rules: [`${group}/${names[0]}`], priority: group === 'security' ? 'P2' : 'P3',
    }),
    seriesCheck({
      id: 'mem', metric: 'device.mem_used_pct', unit: 'pct', show: ['max', 'avg'],
      warn: [{ agg: 'max', op: '>', value: memPct }], fail: [{ agg: 'avg', op: '>', value: memPct }],
      rules: [`${group}/${names[1]}`], priority: 'P3',
    }),
  ];
}

const networkInterfaces = interfacesCheck({
  id: 'if', tag: 'ifname', util: 'if.util_pct', errors: ['if.in_errors_ps', 'if.out_errors_ps'], errorsPs: 1,
  down: { oper: 'if.oper_up', admin: 'if.admin_up', status: 'warn' }, // network/Interface down is P3
  rules: ['network/Interface saturated', 'network/Interface errors rising', 'network/Interface down'], priority: 'P3',
});

const sensorTemperature = seriesCheck({
  id: 'temp', metric: 'sensor.temperature_c', unit: 'c', show: ['max'], perTag: 'sensor', worstOnly: true,
  warn: [{ agg: 'max', op: '>', value: 70 }], fail: [{ agg: 'hourMax', op: '>', value: 70 }], // network/Device temperature high (P2)
  rules: ['network/Device temperature high'], priority: 'P2',
});

const fcPorts = interfacesCheck({
  id: 'fc', tag: 'port', errors: ['fc.crc_errors_ps'], errorsPs: 0.1, // storage/FC CRC errors
  down: { oper: 'fc.port_up', status: 'fail' }, // a path lost: redundancy gone
  rules: ['storage/FC port down', 'storage/FC CRC errors'], priority: 'P3',
});

const oracleChecks: CheckDef[] = [
  stateCheck({ id: 'ora.up', metric: 'oracle.up', tag: 'instance', bad: 0, rules: ['oracle/Oracle instance down'], priority: 'P1' }),
  seriesCheck({
    id: 'ts', metric: 'oracle.tablespace_used_pct', unit: 'pct', show: ['last'], perTag: 'tablespace',
    warn: [{ agg: 'last', op: '>', value: 90 }], fail: [{ agg: 'last', op: '>', value: 97 }],
    forecastWarnDays: 3, // no predict rule; adding a datafile is an online change like extending an LV, so the filesystems' 3 days
    rules: ['oracle/Tablespace almost full'], priority: 'P2',
  }),
  seriesCheck({
    id: 'asm', metric: 'oracle.asm_used_pct', unit: 'pct', show: ['last'], perTag: 'diskgroup',
    warn: [{ agg: 'last', op: '>', value: 85 }], fail: [{ agg: 'last', op: '>', value: 95 }],
    forecastWarnDays: 7, // no predict rule; new ASM disks need storage provisioned, the pools' 7 days
    rules: ['oracle/ASM disk group almost full'], priority: 'P2',
  }),
  seriesCheck({
    id: 'fra', metric: 'oracle.fra_used_pct', unit: 'pct', show: ['last', 'max'],
    // oracle/FRA almost full: 85. Fail at 95 (no rule number): one busy hour of redo from ORA-00257.
    warn: [{ agg: 'last', op: '>', value: 85 }], fail: [{ agg: 'last', op: '>', value: 95 }],
    forecastWarnDays: 3,
    rules: ['oracle/FRA almost full'], priority: 'P2',
  }),
  oraErrorsCheck,
  seriesCheck({
    id: 'ora.backup', metric: 'oracle.backup_age_h', unit: 'h', show: ['last'],
    warn: [{ agg: 'last', op: '>', value: 26 }], fail: [{ agg: 'last', op: '>', value: 50 }], // oracle/Backup too old and its P2 escalation
    rules: ['oracle/Backup too old'], priority: 'P2',
  }),
  seriesCheck({
    id: 'ora.rac', metric: 'oracle.rac_instances_up', unit: 'count', show: ['last', 'min'],
    // oracle/RAC instance missing: < 2. Still missing at the end of the day: no redundancy; missing earlier: warn.
    warn: [{ agg: 'min', op: '<', value: 2 }], fail: [{ agg: 'last', op: '<', value: 2 }],
    rules: ['oracle/RAC instance missing'], priority: 'P2',
  }),
  seriesCheck({
    id: 'ora.dg', metric: 'oracle.dg_apply_lag_s', unit: 's', show: ['last', 'max'],
    // oracle/Data Guard apply lag: 30 min. Peak above: warn; still behind at the end of the day: the RPO is missed now.
    warn: [{ agg: 'max', op: '>', value: 1800 }], fail: [{ agg: 'last', op: '>', value: 1800 }],
    rules: ['oracle/Data Guard apply lag'], priority: 'P2',
  }),
];

const upsChecks: CheckDef[] = [
  upsBatteryCheck,
  seriesCheck({
    id: 'ups.charge', metric: 'ups.battery_charge_pct', unit: 'pct', show: ['last', 'min'],
    // ups/UPS battery charge low: < 80 on mains. Judged on the last value: the charge dips during any discharge.
    // Fail below 50 (no rule number): half the rated runtime is gone.
    warn: [{ agg: 'last', op: '<', value: 80 }], fail: [{ agg: 'last', op: '<', value: 50 }],
    rules: ['ups/UPS battery charge low'], priority: 'P3',
  }),
  seriesCheck({
    id: 'ups.runtime', metric: 'ups.battery_runtime_min', unit: 'min', show: ['last', 'min'],
    // ups/UPS runtime low: < 10 (P1). Warn below 15 (no rule number): 5 minutes' margin over an orderly shutdown.
    warn: [{ agg: 'last', op: '<', value: 15 }], fail: [{ agg: 'last', op: '<', value: 10 }],
    rules: ['ups/UPS runtime low'], priority: 'P1',
  }),
  seriesCheck({
    id: 'ups.load', metric: 'ups.output_load_pct', unit: 'pct', show: ['max', 'avg'], perTag: 'line', worstOnly: true,
    // ups/UPS load high: > 80. Fail above 95 (no rule number): the inverter goes to bypass on overload at 100–105 %.
    warn: [{ agg: 'max', op: '>', value: 80 }], fail: [{ agg: 'max', op: '>', value: 95 }],
    rules: ['ups/UPS load high'], priority: 'P3',
  }),
  stateCheck({ id: 'ups.selftest', metric: 'ups.self_test_ok', bad: 0, rules: ['ups/UPS self-test failed'], priority: 'P2' }),
  upsOnBatteryCheck,
];

const CHECKS: Record<string, CheckDef[]> = {
  server: [reachableCheck(['host/Host unreachable', 'agent/Agent silent'], 'P2'), ...hostChecks],
  minicomputer: [reachableCheck(['host/Host unreachable', 'agent/Agent silent'], 'P2'), ...hostChecks],
  database: [reachableCheck(['agent/Agent silent'], 'P1'), ...hostChecks, ...oracleChecks],
  network: [reachableCheck(['network/Network device unreachable'], 'P2'), ...deviceCpuMem(85, 90, 'network'), sensorTemperature, networkInterfaces],
  security: [
    reachableCheck(['security/Security device unreachable'], 'P1'), ...deviceCpuMem(80, 85, 'security'), sensorTemperature, networkInterfaces,
    firewallSessionsCheck, firewallHaCheck,
  ],
  storage: [
    reachableCheck(['storage/Storage device unreachable'], 'P2'),
    seriesCheck({
      id: 'pool', metric: 'storage.pool_used_pct', unit: 'pct', show: ['last'], perTag: 'pool',
      warn: [{ agg: 'last', op: '>', value: 85 }], fail: [{ agg: 'last', op: '>', value: 95 }], // storage/Storage pool almost full + escalation
      forecastWarnDays: 7, // storage/Storage pool full within 7 days
      rules: ['storage/Storage pool almost full', 'storage/Storage pool full within 7 days'], priority: 'P2',
    }),
    stateCheck({ id: 'storage.disks', metric: 'storage.disk_failed', tag: 'slot', bad: 1, rules: ['storage/Disk failed'], priority: 'P2' }),
    stateCheck({ id: 'storage.ctrl', metric: 'storage.controller_ok', tag: 'ctrl', bad: 0, rules: ['storage/Controller not OK'], priority: 'P1' }),
    fcPorts,
  ],
  san: [reachableCheck(['storage/Storage device unreachable'], 'P2'), fcPorts],
  tape: [
    reachableCheck(['storage/Storage device unreachable'], 'P2'),
    // storage/Tape drive not OK is P3, but a failed drive is a failed component: fail.
    stateCheck({ id: 'tape.drives', metric: 'tape.drive_ok', tag: 'drive', bad: 0, rules: ['storage/Tape drive not OK'], priority: 'P3' }),
    fcPorts,
  ],
  ups: [reachableCheck(['ups/UPS unreachable'], 'P3'), ...upsChecks],
  precision_ac: [reachableCheck(['precision-ac/Precision AC unreachable'], 'P3'), acTemperatureCheck, acHumidityCheck, acAlarmsCheck],
  environment: [
    reachableCheck(['agent/Agent silent'], 'P3'),
    seriesCheck({
      id: 'env.temp', metric: 'env.temperature_c', unit: 'c', show: ['max', 'avg'], perTag: 'sensor',
      // environment/Room too hot: 27 (P2), escalating at 32 (P1).
      warn: [{ agg: 'max', op: '>', value: 27 }], fail: [{ agg: 'hourMax', op: '>', value: 27 }, { agg: 'max', op: '>', value: 32 }],
      rules: ['environment/Room too hot'], priority: 'P2',
    }),
    envHumidityCheck,
    envSafetyCheck,
  ],
};

/** Classes in report order: the services first, then what they stand on. */
export const CLASS_ORDER = ['database', 'server', 'minicomputer', 'storage', 'san', 'tape', 'network', 'security', 'ups', 'precision_ac', 'environment'];

const FALLBACK: CheckDef[] = [reachableCheck(['agent/Agent silent'], 'P3')];

export function checksFor(cls: string): CheckDef[] {
  return CHECKS[cls] ?? FALLBACK;
}

/** The kind of a row's check id: `fs:/u01` → `fs`. */
export function checkKind(check: string): string {
  const i = check.indexOf(':');
  return i < 0 ? check : check.slice(0, i);
}

export function checkDefFor(cls: string, check: string): CheckDef | undefined {
  const kind = checkKind(check);
  return checksFor(cls).find((c) => c.id === kind);
}

export function runChecks(ctx: CheckContext): CheckRow[] {
  return checksFor(ctx.device.class).flatMap((c) => c.run(ctx));
}
