/**
 * rules_ingest and rules_latency (docs/architecture.md §10, issue "Rules and alerts"):
 * collector ingest with every shipped rule plus 500 synthetic rules loaded,
 * against the same collector with no rules (ratio); then, at that load, the
 * time from sending a breaching sample to its alert firing, p50 and p95.
 *
 * Windows hold realistic history: ten minutes of the room at 10 s are sent
 * first (not timed). Timed batches continue the stream 10 ms apart, so windows
 * grow denser than in a real room during a run — which overstates the cost of
 * window functions, never understates it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { INGEST_PATH } from '../collector/contract/index.js';
import { packageRoot } from '../lib/paths.js';
import { BatchStream, collectorTarget, jsonBody, loadSettings, summarize, timedRun, type RunFigures } from './batches.js';
import type { FiredNotice } from './collector-proc.js';
import { emit, keepAliveAgent, latencyFigures, post, progress, r, startCollectorProc, tempDir, TOKEN, AGENT, READ_HEADERS, envInt, sleep } from './lib.js';

const HISTORY_SCRAPES = 60;

/** Device classes of the bench room, so class-scoped shipped rules apply as in production. */
function inventoryYaml(devices: string[]): string {
  const cls = (d: string) =>
    d.startsWith('mini') ? 'minicomputer' : /^(db|app)/.test(d) ? 'server' : d.startsWith('san-') ? 'san' : d.startsWith('sw-') ? 'network'
      : d.startsWith('ups-') ? 'ups' : d.startsWith('pac-') ? 'precision_ac' : d.startsWith('stor-') ? 'storage' : 'environment';
  return `devices:\n${devices.map((d) => `  ${d}: { class: ${cls(d)} }`).join('\n')}\n`;
}

