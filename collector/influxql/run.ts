/**
 * A `q` parameter → InfluxDB 1.x's JSON answer: one result per statement,
 * `{statement_id, series}` or `{statement_id, error}`; a query that does not
 * parse is one top-level `{error}`, as influxd answers it.
 */
import type { Expr, ShowList, ShowTagValues, Statement } from './ast.js';
import { InfluxQLError } from './ast.js';
import { executeSelect, type InfluxSource, type ResultSeries } from './execute.js';
import { parseQuery } from './parser.js';
import { evalRow, truthy, type Value } from './where.js';

export interface StatementResult {
  statement_id: number;
  series?: ResultSeries[];
  error?: string;
}

export interface QueryResponse {
  results?: StatementResult[];
  error?: string;
}

export type Epoch = 'ns' | 'u' | 'µ' | 'ms' | 's' | 'm' | 'h';
const EPOCH_DIVISOR: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

export interface RunOptions {
  now: number;
  /** Times as integers in this unit; RFC3339 strings when absent. */
  epoch?: string;
  /** The `db` parameter, echoed by SHOW DATABASES. */
  database?: string;
}

export async function runQuery(q: string, src: InfluxSource, o: RunOptions): Promise<QueryResponse> {
  let statements: Statement[];
  try {
    statements = parseQuery(q);
  } catch (err) {
    if (err instanceof InfluxQLError) return { error: `error parsing query: ${err.message}` };
    throw err;
  }
  const results: StatementResult[] = [];
  for (const [i, stmt] of statements.entries()) {
    try {
      const series = await runStatement(stmt, src, o);
      results.push({ statement_id: i, ...(series.length > 0 ? { series: series.map((s) => withTimes(s, o.epoch)) } : {}) });
    } catch (err) {
      if (!(err instanceof InfluxQLError)) throw err;
      results.push({ statement_id: i, error: err.message });
    }
  }
  return { results };
}

async function runStatement(stmt: Statement, src: InfluxSource, o: RunOptions): Promise<ResultSeries[]> {
  switch (stmt.kind) {
    case 'select':
      return executeSelect(stmt, src, o.now);
    case 'create-database':
      // Telegraf's outputs.influxdb creates its database at start; there is one store, so it exists.
      return [];
    case 'show-databases':
      return [{ name: 'databases', columns: ['name'], values: [[o.database || 'roomwatch']] }];
    case 'show-retention-policies':
      return [{ name: '', columns: ['name', 'duration', 'shardGroupDuration', 'replicaN', 'default'], values: [['autogen', '0s', '168h0m0s', 1, true]] }];
    case 'show-tag-values':
      return showTagValues(stmt, src);
    default:
      return showList(stmt, src);
  }
}

function matchesWhere(where: Expr | undefined, tags: Record<string, string>): boolean {
  return where === undefined || truthy(evalRow(where, { ts: 0, tags, values: {} }, ''));
}

async function showTagValues(stmt: ShowTagValues, src: InfluxSource): Promise<ResultSeries[]> {
  const byMeasurement = new Map<string, Set<string>>();
  const measurements = stmt.from ?? [undefined];
  const keyMatches = (k: string): boolean => {
    switch (stmt.keys.op) {
      case '=':
      case 'IN':
        return stmt.keys.values.includes(k);
      case '!=':
        return !stmt.keys.values.includes(k);
      case '=~':
        return (stmt.keys.regex as RegExp).test(k);
      case '!~':
        return !(stmt.keys.regex as RegExp).test(k);
    }
  };
  for (const m of measurements) {
    for (const s of await src.series(m)) {
      if (!matchesWhere(stmt.where, s.tags)) continue;
      let set = byMeasurement.get(s.measurement);
      if (!set) byMeasurement.set(s.measurement, (set = new Set()));
      for (const [k, v] of Object.entries(s.tags)) if (v !== '' && keyMatches(k)) set.add(JSON.stringify([k, v]));
    }
  }
  const out: ResultSeries[] = [];
  for (const [name, set] of [...byMeasurement].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const values = [...set].map((x) => JSON.parse(x) as [string, string]).sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1));
    if (values.length > 0) out.push({ name, columns: ['key', 'value'], values: values.slice(0, stmt.limit) });
  }
  return out;
}

async function showList(stmt: ShowList, src: InfluxSource): Promise<ResultSeries[]> {
  const all = (await Promise.all((stmt.from ?? [undefined]).map((m) => src.series(m)))).flat().filter((s) => matchesWhere(stmt.where, s.tags));
  const collect = (pick: (s: (typeof all)[number]) => string[]) => {
    const by = new Map<string, Set<string>>();
    for (const s of all) {
      let set = by.get(s.measurement);
      if (!set) by.set(s.measurement, (set = new Set()));
      for (const v of pick(s)) set.add(v);
    }
    return [...by].sort(([a], [b]) => (a < b ? -1 : 1));
  };
  if (stmt.kind === 'show-measurements') {
    const names = [...new Set(all.map((s) => s.measurement))].sort();
    return names.length ? [{ name: 'measurements', columns: ['name'], values: names.slice(0, stmt.limit).map((n) => [n]) }] : [];
  }
  if (stmt.kind === 'show-tag-keys') {
    return collect((s) => Object.keys(s.tags)).map(([name, set]) => ({
      name,
      columns: ['tagKey'],
      values: [...set]
        .sort()
        .slice(0, stmt.limit)
        .map((k) => [k]),
    }));
  }
  // Every number is a float in the store (README: what changes on the way in).
  return collect((s) => [s.field]).map(([name, set]) => ({
    name,
    columns: ['fieldKey', 'fieldType'],
    values: [...set]
      .sort()
      .slice(0, stmt.limit)
      .map((k) => [k, 'float']),
  }));
}

/** Times to the requested epoch unit, or RFC3339 with the fraction trimmed, as influxd writes them. */
function withTimes(s: ResultSeries, epoch: string | undefined): ResultSeries {
  if (s.columns[0] !== 'time') return s;
  const convert = (ms: number): Value => {
    if (epoch === undefined || epoch === '')
      return new Date(ms)
        .toISOString()
        .replace(/\.?0+Z$/, 'Z')
        .replace(/\.Z$/, 'Z');
    if (epoch === 'ns' || epoch === 'n') return ms * 1e6;
    if (epoch === 'u' || epoch === 'µ' || epoch === 'us') return ms * 1e3;
    return Math.floor(ms / (EPOCH_DIVISOR[epoch] ?? 1));
  };
  return { ...s, values: s.values.map((v) => [convert(v[0] as number), ...v.slice(1)]) };
}
