/**
 * Polls one device with its profile and turns the answers into samples.
 *
 * Every poll starts with one GET of sysUpTime, sysObjectID and sysDescr: its
 * round trip is device.rtt_ms, its failure is device.up=0 (and nothing else is
 * asked, so a dead device costs one timeout), a change of sysObjectID picks the
 * profile again, and sysUpTime going backwards means the device restarted, so
 * every counter baseline is dropped instead of producing a spike.
 */
import type { DeviceMeta, Sample, SampleTags } from '../../collector/contract/index.js';
import { CounterRates } from '../rates.js';
import { exprNumber, type ExprValue } from './expr.js';
import type { CompiledMetric, CompiledTable, DeviceField, Profile, ProfileSet, SystemInfo } from './profile.js';
import { COUNTER32, SnmpError, type PollResult, type SnmpClient, type SnmpValue } from './session.js';

export const SYS = {
  descr: '1.3.6.1.2.1.1.1.0',
  objectID: '1.3.6.1.2.1.1.2.0',
  upTime: '1.3.6.1.2.1.1.3.0',
  name: '1.3.6.1.2.1.1.5.0',
} as const;

export interface PollOutcome {
  samples: Sample[];
  /** Problems worth a probe error: the device not answering, values of the wrong type, unmapped states. */
  errors: string[];
  result: PollResult;
  profile?: Profile;
  /** Values decoded in this poll. */
  values: number;
}

export interface DevicePollerOptions {
  device: string;
  /** A profile named in the target's options; otherwise chosen by sysObjectID / sysDescr. */
  profile?: string;
  intervalMs: number;
  /** The GETBULK row limit per column. */
  maxRows?: number;
}

interface RowScope {
  index: string;
  columns: Map<string, SnmpValue | undefined>;
  computed: Map<string, number>;
}

export class DevicePoller {
  private readonly rates: CounterRates;
  private profile: Profile | undefined;
  private profileKey: string | undefined;
  private lastUptimeTicks: number | undefined;
  private system: SystemInfo = {};
  private meta: Partial<DeviceMeta> = {};

  constructor(
    private readonly client: SnmpClient,
    private readonly profiles: ProfileSet,
    private readonly opts: DevicePollerOptions,
  ) {
    // A reading more than 1.5 intervals after the last one follows a timeout or a missed tick: no rate.
    this.rates = new CounterRates({ maxGapMs: Math.round(opts.intervalMs * 1.5) });
  }

  get currentProfile(): Profile | undefined {
    return this.profile;
  }

  get systemInfo(): SystemInfo {
    return this.system;
  }

  /** What the registry learns from the device: class, vendor, model, OS. */
  get deviceMeta(): Partial<DeviceMeta> {
    return this.meta;
  }

  async poll(now: () => number, signal?: AbortSignal): Promise<PollOutcome> {
    const device = this.opts.device;
    const errors: string[] = [];
    const started = performance.now();
    let sys: Map<string, SnmpValue>;
    try {
      sys = await this.client.get([SYS.upTime, SYS.objectID, SYS.descr]);
    } catch (err) {
      const result = err instanceof SnmpError ? err.result : 'error';
      return { samples: [this.downSample(result, now())], errors: [`${device}: ${(err as Error).message}`], result, profile: this.profile, values: 0 };
    }
    const ts = now();
    const rttMs = Math.round((performance.now() - started) * 10) / 10;
    const deviceFields: Record<string, number | string> = { up: 1, result: 'ok', rtt_ms: rttMs };

    const ticks = sys.get(SYS.upTime)?.value;
    if (typeof ticks === 'number') {
      deviceFields.uptime_s = Math.floor(ticks / 100);
      if (this.lastUptimeTicks !== undefined && ticks < this.lastUptimeTicks) this.rates.reset('');
      this.lastUptimeTicks = ticks;
    }
    this.system = { sysObjectID: textOf(sys.get(SYS.objectID)), sysDescr: textOf(sys.get(SYS.descr)) };

    let profile: Profile | undefined;
    try {
      profile = await this.chooseProfile();
    } catch (err) {
      const result = err instanceof SnmpError ? err.result : 'error';
      return { samples: [this.downSample(result, ts)], errors: [`${device}: ${(err as Error).message}`], result, values: 0 };
    }
    if (!profile) {
      errors.push(`${device}: no profile matches sysObjectID ${this.system.sysObjectID ?? '(none)'}; name one with options.profile`);
      return { samples: [sample('device', { device }, deviceFields, ts)], errors, result: 'ok', values: sys.size };
    }

    const out = new SampleSet(ts);
    out.add('device', { device }, deviceFields);
    let values = sys.size;
    try {
      const scalarOids = [...new Set(profile.scalars.flatMap((m) => m.oids))];
      const scalars = scalarOids.length > 0 ? await this.client.get(scalarOids) : new Map<string, SnmpValue>();
      values += scalars.size;
      this.emitScalars(profile, scalars, out, errors, ts);

      const columns = [...new Set(profile.tables.flatMap((t) => t.walkOids))];
      if (columns.length > 0) {
        const maxRows = Math.min(this.opts.maxRows ?? Number.POSITIVE_INFINITY, Math.max(...profile.tables.map((t) => t.maxRows)));
        const walked = await this.client.walkColumns(columns, maxRows, signal);
        for (const rows of walked.values()) values += rows.size;
        for (const table of profile.tables) this.emitTable(table, walked, out, errors, ts);
      }
      await this.updateMeta(profile, scalars);
    } catch (err) {
      // The device answered the first GET and then stopped: what was read so far is kept.
      const result = err instanceof SnmpError ? err.result : 'error';
      errors.push(`${device}: ${(err as Error).message}`);
      out.add('device', { device }, { result });
      return { samples: out.samples(), errors, result, profile, values };
    }
    return { samples: out.samples(), errors, result: 'ok', profile, values };
  }

