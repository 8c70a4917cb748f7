/**
 * The report's configuration and schedule: 08:00 in the report's time zone by
 * default, and every mistake in collector.yaml's report section named with
 * file:line:col.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../collector/app.js';
import { loadCollectorConfig } from '../../collector/config.js';
import { previousDate, zonedMidnight } from '../../collector/report/gather.js';
import { tempDir, testCollectorConfig } from '../helpers.js';

describe('report schedule and configuration', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('schedules the morning report at 08:00 in Asia/Shanghai (00:00 UTC)', async () => {
    const config = testCollectorConfig(join(tmp.dir, 'data'));
    config.report = { enabled: true, schedule: '0 8 * * *', timeZone: 'Asia/Shanghai', lang: 'zh-CN', to: [] };
    const c = await buildApp({ config, autoTick: false });
    try {
      const next = c.reports.nextRun() as Date;
      expect(next.getUTCHours()).toBe(0);
      expect(next.getUTCMinutes()).toBe(0);
      expect(next.getTime()).toBeGreaterThan(Date.now());
      expect(next.getTime() - Date.now()).toBeLessThanOrEqual(86_400_000);
    } finally {
      await c.app.close();
    }
  });

  it('covers yesterday in the report time zone, also across midnight and DST', () => {
    // 00:30 on the 23rd in Shanghai is still the 22nd in UTC: the morning report is for the 22nd.
    expect(previousDate(Date.UTC(2026, 10, 22, 16, 30), 'Asia/Shanghai')).toBe('2026-11-22');
    expect(previousDate(Date.UTC(2026, 10, 22, 16, 30), 'UTC')).toBe('2026-11-21');
    // A DST day in New York is 23 hours long.
    const start = zonedMidnight('2026-03-08', 'America/New_York');
    const end = zonedMidnight('2026-03-09', 'America/New_York');
    expect((end - start) / 3_600_000).toBe(23);
    expect(() => zonedMidnight('2026-13-01', 'UTC')).toThrow(/not a calendar date/);
  });

  it('refuses a bad time zone, schedule, channel and missing recipients with positions', () => {
    const file = join(tmp.dir, 'collector.yaml');
    writeFileSync(file, ['report:', '  time_zone: Mars/Olympus', '  schedule: "0 25 * * *"', '  channel: mailer', ''].join('\n'));
    let message = '';
    try {
      loadCollectorConfig(file);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/collector\.yaml:2:\d+: report\.time_zone: 'Mars\/Olympus' is not a time zone/);
    expect(message).toMatch(/collector\.yaml:3:\d+: report\.schedule: '0 25 \* \* \*' is not a cron expression/);
    expect(message).toMatch(/collector\.yaml:4:\d+: report\.channel: no email channel is named 'mailer'/);
    expect(message).toMatch(/report\.to: a report channel needs recipients/);
  });
});
