/**
 * Turns the answers to one poll into samples, through the plan's scalars and
 * tables, and says what could not be read and why.
 *
 * Per value: raw → sentinel check → enum map or number (text like "24.8 C"
 * parsed) → per-second rate → scale → expression → plausible range. A
 * sentinel drops the value quietly (the MIB says "unknown"); a value of the
 * wrong kind, an unmapped state or an implausible result drops it with a
 * warning. Per table: no rows at all, or rows of which none passed `where`,
 * is a warning naming the absent subtree or the row names that were there.
 */
import type { Sample, SampleTags } from '../../collector/contract/index.js';
import type { CounterRates } from '../rates.js';
import { exprNumber, type ExprValue } from './expr.js';
import { checkRange, parseTextNumber, UNKNOWN_SENTINELS } from './plausible.js';
import type { CompiledMetric, CompiledTable, Profile } from './profile.js';
import { COUNTER32, COUNTER64, type SnmpValue } from './session.js';

/** Something the poll did not turn into a sample, and why; `module` is the profile that asked for it. */
export interface PollWarning {
  module: string;
  message: string;
}

/** Things the plan asked for that the device does not have (informational, not warnings). */
export interface NotRead {
  module: string;
  what: string;
  reason: string;
}

interface RowScope {
  index: string;
  columns: Map<string, SnmpValue | undefined>;
  computed: Map<string, number>;
}

export type Walked = Map<string, Map<string, SnmpValue>>;

export class PollEmitter {
  readonly out: SampleSet;
  readonly warnings: PollWarning[] = [];
  readonly notRead: NotRead[] = [];
  /** Tables that produced nothing, held until every table ran: another table may have filled their metrics. */
  private readonly emptyTables: Array<{ table: CompiledTable; message: string }> = [];
  private readonly emitted = new Set<string>();

  constructor(
    private readonly device: string,
    private readonly rates: CounterRates,
    private readonly ts: number,
  ) {
    this.out = new SampleSet(ts);
  }

  private warn(module: string, message: string): void {
    this.warnings.push({ module, message });
  }

  scalars(plan: Profile, values: Map<string, SnmpValue>): void {
    const computed = new Map<string, number>();
    const missing = new Map<string, string[]>();
    for (const m of plan.scalars) {
      const oid = m.oids.find((o) => values.has(o));
      const raw = oid === undefined ? undefined : values.get(oid);
      if (m.oids.length > 0 && raw === undefined) {
        // A metric listed twice (laLoad, else laLoadInt) is missing only if every entry is.
        if (!plan.scalars.some((o) => o !== m && o.metric === m.metric && o.oids.some((x) => values.has(x)))) {
          const list = missing.get(m.profile) ?? [];
          if (!list.includes(m.metric)) list.push(m.metric);
          missing.set(m.profile, list);
        }
        continue;
      }
      const key = `s|${m.metric}|${oid ?? ''}|${JSON.stringify(m.tags)}`;
      const v = this.valueOf(m, raw, key, (name) => computed.get(name), m.tags);
      if (v === undefined) continue;
      computed.set(m.metric, v);
      this.out.add(m.measurement, { device: this.device, ...m.tags }, { [m.field]: v });
    }
    for (const [module, metrics] of missing) this.notRead.push({ module, what: metrics.join(', '), reason: 'not answered' });
  }

