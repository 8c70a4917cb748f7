/**
 * Runs parsed SELECTs over rows: one row per (tag set, timestamp) with the
 * values of the fields the query reads — the shape InfluxDB gives a point,
 * rebuilt from the store's one-series-per-field layout. Subqueries produce
 * rows for the outer query the same way.
 */
import type { Expr, SelectStatement } from './ast.js';
import { InfluxQLError } from './ast.js';
import { evalAggregate, hasAggregate, SELECTORS, topCall, topRows } from './aggregate.js';
import { evalRow, refsOf, splitWhere, truthy, type Row, type Value } from './where.js';

export interface SourceSeries {
  measurement: string;
  field: string;
  tags: Record<string, string>;
}

export interface InfluxSource {
  /** Series of one measurement (all when undefined); tags include the registry's site, room and class. */
  series(measurement?: string): Promise<SourceSeries[]>;
  /** Raw points of measurement.field in [from, to] for the series `keep` admits. */
  points(
    measurement: string,
    field: string,
    from: number,
    to: number,
    keep: (tags: Record<string, string>) => boolean,
  ): Promise<Array<{ tags: Record<string, string>; points: Array<[number, Value]> }>>;
}

export interface ResultSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: Value[][];
}

/** Buckets per series above which a GROUP BY time query is refused rather than built. */
const MAX_BUCKETS = 100_000;

interface Input {
  name: string;
  rows: Row[];
  tagKeys: Set<string>;
  from?: number;
  to?: number;
}

export async function executeSelect(stmt: SelectStatement, src: InfluxSource, now: number): Promise<ResultSeries[]> {
  const input = await inputRows(stmt, src, now);
  const groups = groupRows(stmt, input);
  const aggregate = stmt.fields.some((f) => hasAggregate(f.expr));
  const out = aggregate ? aggregated(stmt, input, groups, now) : raw(stmt, input, groups);
  const sorted = out.sort((a, b) => tagOrder(a.tags, b.tags));
  return sorted.slice(stmt.soffset ?? 0, stmt.slimit !== undefined ? (stmt.soffset ?? 0) + stmt.slimit : undefined);
}

function tagOrder(a: Record<string, string> | undefined, b: Record<string, string> | undefined): number {
  const ka = JSON.stringify(Object.entries(a ?? {}).sort());
  const kb = JSON.stringify(Object.entries(b ?? {}).sort());
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

async function inputRows(stmt: SelectStatement, src: InfluxSource, now: number): Promise<Input> {
  if ('subquery' in stmt.from) {
    const inner = await executeSelect(stmt.from.subquery, src, now);
    const where = splitWhere(stmt.where, now, () => false);
    const rows: Row[] = [];
    const tagKeys = new Set<string>();
    for (const s of inner) {
      for (const k of Object.keys(s.tags ?? {})) tagKeys.add(k);
      for (const v of s.values) {
        const values: Record<string, Value> = {};
        s.columns.forEach((c, i) => {
          if (i > 0) values[c] = v[i] ?? null;
        });
        rows.push({ ts: v[0] as number, tags: s.tags ?? {}, values });
      }
    }
    const inRange = rows.filter((r) => (where.from === undefined || r.ts >= where.from) && (where.to === undefined || r.ts <= where.to));
    return { name: inner[0]?.name ?? subqueryName(stmt.from.subquery), rows: filterRows(inRange, [...where.rowTerms, ...where.tagTerms]), tagKeys, from: where.from, to: where.to };
  }
  const measurement = stmt.from.measurement;
  const series = await src.series(measurement);
  const fieldNames = new Set(series.map((s) => s.field));
  const tagKeys = new Set<string>();
  for (const s of series) for (const k of Object.keys(s.tags)) tagKeys.add(k);
  const where = splitWhere(stmt.where, now, (n) => !fieldNames.has(n) && n !== 'time');
  const wanted = new Set<string>();
  for (const f of stmt.fields) {
    if (f.expr.kind === 'wildcard') for (const n of fieldNames) wanted.add(n);
    for (const r of refsOf(f.expr)) if (fieldNames.has(r)) wanted.add(r);
  }
  for (const t of where.rowTerms) for (const r of refsOf(t)) if (fieldNames.has(r)) wanted.add(r);
  const keep = (tags: Record<string, string>) => where.tagTerms.every((t) => truthy(evalRow(t, { ts: 0, tags, values: {} }, '')));
  const byPoint = new Map<string, Row>();
  const from = where.from ?? 0;
  const to = where.to ?? (stmt.groupBy.intervalMs ? now : Number.MAX_SAFE_INTEGER);
  for (const field of [...wanted].sort()) {
    for (const s of await src.points(measurement, field, from, to, keep)) {
      const tagKey = JSON.stringify(Object.entries(s.tags).sort());
      for (const [ts, v] of s.points) {
        const key = `${tagKey}|${ts}`;
        let row = byPoint.get(key);
        if (!row) byPoint.set(key, (row = { ts, tags: s.tags, values: {} }));
        row.values[field] = v;
      }
    }
  }
  return { name: measurement, rows: filterRows([...byPoint.values()], where.rowTerms), tagKeys, from: where.from, to: where.to };
}

function subqueryName(s: SelectStatement): string {
  return 'subquery' in s.from ? subqueryName(s.from.subquery) : s.from.measurement;
}

function filterRows(rows: Row[], terms: readonly Expr[]): Row[] {
  if (terms.length === 0) return rows;
  return rows.filter((r) => terms.every((t) => truthy(evalRow(t, r, ''))));
}

interface Group {
  tags?: Record<string, string>;
  rows: Row[];
}

function groupRows(stmt: SelectStatement, input: Input): Group[] {
  const keys = stmt.groupBy.allTags ? [...input.tagKeys].sort() : stmt.groupBy.tags;
  if (keys.length === 0) return [{ rows: input.rows }];
  const groups = new Map<string, Group>();
  // influxd lists a series' tags by key.
  const sortedKeys = [...keys].sort();
  for (const r of input.rows) {
    const tags: Record<string, string> = {};
    for (const k of sortedKeys) tags[k] = r.tags[k] ?? '';
    const key = JSON.stringify(keys.map((k) => tags[k]));
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { tags, rows: [] }));
    g.rows.push(r);
  }
  return [...groups.values()];
}

