/**
 * The daily report tells the truth (issue #17): firing alerts and open
 * incidents are risks, a UPS on bypass is checked, muted alerts carry their
 * maintenance window, open incidents are listed with their SLA state, and
 * completeness counts a device only from its first sample and up to now.
 */
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../collector/app.js';
import { zonedMidnight } from '../../collector/report/gather.js';
import { judgeReport } from '../../collector/report/judge.js';
import { renderHtml } from '../../collector/report/render-html.js';
import { renderText } from '../../collector/report/render-text.js';
import type { DeviceInput, SeriesStats } from '../../collector/report/types.js';
import { tempDir, testCollectorConfig } from '../helpers.js';
import { buildRoomInput } from './room-fixture.js';

const HOUR = 3_600_000;

function series(metric: string, value: number, from: number): SeriesStats {
  const day = { min: value, max: value, avg: value, last: value, count: 288, firstTs: from, lastTs: from + 24 * HOUR - 300_000 };
  return { metric, tags: {}, day, hourly: Array.from({ length: 24 }, () => value) };
}

function upsOnBypass(name: string, from: number): DeviceInput {
  return {
    name,
    class: 'ups',
    series: [series('device.up', 1, from), series('ups.output_source', 4, from), series('ups.battery_status', 2, from), series('ups.alarms', 1, from)],
    expectedSamples: 1152,
    receivedSamples: 1152,
    downMinutes: 0,
    gapMinutes: 0,
  };
}

describe('risks come from firing alerts and open incidents too', () => {
  it('three UPSs on bypass with P2 firing are top risks (the report used to say "no risks today")', () => {
    const input = buildRoomInput({ anomalies: false });
    input.devices.push(...['ups-x1', 'ups-x2', 'ups-x3'].map((n) => upsOnBypass(n, input.from)));
    input.alerts.push(
      ...['ups-x1', 'ups-x2', 'ups-x3'].map((device) => ({
        ruleId: 'ups/UPS on bypass',
        ruleName: 'UPS on bypass',
        device,
        priority: 'P2' as const,
        firedAt: input.from + HOUR,
        resolvedAt: null,
        summary: `${device} is on bypass: the load is not protected`,
        runbook: 'Find why the inverter dropped out; call the UPS vendor.',
      })),
    );
    const report = judgeReport(input);
    const bypassRows = report.rows.filter((r) => r.check === 'ups.output');
    expect(bypassRows.map((r) => [r.device, r.status])).toEqual([
      ['ups-x1', 'fail'],
      ['ups-x2', 'fail'],
      ['ups-x3', 'fail'],
    ]);
    expect(report.rows.filter((r) => r.check === 'ups.alarms' && r.device.startsWith('ups-x')).map((r) => r.status)).toEqual(['fail', 'fail', 'fail']);
    const top = report.risks.slice(0, 3);
    expect(top.map((r) => [r.device, r.check, r.priority])).toEqual([
      ['ups-x1', 'ups.output', 'P2'],
      ['ups-x2', 'ups.output', 'P2'],
      ['ups-x3', 'ups.output', 'P2'],
    ]);
    expect(top[0]?.action).toBe('Find why the inverter dropped out; call the UPS vendor.');
    const zh = renderHtml(report, 'zh-CN');
    expect(zh).not.toContain('今日无风险项');
    expect(zh).toContain('旁路供电：负载无保护');
  });

  it('a firing alert no checklist row explains, and an open incident, are risks with P1/P2 first; a muted one is marked with its window', () => {
    const input = buildRoomInput({ anomalies: false });
    const at = input.from + 2 * HOUR;
    input.alerts.push(
      { ruleId: 'host/Memory exhausted', ruleName: 'Memory exhausted', device: 'web01', priority: 'P2', firedAt: at, resolvedAt: null, summary: 'web01 memory 97 % used with swap at 60 %' },
      {
        ruleId: 'host/Host unreachable',
        ruleName: 'Host unreachable',
        device: 'web03',
        priority: 'P2',
        firedAt: at,
        resolvedAt: null,
        summary: 'web03 does not answer',
        muted: true,
        maintenance: { name: 'Rack 12 power work', start: input.from + HOUR, end: input.from + 5 * HOUR },
      },
    );
    input.incidents.push({
      id: 42,
      priority: 'P1',
      device: 'db01',
      title: 'Vendor reports data corruption risk',
      ruleId: 'manual',
      openedAt: input.from - 2 * 24 * HOUR,
      acknowledgedAt: null,
      resolvedAt: null,
      respondMet: false,
      resolveMet: undefined,
      status: 'open',
    });
    const report = judgeReport(input);
    expect(report.risks.map((r) => [r.device, r.kind, r.priority])).toEqual([
      ['db01', 'incident', 'P1'],
      ['web01', 'alert', 'P2'],
      ['web03', 'alert', 'P2'],
    ]);
    const text = renderText(report, 'en');
    expect(text).toContain('Vendor reports data corruption risk (incident #42 · respond BREACHED · resolve running)');
    expect(text).toMatch(/web03 does not answer \(muted by maintenance "Rack 12 power work" 2026-11-23 \d\d:\d\d – 2026-11-23 \d\d:\d\d\)/);
    // Open incidents are listed, not only counted, with their SLA state.
    expect(text).toMatch(/Open incidents[\s\S]*42 +P1 +db01 .*respond BREACHED · resolve running +Vendor reports data corruption risk/);
    const html = renderHtml(report, 'zh-CN');
    expect(html).toContain('维护窗口“Rack 12 power work”期间已静默');
    expect(html).toContain('<h3 id="open-incidents">未关闭事件</h3>');
    expect(html).toContain('响应 已超时 · 解决 计时中');
  });
});

