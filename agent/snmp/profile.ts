/**
 * Device profiles: loading agent/profiles/*.yaml, resolving `extends`, and
 * choosing the profile for a device from its sysObjectID and sysDescr.
 *
 * Everything a poll needs is compiled here once, so a mistake in a profile is
 * a load-time error with file:line:col, and the poller does no parsing.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { embeddedList } from '../../lib/shipped.js';
import { ConfigError, loadYamlConfig, type ConfigProblem, type YamlSource } from '../../lib/config.js';
import type { DeviceClass } from '../../collector/contract/index.js';
import { compileExpr, ExprError, type CompiledExpr } from './expr.js';
import { ProfileFileSchema, type DetectSpec, type MatchSpec, type MetricSpec, type ProfileFile, type TableSpec, type TrapSpec } from './profile-schema.js';
import { compileSafeRegex, safeRegexProblem, type SafeRegex } from '../../lib/safe-regex.js';

export interface CompiledMetric {
  /** `measurement.field`, as in docs/architecture.md §3. */
  metric: string;
  measurement: string;
  field: string;
  /** Full OIDs (scalars) or column OIDs (tables), tried in order. */
  oids: string[];
  expr?: CompiledExpr;
  map?: ReadonlyMap<string, number | null>;
  mapDefault?: number;
  counter: boolean;
  factor: number;
  aggregate?: 'sum' | 'avg' | 'min' | 'max' | 'count';
  tags: Readonly<Record<string, string>>;
  /** Raw values that mean "unknown" for this object: they produce no sample. */
  unknown: ReadonlySet<number>;
  /** Whether the usual sentinels (-1, 65535, 2^31-1, -2^31, 2^32-1) count as unknown too. */
  sentinels: boolean;
  /** The profile's own plausible range; otherwise the catalog's. */
  range?: readonly [number, number];
  /** The profile that defined it, for error messages. */
  profile: string;
}

export type TagSource = { name: string; kind: 'column'; oids: string[] } | { name: string; kind: 'index' } | { name: string; kind: 'template'; template: string };

export interface CompiledTable {
  name: string;
  profile: string;
  tags: TagSource[];
  columns: ReadonlyMap<string, string[]>;
  where?: CompiledExpr;
  maxRows: number;
  optional: boolean;
  metrics: CompiledMetric[];
  /** Every column OID the table reads: tags, named columns and metrics, with their fallbacks. */
  walkOids: string[];
}

export interface CompiledTrap extends Omit<TrapSpec, 'oid'> {
  oid: string;
  profile: string;
}

export type DeviceField = string | { oid: string };

export interface CompiledDetect extends Omit<DetectSpec, 'anchors' | 'class_from'> {
  anchors: string[];
  class_from?: { oid: string; map: Readonly<Record<string, DeviceClass>> };
  excludes: string[];
}

export interface Profile {
  name: string;
  file: string;
  description?: string;
  /** This profile and everything it extends, most general first. */
  chain: string[];
  match: MatchSpec[];
  /** Set on standard modules that detection probes for. */
  detect?: CompiledDetect;
  /** Detected modules this profile leaves out. */
  excludes: string[];
  device: { class?: DeviceClass; vendor?: string; model?: DeviceField; os?: DeviceField; serial?: DeviceField };
  scalars: CompiledMetric[];
  tables: CompiledTable[];
  traps: CompiledTrap[];
}

export interface SystemInfo {
  sysObjectID?: string;
  sysDescr?: string;
}

export const DEFAULT_MAX_ROWS = 10_000;

export function normalizeOid(oid: string): string {
  return oid.startsWith('.') ? oid.slice(1) : oid;
}

const asList = (o: string | string[] | undefined): string[] => (o === undefined ? [] : (Array.isArray(o) ? o : [o]).map(normalizeOid));
const isOidList = (v: string | string[]): boolean => (Array.isArray(v) ? true : /^\.?[0-9]+(\.[0-9]+)+$/.test(v));

interface Raw {
  file: string;
  source: YamlSource;
  value: ProfileFile;
}

/** The names a template may read: {index}, {index.N} and named columns. */
const TEMPLATE_REF = /\{([A-Za-z_][A-Za-z0-9_.]*)\}/g;

class Compiler {
  readonly problems: ConfigProblem[] = [];
  constructor(private readonly raw: Raw) {}

  private problem(path: (string | number)[], message: string): void {
    this.problems.push(this.raw.source.problem(path, message));
  }

