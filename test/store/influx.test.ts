/**
 * The InfluxDB store against real peers on 127.0.0.1: InfluxDB 1.6 (Debian
 * `influxdb`) for the v1 write path and every InfluxQL read, VictoriaMetrics
 * (which accepts `/api/v2/write`) for the v2 WriteApi path, and the whole
 * collector riding out an InfluxDB outage with nothing lost.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { IngestBatch, Sample } from '../../collector/contract/index.js';
import { openDb } from '../../collector/db.js';
import { startCollector } from '../../collector/server.js';
import { V2Writer, type InfluxSettings } from '../../collector/store/influx/client.js';
import { sampleToLine } from '../../collector/store/influx/lines.js';
import { InfluxMetricStore } from '../../collector/store/influx/store.js';
import { SqliteMetricStore } from '../../collector/store/sqlite.js';
import { makeMatcher } from '../../collector/store/selector.js';
import { AGGREGATIONS } from '../../collector/store/types.js';
import { authHeaders, AGENT, freePort, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';
import { peerAvailable } from '../peers.js';
import { influxdConfig } from '../dashboards/influxd.js';

const haveInfluxd = peerAvailable('influxd', 'influxdb');
const haveVm = peerAvailable('victoria-metrics', 'victoria-metrics');
const T0 = Date.UTC(2026, 10, 22, 0, 0, 0);

async function waitHttp(url: string, ok: (status: number) => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (ok(res.status)) return;
    } catch {
      // Not up yet.
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** influxd on fixed ports and a fixed directory, so it can be stopped and started again with its data. */
class Influxd {
  child: ChildProcess | undefined;
  constructor(
    readonly dir: string,
    readonly port: number,
    readonly rpcPort: number,
  ) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'influxd.conf'), influxdConfig(dir, port, rpcPort));
  }
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    const log = openSync(join(this.dir, 'influxd.log'), 'a');
    this.child = spawn('influxd', ['-config', join(this.dir, 'influxd.conf')], { stdio: ['ignore', log, log] });
    await waitHttp(`${this.url}/ping`, (s) => s === 204);
  }
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    c.kill(signal);
    await new Promise((r) => c.once('exit', r));
  }
  async query(q: string): Promise<{ results: Array<{ series?: Array<{ name: string; columns: string[]; values: unknown[][]; tags?: Record<string, string> }>; error?: string }> }> {
    const res = await fetch(`${this.url}/query?${new URLSearchParams({ db: 'roomwatch', q, epoch: 'ms' })}`, { method: 'POST' });
    return (await res.json()) as never;
  }
}

async function startInfluxd(dir: string): Promise<Influxd> {
  const d = new Influxd(dir, await freePort(), await freePort());
  await d.start();
  await d.query('CREATE DATABASE roomwatch');
  return d;
}

function cpuSamples(devices: string[], from: number, count: number, stepMs = 60_000): Sample[] {
  const out: Sample[] = [];
  for (let i = 0; i < count; i++) {
    for (const [d, device] of devices.entries()) {
      out.push({ measurement: 'cpu', tags: { device }, fields: { usage_pct: 10 + d + (i % 7), iowait_pct: 0.5 }, ts: from + i * stepMs });
    }
  }
  return out;
}

