/**
 * report_month: the monthly report for 1,000 devices × 30 days at 5-minute
 * resolution on the SQLite store (issue #17; aim ≤ 30 s): availability,
 * incidents, noisy rules, capacity forecasts from daily buckets, inventory,
 * rendered as HTML and text. The room is bench/report-room.ts (100 devices of
 * each of 10 classes, plus the anomalous ones), its 30 days written straight
 * into the store; seeding is not timed, nor is building the month's rollups
 * (`rollup_build_ms`: a running collector keeps them as samples arrive). Each line carries the machine's load
 * (`uptime`), since a busy machine changes the figure.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { buildApp } from '../collector/app.js';
import { COLLECTOR_DEFAULTS, type CollectorConfig } from '../collector/config.js';
import { zonedMidnight } from '../collector/report/gather.js';
import { buildReportRoom } from './report-room.js';
import { emit, envInt, median, progress, r, tempDir } from './lib.js';

const DAY = 86_400_000;

function uptime(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export async function benchReportMonth(): Promise<void> {
  const perClass = envInt('BENCH_REPORT_PER_CLASS', 100);
  const runs = Math.max(3, envInt('BENCH_RUNS', 3));
  const stepMs = envInt('BENCH_REPORT_MONTH_STEP_S', 300) * 1000;
  const tz = 'Asia/Shanghai';
  const month = '2026-11';
  const monthStart = zonedMidnight('2026-11-01', tz);
  const lastDay = zonedMidnight('2026-11-30', tz);
  const tmp = tempDir('report-month');
  const config: CollectorConfig = { ...structuredClone(COLLECTOR_DEFAULTS), dataDir: join(tmp.dir, 'data'), logLevel: 'silent', agents: [] };
  config.rules = { ...config.rules, paths: [] };
  config.report = { ...config.report, enabled: false, timeZone: tz };
  const now = lastDay + DAY + 8 * 3_600_000;
  const collector = await buildApp({ config, now: () => now, autoTick: false, background: false });
  try {
    const room = buildReportRoom({ dayStart: lastDay, perClass, historyDays: Math.round((lastDay - monthStart) / DAY), stepMs });
    progress(`report_month: seeding ${room.devices.length} devices, ${room.sampleCount.toLocaleString()} samples`);
    const t0 = performance.now();
    collector.db.transaction(() => collector.registry.upsert(room.devices, 'bench', monthStart))();
    for (const batch of room.batches(12)) collector.db.transaction(() => collector.store.write(batch))();
    // The head move into the chunk tables happens on the first read; then the rollups of the month.
    await collector.store.query({ measurement: 'cpu', field: 'usage_pct', matchers: [], from: monthStart, to: monthStart + 1, stepMs: 0, agg: 'last' });
    progress(`report_month: seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const t1 = performance.now();
    // Not part of the report's time: in a running collector rollups are kept as samples arrive.
    (collector.store as { rollups?: { catchUp(): boolean } }).rollups?.catchUp();
    const rollupMs = performance.now() - t1;
    progress(`report_month: rollups of the month built in ${(rollupMs / 1000).toFixed(1)} s`);
    const times: number[] = [];
    let devices = 0;
    let htmlBytes = 0;
    const loads: string[] = [];
    for (let i = 0; i < runs; i++) {
      loads.push(uptime());
      const start = performance.now();
      const built = await collector.reports.periods.build('month', month, 'zh-CN');
      const ms = performance.now() - start;
      times.push(ms);
      devices = built.report.availability.length;
      htmlBytes = Buffer.byteLength(built.html);
      progress(`report_month run ${i + 1}/${runs}: ${ms.toFixed(0)} ms, ${devices} devices in availability`);
    }
    emit({
      bench: 'report_month',
      store: 'sqlite',
      devices: room.devices.length,
      days: 30,
      resolution_s: stepMs / 1000,
      samples: room.sampleCount,
      rollup_build_ms: r(rollupMs),
      median_ms: r(median(times)),
      target_ms: 30_000,
      availability_rows: devices,
      html_bytes: htmlBytes,
      runs_ms: times.map(r),
      uptime: loads,
    });
  } finally {
    await collector.app.close();
    tmp.cleanup();
  }
}