  private downSample(result: PollResult, ts: number): Sample {
    return sample('device', { device: this.opts.device }, { up: 0, result }, ts);
  }

  private async chooseProfile(): Promise<Profile | undefined> {
    if (this.opts.profile) {
      this.profile ??= this.profiles.get(this.opts.profile);
      return this.profile;
    }
    const key = `${this.system.sysObjectID ?? ''}\n${this.system.sysDescr ?? ''}`;
    if (this.profile && this.profileKey === key) return this.profile;
    const probeOids = this.profiles.existenceOids(this.system);
    const found = probeOids.length > 0 ? await this.client.get(probeOids) : new Map<string, SnmpValue>();
    const next = this.profiles.select(this.system, (oid) => found.has(oid));
    if (next?.name !== this.profile?.name) this.rates.reset('');
    this.profile = next;
    this.profileKey = key;
    return next;
  }

  private async updateMeta(profile: Profile, scalars: Map<string, SnmpValue>): Promise<void> {
    const d = profile.device;
    const wanted = [d.model, d.os, d.serial].flatMap((f) => (typeof f === 'object' && !scalars.has(f.oid) ? [f.oid] : []));
    const extra = wanted.length > 0 && this.meta.model === undefined ? await this.client.get(wanted) : new Map<string, SnmpValue>();
    const read = (f: DeviceField | undefined): string | undefined => {
      if (f === undefined) return undefined;
      if (typeof f === 'string') return f;
      const v = scalars.get(f.oid) ?? extra.get(f.oid);
      return v === undefined ? undefined : String(v.value).slice(0, 256);
    };
    this.meta = {
      class: d.class,
      vendor: d.vendor,
      model: read(d.model) ?? this.meta.model,
      os: read(d.os) ?? this.meta.os ?? this.system.sysDescr?.slice(0, 256),
      serial: read(d.serial) ?? this.meta.serial,
    };
  }

  private emitScalars(profile: Profile, values: Map<string, SnmpValue>, out: SampleSet, errors: string[], ts: number): void {
    const computed = new Map<string, number>();
    for (const m of profile.scalars) {
      const oid = m.oids.find((o) => values.has(o));
      const raw = oid === undefined ? undefined : values.get(oid);
      if (m.oids.length > 0 && raw === undefined) continue;
      const key = `s|${m.metric}|${oid ?? ''}|${JSON.stringify(m.tags)}`;
      const v = this.valueOf(m, raw, key, ts, (name) => computed.get(name), errors);
      if (v === undefined) continue;
      computed.set(m.metric, v);
      out.add(m.measurement, { device: this.opts.device, ...m.tags }, { [m.field]: v });
    }
  }