  table(table: CompiledTable, walked: Walked): void {
    // Rows are the indexes of the metric and named columns (not of tag columns, which
    // often cover more rows than the table has data for).
    const indexes = new Set<string>();
    const rowOids = [...table.metrics.flatMap((m) => m.oids), ...[...table.columns.values()].flat()];
    for (const o of rowOids) for (const idx of walked.get(o)?.keys() ?? []) indexes.add(idx);
    if (indexes.size === 0) {
      if (!table.optional) this.emptyTables.push({ table, message: `table ${table.name}: absent subtree ${rowOids[0] ?? '?'} (no rows)` });
      return;
    }
    const aggregates = new Map<CompiledMetric, number[]>();
    let rows = 0;
    let passed = 0;
    const filteredOut: Array<(name: string) => ExprValue> = [];
    for (const index of indexes) {
      if (rows++ >= table.maxRows) break;
      const scope: RowScope = { index, columns: new Map(), computed: new Map() };
      for (const [name, oids] of table.columns) scope.columns.set(name, firstValue(walked, oids, index));
      const lookup = (name: string): ExprValue => {
        if (name === 'index') return index;
        if (scope.computed.has(name)) return scope.computed.get(name);
        return scope.columns.get(name)?.value;
      };
      if (table.where && exprNumber(table.where.evaluate(lookup)) !== 1) {
        filteredOut.push(lookup);
        continue;
      }
      passed++;
      const tags = rowTags(table, walked, scope);
      for (const m of table.metrics) {
        const oid = m.oids.find((o) => walked.get(o)?.has(index));
        const raw = oid === undefined ? undefined : walked.get(oid)?.get(index);
        if (m.oids.length > 0 && raw === undefined) continue;
        const key = `t|${table.profile}/${table.name}|${m.metric}|${oid ?? ''}|${index}`;
        const v = this.valueOf(m, raw, key, lookup, { ...tags, ...m.tags });
        if (v === undefined) continue;
        this.emitted.add(`${table.profile}|${m.metric}`);
        scope.computed.set(m.metric, v);
        if (m.aggregate) {
          const list = aggregates.get(m) ?? [];
          list.push(v);
          aggregates.set(m, list);
        } else {
          this.out.add(m.measurement, { device: this.device, ...tags, ...m.tags }, { [m.field]: v });
        }
      }
    }
    if (passed === 0 && table.where && !table.optional) this.emptyTables.push({ table, message: `table ${table.name}: ${describeFiltered(table, filteredOut)}` });
    for (const m of table.metrics) {
      if (!m.aggregate) continue;
      const v = aggregate(m.aggregate, aggregates.get(m) ?? []);
      if (v !== undefined) this.out.add(m.measurement, { device: this.device, ...m.tags }, { [m.field]: v });
    }
  }

  /** Reports the tables that gave nothing, unless a fallback table of the same profile gave their metrics. */
  finishTables(): void {
    for (const { table, message } of this.emptyTables) {
      const filled = table.metrics.every((m) => this.emitted.has(`${table.profile}|${m.metric}`));
      if (!filled) this.warn(table.profile, message);
    }
    this.emptyTables.length = 0;
  }

  /** raw → sentinel → enum map or number → per-second rate → scale → expression → range. */
  private valueOf(m: CompiledMetric, raw: SnmpValue | undefined, key: string, scope: (name: string) => ExprValue, tags: Readonly<Record<string, string>>): number | undefined {
    let value: number | undefined;
    const where = () =>
      `${m.metric}${
        Object.keys(tags).length > 0
          ? `{${Object.entries(tags)
              .map(([k, v]) => `${k}=${v}`)
              .join(',')}}`
          : ''
      }`;
    if (raw !== undefined) {
      const isCounter = raw.type === COUNTER32 || raw.type === COUNTER64;
      if (m.map) {
        const mapped = m.map.get(String(raw.value));
        if (mapped === null) return undefined;
        value = mapped ?? m.mapDefault;
        if (value === undefined) {
          this.warn(m.profile, `${where()}: state '${String(raw.value).slice(0, 40)}' is not in the profile's map`);
          return undefined;
        }
      } else {
        value = typeof raw.value === 'number' ? raw.value : parseTextNumber(raw.value);
        // A text state ("Closed", "Alarm") is for the expression to judge (matches(value, ...)).
        if (value === undefined && m.expr?.readsText && !m.counter) return this.finish(m, exprNumber(m.expr.evaluate((name) => (name === 'value' ? String(raw.value) : scope(name)))), where);
        if (value === undefined) {
          this.warn(m.profile, `${where()}: expected a number, got '${String(raw.value).slice(0, 40)}'`);
          return undefined;
        }
        if (!m.counter && !isCounter && (m.unknown.has(value) || (m.sentinels && UNKNOWN_SENTINELS.has(value)))) return undefined;
      }
      if (m.counter) {
        value = this.rates.rate(key, value, this.ts, { bits: raw.type === COUNTER32 ? 32 : 64 });
        if (value === undefined) return undefined;
      }
      value *= m.factor;
    }
    if (m.expr) value = exprNumber(m.expr.evaluate((name) => (name === 'value' ? value : scope(name))));
    return this.finish(m, value, where);
  }