describe('completeness counts from the first sample and up to now', () => {
  const TZ = 'UTC';
  const DATE = '2026-11-22';
  const DAY = zonedMidnight(DATE, TZ);

  async function collectorAt(now: number) {
    const tmp = tempDir();
    const config = testCollectorConfig(tmp.dir);
    config.report = { ...config.report, enabled: false, timeZone: TZ };
    const c = await buildApp({ config, now: () => now, autoTick: false, background: false });
    return { c, tmp };
  }

  const samples = (device: string, from: number, to: number) => {
    const out = [];
    for (let t = from; t < to; t += 300_000) out.push({ measurement: 'cpu', tags: { device }, fields: { usage_pct: 20 }, ts: t });
    return out;
  };

  it('a device first seen the next day is not "no data" for the day before', async () => {
    const now = DAY + 32 * HOUR;
    const { c, tmp } = await collectorAt(now);
    try {
      c.db.transaction(() => {
        c.registry.upsert([{ name: 'old-srv', class: 'server' }], 'seed', DAY - 24 * HOUR);
        c.registry.upsert([{ name: 'new-srv', class: 'server' }], 'seed', DAY + 26 * HOUR);
      })();
      c.db.transaction(() => c.store.write([...samples('old-srv', DAY - HOUR, now), ...samples('new-srv', DAY + 26 * HOUR, now)]))();
      const { report } = await c.reports.build(DATE, 'en');
      expect(report.completeness.map((x) => [x.device, x.verdict])).toEqual([['old-srv', 'complete']]);
    } finally {
      await c.app.close();
      tmp.cleanup();
    }
  });

  it("today's report counts neither the hours before the first sample nor the hours still to come as gaps", async () => {
    const now = DAY + 15 * HOUR;
    const { c, tmp } = await collectorAt(now);
    try {
      c.db.transaction(() => c.registry.upsert([{ name: 'fresh', class: 'server' }], 'seed', DAY + 10 * HOUR))();
      c.db.transaction(() => c.store.write(samples('fresh', DAY + 10 * HOUR, now)))();
      const { report } = await c.reports.build(DATE, 'en');
      const row = report.completeness.find((x) => x.device === 'fresh');
      expect(row).toMatchObject({ verdict: 'complete', gapMinutes: 0 });
      expect(row?.receivedPct).toBe(100);
    } finally {
      await c.app.close();
      tmp.cleanup();
    }
  });
});