  private emitTable(table: CompiledTable, walked: Map<string, Map<string, SnmpValue>>, out: SampleSet, errors: string[], ts: number): void {
    // Rows are the indexes of the metric and named columns (not of tag columns, which
    // often cover more rows than the table has data for).
    const indexes = new Set<string>();
    const rowOids = [...table.metrics.flatMap((m) => m.oids), ...[...table.columns.values()].flat()];
    for (const o of rowOids) for (const idx of walked.get(o)?.keys() ?? []) indexes.add(idx);
    const aggregates = new Map<CompiledMetric, number[]>();
    let rows = 0;
    for (const index of indexes) {
      if (rows++ >= table.maxRows) break;
      const scope: RowScope = { index, columns: new Map(), computed: new Map() };
      for (const [name, oids] of table.columns) scope.columns.set(name, firstValue(walked, oids, index));
      const lookup = (name: string): ExprValue => {
        if (name === 'index') return index;
        if (scope.computed.has(name)) return scope.computed.get(name);
        const col = scope.columns.get(name);
        return col?.value;
      };
      if (table.where && exprNumber(table.where.evaluate(lookup)) !== 1) continue;
      const tags = this.rowTags(table, walked, scope);
      for (const m of table.metrics) {
        const oid = m.oids.find((o) => walked.get(o)?.has(index));
        const raw = oid === undefined ? undefined : walked.get(oid)?.get(index);
        if (m.oids.length > 0 && raw === undefined) continue;
        const key = `t|${table.profile}/${table.name}|${m.metric}|${oid ?? ''}|${index}`;
        const v = this.valueOf(m, raw, key, ts, lookup, errors);
        if (v === undefined) continue;
        scope.computed.set(m.metric, v);
        if (m.aggregate) {
          const list = aggregates.get(m) ?? [];
          list.push(v);
          aggregates.set(m, list);
        } else {
          out.add(m.measurement, { device: this.opts.device, ...tags, ...m.tags }, { [m.field]: v });
        }
      }
    }
    for (const m of table.metrics) {
      if (!m.aggregate) continue;
      const v = aggregate(m.aggregate, aggregates.get(m) ?? []);
      if (v !== undefined) out.add(m.measurement, { device: this.opts.device, ...m.tags }, { [m.field]: v });
    }
  }

  private rowTags(table: CompiledTable, walked: Map<string, Map<string, SnmpValue>>, scope: RowScope): Record<string, string> {
    const tags: Record<string, string> = {};
    const parts = scope.index.split('.');
    for (const t of table.tags) {
      let value: string | undefined;
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

  /** raw → enum map or number → per-second rate → scale → expression. */
  private valueOf(m: CompiledMetric, raw: SnmpValue | undefined, key: string, ts: number, scope: (name: string) => ExprValue, errors: string[]): number | undefined {
    let value: number | undefined;
    if (raw !== undefined) {
      if (m.map) {
        const mapped = m.map.get(String(raw.value));
        if (mapped === null) return undefined;
        value = mapped ?? m.mapDefault;
        if (value === undefined) {
          errors.push(`${this.opts.device} ${m.metric}: state '${raw.value}' is not in the profile's map (${m.profile})`);
          return undefined;
        }
      } else {
        value = exprNumber(raw.value);
        if (value === undefined) {
          errors.push(`${this.opts.device} ${m.metric}: expected a number, got '${String(raw.value).slice(0, 40)}' (${m.profile})`);
          return undefined;
        }
      }
      if (m.counter) {
        value = this.rates.rate(key, value, ts, { bits: raw.type === COUNTER32 ? 32 : 64 });
        if (value === undefined) return undefined;
      }
      value *= m.factor;
    }
    if (m.expr) {
      const v = m.expr.evaluate((name) => (name === 'value' ? value : scope(name)));
      value = exprNumber(v);
    }
    return value === undefined ? undefined : Math.round(value * 1e6) / 1e6;
  }
}

function textOf(v: SnmpValue | undefined): string | undefined {
  return v === undefined ? undefined : String(v.value);
}

function firstValue(walked: Map<string, Map<string, SnmpValue>>, oids: string[], index: string): SnmpValue | undefined {
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

function sample(measurement: string, tags: SampleTags, fields: Record<string, number | string>, ts: number): Sample {
  return { measurement, tags, fields, ts };
}

/** Groups fields of the same measurement and tags into one sample. */
class SampleSet {
  private readonly byKey = new Map<string, Sample>();
  constructor(private readonly ts: number) {}

  add(measurement: string, tags: SampleTags, fields: Record<string, number | string>): void {
    const key = `${measurement}|${Object.keys(tags).sort().map((k) => `${k}=${tags[k]}`).join(',')}`;
    const existing = this.byKey.get(key);
    if (existing) Object.assign(existing.fields, fields);
    else this.byKey.set(key, sample(measurement, tags, { ...fields }, this.ts));
  }

  samples(): Sample[] {
    return [...this.byKey.values()];
  }
}
