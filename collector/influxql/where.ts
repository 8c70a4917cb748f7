/**
 * WHERE clauses: the time range (top-level `time` comparisons joined by AND,
 * as Grafana's $timeFilter writes them), the conditions that only read tags
 * (pushed down to pick series before any point is read), and the rest,
 * evaluated per row.
 */
import type { Expr } from './ast.js';
import { InfluxQLError } from './ast.js';

export type Value = number | string | boolean | null;

export interface Row {
  ts: number;
  tags: Readonly<Record<string, string>>;
  values: Record<string, Value>;
}

export interface SplitWhere {
  /** Inclusive bounds in epoch ms; undefined when the query gives none. */
  from?: number;
  to?: number;
  tagTerms: Expr[];
  rowTerms: Expr[];
}

function andTerms(e: Expr | undefined, out: Expr[] = []): Expr[] {
  if (!e) return out;
  if (e.kind === 'binary' && e.op === 'AND') {
    andTerms(e.left, out);
    andTerms(e.right, out);
  } else out.push(e);
  return out;
}

export function refsOf(e: Expr, out = new Set<string>()): Set<string> {
  if (e.kind === 'ref') out.add(e.name);
  else if (e.kind === 'binary') {
    refsOf(e.left, out);
    refsOf(e.right, out);
  } else if (e.kind === 'call') for (const a of e.args) refsOf(a, out);
  return out;
}

/** `now() - 24h`, `1700000000000ms`, `'2026-11-23T08:00:00Z'`, a bare number (nanoseconds). */
export function timeValue(e: Expr, now: number): number {
  switch (e.kind) {
    case 'call':
      if (e.name === 'now' && e.args.length === 0) return now;
      break;
    case 'duration':
      return e.ms;
    case 'number':
      return Math.floor(e.value / 1e6);
    case 'string': {
      const t = Date.parse(e.value);
      if (Number.isFinite(t)) return t;
      throw new InfluxQLError(`invalid time '${e.value}' (write RFC3339, e.g. '2026-11-23T08:00:00Z')`);
    }
    case 'binary':
      if (e.op === '+' || e.op === '-') {
        const l = timeValue(e.left, now);
        const r = timeValue(e.right, now);
        return e.op === '+' ? l + r : l - r;
      }
      break;
    default:
      break;
  }
  throw new InfluxQLError('invalid time expression: compare time with now(), now() - 1h, 1700000000000ms or an RFC3339 string');
}

export function splitWhere(where: Expr | undefined, now: number, isTag: (name: string) => boolean): SplitWhere {
  const out: SplitWhere = { tagTerms: [], rowTerms: [] };
  for (const term of andTerms(where)) {
    const refs = refsOf(term);
    if (refs.has('time')) {
      if (term.kind !== 'binary' || !['>', '>=', '<', '<=', '='].includes(term.op)) {
        throw new InfluxQLError('time may only be compared (>, >=, <, <=, =) at the top level of WHERE, joined by AND');
      }
      const timeOnLeft = term.left.kind === 'ref' && term.left.name === 'time';
      const other = timeOnLeft ? term.right : term.left;
      const t = timeValue(other, now);
      const op = timeOnLeft ? term.op : ({ '>': '<', '>=': '<=', '<': '>', '<=': '>=', '=': '=' } as const)[term.op as '>'];
      // The store keeps milliseconds, so "after t" starts at the next millisecond.
      if (op === '>' || op === '>=' || op === '=') out.from = Math.max(out.from ?? -Infinity, op === '>' ? t + 1 : t);
      if (op === '<' || op === '<=' || op === '=') out.to = Math.min(out.to ?? Infinity, op === '<' ? t - 1 : t);
      continue;
    }
    if (refs.size > 0 && [...refs].every(isTag)) out.tagTerms.push(term);
    else out.rowTerms.push(term);
  }
  return out;
}

/** A value of a row, for conditions and raw selections: fields first, then tags. */
export function evalRow(e: Expr, row: Row, missing: Value = null): Value {
  switch (e.kind) {
    case 'ref':
      return Object.hasOwn(row.values, e.name) ? (row.values[e.name] as Value) : (row.tags[e.name] ?? missing);
    case 'number':
      return e.value;
    case 'string':
      return e.value;
    case 'bool':
      return e.value;
    case 'duration':
      return e.ms;
    case 'binary':
      return binary(e.op, e.op === '=~' || e.op === '!~' ? undefined : evalRow(e.left, row, missing), e, row, missing);
    default:
      throw new InfluxQLError(`${e.kind === 'call' ? `${e.name}()` : e.kind} is not allowed here`);
  }
}

function binary(op: string, left: Value | undefined, e: Expr & { kind: 'binary' }, row: Row, missing: Value): Value {
  if (op === 'AND') return truthy(left ?? null) && truthy(evalRow(e.right, row, missing));
  if (op === 'OR') return truthy(left ?? null) || truthy(evalRow(e.right, row, missing));
  if (op === '=~' || op === '!~') {
    const v = evalRow(e.left, row, missing);
    // A missing tag reads as '' in InfluxDB, so /^$/ and /.*/ match it.
    const text = v === null ? '' : String(v);
    const re = (e.right as Expr & { kind: 'regex' }).regex;
    return op === '=~' ? re.test(text) : !re.test(text);
  }
  return arithmetic(op, left ?? null, evalRow(e.right, row, missing));
}

/** Arithmetic and comparison on two values; null in, null (or false) out, as InfluxQL. */
export function arithmetic(op: string, a: Value, b: Value): Value {
  if (op === '=' || op === '!=' || op === '<>') {
    if (a === null || b === null) return false;
    // Booleans are stored as 1/0, so `"up" = true` must match 1.
    const eq = typeof a === 'boolean' || typeof b === 'boolean' ? Number(a) === Number(b) : a === b;
    return op === '=' ? eq : !eq;
  }
  if (a === null || b === null) return op === '+' || op === '-' || op === '*' || op === '/' ? null : false;
  if (op === '<' || op === '<=' || op === '>' || op === '>=') {
    if (typeof a !== typeof b) return false;
    const x = a as number | string;
    const y = b as number | string;
    return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
  }
  if (typeof a !== 'number' || typeof b !== 'number') return null;
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0 ? 0 : a / b;
  }
  return null;
}

export function truthy(v: Value): boolean {
  return v === true;
}
