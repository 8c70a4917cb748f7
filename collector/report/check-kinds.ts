/**
 * The building blocks of the daily checklist (checks.ts lists which checks each
 * class gets): statistics helpers, row construction, and the generic check
 * kinds — a level on one series (seriesCheck), component states (stateCheck)
 * and interfaces summarised per device (interfacesCheck).
 */
import { daysUntilFullFromStats } from './forecast.js';
import { renderMessages } from './i18n.js';
import { type RuleThreshold, type ThresholdUse, ruleLevel } from './thresholds.js';
import type { CheckRow, DeviceInput, Message, Priority, SeriesStats, Status } from './types.js';

export type Agg = 'last' | 'max' | 'min' | 'avg' | 'hourMax' | 'hourMin';
export type Unit = 'pct' | 'rh' | 'c' | 'ps' | 'h' | 'min' | 's' | 'count';
export interface Level {
  agg: Agg;
  op: '>' | '<';
  /** The documented default; a bound level takes the loaded rule's number instead (thresholds.ts). */
  value: number;
  /** Mirrors a rule's alerting threshold (`alert`) or its first escalation (`escalate`). */
  bind?: 'alert' | 'escalate';
  /** Set once bound: the rule the number came from and the priority of that level. */
  rule?: string;
  priority?: Priority;
}