describe.skipIf(!haveInfluxd)('InfluxDB store, v1 API, against influxd 1.6', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });

  it('writes through the outbox and reads back the same series with InfluxQL as the local store has', async () => {
    const tmp = tempDir();
    const influxd = await startInfluxd(join(tmp.dir, 'influxd'));
    const db = openDb(join(tmp.dir, 'roomwatch.db'));
    const local = new SqliteMetricStore(db);
    const settings: InfluxSettings = { url: influxd.url, api: 'v1', database: 'roomwatch', timeoutMs: 5_000 };
    const store = new InfluxMetricStore(local, db, {
      settings,
      maxBacklogBytes: 64 * 1024 * 1024,
      localRetentionMs: 30 * 86_400_000,
      tagsFor: (device) => ({ site: device.startsWith('db') ? 'dc1' : 'dc2', class: 'server' }),
      now: () => T0 + 86_400_000,
      // InfluxDB itself must answer every read below: a failing statement throws instead of the local store answering.
      readFallback: false,
    });
    cleanups.push(
      tmp.cleanup,
      () => influxd.stop(),
      () => store.close(),
    );

    const samples = [...cpuSamples(['db01', 'db02', 'web01'], T0, 120), { measurement: 'disk', tags: { device: 'db01', mount: "/u01/it's" }, fields: { used_pct: 91.5 }, ts: T0 }];
    db.transaction(() => store.write(samples))();
    store.afterCommit();
    expect(await store.drain(15_000)).toBe(true);
    expect(store.shipper.shippedLines).toBe(samples.length);

    const count = await influxd.query('SELECT count("usage_pct") FROM "cpu"');
    expect(count.results[0]?.series?.[0]?.values[0]?.[1]).toBe(360);
    // Registry attributes travel as tags, for Grafana's site and class variables.
    const sites = await influxd.query('SHOW TAG VALUES FROM "cpu" WITH KEY = "site"');
    expect(sites.results[0]?.series?.[0]?.values.map((v) => v[1]).sort()).toEqual(['dc1', 'dc2']);

    const q = { measurement: 'cpu', field: 'usage_pct', matchers: [makeMatcher('device', '=~', 'db.*')], from: T0, to: T0 + 2 * 3_600_000, stepMs: 600_000, agg: 'avg' as const };
    const fromInflux = await store.query(q);
    const fromLocal = await local.query(q);
    expect(fromInflux.map((s) => s.tags)).toEqual(fromLocal.map((s) => s.tags));
    expect(fromInflux.map((s) => s.points)).toEqual(fromLocal.map((s) => s.points));
    const raw = await store.query({ ...q, matchers: [makeMatcher('device', '=', 'web01')], stepMs: 0, agg: 'last' });
    expect(raw[0]?.points).toHaveLength(120);
    // Every aggregation's InfluxQL function, and every matcher operator, answered by InfluxDB as by the local store.
    for (const agg of AGGREGATIONS) {
      const aq = { ...q, matchers: [makeMatcher('device', '!~', 'web.*'), makeMatcher('device', '!=', 'db02')], agg };
      const [a, b] = [await store.query(aq), await local.query(aq)];
      expect(
        a.map((s) => [s.device, s.points]),
        agg,
      ).toEqual(b.map((s) => [s.device, s.points]));
      expect(
        a.map((s) => s.device),
        agg,
      ).toEqual(['db01']);
    }
    // Bucketed statistics for the daily report: the same from InfluxDB as from the local store.
    const sq = { from: T0, to: T0 + 2 * 3_600_000, bucketMs: 3_600_000, measurements: ['cpu'] };
    const statsInflux = await store.bucketStats(sq);
    const statsLocal = await local.bucketStats(sq);
    const comparable = (list: typeof statsLocal) =>
      list.map((x) => ({ k: `${x.field}|${x.device}`, b: x.buckets.map((b) => [b.start, b.min, b.max, b.sum, b.count, b.last]) })).sort((a, b) => a.k.localeCompare(b.k));
    expect(comparable(statsInflux)).toEqual(comparable(statsLocal));
    expect(statsLocal.find((x) => x.field === 'usage_pct' && x.device === 'db01')?.buckets.map((b) => b.count)).toEqual([60, 60]);
    // Without a measurement list the report's read starts with SHOW MEASUREMENTS.
    const allInflux = await store.bucketStats({ ...sq, measurements: undefined });
    expect(comparable(allInflux)).toEqual(comparable(await local.bucketStats({ ...sq, measurements: undefined })));
    expect(new Set(allInflux.map((x) => x.measurement))).toEqual(new Set(['cpu', 'disk']));
    expect(store.reads.snapshot().fallbacks).toEqual({ outbox_backlog: 0, influx_error: 0, influx_down: 0 });
    // A quote in a tag value cannot break the statement.
    const odd = await store.query({ measurement: 'disk', field: 'used_pct', matchers: [makeMatcher('mount', '=', "/u01/it's")], from: T0 - 1, to: T0 + 1, stepMs: 0, agg: 'last' });
    expect(odd[0]?.points).toEqual([[T0, 91.5]]);
  }, 60_000);
});

