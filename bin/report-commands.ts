/**
 * `roomwatch report`: the daily health-check report on demand, built from the
 * collector's data directory (the same as a running collector's; nothing is
 * sent and no background work starts).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildApp, type Collector } from '../collector/app.js';
import { COLLECTOR_DEFAULTS, loadCollectorConfig } from '../collector/config.js';
import { previousDate, ReportDateError } from '../collector/report/gather.js';
import { UsageError } from './cli-support.js';

export interface ReportCommandOptions {
  config?: string;
  date?: string;
  lang?: string;
  out?: string;
  format?: string;
  site?: string;
  archive?: boolean;
  dataDir?: string;
  /** day (default), week or month. */
  period?: string;
}

/** `roomwatch report --period week|month [--date LABEL]`: the label is a week's Monday or YYYY-MM (default: the last complete one). */
async function runPeriod(collector: Collector, o: ReportCommandOptions, tz: string): Promise<number> {
  if (o.period !== 'week' && o.period !== 'month') {
    process.stderr.write(`--period ${o.period}: use day, week or month\n`);
    return 2;
  }
  let built;
  try {
    built = await collector.reports.periods.build(o.period, o.date, o.lang as 'zh-CN' | 'en' | undefined);
  } catch (err) {
    if (!(err instanceof ReportDateError)) throw err;
    process.stderr.write(`--date: ${err.message}\n`);
    return 2;
  }
  const format = o.format ?? (o.out ? (o.out.endsWith('.txt') ? 'text' : 'html') : 'text');
  const body = format === 'html' ? built.html : built.text;
  if (o.out) writeFileSync(o.out, body);
  else process.stdout.write(body);
  if (o.archive) collector.reports.periods.archive(built);
  process.stderr.write(`report ${o.period} ${built.report.label} (${built.lang}, ${tz})${o.out ? ` → ${o.out}` : ''}\n`);
  return 0;
}

export async function runReport(o: ReportCommandOptions): Promise<number> {
  // --lang and --format are checked by the command line (commander choices).
  const config = o.config ? loadCollectorConfig(o.config) : { ...structuredClone(COLLECTOR_DEFAULTS), dataDir: resolve(o.dataDir ?? COLLECTOR_DEFAULTS.dataDir) };
  const collector = await buildApp({ config: { ...config, logLevel: 'silent' }, autoTick: false, background: false });
  try {
    if (o.period !== undefined && o.period !== 'day') return await runPeriod(collector, o, config.report.timeZone);
    const date = o.date ?? previousDate(Date.now(), config.report.timeZone);
    let built;
    try {
      built = await collector.reports.build(date, o.lang as 'zh-CN' | 'en' | undefined, o.site);
    } catch (err) {
      if (!(err instanceof ReportDateError)) throw err;
      throw new UsageError(`--date: ${err.message}`);
    }
    // A file gets HTML unless it ends in .txt or .json; the terminal gets text.
    const format = o.format ?? (o.out ? (o.out.endsWith('.txt') ? 'text' : o.out.endsWith('.json') ? 'json' : 'html') : 'text');
    const body = format === 'html' ? built.html : format === 'json' ? `${JSON.stringify(built.report)}\n` : built.text;
    if (o.out) writeFileSync(o.out, body);
    else process.stdout.write(body);
    if (o.archive) collector.reports.archive(built);
    const s = built.report.summary;
    process.stderr.write(`report ${date} (${built.lang}, ${config.report.timeZone}): ${s.devices} devices, ${s.fail} fail, ${s.warn} warn${o.out ? ` → ${o.out}` : ''}\n`);
    return 0;
  } finally {
    await collector.app.close();
  }
}
