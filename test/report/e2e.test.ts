/**
 * The daily report end to end on the real collector: a seeded room of about
 * 50 devices of every class (bench/report-room.ts: a week of history and the
 * report's day, with known anomalies) in the SQLite store; the report flags
 * exactly those; days-until-full, completeness and the time zone come out
 * right; the API, the CLI, the archive and the email (to a real SMTP server)
 * all deliver it.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANOMALIES, buildReportRoom } from '../../bench/report-room.js';
import { buildApp, type Collector } from '../../collector/app.js';
import { zonedMidnight } from '../../collector/report/gather.js';
import type { Report } from '../../collector/report/types.js';
import { packageRoot } from '../../lib/paths.js';
import { authed, tempDir, testCollectorConfig } from '../helpers.js';

const exec = promisify(execFile);
const TZ = 'Asia/Shanghai';
const DATE = '2026-11-22';
const DAY_START = zonedMidnight(DATE, TZ);

describe('the daily report on a seeded room', () => {
  let tmp: ReturnType<typeof tempDir>;
  let collector: Collector;
  let smtp: SMTPServer;
  const mails: string[] = [];
  let report: Report;

  beforeAll(async () => {
    tmp = tempDir();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push(Buffer.concat(chunks).toString('utf8'));
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    const port = (smtp.server.address() as { port: number }).port;

    const config = testCollectorConfig(join(tmp.dir, 'data'));
    config.notify = { channels: [{ name: 'mail', type: 'email', host: '127.0.0.1', port, from: 'roomwatch@noc.example' } as never] };
    config.report = { enabled: false, schedule: '0 8 * * *', timeZone: TZ, lang: 'en', channel: 'mail', to: ['noc@noc.example', 'cto@noc.example'] };
    // The morning after the report's day, 08:00 in Shanghai.
    const now = DAY_START + 32 * 3_600_000;
    collector = await buildApp({ config, now: () => now, autoTick: false, background: false });

    // 4 devices of each class plus the 13 anomalous ones, every 5 minutes for 8 days.
    const room = buildReportRoom({ dayStart: DAY_START, perClass: 4, stepMs: 300_000 });
    // A firewall's rated session capacity comes from its labels (no metric reports it).
    const fw = room.devices.find((d) => d.name === 'fw-n0001');
    if (fw) fw.labels = { sessions_max: '1000000' };
    collector.db.transaction(() => collector.registry.upsert(room.devices, 'seed', now))();
    for (const batch of room.batches(288)) collector.db.transaction(() => collector.store.write(batch))();
    report = (await collector.reports.build(DATE, 'en')).report;
  }, 120_000);

  afterAll(async () => {
    await collector?.app.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    tmp?.cleanup();
  });

  it('covers the calendar day in Asia/Shanghai', () => {
    expect(new Date(report.input.from).toISOString()).toBe('2026-11-21T16:00:00.000Z');
    expect(new Date(report.input.to).toISOString()).toBe('2026-11-22T16:00:00.000Z');
    expect(report.input.devices).toHaveLength(53);
  });

  it('flags exactly the known anomalies; every other row passes', () => {
    const flagged = report.rows
      .filter((r) => r.status !== 'pass')
      .map((r) => `${r.device} ${r.check} ${r.status}`)
      .sort();
    const expected = Object.entries(ANOMALIES)
      .flatMap(([device, a]) => a.expect.map((e) => `${device} ${e.check} ${e.status}`))
      .sort();
    expect(flagged).toEqual(expected);
    // Every device got its class's checklist.
    for (const d of report.input.devices)
      expect(
        report.rows.some((r) => r.device === d.name),
        d.name,
      ).toBe(true);
  });

  it('judges firewall sessions against the capacity in the device labels', () => {
    expect(report.rows.find((r) => r.device === 'fw-n0001' && r.check === 'fw.sessions')?.value).toMatch(/peak 40,000 sessions \(4 % of 1,000,000\)/);
    expect(report.rows.find((r) => r.device === 'fw-n0002' && r.check === 'fw.sessions')?.value).toMatch(/capacity not configured/);
  });

  it('forecasts /u01 on srv-db03 full in about 9 days (1 % a day from 91 %)', () => {
    const row = report.rows.find((r) => r.device === 'srv-db03' && r.check === 'fs:/u01');
    expect(row?.daysUntilFull).toBeGreaterThan(8);
    expect(row?.daysUntilFull).toBeLessThan(10);
  });

  it('tells a gap in collection from a device that was down', () => {
    const verdict = Object.fromEntries(report.completeness.map((c) => [c.device, c.verdict]));
    expect(verdict['srv-gap1']).toBe('gaps');
    expect(verdict['sw-down1']).toBe('down');
    const others = report.completeness.filter((c) => c.device !== 'srv-gap1' && c.device !== 'sw-down1');
    expect(
      others.every((c) => c.verdict === 'complete'),
      JSON.stringify(others.filter((c) => c.verdict !== 'complete')),
    ).toBe(true);
    const gap = report.completeness.find((c) => c.device === 'srv-gap1');
    expect(gap?.gapMinutes).toBeGreaterThanOrEqual(170);
    expect(gap?.downMinutes).toBe(0);
    expect(report.completeness.find((c) => c.device === 'sw-down1')?.downMinutes).toBeGreaterThanOrEqual(115);
  });

  it('puts alerts into the right day around midnight in Asia/Shanghai and shows their local time', async () => {
    const alert = (identity: string, at: number, type: 'fired' | 'resolved') =>
      collector.alertStore.record({
        type,
        at,
        damped: false,
        alert: {
          identity,
          ruleId: 'ups/UPS on battery',
          device: 'ups-02',
          tags: { device: 'ups-02' },
          state: type === 'fired' ? 'firing' : 'resolved',
          priority: 'P1',
          value: 1,
          summary: `${identity} summary`,
          runbook: 'Check the mains feed.',
          labels: {},
        } as never,
      });
    // 23:30 on the 22nd in Shanghai (15:30Z) belongs to the report; 00:30 on the 23rd (16:30Z) does not.
    alert('late', Date.UTC(2026, 10, 22, 15, 30), 'fired');
    alert('late', Date.UTC(2026, 10, 22, 15, 40), 'resolved');
    alert('next-day', Date.UTC(2026, 10, 22, 16, 30), 'fired');
    const built = await collector.reports.build(DATE, 'en');
    expect(built.report.input.alerts.map((a) => a.summary)).toEqual(['late summary']);
    expect(built.report.alertsByPriority.P1).toBe(1);
    expect(built.html).toContain('23:30');
    expect(built.html).not.toContain('next-day summary');
  });

  it('serves the report over the API in both languages and refuses a bad date', async () => {
    const en = await authed(collector.app, { url: `/api/v1/reports/${DATE}?lang=en` });
    expect(en.statusCode).toBe(200);
    expect(en.headers['content-type']).toMatch(/text\/html/);
    expect(en.body).toContain('id="checklist"');
    const zh = await authed(collector.app, { url: `/api/v1/reports/${DATE}?lang=zh-CN&format=text` });
    expect(zh.body).toContain('巡检');
    const json = await authed(collector.app, { url: `/api/v1/reports/${DATE}?format=json` });
    expect((json.json() as Report).summary.devices).toBe(53);
    expect((await authed(collector.app, { url: '/api/v1/reports/2026-02-30' })).statusCode).toBe(400);
    expect((await authed(collector.app, { url: '/api/v1/reports/yesterday' })).statusCode).toBe(400);
  });

  it('mails the morning report (HTML and text parts) and archives it with an index', async () => {
    const entry = await collector.reports.runDaily();
    expect(entry.date).toBe(DATE);
    expect(entry.emailed).toMatchObject({ to: ['noc@noc.example', 'cto@noc.example'] });
    expect(mails).toHaveLength(1);
    const mail = mails[0] as string;
    expect(mail).toMatch(/^Subject: .*2026-11-22/m);
    expect(mail).toMatch(/multipart\/alternative/);
    expect(mail).toMatch(/Content-Type: text\/plain/);
    expect(mail).toMatch(/Content-Type: text\/html/);
    const dir = join(tmp.dir, 'data', 'reports');
    expect(existsSync(join(dir, `${DATE}.en.html`))).toBe(true);
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Array<{ date: string; summary: { fail: number } }>;
    expect(index[0]?.date).toBe(DATE);
    expect(index[0]?.summary.fail).toBe(report.summary.fail);
    expect((await authed(collector.app, { url: '/api/v1/reports' })).json().reports).toHaveLength(1);
  });

  it('is built by `roomwatch report` from the data directory', async () => {
    const out = join(tmp.dir, 'cli.html');
    const { stderr } = await exec(process.execPath, [join(packageRoot(), 'dist', 'bin', 'roomwatch.js'), 'report', '--data', join(tmp.dir, 'data'), '--date', DATE, '--lang', 'zh-CN', '--out', out], {
      timeout: 60_000,
    });
    expect(stderr).toMatch(/report 2026-11-22 \(zh-CN, UTC\): 53 devices/);
    expect(readFileSync(out, 'utf8')).toMatch(/<html[^>]*lang="zh-CN"/);
  });
});