/** Column names as InfluxDB gives them: the alias, the field, or the function; repeats get `_1`, `_2`. */
function columnNames(stmt: SelectStatement, wildcard: string[]): string[] {
  const names: string[] = [];
  for (const f of stmt.fields) {
    if (f.expr.kind === 'wildcard') names.push(...wildcard);
    else names.push(f.alias ?? defaultName(f.expr));
  }
  const seen = new Map<string, number>();
  return [
    'time',
    ...names.map((n) => {
      const k = seen.get(n) ?? 0;
      seen.set(n, k + 1);
      return k === 0 ? n : `${n}_${k}`;
    }),
  ];
}

function defaultName(e: Expr): string {
  if (e.kind === 'ref') return e.name;
  if (e.kind === 'call') return e.name;
  if (e.kind === 'binary') return [defaultName(e.left), defaultName(e.right)].filter((x) => x !== '').join('_');
  return '';
}

function raw(stmt: SelectStatement, input: Input, groups: Group[]): ResultSeries[] {
  const fieldNames = new Set<string>();
  for (const r of input.rows) for (const k of Object.keys(r.values)) fieldNames.add(k);
  const wildcard = [...new Set([...fieldNames, ...input.tagKeys])].sort();
  const columns = columnNames(stmt, wildcard);
  const exprs: Expr[] = stmt.fields.flatMap((f) => (f.expr.kind === 'wildcard' ? wildcard.map((n): Expr => ({ kind: 'ref', name: n })) : [f.expr]));
  // A row is shown when at least one selected field (not tag) has a value there.
  const readsField = exprs.map((e) => [...refsOf(e)].some((r) => fieldNames.has(r)));
  const out: ResultSeries[] = [];
  for (const g of groups) {
    const rows = [...g.rows].sort((a, b) => (stmt.descending ? b.ts - a.ts : a.ts - b.ts));
    const values: Value[][] = [];
    for (const r of rows) {
      const vals = exprs.map((e) => evalRow(e, r));
      if (!vals.some((v, i) => readsField[i] && v !== null)) continue;
      values.push([r.ts, ...vals]);
    }
    const page = values.slice(stmt.offset ?? 0, stmt.limit !== undefined ? (stmt.offset ?? 0) + stmt.limit : undefined);
    if (page.length > 0) out.push({ name: input.name, ...(g.tags ? { tags: g.tags } : {}), columns, values: page });
  }
  return out;
}

