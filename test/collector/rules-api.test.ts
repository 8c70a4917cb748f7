import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, RulesLoadError, type Collector } from '../../collector/app.js';
import type { IngestBatch } from '../../collector/contract/index.js';
import { authed, AGENT, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';

const NOW = Date.UTC(2026, 10, 23, 8, 0, 0);
const RULES = `
group: ups
classes: [ups]
rules:
  - name: UPS on battery
    when: ups.on_battery == 1
    priority: P1
    summary: "{{device}} is on battery, {{ups.battery_runtime_min}} min left"
  - name: UPS load high
    when: ups.output_load_pct > 80
    priority: P3
`;

describe('rules and alerts API', () => {
  let tmp: ReturnType<typeof tempDir>;
  let c: Collector;
  let now = NOW;
  let seq = 0;

  beforeEach(async () => {
    // Every test starts at NOW: one test moves the clock, and the order is shuffled in CI.
    now = NOW;
    tmp = tempDir();
    writeFileSync(join(tmp.dir, 'ups.yaml'), RULES);
    writeFileSync(join(tmp.dir, 'inventory.yaml'), 'devices:\n  ups-a: { class: ups, site: dc1 }\n  ups-b: { class: ups }\n');
    const config = testCollectorConfig(join(tmp.dir, 'data'));
    config.rules = { ...config.rules, paths: [join(tmp.dir, 'ups.yaml')], inventory: join(tmp.dir, 'inventory.yaml') };
    c = await buildApp({ config, now: () => now, logger: false, autoTick: false });
  });
  afterEach(async () => {
    await c.app.close();
    tmp.cleanup();
  });

  const ingest = (device: string, fields: Record<string, number>) => {
    const batch: IngestBatch = { agent: AGENT, seq: ++seq, batch_id: `${AGENT}:${seq}:rules`, samples: [{ measurement: 'ups', tags: { device }, fields, ts: now }] };
    return c.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: { authorization: `Bearer ${TOKEN}` }, payload: batch });
  };

  it('raises alerts from ingested samples and filters them', async () => {
    expect((await ingest('ups-a', { on_battery: 1, battery_runtime_min: 37, output_load_pct: 85 })).statusCode).toBe(200);
    expect((await ingest('ups-b', { on_battery: 0, output_load_pct: 90 })).statusCode).toBe(200);
    const all = (await authed(c.app, { url: '/api/v1/alerts' })).json().alerts;
    expect(all.map((a: { ruleId: string; device: string }) => `${a.ruleId} ${a.device}`)).toEqual(['ups/UPS on battery ups-a', 'ups/UPS load high ups-a', 'ups/UPS load high ups-b']);
    expect(all[0]).toMatchObject({ state: 'firing', priority: 'P1', summary: 'ups-a is on battery, 37 min left', firingSince: NOW });
    const p3 = (await authed(c.app, { url: '/api/v1/alerts?priority=P3&device=ups-b' })).json().alerts;
    expect(p3).toHaveLength(1);
    expect((await authed(c.app, { url: '/api/v1/alerts?priority=P9' })).statusCode).toBe(400);
    const rules = (await authed(c.app, { url: '/api/v1/rules' })).json();
    expect(rules.rules.map((r: { id: string }) => r.id)).toEqual(['ups/UPS on battery', 'ups/UPS load high']);
    expect(rules.rules[0]).toMatchObject({ priority: 'P1', metrics: ['ups.on_battery'], line: 5 });
  });

  it('keeps the old rules when a reload finds a problem, and applies a good reload', async () => {
    writeFileSync(join(tmp.dir, 'ups.yaml'), RULES.replace('priority: P3', 'priority: P7'));
    const bad = await authed(c.app, { method: 'POST', url: '/api/v1/rules/reload' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().problems).toEqual([expect.stringMatching(/ups\.yaml:11:15: \[ups \/ UPS load high\] .*P7/)]);
    expect((await authed(c.app, { url: '/api/v1/rules' })).json().rules).toHaveLength(2);
    writeFileSync(join(tmp.dir, 'ups.yaml'), RULES.split('  - name: UPS load high')[0] as string);
    const good = await authed(c.app, { method: 'POST', url: '/api/v1/rules/reload' });
    expect(good.statusCode).toBe(200);
    expect(good.json()).toMatchObject({ ok: true, rules: 1 });
    expect((await authed(c.app, { url: '/api/v1/rules' })).json().rules).toHaveLength(1);
  });

  it('does not raise alerts inside a maintenance window created through the API', async () => {
    const created = await authed(c.app, {
      method: 'POST',
      url: '/api/v1/maintenance',
      payload: { name: 'battery swap', start: NOW - 1000, end: NOW + 3_600_000, scope: { devices: ['ups-a'] } },
    });
    expect(created.statusCode).toBe(201);
    await ingest('ups-a', { on_battery: 1 });
    const alerts = (await authed(c.app, { url: '/api/v1/alerts' })).json().alerts;
    expect(alerts).toMatchObject([{ device: 'ups-a', state: 'firing', muted: true }]);
    const windows = (await authed(c.app, { url: '/api/v1/maintenance' })).json().windows;
    expect(windows).toMatchObject([{ name: 'battery swap', active: true, source: 'api' }]);
    const badWindow = await authed(c.app, { method: 'POST', url: '/api/v1/maintenance', payload: { name: 'x', start: 'tomorrowish', end: NOW, scope: {} } });
    expect(badWindow.statusCode).toBe(400);
    expect(badWindow.json().message).toMatch(/body\/start: 'tomorrowish' is not a time/);
    expect((await authed(c.app, { method: 'DELETE', url: `/api/v1/maintenance/${created.json().id}` })).statusCode).toBe(204);
    expect((await authed(c.app, { method: 'DELETE', url: `/api/v1/maintenance/${created.json().id}` })).statusCode).toBe(404);
  });

  it('restores alert state after a restart without raising it again', async () => {
    await ingest('ups-a', { on_battery: 1 });
    const events = () => c.alertStore.events({}).filter((e) => e.type === 'fired').length;
    expect(events()).toBe(1);
    await c.app.close();
    const config = testCollectorConfig(join(tmp.dir, 'data'));
    config.rules = { ...config.rules, paths: [join(tmp.dir, 'ups.yaml')], inventory: join(tmp.dir, 'inventory.yaml') };
    now += 60_000;
    c = await buildApp({ config, now: () => now, logger: false, autoTick: false });
    await ingest('ups-a', { on_battery: 1 });
    c.engine.tick();
    expect((await authed(c.app, { url: '/api/v1/alerts' })).json().alerts).toMatchObject([{ device: 'ups-a', state: 'firing', firingSince: NOW }]);
    expect(events()).toBe(1);
  });

  it('refuses to start on a broken rule file, naming the problem', async () => {
    writeFileSync(join(tmp.dir, 'broken.yaml'), 'group: x\nrules:\n  - name: y\n    when: cpu.usage_pct >\n    priority: P3\n');
    const config = testCollectorConfig(join(tmp.dir, 'data2'));
    config.rules = { ...config.rules, paths: [join(tmp.dir, 'broken.yaml')] };
    await expect(buildApp({ config, logger: false })).rejects.toBeInstanceOf(RulesLoadError);
    await expect(buildApp({ config, logger: false })).rejects.toThrow(/broken\.yaml:4:\d+: \[x \/ y\]/);
  });
});