describe.skipIf(!haveVm)('InfluxDB store, v2 API (WriteApi), against VictoriaMetrics', () => {
  let vm: ChildProcess | undefined;
  let tmp: ReturnType<typeof tempDir> | undefined;
  afterEach(async () => {
    if (vm && vm.exitCode === null) {
      const c = vm;
      c.kill('SIGTERM');
      await new Promise((r) => c.once('exit', r));
    }
    tmp?.cleanup();
  });

  it('writes line protocol through WriteApi to /api/v2/write and reads it back through the export API', async () => {
    tmp = tempDir();
    const port = await freePort();
    vm = spawn('victoria-metrics', [`-storageDataPath=${join(tmp.dir, 'vm')}`, `-httpListenAddr=127.0.0.1:${port}`, '-retentionPeriod=100y', '-search.disableCache'], { stdio: 'ignore' });
    const url = `http://127.0.0.1:${port}`;
    await waitHttp(`${url}/health`, (s) => s === 200);
    const writer = new V2Writer({ url, api: 'v2', org: 'roomwatch', bucket: 'roomwatch', token: 'not-checked-by-vm', database: 'roomwatch', timeoutMs: 5_000 });
    const samples = cpuSamples(['db01', 'db02'], Date.now() - 3_600_000, 60);
    await writer.write(samples.map((s) => sampleToLine(s, { site: 'dc1' }) as string));
    await writer.close();
    await fetch(`${url}/internal/force_flush`);
    const res = await fetch(`${url}/api/v1/export?${new URLSearchParams({ 'match[]': '{__name__="cpu_usage_pct"}' })}`);
    const series = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { metric: Record<string, string>; values: number[]; timestamps: number[] });
    expect(series.map((s) => s.metric.device).sort()).toEqual(['db01', 'db02']);
    expect(series.every((s) => s.metric.site === 'dc1')).toBe(true);
    const db01 = series.find((s) => s.metric.device === 'db01');
    expect(db01?.values).toHaveLength(60);
    expect(db01?.timestamps).toEqual(samples.filter((s) => s.tags.device === 'db01').map((s) => s.ts));
    expect(db01?.values).toEqual(samples.filter((s) => s.tags.device === 'db01').map((s) => s.fields.usage_pct));
  }, 60_000);
});

