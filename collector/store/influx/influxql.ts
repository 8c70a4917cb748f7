/**
 * InfluxQL for the store's reads: the query API's range queries and the
 * report's, through `/query`, which InfluxDB 1.8+, 2.x (with a DBRP mapping)
 * and 3.x all serve. Identifiers are double-quoted, strings single-quoted and
 * regexes slash-delimited with their own escaping, so no tag value can change
 * the statement.
 */
import type { Aggregation, RangeQuery, SeriesBucketStats, SeriesPoints } from '../types.js';
import type { TagMatcher } from '../selector.js';

const FUNCTION: Record<Aggregation, string> = { avg: 'mean', min: 'min', max: 'max', last: 'last', sum: 'sum', count: 'count' };

export function quoteIdent(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** An anchored InfluxQL regex literal with the same meaning as the selector's `^(?:…)$`. */
export function quoteRegex(pattern: string): string {
  return `/^(?:${pattern.replace(/\//g, '\\/')})$/`;
}

export function matcherCondition(m: TagMatcher): string {
  const tag = quoteIdent(m.name);
  switch (m.op) {
    case '=':
      return `${tag} = ${quoteString(m.value)}`;
    case '!=':
      return `${tag} != ${quoteString(m.value)}`;
    case '=~':
      return `${tag} =~ ${quoteRegex(m.value)}`;
    case '!~':
      return `${tag} !~ ${quoteRegex(m.value)}`;
  }
}

/** The SELECT for a range query: raw points, or one aggregate per step-aligned bucket. */
export function rangeQueryStatement(q: RangeQuery): string {
  const where = [`time >= ${Math.floor(q.from)}ms`, `time <= ${Math.floor(q.to)}ms`, ...q.matchers.map(matcherCondition)].join(' AND ');
  const from = `FROM ${quoteIdent(q.measurement)}`;
  if (q.stepMs <= 0) return `SELECT ${quoteIdent(q.field)} ${from} WHERE ${where} GROUP BY *`;
  return `SELECT ${FUNCTION[q.agg]}(${quoteIdent(q.field)}) ${from} WHERE ${where} GROUP BY time(${Math.floor(q.stepMs)}ms), * fill(none)`;
}

interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: Array<Array<number | string | boolean | null>>;
}

export interface InfluxQueryResponse {
  results?: Array<{ statement_id?: number; series?: InfluxSeries[]; error?: string }>;
  error?: string;
}

export class InfluxQueryError extends Error {
  constructor(
    message: string,
    readonly statement: string,
  ) {
    super(message);
    this.name = 'InfluxQueryError';
  }
}

/**
 * Turns a `/query?epoch=ms` answer into the store's series. Tags the store adds
 * from the registry (`site`, `room`, `class`) are left out, so a series reads
 * the same from InfluxDB as from the local store.
 */
export function toSeriesPoints(q: RangeQuery, body: InfluxQueryResponse, statement: string, registryTags: readonly string[]): SeriesPoints[] {
  if (body.error) throw new InfluxQueryError(body.error, statement);
  const out = new Map<string, SeriesPoints>();
  for (const result of body.results ?? []) {
    if (result.error) throw new InfluxQueryError(result.error, statement);
    for (const s of result.series ?? []) {
      const tags: Record<string, string> = {};
      for (const [k, v] of Object.entries(s.tags ?? {})) if (v !== '' && !registryTags.includes(k)) tags[k] = v;
      const key = Object.keys(tags)
        .sort()
        .map((k) => `${k}=${tags[k]}`)
        .join(',');
      let series = out.get(key);
      if (!series) {
        series = { measurement: q.measurement, field: q.field, device: tags.device ?? '', tags, points: [] };
        out.set(key, series);
      }
      for (const row of s.values) {
        const [t, v] = row;
        if (typeof t !== 'number') continue;
        series.points.push([t, typeof v === 'boolean' ? (v ? 1 : 0) : (v ?? null)]);
      }
    }
  }
  for (const s of out.values()) s.points.sort((a, b) => a[0] - b[0]);
  return [...out.values()].filter((s) => s.points.length > 0);
}

/** The statement for bucketed statistics of every field of one measurement, buckets aligned to `from`. */
export function statsStatement(measurement: string, from: number, to: number, bucketMs: number): string {
  const offset = ((from % bucketMs) + bucketMs) % bucketMs;
  return `SELECT min(*), max(*), sum(*), count(*), last(*) FROM ${quoteIdent(measurement)} WHERE time >= ${Math.floor(from)}ms AND time < ${Math.floor(to)}ms GROUP BY time(${Math.floor(bucketMs)}ms, ${offset}ms), * fill(none)`;
}

/** Parses statsStatement's answer into per-series buckets (columns min_<field>, max_<field>, …). */
export function toBucketStats(measurement: string, body: InfluxQueryResponse, statement: string, registryTags: readonly string[], bucketMs: number, to: number): SeriesBucketStats[] {
  if (body.error) throw new InfluxQueryError(body.error, statement);
  const out = new Map<string, SeriesBucketStats>();
  for (const result of body.results ?? []) {
    if (result.error) throw new InfluxQueryError(result.error, statement);
    for (const s of result.series ?? []) {
      const tags: Record<string, string> = {};
      for (const [k, v] of Object.entries(s.tags ?? {})) if (v !== '' && !registryTags.includes(k)) tags[k] = v;
      const fields = new Set(s.columns.filter((c) => c.startsWith('count_')).map((c) => c.slice(6)));
      for (const field of fields) {
        const col = (agg: string) => s.columns.indexOf(`${agg}_${field}`);
        const [iMin, iMax, iSum, iCount, iLast] = ['min', 'max', 'sum', 'count', 'last'].map(col) as number[];
        const key = `${field}|${Object.keys(tags)
          .sort()
          .map((k) => `${k}=${tags[k]}`)
          .join(',')}`;
        let series = out.get(key);
        if (!series) out.set(key, (series = { measurement, field, device: tags.device ?? '', tags, buckets: [] }));
        for (const row of s.values) {
          const count = row[iCount as number];
          const start = row[0];
          if (typeof count !== 'number' || count === 0 || typeof start !== 'number') continue;
          const num = (i: number) => (typeof row[i] === 'number' ? (row[i] as number) : NaN);
          const min = num(iMin as number);
          if (Number.isNaN(min)) continue; // a string field: statistics are for numbers
          series.buckets.push({ start, min, max: num(iMax as number), sum: num(iSum as number), count, lastTs: Math.min(start + bucketMs, to) - 1, last: num(iLast as number) });
        }
      }
    }
  }
  return [...out.values()].filter((s) => s.buckets.length > 0);
}
