/**
 * `roomwatch rules test FILE`: feeds input series through the real engine with
 * a simulated clock and compares the firing alerts with expectations, like
 * `promtool test rules`. See rules/README.md for the file format.
 */
import { dirname, resolve } from 'node:path';
import Type, { type Static } from 'typebox';
import { loadYamlConfig } from '../../lib/config.js';
import { parseDuration } from '../../lib/units.js';
import type { Sample } from '../contract/index.js';
import { openDb } from '../db.js';
import { parseSelector } from '../store/selector.js';
import { RuleEngine } from './engine.js';
import { InventorySchema, Topology } from './inventory.js';
import { formatRuleProblem, loadRuleFiles } from './loader.js';
import { MaintenanceCalendar } from './maintenance.js';
import { AlertStateStore } from './state-store.js';
import type { RuleDef } from './types.js';

const Duration = Type.Union([Type.String(), Type.Number()]);
const Expected = Type.Object(
  {
    rule: Type.String(),
    device: Type.Optional(Type.String()),
    tags: Type.Optional(Type.Record(Type.String(), Type.String())),
    priority: Type.Optional(Type.String()),
    summary: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
const TestCase = Type.Object(
  {
    name: Type.String(),
    interval: Type.Optional(Duration),
    input_series: Type.Array(Type.Object({ series: Type.String(), values: Type.String() }, { additionalProperties: false })),
    alerts: Type.Array(Type.Object({ at: Duration, firing: Type.Array(Expected), suppressed: Type.Optional(Type.Array(Expected)) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export const RuleTestSchema = Type.Object(
  {
    rule_files: Type.Array(Type.String()),
    evaluation_interval: Type.Optional(Duration),
    inventory: Type.Optional(InventorySchema),
    tests: Type.Array(TestCase),
  },
  { additionalProperties: false },
);

/** Start of simulated time: fixed, so results never depend on the day the test runs. */
const T0 = Date.UTC(2026, 0, 1);

/** promtool's expanding notation: `1 2 3`, `1+1x3` (1 2 3 4), `5x2` (5 5 5), `_` (no sample), `_x3`. */
export function expandValues(text: string): Array<number | undefined> {
  const out: Array<number | undefined> = [];
  for (const tok of text.trim().split(/\s+/)) {
    if (tok === '') continue;
    let m = /^_(?:x(\d+))?$/.exec(tok);
    if (m) {
      for (let i = 0; i < Number(m[1] ?? 1); i++) out.push(undefined);
      continue;
    }
    m = /^(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)(?:([+-])(\d+(?:\.\d+)?(?:e[+-]?\d+)?))?x(\d+)$/i.exec(tok);
    if (m) {
      const start = Number(m[1]);
      const step = m[2] ? Number(`${m[2]}${m[3]}`) : 0;
      for (let i = 0; i <= Number(m[4]); i++) out.push(start + i * step);
      continue;
    }
    const n = Number(tok);
    if (!Number.isFinite(n)) throw new Error(`'${tok}' is not a value (write 1.5, 1+1x3, 5x2 or _)`);
    out.push(n);
  }
  return out;
}

export interface RuleTestResult {
  name: string;
  failures: string[];
}

export function runRuleTests(file: string): { results: RuleTestResult[]; problems: string[] } {
  const { value } = loadYamlConfig(file, RuleTestSchema);
  const base = dirname(resolve(file));
  const { files, problems } = loadRuleFiles(value.rule_files.map((f) => resolve(base, f)));
  if (problems.length > 0) return { results: [], problems: problems.map(formatRuleProblem) };
  const rules = files.flatMap((f) => f.rules);
  const evalMs = parseDuration(value.evaluation_interval ?? '15s') ?? 15_000;
  const topology = new Topology(new Map(Object.entries(value.inventory?.devices ?? {})));
  const results = value.tests.map((tc) => runCase(tc, rules, evalMs, topology));
  return { results, problems: [] };
}

type TestCaseDef = Static<typeof TestCase>;

function runCase(tc: TestCaseDef, rules: RuleDef[], evalMs: number, topology: Topology): RuleTestResult {
  const failures: string[] = [];
  const db = openDb(':memory:');
  let now = T0;
  const engine = new RuleEngine({
    now: () => now,
    store: new AlertStateStore(db),
    maintenance: new MaintenanceCalendar(db),
    topology: () => topology,
    graceMs: 120_000,
    classOf: (device) => topology.entry(device)?.class,
  });
  engine.setRules(rules);
  const intervalMs = parseDuration(tc.interval ?? '1m') ?? 60_000;
  const samples: Sample[] = [];
  for (const input of tc.input_series) {
    try {
      const sel = parseSelector(input.series);
      const tags: Record<string, string> = {};
      for (const m of sel.matchers) {
        if (m.op !== '=') throw new Error(`input series use only tag="value" (found ${m.name}${m.op})`);
        tags[m.name] = m.value;
      }
      if (!tags.device) throw new Error('input series need a device tag');
      expandValues(input.values).forEach((v, i) => {
        if (v !== undefined) samples.push({ measurement: sel.measurement, tags: tags as Sample['tags'], fields: { [sel.field]: v }, ts: T0 + i * intervalMs });
      });
    } catch (err) {
      failures.push(`input ${input.series}: ${(err as Error).message}`);
    }
  }
  samples.sort((a, b) => a.ts - b.ts);
  const checks = tc.alerts.map((a) => ({ ...a, atMs: parseDuration(a.at) ?? 0 })).sort((a, b) => a.atMs - b.atMs);
  const end = T0 + Math.max(0, ...checks.map((c) => c.atMs));
  let next = 0;
  let checkIdx = 0;
  for (now = T0; now <= end; now += Math.min(evalMs, intervalMs)) {
    const batch: Sample[] = [];
    while (next < samples.length && (samples[next] as Sample).ts <= now) batch.push(samples[next++] as Sample);
    engine.ingest(batch);
    engine.deliver();
    engine.tick();
    while (checkIdx < checks.length && T0 + (checks[checkIdx]?.atMs ?? 0) <= now) {
      const c = checks[checkIdx++];
      if (!c) break;
      compare(`at ${c.at}: firing`, engine, 'firing', c.firing, failures);
      if (c.suppressed) compare(`at ${c.at}: suppressed`, engine, 'suppressed', c.suppressed, failures);
    }
  }
  db.close();
  return { name: tc.name, failures };
}

type ExpectedAlert = { rule: string; device?: string; tags?: Record<string, string>; priority?: string; summary?: string };

function compare(where: string, engine: RuleEngine, state: 'firing' | 'suppressed', expected: ExpectedAlert[], failures: string[]): void {
  const actual = engine.alerts().filter((a) => a.state === state && !a.muted);
  const describe = (a: { ruleId: string; tags: Record<string, string>; priority: string; summary: string }) => `${a.ruleId} ${JSON.stringify(a.tags)} ${a.priority} "${a.summary}"`;
  const unmatched = [...actual];
  for (const e of expected) {
    const i = unmatched.findIndex(
      (a) =>
        (a.ruleId === e.rule || a.ruleId.endsWith(`/${e.rule}`)) &&
        (e.device === undefined || a.device === e.device) &&
        Object.entries(e.tags ?? {}).every(([k, v]) => a.tags[k] === v) &&
        (e.priority === undefined || a.priority === e.priority) &&
        (e.summary === undefined || a.summary === e.summary),
    );
    if (i < 0)
      failures.push(
        `${where}: expected ${e.rule}${e.device ? ` on ${e.device}` : ''}${e.priority ? ` ${e.priority}` : ''}${e.summary ? ` "${e.summary}"` : ''}; got ${actual.length ? actual.map(describe).join('; ') : 'none'}`,
      );
    else unmatched.splice(i, 1);
  }
  for (const a of unmatched) failures.push(`${where}: unexpected ${describe(a)}`);
}