export interface CheckContext {
  device: DeviceInput;
  from: number;
  to: number;
  /** Levels of the loaded rules (thresholds.ts); absent or empty: every check uses its defaults. */
  thresholds?: readonly RuleThreshold[];
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
export const RANK: Record<Status, number> = { pass: 0, warn: 1, fail: 2 };

export function worst(a: Status, b: Status): Status {
  return RANK[b] > RANK[a] ? b : a;
}

// ---------- statistics helpers ----------

export function seriesOf(d: DeviceInput, metric: string): SeriesStats[] {
  return d.series.filter((s) => s.metric === metric && s.day.count > 0);
}

export function firstOf(d: DeviceInput, metric: string): SeriesStats | undefined {
  return seriesOf(d, metric)[0];
}

export function aggregate(s: SeriesStats, agg: Agg): number {
  const hours = s.hourly.filter((v): v is number => v !== null);
  switch (agg) {
    case 'last':
      return s.day.last;
    case 'max':
      return s.day.max;
    case 'min':
      return s.day.min;
    case 'avg':
      return s.day.avg;
    // Without hourly detail the day's average is the best hourly estimate.
    case 'hourMax':
      return hours.length ? Math.max(...hours) : s.day.avg;
    case 'hourMin':
      return hours.length ? Math.min(...hours) : s.day.avg;
  }
}

export function trendOf(s: SeriesStats): number | undefined {
  return s.week && s.week.count > 0 ? Math.round((s.day.avg - s.week.avg) * 10) / 10 : undefined;
}

export function crosses(v: number, l: Level): boolean {
  return l.op === '>' ? v > l.value : v < l.value;
}

export const m = (key: string, params?: Message['params']): Message => (params ? { key, params } : { key });
export const fact = (agg: Agg, v: number, unit: Unit): Message => m('fact', { agg, v, unit });
export const cond = (agg: Agg, v: number, l: Level, unit: Unit): Message => m('cond', { agg, v, op: l.op, t: l.value, unit });

/** "(threshold of rule host/Filesystem almost full, P2)" after a condition whose number a rule gave. */
export const ruleNote = (l: { rule?: string; priority?: Priority }): Message[] => (l.rule ? [m('ruleLevel', { rule: l.rule, p: l.priority ?? '' })] : []);

/** The first level crossed, as a detail phrase. */
export function judgeLevels(s: SeriesStats, unit: Unit, warn: Level[] = [], fail: Level[] = []): { status: Status; detail: Message[] } {
  for (const l of fail) {
    const v = aggregate(s, l.agg);
    if (crosses(v, l)) return { status: 'fail', detail: [cond(l.agg, v, l, unit), ...ruleNote(l)] };
  }
  for (const l of warn) {
    const v = aggregate(s, l.agg);
    if (crosses(v, l)) return { status: 'warn', detail: [cond(l.agg, v, l, unit), ...ruleNote(l)] };
  }
  return { status: 'pass', detail: [] };
}

/**
 * A check's levels for this device's class: bound ones take the loaded rule's
 * number (thresholds.ts), the rest keep their default. Each level used is
 * recorded in `uses`, so the report can say where every number came from.
 */
export function bindLevels(ctx: CheckContext, metric: string, levels: Level[] | undefined, which: 'warn' | 'fail', rules: readonly string[], uses: ThresholdUse[]): Level[] {
  return (levels ?? []).map((l) => {
    const t = l.bind ? ruleLevel(ctx.thresholds ?? [], { metric, op: l.op, bind: l.bind, cls: ctx.device.class, rules }) : undefined;
    const out: Level = t ? { ...l, value: t.value, rule: t.ruleId, priority: t.priority } : l;
    if (!uses.some((u) => u.level === which && u.metric === metric && u.op === out.op && u.value === out.value && u.rule === out.rule)) {
      uses.push({ level: which, metric, op: out.op, value: out.value, ...(out.rule ? { rule: out.rule, priority: out.priority as Priority } : {}) });
    }
    return out;
  });
}

/** One number (not a Level list) bound the same way: interfaces' utilisation and error rates. */
export function bindValue(ctx: CheckContext, metric: string, value: number, which: 'warn' | 'fail', rules: readonly string[], uses: ThresholdUse[]): Level {
  return bindLevels(ctx, metric, [{ agg: 'max', op: '>', value, bind: 'alert' }], which, rules, uses)[0] as Level;
}

export interface RowParts {
  check: string;
  status: Status;
  value: Message[];
  detail?: Message[];
  hourly?: Array<number | null>;
  trend?: number;
  daysUntilFull?: number;
  /** Where the row's numbers came from. */
  thresholds?: ThresholdUse[];
}

export function row(ctx: CheckContext, p: RowParts): CheckRow {
  const r: CheckRow = { device: ctx.device.name, class: ctx.device.class, check: p.check, status: p.status, value: renderMessages(p.value, 'en'), valueMsg: p.value };
  if (p.detail && p.detail.length > 0) {
    r.detail = renderMessages(p.detail, 'en');
    r.detailMsg = p.detail;
  }
  if (p.hourly) r.hourly = p.hourly;
  if (p.trend !== undefined) r.trend = p.trend;
  if (p.daysUntilFull !== undefined) r.daysUntilFull = p.daysUntilFull;
  if (p.thresholds && p.thresholds.length > 0) r.thresholds = p.thresholds;
  return r;
}

/**
 * A series' row key: the value of one tag, or of several joined by '/' where present
 * (['pdb', 'tablespace'] keys two PDBs' USERS tablespaces apart as PDB1/USERS and
 * PDB2/USERS, and a non-CDB's as USERS).
 */
export function tagKey(tags: Readonly<Record<string, string>>, tag: string | readonly string[] | undefined): string {
  if (tag === undefined) return '';
  if (typeof tag === 'string') return tags[tag] ?? '';
  return tag
    .map((t) => tags[t])
    .filter((v): v is string => v !== undefined && v !== '')
    .join('/');
}

export function groupByTag(list: SeriesStats[], tag: string | readonly string[] | undefined): Map<string, SeriesStats> {
  const out = new Map<string, SeriesStats>();
  for (const s of list) {
    const key = tagKey(s.tags, tag);
    if (!out.has(key)) out.set(key, s);
  }
  return out;
}

// ---------- declarative series checks ----------

export interface Companion {
  metric: string;
  unit: Unit;
  show: Agg[];
  warn?: Level[];
  fail?: Level[];
}

export interface SeriesCheckSpec {
  id: string;
  metric: string;
  unit: Unit;
  /** Aggregations shown in the value, first one is the headline. */
  show: Agg[];
  warn?: Level[];
  fail?: Level[];
  /** One row per value of this tag (`fs:/u01`), or of these tags joined by '/' (`ts:PDB1/USERS`) … */
  perTag?: string | readonly string[];
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

export function seriesCheck(spec: SeriesCheckSpec): CheckDef {
  const judgeOne = (ctx: CheckContext, s: SeriesStats, key: string): RowParts => {
    const uses: ThresholdUse[] = [];
    const warnLevels = bindLevels(ctx, spec.metric, spec.warn, 'warn', spec.rules, uses);
    const failLevels = bindLevels(ctx, spec.metric, spec.fail, 'fail', spec.rules, uses);
    let { status, detail } = judgeLevels(s, spec.unit, warnLevels, failLevels);
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
      const cs = seriesOf(ctx.device, c.metric).find((x) => !spec.perTag || tagKey(x.tags, spec.perTag) === key);
      if (!cs) continue;
      value.push(...c.show.map((a) => m('factOf', { what: c.metric, agg: a, v: aggregate(cs, a), unit: c.unit })));
      const j = judgeLevels(cs, c.unit, bindLevels(ctx, c.metric, c.warn, 'warn', spec.rules, uses), bindLevels(ctx, c.metric, c.fail, 'fail', spec.rules, uses));
      if (j.status !== 'pass') {
        status = worst(status, j.status);
        detail = [...detail, ...j.detail.map((x) => (x.key === 'cond' ? m('condOf', { what: c.metric, ...x.params }) : x))];
      }
    }
    const parts: RowParts = { check: spec.perTag && !spec.worstOnly ? `${spec.id}:${key}` : spec.id, status, value, detail, hourly: s.hourly, thresholds: uses };
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

export interface StateCheckSpec {
  id: string;
  metric: string;
  tag?: string;
  /** The value that means broken (storage.disk_failed 1; *_ok, *.up 0). */
  bad: number;
  rules: string[];
  priority: Priority;
}

/** fail when a component is broken at the end of the day; warn when it was broken and recovered. */
export function stateCheck(spec: StateCheckSpec): CheckDef {
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

export interface InterfacesSpec {
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

/** Link utilisation % by default: network/Interface saturated's 90 %, see the header for peak vs hourly; a loaded rule's number wins. */
export const UTIL_PCT = 90;

export function interfacesCheck(spec: InterfacesSpec): CheckDef {
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
      const uses: ThresholdUse[] = [];
      const parts: Partial<RowParts> = { thresholds: uses };
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
        // The same number for both: a peak above it warns, an hour above it fails.
        const lvl = bindValue(ctx, spec.util as string, UTIL_PCT, 'warn', spec.rules, uses);
        bindValue(ctx, spec.util as string, UTIL_PCT, 'fail', spec.rules, uses);
        if (hourMax > lvl.value) {
          status = 'fail';
          detail.push(m('ifCond', { name: sustained.tags[spec.tag] ?? '', agg: 'hourMax', v: hourMax, op: '>', t: lvl.value, unit: 'pct' }), ...ruleNote(lvl));
        } else if (busiest.day.max > lvl.value) {
          status = 'warn';
          detail.push(m('ifCond', { name, agg: 'max', v: busiest.day.max, op: '>', t: lvl.value, unit: 'pct' }), ...ruleNote(lvl));
        }
      }
      const noisiest = [...errs].sort((a, b) => b.day.max - a.day.max)[0];
      if (noisiest && noisiest.day.max > 0) {
        const name = noisiest.tags[spec.tag] ?? '';
        value.push(m('ifErrors', { v: noisiest.day.max, unit: 'ps', name }));
        const chronic = [...errs].sort((a, b) => b.day.avg - a.day.avg)[0]!;
        const lim = bindValue(ctx, spec.errors[0] as string, spec.errorsPs, 'warn', spec.rules, uses);
        bindValue(ctx, spec.errors[0] as string, spec.errorsPs, 'fail', spec.rules, uses);
        if (chronic.day.avg > lim.value) {
          status = 'fail';
          detail.push(m('ifCond', { name: chronic.tags[spec.tag] ?? '', agg: 'avg', v: chronic.day.avg, op: '>', t: lim.value, unit: 'ps' }), ...ruleNote(lim));
        } else if (noisiest.day.max > lim.value) {
          status = worst(status, 'warn');
          detail.push(m('ifCond', { name, agg: 'max', v: noisiest.day.max, op: '>', t: lim.value, unit: 'ps' }), ...ruleNote(lim));
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