/** 500 rules over the room's metrics, mixing plain comparisons, window functions, and/or, and forecasts. */
function syntheticRules(devices: string[]): string {
  const servers = devices.filter((d) => /^(db|app|mini)/.test(d));
  const switches = devices.filter((d) => d.startsWith('sw-'));
  const lines = ['group: synthetic', 'rules:', '  - name: latency probe', '    when: bench.latency_probe > 0', '    priority: P1'];
  for (let i = 0; i < 499; i++) {
    const srv = servers[i % servers.length] as string;
    const sw = switches[i % switches.length] as string;
    const when = [
      `avg(cpu.usage_pct{device="${srv}"}, 5m) > ${99 + (i % 7) / 10}`,
      `disk.used_pct{device="${srv}", mount="/u0${1 + (i % 2)}"} > 99.5`,
      `max(if.in_errors_ps{device="${sw}", ifname="Gi1/0/${1 + (i % 48)}"}, 10m) > 999`,
      `mem.used_pct{device="${srv}"} > 99.9 and swap.used_pct{device="${srv}"} > 99`,
      `predict(disk.used_pct{device="${srv}", mount="/var"}, 10m) >= 1000 within 1d`,
    ][i % 5];
    lines.push(`  - name: synthetic ${i}`, `    when: '${when}'`, `    priority: P${1 + (i % 4)}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function benchRules(): Promise<void> {
  const s = loadSettings();
  const probes = envInt('BENCH_LATENCY_PROBES', 100);
  const devices = [...new Set(new BatchStream(1).room.templates.map((t) => t.tags.device))];
  const results: Record<string, RunFigures[]> = {};
  let latencies: number[] = [];
  let ruleCount = 0;
  for (const mode of ['no_rules', 'rules'] as const) {
    const tmp = tempDir(`rules-${mode}`);
    writeFileSync(join(tmp.dir, 'synthetic.yaml'), syntheticRules(devices));
    writeFileSync(join(tmp.dir, 'inventory.yaml'), inventoryYaml(devices));
    const fired = new Map<string, number>();
    const rules = mode === 'rules'
      ? { paths: [join(packageRoot(), 'rules'), join(tmp.dir, 'synthetic.yaml')], inventory: join(tmp.dir, 'inventory.yaml'), reportFired: true }
      : undefined;
    const collector = await startCollectorProc(join(tmp.dir, 'data'), s.synchronous, rules, (n: FiredNotice) => fired.set(n.device, n.at));
    const http = keepAliveAgent(s.concurrency + 1);
    try {
      if (mode === 'rules') ruleCount = ((await (await fetch(`${collector.url}/api/v1/rules`, { headers: READ_HEADERS })).json()) as { rules: unknown[] }).rules.length;
      const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
      const target = collectorTarget(collector, INGEST_PATH, headers, http);
      const history = new BatchStream(s.batchSamples, Date.now() - HISTORY_SCRAPES * 10_000, 10_000);
      const historyBatches = history.next(Math.ceil((HISTORY_SCRAPES * history.room.templates.length) / s.batchSamples));
      progress(`rules_ingest ${mode}: ${historyBatches.length} batches of history`);
      await timedRun(target, historyBatches, historyBatches.map(jsonBody), s.concurrency);
      const live = new BatchStream(s.batchSamples, Date.now(), 10);
      results[mode] = [];
      for (let run = 1; run <= s.runs; run++) {
        const batches = live.next(s.batchesPerRun);
        const bodies = batches.map(jsonBody);
        // The latency probes ride on the last run, so they are measured under load.
        const probing = mode === 'rules' && run === s.runs ? sendProbes(collector.url, headers, http, probes, fired) : undefined;
        const fig = await timedRun(target, batches, bodies, s.concurrency);
        results[mode].push(fig);
        if (probing) latencies = await probing;
        progress(`rules_ingest ${mode} run ${run}/${s.runs}: ${Math.round(fig.samples / (fig.ms / 1000))} samples/s`);
      }
    } finally {
      http.destroy();
      await collector.stop();
      tmp.cleanup();
    }
  }
  const none = summarize(results.no_rules ?? []);
  const withRules = summarize(results.rules ?? []);
  emit({ bench: 'rules_ingest', mode: 'no_rules', ...none });
  emit({
    bench: 'rules_ingest',
    mode: 'rules',
    rules_loaded: ruleCount,
    ...withRules,
    rules_vs_no_rules_samples_per_s: r(withRules.samples_per_s / none.samples_per_s),
    rules_vs_no_rules_samples_per_cpu_s: r(withRules.samples_per_cpu_s / none.samples_per_cpu_s),
    target_samples_per_cpu_s: 100_000,
  });
  emit({
    bench: 'rules_latency',
    probes: latencies.length,
    ...latencyFigures(latencies),
    target_p95_ms: 50,
    note: 'from the client sending a breaching sample (rule with no for) to the fired event in the collector, under the ingest load of the last rules run; includes HTTP, the SQLite commit (fsync) and evaluation',
  });
}

/** Sends breaching samples for new devices every 50 ms; resolves with each probe's send → fired latency. */
async function sendProbes(url: string, headers: Record<string, string>, http: ReturnType<typeof keepAliveAgent>, count: number, fired: Map<string, number>): Promise<number[]> {
  const sent = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const device = `lat-${String(i).padStart(4, '0')}`;
    const body = Buffer.from(
      JSON.stringify({ agent: AGENT, seq: 1_000_000 + i, batch_id: `${AGENT}:probe:${i}:${Date.now()}`, samples: [{ measurement: 'bench', tags: { device }, fields: { latency_probe: 1 }, ts: Date.now() }] }),
    );
    sent.set(device, performance.timeOrigin + performance.now());
    const res = await post(http, `${url}${INGEST_PATH}`, body, headers);
    if (res.status !== 200) throw new Error(`probe ${i}: ${res.status} ${res.text.slice(0, 200)}`);
    await sleep(50);
  }
  await sleep(200);
  return [...sent].flatMap(([device, t]) => (fired.has(device) ? [(fired.get(device) as number) - t] : []));
}
