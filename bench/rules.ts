/**
 * rules_ingest and rules_latency (docs/architecture.md §10, issue 15):
 * collector ingest with no rules, then with every shipped rule plus 0, 500 and
 * 5,000 synthetic rules (BENCH_RULES_SYNTHETIC), each against the no-rules
 * baseline; then, for each rules mode, the time from a breaching sample to its
 * `fired` event and to its incident in the API, at a fixed offered load of
 * half the capacity that mode measured (rules-latency.ts).
 *
 * Time is driven by the data: the stream starts ten minutes in the past (that
 * history is sent first, not timed) and every scrape round is 10 s later than
 * the one before, and the collector's clock reads the newest sample applied
 * (collector-proc.ts, dataClock). Windows therefore hold what they would in a
 * room sampled every 10 s, and later runs cost what earlier ones did. The room
 * is at rest (room.ts, calm values): alerts change state rarely, as in a
 * healthy room, so the figures are the cost of evaluation, not of an incident storm.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INGEST_PATH } from '../collector/contract/index.js';
import { packageRoot } from '../lib/paths.js';
import { BatchStream, collectorTarget, jsonBody, loadSettings, summarize, timedRun, type RunFigures } from './batches.js';
import type { FiredNotice } from './collector-proc.js';
import { emit, getText, keepAliveAgent, progress, promSum, r, startCollectorProc, tempDir, TOKEN, READ_HEADERS } from './lib.js';
import { measureLatency, type LatencyFigures } from './rules-latency.js';
import { syntheticRules } from './rules-synthetic.js';
import { RULE_CANDIDATES, RULE_EVALUATIONS } from '../collector/metrics.js';

const HISTORY_SCRAPES = 60;
const SCRAPE_MS = 10_000;

/** Device classes of the bench room, so class-scoped shipped rules apply as in production. */
function inventoryYaml(devices: string[]): string {
  const cls = (d: string) =>
    d.startsWith('mini')
      ? 'minicomputer'
      : /^(db|app)/.test(d)
        ? 'server'
        : d.startsWith('san-')
          ? 'san'
          : d.startsWith('sw-')
            ? 'network'
            : d.startsWith('ups-')
              ? 'ups'
              : d.startsWith('pac-')
                ? 'precision_ac'
                : d.startsWith('stor-')
                  ? 'storage'
                  : 'environment';
  return `devices:\n${devices.map((d) => `  ${d}: { class: ${cls(d)} }`).join('\n')}\n`;
}

function syntheticCounts(): number[] {
  const raw = process.env.BENCH_RULES_SYNTHETIC ?? '0,500,5000';
  const counts = raw.split(',').map((x) => Number(x.trim()));
  if (counts.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`BENCH_RULES_SYNTHETIC=${raw}: expected integers ≥ 0, comma-separated`);
  return counts;
}

interface ModeResult {
  mode: string;
  synthetic: number | undefined;
  rulesLoaded: number;
  runs: RunFigures[];
  evaluations: number;
  candidates: number;
  latency?: LatencyFigures;
}

