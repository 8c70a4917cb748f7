/**
 * ingest_line_protocol: the same room as ingest_json, as InfluxDB line protocol
 * (precision=ms, 1,000 lines per body), to the collector's /api/v2/write and —
 * in the same run, the same bodies — to VictoriaMetrics' /api/v2/write.
 * Runs alternate between the two so both see the same machine state.
 */
import { join } from 'node:path';
import { BatchStream, collectorTarget, lpBody, loadSettings, summarize, timedRun, type RunFigures, type Target } from './batches.js';
import { emit, getText, keepAliveAgent, progress, promSum, r, startCollectorProc, tempDir, TOKEN } from './lib.js';
import { findVictoria, startVictoria, type Victoria } from './victoria.js';

const NOTE =
  'VictoriaMetrics acknowledges a write once it is buffered in memory (on disk about a second later) and ' +
  'parses and stores on both cores; roomwatch answers only after its SQLite transaction has committed ' +
  '(synchronous=full: fsync per batch) on one event-loop thread. Wall-clock rates compare what a client sees; ' +
  "victoria's CPU seconds include a /internal/force_flush after each run (run_settle_ms), so samples_per_cpu_s " +
  'compares the work per sample.';

export async function benchIngestLineProtocol(): Promise<void> {
  const s = loadSettings();
  const bin = findVictoria();
  if (!bin) emit({ bench: 'ingest_line_protocol', target: 'victoria', skipped: 'victoria-metrics not installed' });
  const tmp = tempDir('lp');
  const collector = await startCollectorProc(join(tmp.dir, 'data'), s.synchronous);
  const rwHttp = keepAliveAgent(s.concurrency);
  const vmHttp = keepAliveAgent(s.concurrency);
  let vm: Victoria | undefined;
  try {
    if (bin) vm = await startVictoria(bin, join(tmp.dir, 'victoria'));
    const lpHeaders = { 'content-type': 'text/plain; charset=utf-8' };
    const targets: Array<{ name: 'roomwatch' | 'victoria'; target: Target }> = [
      { name: 'roomwatch', target: collectorTarget(collector, '/api/v2/write?precision=ms', { ...lpHeaders, authorization: `Token ${TOKEN}` }, rwHttp) },
    ];
    if (vm) {
      const v = vm;
      targets.push({
        name: 'victoria',
        target: {
          url: `${v.url}/api/v2/write?precision=ms`,
          headers: lpHeaders,
          agent: vmHttp,
          cpuSeconds: () => v.cpuSeconds(),
          settle: async () => void (await getText(`${v.url}/internal/force_flush`)),
        },
      });
    }
    const stream = new BatchStream(s.batchSamples);
    if (s.warmupBatches > 0) {
      progress(`ingest_line_protocol: warm-up, ${s.warmupBatches} batches`);
      const batches = stream.next(s.warmupBatches);
      for (const t of targets) await timedRun(t.target, batches, batches.map(lpBody), s.concurrency);
    }
    const rwBefore = promSum(await getText(`${collector.url}/metrics`), 'roomwatch_ingest_values_total', { endpoint: 'write' });
    const vmBefore = vm ? promSum(await getText(`${vm.url}/metrics`), 'vm_rows_inserted_total', { type: 'influx' }) : 0;

    const runs: Record<string, RunFigures[]> = { roomwatch: [], victoria: [] };
    for (let run = 1; run <= s.runs; run++) {
      const batches = stream.next(s.batchesPerRun);
      const bodies = batches.map(lpBody);
      for (const t of targets) {
        const fig = await timedRun(t.target, batches, bodies, s.concurrency);
        runs[t.name]?.push(fig);
        progress(`ingest_line_protocol ${t.name} run ${run}/${s.runs}: ${Math.round(fig.samples / (fig.ms / 1000))} lines/s, ${fig.cpuS.toFixed(2)} CPU s`);
      }
    }

    const common = { batch_samples: s.batchSamples, batches_per_run: s.batchesPerRun, concurrency: s.concurrency };
    const rwFig = summarize(runs.roomwatch ?? []);
    const rwStored = promSum(await getText(`${collector.url}/metrics`), 'roomwatch_ingest_values_total', { endpoint: 'write' }) - rwBefore;
    emit({ bench: 'ingest_line_protocol', target: 'roomwatch', synchronous: s.synchronous, ...rwFig, ...common, values_stored: rwStored });
    if (vm) {
      const vmFig = summarize(runs.victoria ?? []);
      const vmStored = promSum(await getText(`${vm.url}/metrics`), 'vm_rows_inserted_total', { type: 'influx' }) - vmBefore;
      emit({ bench: 'ingest_line_protocol', target: 'victoria', ...vmFig, ...common, values_stored: vmStored });
      emit({
        bench: 'ingest_line_protocol',
        target: 'ratio',
        roomwatch_vs_victoria_samples_per_s: r(rwFig.samples_per_s / vmFig.samples_per_s),
        roomwatch_vs_victoria_samples_per_cpu_s: r(rwFig.samples_per_cpu_s / vmFig.samples_per_cpu_s),
        note: NOTE,
      });
    }
  } finally {
    rwHttp.destroy();
    vmHttp.destroy();
    await vm?.stop();
    await collector.stop();
    tmp.cleanup();
  }
}