  private expr(path: (string | number)[], text: string, allowed: ReadonlySet<string>, what: string): CompiledExpr | undefined {
    try {
      const compiled = compileExpr(text);
      for (const name of compiled.names) {
        if (!allowed.has(name)) {
          this.problem(path, `${what} reads '${name}', which is not defined here (known: ${[...allowed].join(', ') || 'nothing'})`);
          return undefined;
        }
      }
      return compiled;
    } catch (err) {
      if (err instanceof ExprError) this.problem(path, `${what} '${text}': ${err.message} at character ${err.column}`);
      else throw err;
      return undefined;
    }
  }

  metric(spec: MetricSpec, path: (string | number)[], known: Set<string>, inTable: boolean): CompiledMetric | undefined {
    const oids = asList(spec.oid);
    if (oids.length === 0 && spec.expr === undefined) {
      this.problem(path, "give 'oid', 'expr', or both (expr then reads the OID's value as 'value')");
      return undefined;
    }
    if (spec.aggregate !== undefined && !inTable) this.problem([...path, 'aggregate'], 'aggregate is for table metrics only');
    if (spec.counter && spec.map) this.problem([...path, 'map'], 'a counter cannot have an enum map');
    if (spec.counter && oids.length === 0) this.problem([...path, 'counter'], 'a counter needs an oid');
    if (spec.range && !(spec.range[0] < spec.range[1])) this.problem([...path, 'range'], 'range is [min, max] with min below max');
    const allowed = new Set(known);
    if (oids.length > 0) allowed.add('value');
    const expr = spec.expr === undefined ? undefined : this.expr([...path, 'expr'], spec.expr, allowed, 'expr');
    const dot = spec.metric.indexOf('.');
    known.add(spec.metric);
    return {
      metric: spec.metric,
      measurement: spec.metric.slice(0, dot),
      field: spec.metric.slice(dot + 1),
      oids,
      expr,
      map: spec.map ? new Map(Object.entries(spec.map)) : undefined,
      mapDefault: spec.map_default,
      counter: spec.counter ?? false,
      factor: (spec.scale ?? 1) / (spec.divisor ?? 1),
      aggregate: spec.aggregate,
      tags: spec.tags ?? {},
      unknown: new Set(spec.unknown ?? []),
      sentinels: spec.sentinels ?? true,
      range: spec.range,
      profile: this.raw.value.name,
    };
  }

  table(spec: TableSpec, path: (string | number)[]): CompiledTable {
    const columns = new Map<string, string[]>(Object.entries(spec.columns ?? {}).map(([k, v]) => [k, asList(v)]));
    const tags: TagSource[] = [];
    for (const [name, src] of Object.entries(spec.tags ?? {})) {
      if (isOidList(src)) tags.push({ name, kind: 'column', oids: asList(src) });
      else if (src === 'index') tags.push({ name, kind: 'index' });
      else {
        for (const m of (src as string).matchAll(TEMPLATE_REF)) {
          const ref = m[1] as string;
          if (!/^index(\.\d+)?$/.test(ref) && !columns.has(ref)) {
            this.problem([...path, 'tags', name], `template reads {${ref}}; use {index}, {index.N} or a name under columns`);
          }
        }
        tags.push({ name, kind: 'template', template: src as string });
      }
    }
    const known = new Set<string>([...columns.keys(), 'index']);
    const where = spec.where === undefined ? undefined : this.expr([...path, 'where'], spec.where, known, 'where');
    const metrics = spec.metrics.flatMap((m, i) => this.metric(m, [...path, 'metrics', i], known, true) ?? []);
    const walk = new Set<string>();
    for (const t of tags) if (t.kind === 'column') t.oids.forEach((o) => walk.add(o));
    for (const c of columns.values()) c.forEach((o) => walk.add(o));
    for (const m of metrics) m.oids.forEach((o) => walk.add(o));
    return { name: spec.name, profile: this.raw.value.name, tags, columns, where, maxRows: spec.max_rows ?? DEFAULT_MAX_ROWS, optional: spec.optional ?? false, metrics, walkOids: [...walk] };
  }

  compile(): Profile {
    const v = this.raw.value;
    const known = new Set<string>();
    const scalars = (v.scalars ?? []).flatMap((m, i) => this.metric(m, ['scalars', i], known, false) ?? []);
    const tables = (v.tables ?? []).map((t, i) => this.table(t, ['tables', i]));
    for (const [i, m] of (v.match ?? []).entries()) {
      if (m.sys_descr !== undefined) {
        const problem = safeRegexProblem(m.sys_descr, { ignoreCase: true });
        if (problem) this.problem(['match', i, 'sys_descr'], `not a regular expression RE2 accepts: ${problem}`);
      }
    }
    return {
      name: v.name,
      file: this.raw.file,
      description: v.description,
      chain: [v.name],
      detect: v.detect && {
        ...v.detect,
        anchors: v.detect.anchors.map(normalizeOid),
        class_from: v.detect.class_from && { oid: normalizeOid(v.detect.class_from.oid), map: v.detect.class_from.map as Record<string, DeviceClass> },
        excludes: v.detect.excludes ?? [],
      },
      excludes: v.excludes ?? [],
      match: (v.match ?? []).map((m) => ({ ...m, sys_object_id: m.sys_object_id && normalizeOid(m.sys_object_id), oid_exists: m.oid_exists && normalizeOid(m.oid_exists) })),
      device: { ...(v.device ?? {}) } as Profile['device'],
      scalars,
      tables,
      traps: (v.traps ?? []).map((t) => ({ ...t, oid: normalizeOid(t.oid), profile: v.name })),
    };
  }
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && !f.endsWith('.sample.yaml'))
    .sort()
    .map((f) => join(dir, f));
}