function aggregated(stmt: SelectStatement, input: Input, groups: Group[], now: number): ResultSeries[] {
  const columns = columnNames(stmt, []);
  const top = stmt.fields.length === 1 ? topCall((stmt.fields[0] as { expr: Expr }).expr) : undefined;
  if (!top) for (const f of stmt.fields) if (topCall(f.expr)) throw new InfluxQLError('top() and bottom() cannot be combined with other fields');
  const out: ResultSeries[] = [];
  for (const g of groups) {
    let values: Value[][];
    if (top) {
      values = topRows(top, g.rows).map((r) => [r.ts, r.value, ...r.tags]);
      if (values.length > 0) out.push({ name: input.name, ...(g.tags ? { tags: g.tags } : {}), columns: [...columns, ...top.tags], values });
      continue;
    }
    values = stmt.groupBy.intervalMs ? bucketed(stmt, input, g.rows, now) : [whole(stmt, input, g.rows)].filter((v): v is Value[] => v !== undefined);
    if (stmt.descending) values.reverse();
    const page = values.slice(stmt.offset ?? 0, stmt.limit !== undefined ? (stmt.offset ?? 0) + stmt.limit : undefined);
    if (page.length > 0) out.push({ name: input.name, ...(g.tags ? { tags: g.tags } : {}), columns, values: page });
  }
  return out;
}

/** No GROUP BY time: one row; its time is the chosen point's for a lone selector, else the range start. */
function whole(stmt: SelectStatement, input: Input, rows: Row[]): Value[] | undefined {
  const picked = stmt.fields.map((f) => evalAggregate(f.expr, rows));
  if (picked.every((p) => p.value === null)) return undefined;
  const only = stmt.fields.length === 1 ? stmt.fields[0]?.expr : undefined;
  const selector = only?.kind === 'call' && SELECTORS.has(only.name);
  const ts = selector && picked[0]?.ts !== undefined ? picked[0].ts : (input.from ?? 0);
  return [ts, ...picked.map((p) => p.value)];
}

function bucketed(stmt: SelectStatement, input: Input, rows: Row[], now: number): Value[][] {
  const interval = stmt.groupBy.intervalMs as number;
  const offset = stmt.groupBy.offsetMs ?? 0;
  if (input.from === undefined) throw new InfluxQLError('aggregate functions with GROUP BY time require a WHERE time clause with a lower bound');
  const start = (t: number) => Math.floor((t - offset) / interval) * interval + offset;
  const first = start(input.from);
  const last = start(input.to ?? now);
  if ((last - first) / interval > MAX_BUCKETS) throw new InfluxQLError(`GROUP BY time(${interval}ms) gives more than ${MAX_BUCKETS} buckets; use a larger interval`);
  const byBucket = new Map<number, Row[]>();
  for (const r of rows) {
    const b = start(r.ts);
    let list = byBucket.get(b);
    if (!list) byBucket.set(b, (list = []));
    list.push(r);
  }
  const out: Value[][] = [];
  let previous: Value[] | undefined;
  let any = false;
  for (let b = first; b <= last; b += interval) {
    const picked = stmt.fields.map((f) => evalAggregate(f.expr, byBucket.get(b) ?? []).value);
    const empty = picked.every((v) => v === null);
    if (!empty) any = true;
    const fill = stmt.fill;
    if (empty && fill.kind === 'none') continue;
    const row = picked.map((v, i) => {
      if (v !== null) return v;
      if (fill.kind === 'value') return fill.value;
      if (fill.kind === 'previous') return previous?.[i] ?? null;
      return null;
    });
    previous = row;
    out.push([b, ...row]);
  }
  if (stmt.fill.kind === 'linear') interpolate(out);
  // A group with no value anywhere in the range is not a series at all.
  return any ? out : [];
}

function interpolate(rows: Value[][]): void {
  const width = (rows[0]?.length ?? 1) - 1;
  for (let c = 1; c <= width; c++) {
    let prev = -1;
    for (let i = 0; i < rows.length; i++) {
      const v = rows[i]?.[c];
      if (typeof v !== 'number') continue;
      if (prev >= 0 && i - prev > 1) {
        const a = rows[prev]?.[c] as number;
        for (let j = prev + 1; j < i; j++) (rows[j] as Value[])[c] = a + ((v - a) * (j - prev)) / (i - prev);
      }
      prev = i;
    }
  }
}
