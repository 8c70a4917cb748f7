/**
 * The real collector on a free port and the real agent (host probe, spool,
 * HTTP transport) against it, end to end.
 */
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.js';
import { AGENT_DEFAULTS, type AgentConfig } from '../../agent/config.js';
import { startCollector, type RunningCollector } from '../../collector/server.js';
import { createLogger } from '../../lib/log.js';
import { authHeaders, AGENT, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';

const silent = createLogger('silent');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function agentConfig(url: string, dataDir: string, intervalMs: number): AgentConfig {
  return {
    name: AGENT,
    device: hostname(),
    collector: { url, token: TOKEN, timeoutMs: 2_000 },
    intervalMs,
    jitterMs: 100,
    batch: { maxSamples: AGENT_DEFAULTS.batch.maxSamples, maxWaitMs: 200 },
    spool: { dir: join(dataDir, 'spool'), maxBytes: 64 * 1024 * 1024 },
    targets: [{ name: 'host', probe: 'host', intervalMs, timeoutMs: intervalMs, options: { processes: ['node', 'no-such-daemon'] } }],
  };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('agent → collector', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanups.reverse()) await fn();
    cleanups.length = 0;
  });

  it('streams host samples that can be queried back', async () => {
    const tmp = tempDir();
    const collector = await startCollector(testCollectorConfig(join(tmp.dir, 'collector')));
    const agent = new Agent(agentConfig(collector.url, tmp.dir, 1_000), { logger: silent, drainMs: 2_000 });
    cleanups.push(
      tmp.cleanup,
      () => collector.close(),
      () => agent.stop(),
    );
    agent.start();

    const host = hostname();
    const cpu = await waitFor('two cpu samples', async () => {
      const res = await fetch(`${collector.url}/api/v1/query?metric=cpu.usage_pct&device=${host}&from=-5m&step=raw`, { headers: authHeaders() });
      const body = (await res.json()) as { series: Array<{ points: Array<[number, number]> }> };
      const points = body.series[0]?.points ?? [];
      return points.length >= 2 ? points : undefined;
    });
    for (const [, v] of cpu) expect(v).toBeGreaterThanOrEqual(0);

    const devices = (await (await fetch(`${collector.url}/api/v1/devices`, { headers: authHeaders() })).json()) as { devices: Array<{ name: string; class: string }> };
    expect(devices.devices.find((d) => d.name === host)?.class).toBe('server');

    const series = (await (await fetch(`${collector.url}/api/v1/series?device=${host}`, { headers: authHeaders() })).json()) as { series: Array<{ metric: string; tags: Record<string, string> }> };
    const metrics = new Set(series.series.map((s) => s.metric));
    for (const m of ['load.l1', 'mem.used_pct', 'disk.used_pct', 'system.uptime_s', 'proc.up', 'agent.heartbeat', 'agent.probe_ms']) {
      expect(metrics, m).toContain(m);
    }
    const procs = (await (await fetch(`${collector.url}/api/v1/query?metric=proc.up&device=${host}&from=-5m&agg=last&step=5m`, { headers: authHeaders() })).json()) as {
      series: Array<{ tags: Record<string, string>; points: Array<[number, number]> }>;
    };
    const up = Object.fromEntries(procs.series.map((s) => [s.tags.name, s.points.at(-1)?.[1]]));
    expect(up).toEqual({ node: 1, 'no-such-daemon': 0 });
  });

  it('loses nothing and duplicates nothing across a 20 s collector outage', async () => {
    const tmp = tempDir();
    const port = await freePort();
    const config = { ...testCollectorConfig(join(tmp.dir, 'collector')), listen: { host: '127.0.0.1', port } };
    let collector: RunningCollector | undefined = await startCollector(config);
    const agent = new Agent(agentConfig(collector.url, tmp.dir, 500), { logger: silent, drainMs: 10_000 });
    cleanups.push(
      tmp.cleanup,
      () => collector?.close(),
      () => agent.stop(),
    );
    agent.start();

    await waitFor('first batches', () => (agent.sender.stats.batchesSent >= 3 ? true : undefined));
    await collector.close();
    collector = undefined;
    const outageStart = Date.now();
    await new Promise((r) => setTimeout(r, 20_000));
    const outageEnd = Date.now();
    // During the outage, batches pile up in the spool.
    expect(agent.spool.pendingRecords).toBeGreaterThan(10);
    collector = await startCollector(config);
    await waitFor('the spool to drain', () => (agent.spool.pendingRecords === 0 ? true : undefined), 60_000);
    await agent.stop();

    const rows = collector.db.prepare('SELECT seq, count(*) AS n FROM ingest_batches GROUP BY seq ORDER BY seq').all() as Array<{ seq: number; n: number }>;
    const seqs = rows.map((r) => r.seq);
    // Every seq the agent produced arrived exactly once, with no gap.
    expect(rows.every((r) => r.n === 1)).toBe(true);
    expect(seqs.length).toBe((seqs.at(-1) as number) - (seqs[0] as number) + 1);
    expect(seqs.length).toBe(agent.sender.stats.batchesSent);
    expect(agent.spool.droppedSamples).toBe(0);
    // What was measured during the outage arrived afterwards: a heartbeat every 500 ms.
    const res = await fetch(`${collector.url}/api/v1/query?metric=agent.heartbeat&from=${outageStart}&to=${outageEnd}&step=raw`, { headers: authHeaders() });
    const body = (await res.json()) as { series: Array<{ points: unknown[] }> };
    expect(body.series[0]?.points.length).toBeGreaterThanOrEqual(30);
  }, 120_000);
});
