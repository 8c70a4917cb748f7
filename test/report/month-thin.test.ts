/**
 * The monthly report end to end on a thin month (issue #17): four devices,
 * sparse samples with gaps, a device first seen mid-month, one first seen
 * after the month, an alert still firing at the month's end. Every figure is
 * checked against the value worked out by hand in the comments.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import type { Sample } from '../../collector/contract/index.js';
import { packageRoot } from '../../lib/paths.js';
import { authed, tempDir, testCollectorConfig } from '../helpers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOV = Date.UTC(2026, 10, 1); // the month, in UTC: 30 days, 43,200 minutes
const DEC = Date.UTC(2026, 11, 1);
const OCT = Date.UTC(2026, 9, 1);
const NOW = DEC + 8 * HOUR;

describe('the monthly report on a thin month', () => {
  let tmp: ReturnType<typeof tempDir>;
  let c: Collector;

  beforeAll(async () => {
    tmp = tempDir();
    const config = testCollectorConfig(join(tmp.dir, 'data'));
    config.rules = { ...config.rules, paths: ['host.yaml', 'ups.yaml', 'agent.yaml'].map((f) => join(packageRoot(), 'rules', f)) };
    config.report = { ...config.report, enabled: false, timeZone: 'UTC', lang: 'en' };
    c = await buildApp({ config, now: () => NOW, autoTick: false, background: false });
    const reg = c.registry;
    c.db.transaction(() => {
      reg.upsert(
        [
          { name: 'srv-a', class: 'server' },
          { name: 'env-c', class: 'environment' },
        ],
        'seed',
        OCT,
      );
      reg.upsert([{ name: 'ups-b', class: 'ups' }], 'seed', NOV + 15 * DAY);
      reg.upsert([{ name: 'new-d', class: 'server' }], 'seed', DEC + 2 * HOUR);
      reg.touch(['srv-a'], 'seed', DEC - HOUR);
      reg.touch(['ups-b'], 'seed', DEC - 6 * HOUR);
      reg.touch(['env-c'], 'seed', NOV + 28 * DAY - HOUR); // silent for the last day and more
    })();

    const samples: Sample[] = [];
    const up = (device: string, ts: number, v: number) => samples.push({ measurement: 'device', tags: { device }, fields: { up: v }, ts });
    // srv-a: device.up every hour, 720 hours, but none from Nov 21 00:00 to Nov 23 00:00 (48 h gap),
    // and 0 for the 13 samples Nov 10 00:00–12:00.
    for (let h = 0; h < 720; h++) {
      const ts = NOV + h * HOUR;
      if (ts >= NOV + 20 * DAY && ts < NOV + 22 * DAY) continue;
      up('srv-a', ts, ts >= NOV + 9 * DAY && ts <= NOV + 9 * DAY + 12 * HOUR ? 0 : 1);
    }
    // srv-a's /data grows one point a day at noon: 60 % on Nov 1 … 89 % on Nov 30.
    for (let d = 0; d < 30; d++) samples.push({ measurement: 'disk', tags: { device: 'srv-a', mount: '/data' }, fields: { used_pct: 60 + d }, ts: NOV + d * DAY + 12 * HOUR });
    // ups-b: from Nov 16, every 6 hours, always 1 (its outage shows as an alert, below), with a gap Nov 20–22.
    for (let ts = NOV + 15 * DAY; ts < DEC; ts += 6 * HOUR) if (ts < NOV + 19 * DAY || ts >= NOV + 21 * DAY) up('ups-b', ts, 1);
    // env-c: no device.up; a temperature a day until it went quiet.
    for (let d = 0; d < 28; d++) samples.push({ measurement: 'env', tags: { device: 'env-c', sensor: 'hall' }, fields: { temperature_c: 22 }, ts: NOV + d * DAY });
    c.db.transaction(() => c.store.write(samples))();

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
    event('fired', 'ups/UPS unreachable', 'ups-b', NOV + 24 * DAY + 6 * HOUR);
    event('resolved', 'ups/UPS unreachable', 'ups-b', NOV + 24 * DAY + 8 * HOUR);
    event('fired', 'agent/Agent silent', 'env-c', NOV + 28 * DAY); // still firing when the month ends

    const s = c.incidents.store;
    const base = {
      status: 'resolved' as const,
      priority: 'P2' as const,
      ruleId: 'ups/UPS unreachable',
      tier: 0,
      assignee: null,
      cause: null,
      fix: null,
      closedAt: null,
      plannedAt: null,
      acknowledgedBy: 'alice',
      updatedAt: NOW,
    };
    const opened = NOV + 24 * DAY + 6 * HOUR;
    s.create({ ...base, title: 'ups-b unreachable', device: 'ups-b', openedAt: opened, acknowledgedAt: opened + 20 * 60_000, resolvedAt: opened + 150 * 60_000 });
    s.create({
      ...base,
      title: 'srv-a unreachable',
      device: 'srv-a',
      ruleId: 'host/Host unreachable',
      openedAt: OCT + 9 * DAY,
      acknowledgedAt: OCT + 9 * DAY + HOUR,
      resolvedAt: OCT + 9 * DAY + 5 * HOUR,
    });
  }, 60_000);

  afterAll(async () => {
    await c?.app.close();
    tmp?.cleanup();
  });

  it('has the hand-computed availability, incidents, forecast and inventory', async () => {
    const res = await authed(c.app, '/api/v1/reports/month/2026-11?format=json&lang=en', 'viewer');
    expect(res.statusCode).toBe(200);
    const report = res.json();
    expect(report).toMatchObject({ period: 'month', label: '2026-11', from: NOV, to: DEC });
    const avail = Object.fromEntries(report.availability.map((a: { device: string }) => [a.device, a]));
    // srv-a: 672 samples (720 − 48 in the gap), 13 of them 0: down 13/672 of 43,200 min = 835.7 min; 1 − 13/672 = 98.065 %.
    // A gap is neither up nor down: it is missing data.
    expect(avail['srv-a']).toEqual({ device: 'srv-a', class: 'server', pct: 98.065, downMinutes: 836 });
    // ups-b: watched from Nov 16 (15 days, 21,600 min), device.up always 1, 2 h of UPS unreachable: 1 − 120/21,600 = 99.444 %.
    expect(avail['ups-b']).toEqual({ device: 'ups-b', class: 'ups', pct: 99.444, downMinutes: 120 });
    // env-c: no device.up; Agent silent from Nov 29 00:00 to the month's end: 2 of 30 days down = 93.333 %.
    expect(avail['env-c']).toEqual({ device: 'env-c', class: 'environment', pct: 93.333, downMinutes: 2880 });
    // new-d was first seen after the month: not in it.
    expect(avail['new-d']).toBeUndefined();
    expect(report.availability.map((a: { device: string }) => a.device)).toEqual(['env-c', 'srv-a', 'ups-b']); // worst first
    expect(report.availabilityByClass).toEqual([
      { class: 'environment', devices: 1, pct: 93.333 },
      { class: 'server', devices: 1, pct: 98.065 },
      { class: 'ups', devices: 1, pct: 99.444 },
    ]);

    // Incidents: November's P2 acknowledged in 20 min, resolved in 150 min; October's in 60 min and 5 h.
    expect(report.incidents.P2.now).toMatchObject({ opened: 1, mttaMs: 20 * 60_000, mttrMs: 150 * 60_000 });
    expect(report.incidents.P2.before).toMatchObject({ opened: 1, mttaMs: HOUR, mttrMs: 5 * HOUR });
    expect(report.incidents.P1.now).toMatchObject({ opened: 0, mttaMs: null, mttrMs: null });

    // Fired in the month: ups/UPS unreachable once, agent/Agent silent once; ties by name.
    expect(report.noisyRules).toEqual([
      { ruleId: 'agent/Agent silent', fired: 1 },
      { ruleId: 'ups/UPS unreachable', fired: 1 },
    ]);
    expect(report.noisyDevices).toEqual([
      { device: 'env-c', fired: 1 },
      { device: 'ups-b', fired: 1 },
    ]);

    // /data: daily means 60 … 89 at noon; the line at Dec 1 00:00 is 89.5, rising 1 a day: full in 10.5 days.
    expect(report.forecasts).toEqual([{ device: 'srv-a', metric: 'disk.used_pct', tags: { mount: '/data' }, last: 89, daysUntilFull: 10.5 }]);

    // Inventory: four registered, ups-b added in November (new-d in December), env-c silent since Nov 28.
    expect(report.inventory).toEqual({ devices: 4, byClass: { server: 2, environment: 1, ups: 1 }, added: ['ups-b'], silent: ['env-c'] });
  });

  it('renders the same figures in text and zh-CN HTML', async () => {
    const text = (await authed(c.app, '/api/v1/reports/month/2026-11?format=text&lang=en', 'viewer')).body;
    expect(text).toContain('Monthly report 2026-11');
    // The text shows one decimal: 98.065 → 98.1 %, 836 min → 13 h 56 min.
    expect(text).toContain('srv-a | Servers | 98.1 % | 13 h 56 min');
    expect(text).toContain('ups-b | UPS | 99.4 % | 2 h');
    expect(text).toContain('env-c | Environment sensors | 93.3 % | 2 d');
    expect(text).toContain('P2 urgent | 1 (1) | 20 min (1 h) | 2 h 30 min (5 h)');
    expect(text).toContain('srv-a | disk.used_pct /data | 89 % | 10.5 days');
    expect(text).toContain('Devices in inventory: 4; Added in the period: ups-b; Silent for a day or more: env-c');
    const html = (await authed(c.app, '/api/v1/reports/month/2026-11?format=html&lang=zh-CN', 'viewer')).body;
    expect(html).toContain('运维月报 2026-11');
    expect(html).toContain('ups-b');
  });
});
