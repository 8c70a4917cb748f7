/**
 * Weekly and monthly reports end to end (issue #17) on the seeded room
 * (bench/report-room.ts) in the real collector, with planted findings: an
 * outage, a noisy rule, incidents in this and the previous period, a closed
 * incident's fix, a maintenance window and a filling filesystem. Rendered in
 * zh-CN and en, shown in headless Chromium with real CJK glyphs, mailed to a
 * real SMTP server, and served by the API and the CLI.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReportRoom } from '../../bench/report-room.js';
import { buildApp, type Collector } from '../../collector/app.js';
import { zonedMidnight } from '../../collector/report/gather.js';
import { periodBounds, previousPeriod } from '../../collector/report/period.js';
import { packageRoot } from '../../lib/paths.js';
import { authed, tempDir, testCollectorConfig } from '../helpers.js';
import { peerAvailable } from '../peers.js';

const exec = promisify(execFile);
const TZ = 'Asia/Shanghai';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MONDAY = '2026-11-16';
const WEEK = zonedMidnight(MONDAY, TZ);

describe('period bounds', () => {
  it('names a week by its Monday and a month by YYYY-MM, in the report time zone', () => {
    expect(periodBounds('week', MONDAY, TZ)).toEqual({ from: WEEK, to: WEEK + 7 * DAY, prevFrom: WEEK - 7 * DAY });
    expect(() => periodBounds('week', '2026-11-17', TZ)).toThrow(/not a Monday/);
    const m = periodBounds('month', '2026-11', TZ);
    expect(m.to - m.from).toBe(30 * DAY);
    expect(m.from - m.prevFrom).toBe(31 * DAY);
    expect(previousPeriod('week', WEEK + 7 * DAY + 8 * HOUR, TZ)).toBe(MONDAY);
    expect(previousPeriod('month', zonedMidnight('2026-12-01', TZ) + 8 * HOUR, TZ)).toBe('2026-11');
    expect(previousPeriod('month', zonedMidnight('2027-01-01', TZ) + 8 * HOUR, TZ)).toBe('2026-12');
  });
});

describe('weekly and monthly reports on the seeded room', () => {
  let tmp: ReturnType<typeof tempDir>;
  let c: Collector;
  let smtp: SMTPServer;
  const mails: string[] = [];
  const now = WEEK + 7 * DAY + 8 * HOUR; // Monday 08:00 after the week

  beforeAll(async () => {
    tmp = tempDir();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _s, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (x: Buffer) => chunks.push(x));
        stream.on('end', () => (mails.push(Buffer.concat(chunks).toString('utf8')), cb()));
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
    const config = testCollectorConfig(join(tmp.dir, 'data'));
    config.rules = { ...config.rules, paths: [join(packageRoot(), 'rules')] };
    config.notify = { channels: [{ name: 'mail', type: 'email', host: '127.0.0.1', port: (smtp.server.address() as { port: number }).port, from: 'roomwatch@noc.example' } as never] };
    config.report = { enabled: false, schedule: '0 8 * * *', timeZone: TZ, lang: 'zh-CN', channel: 'mail', to: ['noc@noc.example'] };
    c = await buildApp({ config, now: () => now, autoTick: false, background: false });

    // 16 days of the room every 30 minutes: this week and the one before.
    const room = buildReportRoom({ dayStart: WEEK + 6 * DAY, perClass: 1, stepMs: 1_800_000, historyDays: 15 });
    c.db.transaction(() => c.registry.upsert(room.devices, 'seed', now))();
    for (const batch of room.batches(2000)) c.db.transaction(() => c.store.write(batch))();

    // Planted: srv-gap1 unreachable for 2 h on Wednesday; sw-core1's link flapping 6 times.
    const event = (type: 'fired' | 'resolved', ruleId: string, device: string, at: number) =>
      c.alertStore.record({
        type,
        at,
        damped: false,
        alert: {
          identity: `${ruleId}|${device}`,
          ruleId,
          device,
          tags: { device },
          state: type === 'fired' ? 'firing' : 'resolved',
          priority: 'P2',
          value: 0,
          summary: '',
          runbook: '',
          labels: {},
        } as never,
      });
    event('fired', 'host/Host unreachable', 'srv-gap1', WEEK + 2 * DAY + 10 * HOUR);
    event('resolved', 'host/Host unreachable', 'srv-gap1', WEEK + 2 * DAY + 12 * HOUR);
    for (let i = 0; i < 6; i++) {
      event('fired', 'network/Interface down', 'sw-core1', WEEK + DAY + i * HOUR);
      event('resolved', 'network/Interface down', 'sw-core1', WEEK + DAY + i * HOUR + 600_000);
    }
    // Incidents: this week a P2 acknowledged in 10 min and resolved in 3 h; last week one acknowledged in 60 min.
    const s = c.incidents.store;
    const base = {
      status: 'resolved' as const,
      priority: 'P2' as const,
      ruleId: 'host/Host unreachable',
      tier: 0,
      assignee: null,
      cause: null,
      fix: null,
      closedAt: null,
      plannedAt: null,
      acknowledgedBy: 'alice',
    };
    s.create({
      ...base,
      title: 'srv-gap1 does not answer',
      device: 'srv-gap1',
      openedAt: WEEK + 2 * DAY + 10 * HOUR,
      acknowledgedAt: WEEK + 2 * DAY + 10 * HOUR + 600_000,
      resolvedAt: WEEK + 2 * DAY + 13 * HOUR,
      plannedAt: WEEK + 2 * DAY + 11 * HOUR,
      updatedAt: now,
    });
    s.create({
      ...base,
      title: 'srv-gap1 does not answer',
      device: 'srv-gap1',
      openedAt: WEEK - 5 * DAY,
      acknowledgedAt: WEEK - 5 * DAY + HOUR,
      resolvedAt: WEEK - 5 * DAY + 5 * HOUR,
      updatedAt: now,
    });
    const closed = s.create({
      ...base,
      status: 'closed',
      title: 'tape-01 drive 2 fault',
      device: 'tape-01',
      ruleId: 'storage/Tape drive not OK',
      priority: 'P3',
      openedAt: WEEK + 3 * DAY,
      acknowledgedAt: WEEK + 3 * DAY + 300_000,
      resolvedAt: WEEK + 3 * DAY + HOUR,
      closedAt: WEEK + 3 * DAY + 2 * HOUR,
      cause: '驱动器磁头脏污',
      fix: '放入清洗带并重跑备份',
      updatedAt: now,
    });
    void closed;
    c.maintenance.add({ name: 'UPS-02 电池更换', start: WEEK + 4 * DAY + 20 * HOUR, end: WEEK + 4 * DAY + 23 * HOUR, scope: { devices: ['ups-02'] } }, now);
  }, 180_000);

  afterAll(async () => {
    await c?.app.close();
    await new Promise<void>((r) => smtp.close(() => r()));
    tmp?.cleanup();
  });

  it('the weekly report has the planted findings', async () => {
    const { report } = await c.reports.periods.build('week', MONDAY, 'en');
    const avail = Object.fromEntries(report.availability.map((a) => [a.device, a.pct]));
    expect(avail['srv-gap1']).toBeCloseTo(100 * (1 - 2 / 168), 2);
    expect(avail['sw-down1']).toBeLessThan(100); // device.up 0 for 2 h on the seeded day
    expect(avail['srv-web02']).toBe(100);
    expect(report.availabilityByClass.find((x) => x.class === 'server')?.pct).toBeLessThan(100);
    expect(report.noisyRules[0]).toEqual({ ruleId: 'network/Interface down', fired: 6 });
    expect(report.noisyDevices[0]).toEqual({ device: 'sw-core1', fired: 6 });
    expect(report.incidents.P2.now).toMatchObject({ opened: 1, mttaMs: 600_000, mttrMs: 3 * HOUR, respondPct: 100, planPct: 100, resolvePct: 100 });
    expect(report.incidents.P2.before).toMatchObject({ opened: 1, mttaMs: HOUR, respondPct: 0 });
    expect(report.knowledge).toEqual([expect.objectContaining({ ruleId: 'storage/Tape drive not OK', fix: '放入清洗带并重跑备份' })]);
    expect(report.maintenance.map((m) => m.name)).toEqual(['UPS-02 电池更换']);
    expect(report.forecasts.find((f) => f.device === 'srv-db03' && f.tags.mount === '/u01')?.daysUntilFull).toBeLessThan(30);
    expect(report.inventory.devices).toBeGreaterThan(20);
  });

  it('renders zh-CN with real CJK glyphs in Chromium, mails it, and serves it over the API', async () => {
    const built = await c.reports.periods.build('week', MONDAY, 'zh-CN');
    expect(built.html).toContain('运维周报 2026-11-16');
    expect(built.text).toContain('== 事件与 SLA ==');
    const entry = c.reports.periods.archive(built, await c.reports.periods.email(built));
    expect(entry.emailed).toMatchObject({ to: ['noc@noc.example'] });
    expect(mails.at(-1)).toMatch(/Subject: =\?UTF-8\?/);
    expect(mails.at(-1)).toContain('noc@noc.example');

    const api = await authed(c.app, { url: `/api/v1/reports/week/${MONDAY}?lang=en&format=json` });
    expect(api.statusCode).toBe(200);
    expect(api.json().noisyRules[0].ruleId).toBe('network/Interface down');
    const month = await authed(c.app, { url: '/api/v1/reports/month/2026-11?format=text&lang=en' });
    expect(month.body).toContain('Monthly report 2026-11');
    expect(month.body).toMatch(/srv-gap1 \| Servers \| 99\.\d+ %/);
    expect((await authed(c.app, { url: '/api/v1/reports/week/2026-11-17' })).statusCode).toBe(400);
    expect((await authed(c.app, { url: '/api/v1/reports' })).json().periods[0]).toMatchObject({ period: 'week', label: MONDAY, lang: 'zh-CN' });

    if (!peerAvailable('chromium', 'chromium')) return;
    // Real glyphs differ from one character to the next; missing fonts draw the same box for each.
    const shot = async (text: string) => {
      const file = join(tmp.dir, `glyph-${text.codePointAt(0)}.html`);
      writeFileSync(
        file,
        `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0;background:#fff"><div style="font-family:'Noto Sans CJK SC';font-size:120px;line-height:1">${text}</div></body></html>`,
      );
      const png = file.replace('.html', '.png');
      const args = [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        `--user-data-dir=${join(tmp.dir, `p-${text.codePointAt(0)}`)}`,
        '--hide-scrollbars',
        `--screenshot=${png}`,
        '--window-size=300,160',
        `file://${file}`,
      ];
      await exec('chromium', args, { timeout: 60_000 });
      return PNG.sync.read(readFileSync(png)).data;
    };
    const a = await shot('周');
    const b = await shot('报');
    let differ = 0;
    let inked = 0;
    for (let i = 0; i < a.length; i += 4) {
      if (Math.abs((a[i] as number) - (b[i] as number)) > 64) differ++;
      if ((a[i] as number) < 128) inked++;
    }
    expect(inked).toBeGreaterThan(500);
    expect(differ).toBeGreaterThan(500);
    const page = join(tmp.dir, 'week.zh.html');
    writeFileSync(page, built.html);
    const { stdout: dom } = await exec('chromium', ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${join(tmp.dir, 'p-dom')}`, '--dump-dom', `file://${page}`], {
      maxBuffer: 32 << 20,
      timeout: 60_000,
    });
    for (const id of ['report-title', 'availability', 'incidents', 'noisy', 'forecasts', 'maintenance', 'knowledge', 'inventory']) expect(dom).toContain(`id="${id}"`);
  }, 180_000);
});