  /** Rounds and range-checks a final value; outside the plausible range it is a warning, not a sample. */
  private finish(m: CompiledMetric, value: number | undefined, where: () => string): number | undefined {
    if (value === undefined) return undefined;
    const rounded = Math.round(value * 1e6) / 1e6;
    const verdict = checkRange(m.metric, rounded, m.range);
    if (!verdict.ok) {
      this.warn(m.profile, `${where()}: ${verdict.why}; not sent`);
      return undefined;
    }
    return rounded;
  }
}

/** Why no row passed `where`: the row names (text columns it compares) that were there. */
function describeFiltered(table: CompiledTable, rows: Array<(name: string) => ExprValue>): string {
  const source = table.where?.source ?? '';
  const wanted = [...source.matchAll(/"([^"]*)"|'([^']*)'/g)].map((m) => m[1] ?? m[2]).filter((s) => s && !/^[0-9.]+$/.test(s));
  const names = [...(table.where?.names ?? [])].filter((n) => n !== 'index');
  const seen = new Set<string>();
  for (const row of rows) {
    for (const n of names) {
      const v = row(n);
      if (typeof v === 'string' && v.trim() !== '' && !/^[0-9.]+$/.test(v)) seen.add(v.trim());
    }
  }
  const there = [...seen].slice(0, 12);
  if (wanted.length > 0) {
    return `no row named ${wanted.map((w) => `"${w}"`).join(' or ')} (${rows.length} rows; names there: ${there.length > 0 ? there.map((t) => `"${t}"`).join(', ') : 'none'}${seen.size > 12 ? ', ...' : ''})`;
  }
  return `none of ${rows.length} rows passed where: ${source}`;
}

function rowTags(table: CompiledTable, walked: Walked, scope: RowScope): Record<string, string> {
  const tags: Record<string, string> = {};
  const parts = scope.index.split('.');
  for (const t of table.tags) {
    let value: string;
    if (t.kind === 'index') value = scope.index;
    else if (t.kind === 'column') {
      const v = firstValue(walked, t.oids, scope.index);
      value = v === undefined || String(v.value).trim() === '' ? scope.index : String(v.value).trim();
    } else {
      value = t.template.replace(/\{([A-Za-z_][A-Za-z0-9_.]*)\}/g, (_, ref: string) => {
        if (ref === 'index') return scope.index;
        const m = /^index\.(\d+)$/.exec(ref);
        if (m) return parts[Number(m[1]) - 1] ?? '';
        const col = scope.columns.get(ref);
        return col === undefined ? '' : String(col.value).trim();
      });
    }
    tags[t.name] = value.slice(0, 256);
  }
  return tags;
}

function firstValue(walked: Walked, oids: string[], index: string): SnmpValue | undefined {
  for (const o of oids) {
    const v = walked.get(o)?.get(index);
    if (v !== undefined) return v;
  }
  return undefined;
}

function aggregate(kind: NonNullable<CompiledMetric['aggregate']>, values: number[]): number | undefined {
  // A count over no rows is 0 (no active alarms); a sum or an extreme over no rows is
  // unknown, so a table the device does not serve never reads as "nothing failed".
  if (kind === 'count') return values.length;
  if (values.length === 0) return undefined;
  switch (kind) {
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'avg':
      return Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 1e6) / 1e6;
    case 'min':
      return Math.min(...values);
    case 'max':
      return Math.max(...values);
  }
}

export function sample(measurement: string, tags: SampleTags, fields: Record<string, number | string>, ts: number): Sample {
  return { measurement, tags, fields, ts };
}

/** Groups fields of the same measurement and tags into one sample. */
export class SampleSet {
  private readonly byKey = new Map<string, Sample>();
  constructor(private readonly ts: number) {}

  add(measurement: string, tags: SampleTags, fields: Record<string, number | string>): void {
    const key = `${measurement}|${Object.keys(tags)
      .sort()
      .map((k) => `${k}=${tags[k]}`)
      .join(',')}`;
    const existing = this.byKey.get(key);
    if (existing) Object.assign(existing.fields, fields);
    else this.byKey.set(key, sample(measurement, tags, { ...fields }, this.ts));
  }

  samples(): Sample[] {
    return [...this.byKey.values()];
  }
}
