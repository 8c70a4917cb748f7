/**
 * device.up for agent hosts from heartbeat freshness (issue #17): a host
 * watched by its own agent is up while its heartbeat is fresh (interval ×
 * misses) and down after, the same in the store (report, dashboards), the
 * devices API, the NOC snapshot's devices_down and the rules.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import type { Sample } from '../../collector/contract/index.js';
import { AgentUp } from '../../collector/registry/agent-up.js';
import { openDb } from '../../collector/db.js';
import { AGENT, authed, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';

const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const beat = (device: string, ts: number): Sample => ({ measurement: 'agent', tags: { device, agent: AGENT }, fields: { heartbeat: 1, spool_bytes: 0 }, ts });

describe('AgentUp', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('learns the interval, is up while fresh, writes 0 once per interval while stale, and survives a restart', () => {
    const db = openDb(join(tmp.dir, 'x.db'));
    const up = new AgentUp(db);
    // Two batches inside one 15 s interval: the interval is the longest gap, not the shortest.
    expect(up.observe([beat('web01', T0)])).toEqual([{ measurement: 'device', tags: { device: 'web01' }, fields: { up: 1 }, ts: T0 }]);
    up.observe([beat('web01', T0 + 15_000)]);
    up.observe([beat('web01', T0 + 20_000)]);
    up.observe([beat('web01', T0 + 30_000)]);
    expect(up.intervalOf('web01')).toBe(15_000);
    expect(up.freshnessOf('web01')).toBe(45_000);
    expect(up.state('web01', T0 + 75_000)).toBe('up');
    expect(up.tick(T0 + 75_000)).toEqual([]);
    expect(up.state('web01', T0 + 76_000)).toBe('down');
    expect(up.tick(T0 + 76_000)).toEqual([{ measurement: 'device', tags: { device: 'web01' }, fields: { up: 0 }, ts: T0 + 76_000 }]);
    expect(up.tick(T0 + 80_000)).toEqual([]); // within the interval: once is enough
    expect(up.tick(T0 + 91_000)).toHaveLength(1);
    db.close();
    const again = new AgentUp(openDb(join(tmp.dir, 'x.db')));
    expect(again.state('web01', T0 + 100_000)).toBe('down');
    expect(again.intervalOf('web01')).toBe(15_000);
  });

  it("a host that a probe polls keeps the probe's device.up", () => {
    const up = new AgentUp(openDb(join(tmp.dir, 'y.db')));
    up.observe([beat('sw01', T0)]);
    up.observe([{ measurement: 'device', tags: { device: 'sw01' }, fields: { up: 1 }, ts: T0 + 1_000 }]);
    expect(up.observe([beat('sw01', T0 + 60_000)])).toEqual([]);
    expect(up.state('sw01', T0 + 60_000)).toBeUndefined();
    expect(up.tick(T0 + 100_000)).toEqual([]);
  });
});

describe('agent hosts in the collector', () => {
  let tmp: ReturnType<typeof tempDir>;
  let c: Collector;
  let now = T0;

  beforeEach(async () => {
    tmp = tempDir();
    now = T0;
    const config = testCollectorConfig(tmp.dir);
    config.rules.paths = [join(process.cwd(), 'rules', 'host.yaml')];
    c = await buildApp({ config, now: () => now, logger: false, autoTick: false, background: false });
  });
  afterEach(async () => {
    await c.app.close();
    tmp.cleanup();
  });

  const send = async (seq: number, samples: Sample[]) => {
    const res = await c.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: auth,
      payload: JSON.stringify({ agent: AGENT, seq, batch_id: `${AGENT}:${seq}:x`, devices: [{ name: 'web01', class: 'server' }], samples }),
    });
    expect(res.statusCode).toBe(200);
  };
  const upPoints = async () => (await authed(c.app, { url: `/api/v1/query?metric=device.up&device=web01&from=${T0 - 60_000}&to=${now + 1}&step=raw` })).json().series[0]?.points ?? [];
  const device = async () => (await authed(c.app, '/api/v1/devices', 'viewer')).json().devices.find((d: { name: string }) => d.name === 'web01');

  it('is up while the heartbeat is fresh and down after, in the store, the API and the rules', async () => {
    for (let i = 0; i < 4; i++) {
      now = T0 + i * 15_000;
      await send(i + 1, [beat('web01', now)]);
    }
    expect(await device()).toMatchObject({ name: 'web01', up: true, up_source: 'heartbeat' });
    expect((await upPoints()).map((p: [number, number]) => p[1])).toEqual([1, 1, 1, 1]);
    const reachable = async () => (await c.reports.build('2026-11-23', 'en')).report.rows.find((r) => r.device === 'web01' && r.check === 'reachable');
    expect((await reachable())?.status).toBe('pass');

    // The agent goes quiet: after 3 × 15 s the host is down.
    now = T0 + 45_000 + 45_000 + 1_000;
    c.checkAgentHosts();
    expect(await device()).toMatchObject({ up: false, up_source: 'heartbeat' });
    expect((await upPoints()).at(-1)).toEqual([now, 0]);
    // The daily report reads the same device.up: down at the end of the day so far.
    expect(await reachable()).toMatchObject({ status: 'fail', detail: expect.stringMatching(/down/i) });
    // host/Host unreachable reads device.up (for: 1m): it fires from the heartbeat's verdict.
    for (let i = 1; i <= 5; i++) {
      now += 15_000;
      c.checkAgentHosts();
      c.engine.tick();
    }
    const firing = c.engine
      .alerts()
      .filter((a) => a.state === 'firing' && a.device === 'web01')
      .map((a) => a.ruleId);
    expect(firing).toEqual(['host/Host unreachable']);

    // It comes back: up again at once.
    await send(10, [beat('web01', now)]);
    expect(await device()).toMatchObject({ up: true });
    expect((await upPoints()).at(-1)).toEqual([now, 1]);
  });
});
