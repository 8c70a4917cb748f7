/**
 * InfluxQL functions over the rows of one group and time bucket. Selectors
 * (first, last, min, max) also say which point they chose, because InfluxDB
 * reports that point's time when a query has no GROUP BY time.
 */
import type { Expr } from './ast.js';
import { InfluxQLError } from './ast.js';
import { arithmetic, type Row, type Value } from './where.js';

export const AGGREGATES = new Set(['count', 'mean', 'sum', 'min', 'max', 'first', 'last', 'spread', 'median', 'stddev']);
export const SELECTORS = new Set(['first', 'last', 'min', 'max', 'top', 'bottom']);

export interface Picked {
  value: Value;
  /** The chosen point's time, for selectors. */
  ts?: number;
}

export function hasAggregate(e: Expr): boolean {
  if (e.kind === 'call') return AGGREGATES.has(e.name) || e.name === 'top' || e.name === 'bottom' || e.name === 'distinct';
  if (e.kind === 'binary') return hasAggregate(e.left) || hasAggregate(e.right);
  return false;
}

/** The field a function reads: `mean("x")`, `count(distinct("x"))`. */
export function fieldOf(call: Expr & { kind: 'call' }): { name: string; distinct: boolean } {
  const arg = call.args[0];
  if (arg?.kind === 'ref') return { name: arg.name, distinct: false };
  if (arg?.kind === 'call' && arg.name === 'distinct' && arg.args[0]?.kind === 'ref') return { name: arg.args[0].name, distinct: true };
  throw new InfluxQLError(`expected field argument in ${call.name}()`);
}

/** Evaluates an expression of aggregates over `rows` (one bucket of one group); null when the bucket has no value. */
export function evalAggregate(e: Expr, rows: readonly Row[]): Picked {
  switch (e.kind) {
    case 'call':
      return call(e, rows);
    case 'number':
      return { value: e.value };
    case 'binary': {
      const l = evalAggregate(e.left, rows);
      const r = evalAggregate(e.right, rows);
      return { value: arithmetic(e.op, l.value, r.value) };
    }
    case 'ref':
      throw new InfluxQLError(`mixing aggregate and non-aggregate queries is not supported: "${e.name}"`);
    default:
      throw new InfluxQLError(`${e.kind} is not allowed in a SELECT with aggregates`);
  }
}

function call(e: Expr & { kind: 'call' }, rows: readonly Row[]): Picked {
  if (!AGGREGATES.has(e.name)) throw new InfluxQLError(`unsupported function ${e.name}(); roomwatch answers ${[...AGGREGATES].join(', ')}, top, bottom and count(distinct())`);
  const { name, distinct } = fieldOf(e);
  const values: Array<{ v: Value; ts: number }> = [];
  for (const r of rows) {
    const v = r.values[name];
    if (v !== undefined && v !== null) values.push({ v, ts: r.ts });
  }
  if (values.length === 0) return { value: null };
  if (distinct) {
    if (e.name !== 'count') throw new InfluxQLError(`distinct() is supported inside count() only`);
    return { value: new Set(values.map((x) => x.v)).size };
  }
  switch (e.name) {
    case 'count':
      return { value: values.length };
    case 'first':
    case 'last': {
      let best = values[0] as { v: Value; ts: number };
      for (const x of values) if (e.name === 'last' ? x.ts > best.ts : x.ts < best.ts) best = x;
      return { value: best.v, ts: best.ts };
    }
    case 'min':
    case 'max': {
      const nums = numeric(values, e.name);
      let best = nums[0] as { v: number; ts: number };
      for (const x of nums) if (e.name === 'max' ? x.v > best.v || (x.v === best.v && x.ts < best.ts) : x.v < best.v || (x.v === best.v && x.ts < best.ts)) best = x;
      return { value: best.v, ts: best.ts };
    }
  }
  const nums = numeric(values, e.name).map((x) => x.v);
  const sum = nums.reduce((a, b) => a + b, 0);
  switch (e.name) {
    case 'sum':
      return { value: sum };
    case 'mean':
      return { value: sum / nums.length };
    case 'spread':
      return { value: Math.max(...nums) - Math.min(...nums) };
    case 'median': {
      const sorted = [...nums].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      return { value: sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2 };
    }
    default: {
      if (nums.length < 2) return { value: null };
      const mean = sum / nums.length;
      return { value: Math.sqrt(nums.reduce((a, b) => a + (b - mean) ** 2, 0) / (nums.length - 1)) };
    }
  }
}

function numeric(values: Array<{ v: Value; ts: number }>, fn: string): Array<{ v: number; ts: number }> {
  const out: Array<{ v: number; ts: number }> = [];
  for (const x of values) {
    if (typeof x.v === 'number') out.push({ v: x.v, ts: x.ts });
    else if (typeof x.v === 'boolean') out.push({ v: x.v ? 1 : 0, ts: x.ts });
  }
  if (out.length === 0) throw new InfluxQLError(`${fn}() needs a numeric field; this one holds strings`);
  return out;
}

export interface TopCall {
  field: string;
  tags: string[];
  n: number;
  bottom: boolean;
}

export function topCall(e: Expr): TopCall | undefined {
  if (e.kind !== 'call' || (e.name !== 'top' && e.name !== 'bottom')) return undefined;
  const [first, ...rest] = e.args;
  const last = rest.pop();
  if (first?.kind !== 'ref' || last?.kind !== 'number' || !last.integer || last.value < 1 || rest.some((a) => a.kind !== 'ref')) {
    throw new InfluxQLError(`expected ${e.name}(field, [tag, ...], N) with N a positive integer`);
  }
  return { field: first.name, tags: rest.map((a) => (a as Expr & { kind: 'ref' }).name), n: last.value, bottom: e.name === 'bottom' };
}

/**
 * TOP/BOTTOM: the best point of each distinct combination of `tags`, then the
 * best N of those, returned in time order (ties: best value first), as InfluxDB 1.x.
 */
export function topRows(t: TopCall, rows: readonly Row[]): Array<{ ts: number; value: number; tags: string[] }> {
  const better = (a: number, b: number) => (t.bottom ? a < b : a > b);
  const best = new Map<string, { ts: number; value: number; tags: string[] }>();
  for (const r of rows) {
    const v = r.values[t.field];
    const value = typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : undefined;
    if (value === undefined) continue;
    const tags = t.tags.map((k) => r.tags[k] ?? '');
    const key = JSON.stringify(tags);
    const prev = best.get(key);
    if (!prev || better(value, prev.value) || (value === prev.value && r.ts < prev.ts)) best.set(key, { ts: r.ts, value, tags });
  }
  const chosen = [...best.values()].sort((a, b) => (a.value === b.value ? a.ts - b.ts : better(a.value, b.value) ? -1 : 1)).slice(0, t.n);
  return chosen.sort((a, b) => a.ts - b.ts || (better(a.value, b.value) ? -1 : better(b.value, a.value) ? 1 : 0));
}
