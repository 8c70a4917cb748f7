/**
 * report: the daily report for 1,000 devices × 24 h at 60 s resolution on the
 * SQLite store (docs/architecture.md §10; aim ≤ 10 s): gather (two passes over the store),
 * judge and render HTML and text. The room comes from bench/report-room.ts
 * (100 devices of each of 10 classes, plus the anomalous ones), written
 * straight into the store; seeding is not timed, nor is building the rollups
 * of the seeded day (the background job does that while a real day goes by).
 * While the report runs, agent batches keep arriving through /api/v1/ingest
 * at `BENCH_REPORT_INGEST` samples/s (5,000; 0 turns it off), in the same
 * process and event loop, as in the collector.
 */
import { join } from 'node:path';
import { buildApp } from '../collector/app.js';
import { COLLECTOR_DEFAULTS, type CollectorConfig } from '../collector/config.js';
import { sha256Hex } from '../collector/ingest/auth.js';
import { zonedMidnight } from '../collector/report/gather.js';
import { BatchStream, jsonBody } from './batches.js';
import { buildReportRoom } from './report-room.js';
import { AGENT, emit, envInt, median, progress, r, sleep, tempDir, TOKEN } from './lib.js';

type Collector = Awaited<ReturnType<typeof buildApp>>;

/** Sends 1,000-sample JSON batches at `perSecond` until stopped; returns what was accepted. */
function ingestBeside(collector: Collector, perSecond: number, startTs: number): { stop(): Promise<{ samples: number; rejected: number }> } {
  let running = perSecond > 0;
  let samples = 0;
  let rejected = 0;
  const stream = new BatchStream(1_000, startTs);
  const gapMs = 1_000_000 / Math.max(perSecond, 1);
  const loop = (async () => {
    let next = performance.now();
    while (running) {
      const [batch] = stream.next(1);
      if (!batch) break;
      const res = await collector.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, payload: jsonBody(batch) });
      if (res.statusCode === 200) samples += batch.samples.length;
      else rejected++;
      next += gapMs;
      await sleep(Math.max(0, next - performance.now()));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { samples, rejected };
    },
  };
}

export async function benchReport(): Promise<void> {
  const perClass = envInt('BENCH_REPORT_PER_CLASS', 100);
  const runs = envInt('BENCH_RUNS', 5);
  const ingestPerS = envInt('BENCH_REPORT_INGEST', 5_000, 0);
  const tz = 'Asia/Shanghai';
  const date = '2026-11-22';
  const dayStart = zonedMidnight(date, tz);
  const tmp = tempDir('report');
  const config: CollectorConfig = { ...structuredClone(COLLECTOR_DEFAULTS), dataDir: join(tmp.dir, 'data'), logLevel: 'silent', agents: [] };
  config.rules = { ...config.rules, paths: [] };
  config.report = { ...config.report, enabled: false, timeZone: tz };
  const now = dayStart + 32 * 3_600_000;
  const collector = await buildApp({ config, now: () => now, autoTick: false, background: false, extraAgents: [{ name: AGENT, tokenSha256: sha256Hex(TOKEN) }] });
  try {
    const room = buildReportRoom({ dayStart, perClass, historyDays: 0, stepMs: 60_000 });
    progress(`report: seeding ${room.devices.length} devices, ${room.sampleCount.toLocaleString()} samples`);
    const t0 = performance.now();
    collector.db.transaction(() => collector.registry.upsert(room.devices, 'bench', now))();
    for (const batch of room.batches(30)) collector.db.transaction(() => collector.store.write(batch))();
    await collector.store.query({ measurement: 'cpu', field: 'usage_pct', matchers: [], from: dayStart, to: dayStart + 1, stepMs: 0, agg: 'last' });
    progress(`report: seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const t1 = performance.now();
    // Duck-typed, so this bench also runs on a tree from before rollups (for before/after figures).
    (collector.store as { rollups?: { catchUp(): boolean } }).rollups?.catchUp();
    const rollupS = (performance.now() - t1) / 1000;
    progress(`report: rollups of the seeded day built in ${rollupS.toFixed(1)} s`);
    // The agent batches beside the report land in the hour before the collector's now.
    const beside = ingestBeside(collector, ingestPerS, now - 3_600_000);
    const times: number[] = [];
    const phases: Array<{ build: number; html: number }> = [];
    let rows = 0;
    let htmlBytes = 0;
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const built = await collector.reports.build(date, 'zh-CN');
      const ms = performance.now() - start;
      times.push(ms);
      rows = built.report.rows.length;
      htmlBytes = Buffer.byteLength(built.html);
      phases.push({ build: ms, html: htmlBytes });
      progress(`report run ${i + 1}/${runs}: ${ms.toFixed(0)} ms, ${rows} checklist rows`);
      // The gather's SQLite reads hold the event loop, so batches queue up while it runs;
      // a second between runs lets them land (head moves, dirty rollups the next run must catch up).
      await sleep(1_000);
    }
    const ingested = await beside.stop();
    emit({
      bench: 'report',
      store: 'sqlite',
      devices: room.devices.length,
      samples_in_day: room.sampleCount,
      resolution_s: 60,
      rollup_build_s: r(rollupS),
      ingest_beside_per_s: ingestPerS,
      ingest_beside_samples: ingested.samples,
      ingest_beside_rejected_batches: ingested.rejected,
      median_ms: r(median(times)),
      target_ms: 10_000,
      checklist_rows: rows,
      html_bytes: htmlBytes,
      runs_ms: times.map(r),
    });
  } finally {
    await collector.app.close();
    tmp.cleanup();
  }
}
