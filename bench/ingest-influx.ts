/**
 * ingest_influx: collector ingest with the InfluxDB store, shipping to
 * VictoriaMetrics' `/api/v2/write` on this machine (the v2 WriteApi path),
 * against the same collector on the SQLite store alone, in the same run.
 * Both collectors run in child processes, one after the other, fed the same
 * stream of 1,000-sample JSON batches. For the InfluxDB store a run ends only
 * when its outbox is empty, i.e. every acknowledged sample is in
 * VictoriaMetrics: the figure is end to end, shipping included.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { INGEST_PATH } from '../collector/contract/index.js';
import { BatchStream, collectorTarget, jsonBody, loadSettings, summarize, timedRun, type RunFigures, type Target } from './batches.js';
import { emit, freePort, getText, keepAliveAgent, median, progress, r, sleep, startCollectorProc, tempDir, TOKEN, type CollectorProc } from './lib.js';

async function startVictoria(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('victoria-metrics', [`-storageDataPath=${dir}`, `-httpListenAddr=127.0.0.1:${port}`, '-retentionPeriod=100y'], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, child };
    } catch {
      // Not up yet.
    }
    await sleep(100);
  }
  throw new Error('victoria-metrics did not start');
}

/** Waits until the collector's outbox is empty (every acknowledged line accepted by the peer). */
async function outboxDrained(c: CollectorProc): Promise<void> {
  for (;;) {
    const h = JSON.parse(await getText(`${c.url}/healthz`)) as { store: { detail?: { outbox?: { lines: number } } } };
    if ((h.store.detail?.outbox?.lines ?? 0) === 0) return;
    await sleep(20);
  }
}

async function measure(label: string, collector: CollectorProc, stream: BatchStream, influx: boolean): Promise<RunFigures[]> {
  const s = loadSettings();
  const http = keepAliveAgent(s.concurrency);
  try {
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const base = collectorTarget(collector, INGEST_PATH, headers, http);
    const target: Target = influx ? { ...base, settle: () => outboxDrained(collector) } : base;
    if (s.warmupBatches > 0) {
      const warm = stream.next(s.warmupBatches);
      await timedRun(
        target,
        warm,
        warm.map((b) => jsonBody(b)),
        s.concurrency,
      );
    }
    const runs: RunFigures[] = [];
    for (let run = 1; run <= s.runs; run++) {
      const batches = stream.next(s.batchesPerRun);
      const fig = await timedRun(
        target,
        batches,
        batches.map((b) => jsonBody(b)),
        s.concurrency,
      );
      runs.push(fig);
      progress(
        `ingest_influx ${label} run ${run}/${s.runs}: ${Math.round(fig.samples / (fig.ms / 1000))} samples/s acknowledged${fig.settleMs !== undefined ? `, +${Math.round(fig.settleMs)} ms to drain` : ''}`,
      );
    }
    return runs;
  } finally {
    http.destroy();
  }
}

export async function benchIngestInflux(): Promise<void> {
  const s = loadSettings();
  const tmp = tempDir('influx');
  const vm = await startVictoria(join(tmp.dir, 'vm'));
  try {
    const sqlite = await startCollectorProc(join(tmp.dir, 'sqlite'), s.synchronous);
    let sqliteRuns: RunFigures[];
    try {
      sqliteRuns = await measure('sqlite', sqlite, new BatchStream(s.batchSamples), false);
    } finally {
      await sqlite.stop();
    }
    const influx = await startCollectorProc(join(tmp.dir, 'influx'), s.synchronous, undefined, undefined, {
      url: vm.url,
      api: 'v2',
      org: 'roomwatch',
      bucket: 'roomwatch',
      token: 'bench',
      database: 'roomwatch',
      timeoutMs: 10_000,
      maxBacklogBytes: 4 * 1024 ** 3,
    });
    let influxRuns: RunFigures[];
    try {
      influxRuns = await measure('influxdb', influx, new BatchStream(s.batchSamples), true);
    } finally {
      await influx.stop();
    }
    const a = summarize(sqliteRuns);
    const b = summarize(influxRuns);
    // End to end: acknowledged and shipped, the drain counted in the run's time.
    const e2e = influxRuns.map((x) => x.samples / ((x.ms + (x.settleMs ?? 0)) / 1000));
    emit({
      bench: 'ingest_influx',
      peer: 'VictoriaMetrics 1.79 /api/v2/write (InfluxDB v2 line protocol) on 127.0.0.1',
      sqlite_samples_per_s: a.samples_per_s,
      sqlite_samples_per_cpu_s: a.samples_per_cpu_s,
      influx_store_samples_per_s_acknowledged: b.samples_per_s,
      influx_store_samples_per_s_end_to_end: r(median(e2e)),
      influx_store_samples_per_cpu_s: b.samples_per_cpu_s,
      ratio_influx_vs_sqlite: r(b.samples_per_s / a.samples_per_s),
      ratio_end_to_end_vs_sqlite: r(median(e2e) / a.samples_per_s),
      batch_samples: s.batchSamples,
      batches_per_run: s.batchesPerRun,
      runs: s.runs,
      concurrency: s.concurrency,
    });
  } finally {
    vm.child.kill('SIGTERM');
    await new Promise((res) => vm.child.once('exit', res));
    tmp.cleanup();
  }
}