describe.skipIf(!haveInfluxd)('the collector with the InfluxDB store during an InfluxDB outage', () => {
  it('keeps acknowledging while InfluxDB is down, then backfills it: the counts match exactly', async () => {
    const tmp = tempDir();
    const influxd = await startInfluxd(join(tmp.dir, 'influxd'));
    const config = testCollectorConfig(join(tmp.dir, 'collector'));
    config.store = {
      ...config.store,
      kind: 'influxdb',
      retentionMs: 7 * 86_400_000,
      influx: { url: influxd.url, api: 'v1', database: 'roomwatch', timeoutMs: 2_000, maxBacklogBytes: 256 * 1024 * 1024 },
    };
    const collector = await startCollector(config);
    try {
      let seq = 0;
      const now = Date.now();
      const send = async (i: number) => {
        const batch: IngestBatch = { agent: AGENT, seq: ++seq, batch_id: `${AGENT}:${seq}:outage`, samples: cpuSamples(['db01', 'db02', 'db03'], now - 3_600_000 + i * 10 * 60_000, 10) };
        const res = await fetch(`${collector.url}/api/v1/ingest`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(batch) });
        expect(res.status).toBe(200);
      };
      for (let i = 0; i < 2; i++) await send(i);
      // InfluxDB dies without warning; the collector must keep acknowledging.
      await influxd.stop('SIGKILL');
      for (let i = 2; i < 5; i++) await send(i);
      const during = (await (await fetch(`${collector.url}/healthz`)).json()) as { status: string; store: { detail: { outbox: { lines: number }; influxdb: { reachable: boolean } } } };
      expect(during.status).toBe('ok');
      expect(during.store.detail.influxdb.reachable).toBe(false);
      expect(during.store.detail.outbox.lines).toBeGreaterThan(0);
      // While InfluxDB is incomplete, reads come from the local store and miss nothing.
      const local = (await (await fetch(`${collector.url}/api/v1/query?metric=cpu.usage_pct&device=db02&from=-2h&step=raw`, { headers: authHeaders() })).json()) as {
        series: Array<{ points: unknown[] }>;
      };
      expect(local.series[0]?.points).toHaveLength(50);
      // By design, and counted apart from InfluxDB failures.
      const metrics = await (await fetch(`${collector.url}/metrics`, { headers: authHeaders() })).text();
      expect(metrics).toMatch(/^roomwatch_store_read_fallbacks_total\{reason="outbox_backlog"\} [1-9]/m);
      expect(metrics).not.toMatch(/reason="influx_error"/);

      await influxd.start();
      const store = collector.store as unknown as InfluxMetricStore;
      expect(await store.drain(45_000)).toBe(true);
      const count = await influxd.query('SELECT count("usage_pct") FROM "cpu" GROUP BY "device"');
      const perDevice = Object.fromEntries((count.results[0]?.series ?? []).map((s) => [s.tags?.device, s.values[0]?.[1]]));
      expect(perDevice).toEqual({ db01: 50, db02: 50, db03: 50 });
      // No gap: one point every minute for the whole run, on every device.
      const times = await influxd.query('SELECT "usage_pct" FROM "cpu" GROUP BY "device"');
      for (const series of times.results[0]?.series ?? []) {
        const ts = series.values.map((v) => v[0] as number);
        expect(ts.slice(1).map((t, i) => t - (ts[i] as number))).toEqual(Array(49).fill(60_000));
      }
      // And once InfluxDB is complete again, the API reads from it.
      const back = (await (await fetch(`${collector.url}/api/v1/query?metric=cpu.usage_pct&device=db02&from=-2h&step=raw`, { headers: authHeaders() })).json()) as {
        series: Array<{ points: unknown[] }>;
      };
      expect(back.series[0]?.points).toHaveLength(50);
    } finally {
      await collector.close();
      await influxd.stop();
      tmp.cleanup();
    }
  }, 120_000);
});

