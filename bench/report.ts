/**
 * report: the daily report for 1,000 devices × 24 h at 60 s resolution on the
 * SQLite store (docs/architecture.md §10; aim ≤ 10 s): gather (two passes over the store),
 * judge and render HTML and text. The room comes from bench/report-room.ts
 * (100 devices of each of 10 classes, plus the anomalous ones), written
 * straight into the store; seeding is not timed.
 */
import { join } from 'node:path';
import { buildApp } from '../collector/app.js';
import { COLLECTOR_DEFAULTS, type CollectorConfig } from '../collector/config.js';
import { zonedMidnight } from '../collector/report/gather.js';
import { buildReportRoom } from './report-room.js';
import { emit, envInt, median, progress, r, tempDir } from './lib.js';

export async function benchReport(): Promise<void> {
  const perClass = envInt('BENCH_REPORT_PER_CLASS', 100);
  const runs = envInt('BENCH_RUNS', 5);
  const tz = 'Asia/Shanghai';
  const date = '2026-11-22';
  const dayStart = zonedMidnight(date, tz);
  const tmp = tempDir('report');
  const config: CollectorConfig = { ...structuredClone(COLLECTOR_DEFAULTS), dataDir: join(tmp.dir, 'data'), logLevel: 'silent', agents: [] };
  config.rules = { ...config.rules, paths: [] };
  config.report = { ...config.report, enabled: false, timeZone: tz };
  const now = dayStart + 32 * 3_600_000;
  const collector = await buildApp({ config, now: () => now, autoTick: false, background: false });
  try {
    const room = buildReportRoom({ dayStart, perClass, historyDays: 0, stepMs: 60_000 });
    progress(`report: seeding ${room.devices.length} devices, ${room.sampleCount.toLocaleString()} samples`);
    const t0 = performance.now();
    collector.db.transaction(() => collector.registry.upsert(room.devices, 'bench', now))();
    for (const batch of room.batches(30)) collector.db.transaction(() => collector.store.write(batch))();
    await collector.store.query({ measurement: 'cpu', field: 'usage_pct', matchers: [], from: dayStart, to: dayStart + 1, stepMs: 0, agg: 'last' });
    progress(`report: seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
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
    }
    emit({
      bench: 'report',
      store: 'sqlite',
      devices: room.devices.length,
      samples_in_day: room.sampleCount,
      resolution_s: 60,
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