async function runMode(synthetic: number | undefined, devices: string[]): Promise<ModeResult> {
  const s = loadSettings();
  const mode = synthetic === undefined ? 'no_rules' : `shipped+${synthetic}`;
  const tmp = tempDir(`rules-${synthetic ?? 'none'}`);
  writeFileSync(join(tmp.dir, 'inventory.yaml'), inventoryYaml(devices));
  const paths = [join(packageRoot(), 'rules')];
  if (synthetic !== undefined) {
    writeFileSync(join(tmp.dir, 'synthetic.yaml'), syntheticRules(devices, synthetic));
    paths.push(join(tmp.dir, 'synthetic.yaml'));
  }
  const fired = new Map<string, number>();
  // Without rules the baseline still has the data clock, so both sides run the same collector.
  const rules =
    synthetic === undefined ? { paths: [], dataClock: true, noLagShedding: true } : { paths, inventory: join(tmp.dir, 'inventory.yaml'), reportFired: true, dataClock: true, noLagShedding: true };
  const collector = await startCollectorProc(join(tmp.dir, 'data'), s.synchronous, rules, (n: FiredNotice) => fired.set(n.device, n.at));
  const http = keepAliveAgent(s.concurrency + 1);
  const result: ModeResult = { mode, synthetic, rulesLoaded: 0, runs: [], evaluations: NaN, candidates: NaN };
  try {
    if (synthetic !== undefined) result.rulesLoaded = ((await (await fetch(`${collector.url}/api/v1/rules`, { headers: READ_HEADERS })).json()) as { rules: unknown[] }).rules.length;
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const target = collectorTarget(collector, INGEST_PATH, headers, http);
    const stream = new BatchStream(s.batchSamples, Date.now() - HISTORY_SCRAPES * SCRAPE_MS, SCRAPE_MS, true);
    const historyBatches = stream.next(Math.ceil((HISTORY_SCRAPES * stream.room.templates.length) / s.batchSamples));
    progress(`rules_ingest ${mode} (${result.rulesLoaded} rules): ${historyBatches.length} batches of history`);
    await timedRun(target, historyBatches, historyBatches.map(jsonBody), s.concurrency);
    const metrics0 = await getText(`${collector.url}/metrics`);
    for (let run = 1; run <= s.runs; run++) {
      const batches = stream.next(s.batchesPerRun);
      const fig = await timedRun(target, batches, batches.map(jsonBody), s.concurrency);
      result.runs.push(fig);
      progress(`rules_ingest ${mode} run ${run}/${s.runs}: ${Math.round(fig.samples / (fig.ms / 1000))} samples/s`);
    }
    const metrics1 = await getText(`${collector.url}/metrics`);
    const samples = result.runs.reduce((n, x) => n + x.samples, 0);
    // Absent counters (an engine without them) read NaN, not 0.
    const delta = (name: string) => (metrics1.includes(name) ? (promSum(metrics1, name) - promSum(metrics0, name)) / samples : NaN);
    result.evaluations = delta(RULE_EVALUATIONS);
    result.candidates = delta(RULE_CANDIDATES);
    if (synthetic !== undefined) {
      const capacity = summarize(result.runs).samples_per_s;
      result.latency = await measureLatency({ collector, stream, batchSamples: s.batchSamples, headers, fired, offeredSamplesPerS: capacity / 2, capacitySamplesPerS: capacity, mode });
    }
  } finally {
    http.destroy();
    await collector.stop();
    tmp.cleanup();
  }
  return result;
}

export async function benchRules(): Promise<void> {
  const devices = [...new Set(new BatchStream(1).room.templates.map((t) => t.tags.device))];
  const baseline = await runMode(undefined, devices);
  const none = summarize(baseline.runs);
  emit({ bench: 'rules_ingest', mode: 'no_rules', rules_loaded: 0, ...none });
  const cpuUsPerSample = (runs: RunFigures[]) => (runs.reduce((n, x) => n + x.cpuS, 0) / runs.reduce((n, x) => n + x.samples, 0)) * 1e6;
  const baseUs = cpuUsPerSample(baseline.runs);
  for (const synthetic of syntheticCounts()) {
    const res = await runMode(synthetic, devices);
    const fig = summarize(res.runs);
    const goal = synthetic >= 5_000 ? 0.5 : synthetic >= 500 ? 0.7 : undefined;
    emit({
      bench: 'rules_ingest',
      mode: res.mode,
      synthetic_rules: synthetic,
      rules_loaded: res.rulesLoaded,
      ...fig,
      rules_vs_no_rules_samples_per_s: r(fig.samples_per_s / none.samples_per_s),
      rules_vs_no_rules_samples_per_cpu_s: r(fig.samples_per_cpu_s / none.samples_per_cpu_s),
      ...(goal !== undefined ? { goal_vs_no_rules: goal } : {}),
      // The collector CPU a sample costs beyond the no-rules baseline: matching, windows, evaluation, alert state.
      rules_cpu_us_per_sample: r(cpuUsPerSample(res.runs) - baseUs),
      rule_candidates_per_sample: r(res.candidates),
      rule_evaluations_per_sample: r(res.evaluations),
    });
    if (res.latency) emit({ bench: 'rules_latency', mode: res.mode, rules_loaded: res.rulesLoaded, ...res.latency });
  }
}