describe.skipIf(!haveInfluxd)('alert, incident and NOC points in InfluxDB', () => {
  it('writes a firing alert, the incident it opens and the NOC snapshot as points Grafana can query', async () => {
    const tmp = tempDir();
    const influxd = await startInfluxd(join(tmp.dir, 'influxd'));
    const config = testCollectorConfig(join(tmp.dir, 'collector'));
    config.rules.paths = [join(import.meta.dirname, '..', '..', 'rules', 'ups.yaml')];
    config.store = {
      ...config.store,
      kind: 'influxdb',
      retentionMs: 7 * 86_400_000,
      influx: { url: influxd.url, api: 'v1', database: 'roomwatch', timeoutMs: 2_000, maxBacklogBytes: 64 * 1024 * 1024 },
    };
    const collector = await startCollector(config);
    try {
      const now = Date.now();
      const batch: IngestBatch = {
        agent: AGENT,
        seq: 1,
        batch_id: `${AGENT}:1:events`,
        devices: [{ name: 'ups-a1', class: 'ups', site: 'dc1' }],
        samples: [{ measurement: 'ups', tags: { device: 'ups-a1' }, fields: { battery_runtime_min: 7 }, ts: now }],
      };
      const res = await fetch(`${collector.url}/api/v1/ingest`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(batch) });
      expect(res.status).toBe(200);
      const store = collector.store as unknown as InfluxMetricStore;
      let alerts: unknown[][] = [];
      for (let i = 0; i < 100 && alerts.length === 0; i++) {
        await store.drain(5_000);
        alerts = (await influxd.query(`SELECT "value" FROM "alert" WHERE "rule" = 'ups/UPS runtime low' AND "state" = 'firing'`)).results[0]?.series?.[0]?.values ?? [];
        if (alerts.length === 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(alerts).toHaveLength(1);
      const incident = await influxd.query(`SELECT "id", "tier", "resolve_sla_s" FROM "incident" WHERE "event" = 'opened' AND "priority" = 'P1' AND "site" = 'dc1'`);
      expect(incident.results[0]?.series?.[0]?.values[0]?.slice(1)).toEqual([1, 1, 12 * 3600]);
      const samples = await influxd.query(`SELECT "battery_runtime_min" FROM "ups" WHERE "class" = 'ups'`);
      expect(samples.results[0]?.series?.[0]?.values[0]?.[1]).toBe(7);
      const noc = await influxd.query('SELECT last("devices_total") FROM "noc"');
      expect(noc.results[0]?.series?.[0]?.values[0]?.[1]).toBeTypeOf('number');
    } finally {
      await collector.close();
      await influxd.stop();
      tmp.cleanup();
    }
  }, 60_000);
});

describe.skipIf(!haveInfluxd)('the daily report on the InfluxDB store', () => {
  it('reads the day from InfluxDB (InfluxQL) and judges it exactly as from the local store', async () => {
    const { buildReportRoom, ANOMALIES } = await import('../../bench/report-room.js');
    const { zonedMidnight } = await import('../../collector/report/gather.js');
    const tmp = tempDir();
    const influxd = await startInfluxd(join(tmp.dir, 'influxd'));
    const config = testCollectorConfig(join(tmp.dir, 'collector'));
    const dayStart = zonedMidnight('2026-11-22', 'Asia/Shanghai');
    config.report = { ...config.report, enabled: false, timeZone: 'Asia/Shanghai' };
    config.store = {
      ...config.store,
      kind: 'influxdb',
      retentionMs: 400 * 86_400_000,
      influx: { url: influxd.url, api: 'v1', database: 'roomwatch', timeoutMs: 10_000, maxBacklogBytes: 512 * 1024 * 1024 },
    };
    const collector = await startCollector(config);
    try {
      const room = buildReportRoom({ dayStart, perClass: 1, historyDays: 1, stepMs: 600_000 });
      collector.db.transaction(() => collector.registry.upsert(room.devices, 'seed', Date.now()))();
      for (const batch of room.batches(72)) {
        collector.db.transaction(() => collector.store.write(batch))();
        collector.store.afterCommit?.();
      }
      const store = collector.store as unknown as InfluxMetricStore;
      expect(await store.drain(60_000)).toBe(true);
      const fromInflux = (await collector.reports.build('2026-11-22', 'en')).report;
      // InfluxDB answered every statement of the report: no read fell back to the local store.
      expect(store.reads.snapshot()).toMatchObject({ fallbacks: { outbox_backlog: 0, influx_error: 0, influx_down: 0 }, last_failure: undefined });
      expect(store.reads.influxdb).toBeGreaterThan(0);
      await influxd.stop();
      const fromLocal = (await collector.reports.build('2026-11-22', 'en')).report;
      // The same report from the local store, and the failure is visible: counted, and /healthz is degraded.
      expect(store.reads.fallbacks.influx_error).toBeGreaterThan(0);
      expect(await (await fetch(`${collector.url}/metrics`, { headers: authHeaders() })).text()).toMatch(/^roomwatch_store_read_fallbacks_total\{reason="influx_error"\} [1-9]/m);
      const health = await fetch(`${collector.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'degraded', store: { ok: true, degraded: ['influxdb_reads_failing'] } });
      const statuses = (r: typeof fromInflux) => r.rows.map((x) => `${x.device} ${x.check} ${x.status}`).sort();
      expect(statuses(fromInflux)).toEqual(statuses(fromLocal));
      const flagged = fromInflux.rows
        .filter((x) => x.status !== 'pass')
        .map((x) => `${x.device} ${x.check} ${x.status}`)
        .sort();
      expect(flagged).toEqual(
        Object.entries(ANOMALIES)
          .flatMap(([d, a]) => a.expect.map((e) => `${d} ${e.check} ${e.status}`))
          .sort(),
      );
    } finally {
      await collector.close();
      await influxd.stop();
      tmp.cleanup();
    }
  }, 180_000);
});