export class ProfileSet {
  private readonly byName = new Map<string, Profile>();
  private readonly trapIndex = new Map<string, CompiledTrap>();

  constructor(profiles: Profile[]) {
    for (const p of profiles) {
      this.byName.set(p.name, p);
      for (const t of p.traps) if (!this.trapIndex.has(t.oid)) this.trapIndex.set(t.oid, t);
    }
  }

  /** Every profile, resolved. */
  get all(): Profile[] {
    return [...this.byName.values()];
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  get(name: string): Profile | undefined {
    return this.byName.get(name);
  }

  /** The standard modules detection probes for, in name order. */
  get modules(): Profile[] {
    return [...this.byName.values()].filter((p) => p.detect !== undefined).sort((a, b) => a.name.localeCompare(b.name));
  }

  trap(oid: string): CompiledTrap | undefined {
    return this.trapIndex.get(oid);
  }

  /** Ranks the profiles whose match rules accept the device; `exists` answers oid_exists checks. */
  candidates(sys: SystemInfo, exists?: (oid: string) => boolean): Array<{ profile: Profile; score: number }> {
    const out: Array<{ profile: Profile; score: number }> = [];
    for (const profile of this.byName.values()) {
      let best = -1;
      for (const m of profile.match) {
        const score = matchScore(m, sys, exists);
        if (score > best) best = score;
      }
      if (best >= 0) out.push({ profile, score: best });
    }
    // The most specific rule wins: the longest sysObjectID prefix, then a sysDescr or OID test.
    return out.sort((a, b) => b.score - a.score || a.profile.name.localeCompare(b.profile.name));
  }

  /** The OIDs that oid_exists rules want, for the profiles that could match on the other tests. */
  existenceOids(sys: SystemInfo): string[] {
    const oids = new Set<string>();
    for (const profile of this.byName.values()) {
      for (const m of profile.match) if (m.oid_exists && matchScore({ ...m, oid_exists: undefined }, sys) >= 0) oids.add(m.oid_exists);
    }
    return [...oids];
  }

  select(sys: SystemInfo, exists?: (oid: string) => boolean): Profile | undefined {
    return this.candidates(sys, exists)[0]?.profile;
  }
}

/** Why `profile` matched `sys`, in words: the best rule that accepts the device. */
export function describeMatch(profile: Profile, sys: SystemInfo): string {
  const rules = profile.match
    .map((m) => ({ m, score: matchScore(m, sys, () => true) }))
    .filter((r) => r.score >= 0)
    .sort((a, b) => b.score - a.score);
  const m = rules[0]?.m;
  if (!m) return 'named in the target options';
  const parts: string[] = [];
  if (m.sys_object_id) parts.push(`sysObjectID under ${m.sys_object_id}`);
  if (m.sys_descr) parts.push(`sysDescr matches /${m.sys_descr}/`);
  if (m.oid_exists) parts.push(`${m.oid_exists} answered`);
  return parts.join(' and ');
}

function matchScore(m: MatchSpec, sys: SystemInfo, exists?: (oid: string) => boolean): number {
  let score = 0;
  if (m.sys_object_id !== undefined) {
    const id = normalizeOid(sys.sysObjectID ?? '');
    if (!(id === m.sys_object_id || id.startsWith(`${m.sys_object_id}.`))) return -1;
    score += m.sys_object_id.split('.').length;
  }
  if (m.sys_descr !== undefined) {
    if (!sysDescrRegex(m.sys_descr).test(sys.sysDescr ?? '')) return -1;
    score += 0.5;
  }
  if (m.oid_exists !== undefined) {
    if (!exists?.(m.oid_exists)) return -1;
    score += 0.25;
  }
  return score;
}

/** Merges each profile with what it extends: parents' metrics come first, the child's device fields win. */
function resolveExtends(raws: Raw[], compiled: Map<string, Profile>, problems: ConfigProblem[]): Profile[] {
  const resolved = new Map<string, Profile>();
  const rawByName = new Map(raws.map((r) => [r.value.name, r]));
  const visit = (name: string, stack: string[]): Profile | undefined => {
    const done = resolved.get(name);
    if (done) return done;
    const own = compiled.get(name);
    const raw = rawByName.get(name);
    if (!own || !raw) return undefined;
    if (stack.includes(name)) {
      problems.push(raw.source.problem(['extends'], `extends forms a cycle: ${[...stack, name].join(' → ')}`));
      return undefined;
    }
    const chain: string[] = [];
    const merged: Profile = { ...own, scalars: [], tables: [], traps: [], device: {}, excludes: [...own.excludes] };
    for (const [i, parentName] of (raw.value.extends ?? []).entries()) {
      const parent = visit(parentName, [...stack, name]);
      if (!parent) {
        if (!compiled.has(parentName)) problems.push(raw.source.problem(['extends', i], `no profile is named '${parentName}'`));
        continue;
      }
      for (const n of parent.chain) if (!chain.includes(n)) chain.push(n);
      mergeInto(merged, parent);
    }
    chain.push(name);
    mergeInto(merged, own);
    merged.chain = chain;
    resolved.set(name, merged);
    return merged;
  };
  return raws.flatMap((r) => visit(r.value.name, []) ?? []);
}

/** Adds `from`'s tables, scalars and traps to `target` (no duplicates); `from`'s device fields win. */
export function mergeInto(target: Profile, from: Profile): void {
  const seenTables = new Set(target.tables.map((t) => `${t.profile}/${t.name}`));
  for (const t of from.tables) if (!seenTables.has(`${t.profile}/${t.name}`)) target.tables.push(t);
  const seenScalars = new Set(target.scalars.map((s) => `${s.profile}/${s.metric}/${s.oids.join(',')}`));
  for (const s of from.scalars) if (!seenScalars.has(`${s.profile}/${s.metric}/${s.oids.join(',')}`)) target.scalars.push(s);
  const seenTraps = new Set(target.traps.map((t) => t.oid));
  for (const t of from.traps) if (!seenTraps.has(t.oid)) target.traps.push(t);
  for (const [k, v] of Object.entries(from.device)) if (v !== undefined) (target.device as Record<string, unknown>)[k] = v;
}

/** Loads every profile under `dirs` (later directories may add vendors; a name used twice is an error). */
export function loadProfiles(dirs: string[]): ProfileSet {
  const problems: ConfigProblem[] = [];
  const raws: Raw[] = [];
  const fileOf = new Map<string, string>();
  for (const given of dirs) {
    const embedded = embeddedList(given);
    const dir = embedded ? given : resolve(given);
    let files: string[];
    try {
      files = embedded ?? (statSync(dir).isDirectory() ? yamlFiles(dir) : [dir]);
    } catch (err) {
      problems.push({ file: dir, line: 0, col: 0, path: '', message: `cannot read the profile directory: ${(err as Error).message}` });
      continue;
    }
    for (const file of files) {
      try {
        const { value, source } = loadYamlConfig(file, ProfileFileSchema);
        const first = fileOf.get(value.name);
        if (first) {
          problems.push(source.problem(['name'], `profile '${value.name}' is already defined in ${first}`));
          continue;
        }
        fileOf.set(value.name, file);
        raws.push({ file, source, value });
      } catch (err) {
        if (err instanceof ConfigError) problems.push(...err.problems);
        else throw err;
      }
    }
  }
  const compiled = new Map<string, Profile>();
  for (const raw of raws) {
    const c = new Compiler(raw);
    compiled.set(raw.value.name, c.compile());
    problems.push(...c.problems);
  }
  const profiles = resolveExtends(raws, compiled, problems);
  for (const raw of raws) {
    const names = [...(raw.value.excludes ?? []).map((n, i) => ({ n, path: ['excludes', i] })), ...(raw.value.detect?.excludes ?? []).map((n, i) => ({ n, path: ['detect', 'excludes', i] }))];
    for (const { n, path } of names) if (!compiled.has(n)) problems.push(raw.source.problem(path, `no profile is named '${n}'`));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return new ProfileSet(profiles);
}

export const profileFileName = (p: Profile): string => basename(p.file);

const sysDescrCache = new Map<string, SafeRegex>();

/** Profiles are checked at load, so this compiles; cached because matching runs per discovered device. */
function sysDescrRegex(pattern: string): SafeRegex {
  let re = sysDescrCache.get(pattern);
  if (!re) {
    re = compileSafeRegex(pattern, { ignoreCase: true });
    sysDescrCache.set(pattern, re);
  }
  return re;
}
