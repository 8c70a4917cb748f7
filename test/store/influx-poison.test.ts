/**
 * Defect 2 of the hardening campaign: one line InfluxDB refuses (a tag value
 * ending in a backslash, a field whose type changed) blocked the outbox for
 * ever while /healthz said "ok". Against a real influxd 1.6: the backslash is
 * written, the type conflict becomes a dead letter with influxd's reason, and
 * the lines around it arrive. Against a fake writer: an outage (503,
 * connection refused) never dead-letters anything, and a stuck outbox makes
 * /healthz degraded.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Sample } from '../../collector/contract/index.js';
import { openDb } from '../../collector/db.js';
import { InfluxHttpError, type InfluxSettings, type LineWriter } from '../../collector/store/influx/client.js';
import { sampleToLine } from '../../collector/store/influx/lines.js';
import { InfluxMetricStore, OUTBOX_STUCK_AFTER_MS } from '../../collector/store/influx/store.js';
import { SqliteMetricStore } from '../../collector/store/sqlite.js';
import { tempDir } from '../helpers.js';
import { peerAvailable } from '../peers.js';
import { startInfluxd } from '../dashboards/influxd.js';

const haveInfluxd = peerAvailable('influxd', 'influxdb');
const T0 = Date.UTC(2026, 10, 22, 0, 0, 0);

function makeStore(dir: string, settings: InfluxSettings, extra: { writer?: LineWriter; now?: () => number } = {}) {
  const db = openDb(join(dir, 'roomwatch.db'));
  const dead: number[] = [];
  const store = new InfluxMetricStore(new SqliteMetricStore(db), db, {
    settings,
    maxBacklogBytes: 64 * 1024 * 1024,
    localRetentionMs: 30 * 86_400_000,
    tagsFor: () => ({}),
    now: extra.now ?? (() => T0 + 60_000),
    onDeadLetters: (n) => dead.push(n),
    ...(extra.writer ? { writer: extra.writer } : {}),
  });
  const write = (samples: Sample[]) => {
    db.transaction(() => store.write(samples))();
    store.afterCommit();
  };
  return { db, store, dead, write };
}

const cpu = (i: number, value: number | string): Sample => ({ measurement: 'cpu', tags: { device: 'db01' }, fields: { usage_pct: value }, ts: T0 + i * 1000 });

describe('tag escaping', () => {
  it('never ends a tag value, tag key, field key or measurement with a backslash', () => {
    const line = sampleToLine({ measurement: 'disk\\', tags: { device: 'win01', mount: 'C:\\', 'k\\\\': 'v', only: '\\\\' }, fields: { 'used_pct\\': 50 }, ts: T0 }) as string;
    expect(line).toBe(`disk,device=win01,k=v,mount=C: used_pct=50 ${T0}`);
    expect(sampleToLine({ measurement: 'disk', tags: { device: 'a\\b' }, fields: { x: 1 }, ts: T0 })).toBe(`disk,device=a\\b x=1 ${T0}`);
  });
});

describe.skipIf(!haveInfluxd)('poison lines against influxd 1.6', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('writes C:\\ and dead-letters a type conflict while the lines around it arrive', async () => {
    const tmp = tempDir();
    const influxd = await startInfluxd();
    cleanups.push(tmp.cleanup, () => influxd.stop());
    await fetch(`${influxd.url}/query?q=${encodeURIComponent('CREATE DATABASE roomwatch')}`, { method: 'POST' });
    const { store, dead, write, db } = makeStore(tmp.dir, { url: influxd.url, api: 'v1', database: 'roomwatch', timeoutMs: 5_000 });
    cleanups.push(() => store.close());

    write([{ measurement: 'disk', tags: { device: 'win01', mount: 'C:\\' }, fields: { used_pct: 70 }, ts: T0 }, cpu(0, 1)]);
    expect(await store.drain(15_000)).toBe(true);
    // The string field conflicts with the float written first; 40 good lines sit on either side of it.
    const batch = [...Array.from({ length: 20 }, (_, i) => cpu(1 + i, 10 + i)), cpu(21, 'high'), ...Array.from({ length: 20 }, (_, i) => cpu(22 + i, 50 + i))];
    write(batch);
    write([cpu(100, 99)]);
    expect(await store.drain(15_000)).toBe(true);

    const q = async (statement: string) =>
      (await (await fetch(`${influxd.url}/query?${new URLSearchParams({ db: 'roomwatch', q: statement, epoch: 'ms' })}`)).json()) as { results: Array<{ series?: Array<{ values: unknown[][] }> }> };
    expect((await q('SELECT count("usage_pct") FROM "cpu"')).results[0]?.series?.[0]?.values[0]?.[1]).toBe(42);
    expect((await q('SELECT "used_pct" FROM "disk" WHERE "mount" = \'C:\'')).results[0]?.series?.[0]?.values).toEqual([[T0, 70]]);
    expect(dead).toEqual([1]);
    const letters = store.outbox.deadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ line: `cpu,device=db01 usage_pct="high" ${T0 + 21_000}`, status: 400 });
    expect(letters[0]?.reason).toMatch(/field type conflict/);
    expect(db.prepare('SELECT COUNT(*) AS n FROM influx_outbox').get()).toEqual({ n: 0 });
    expect((await store.health()).degraded).toEqual([]);
  }, 60_000);
});

describe('outage versus poison, with a fake writer', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const settings: InfluxSettings = { url: 'http://127.0.0.1:9', api: 'v1', database: 'roomwatch', timeoutMs: 200 };

  it('keeps every line through a 503 and reports the stuck outbox as degraded', async () => {
    const tmp = tempDir();
    let now = T0;
    let calls = 0;
    const writer: LineWriter = {
      write: async () => {
        calls++;
        throw new InfluxHttpError(503, 'InfluxDB /write answered 503: engine: cache maximum memory size exceeded');
      },
      close: async () => undefined,
    };
    const { store, dead, write } = makeStore(tmp.dir, settings, { writer, now: () => now });
    cleanups.push(tmp.cleanup, () => store.close());
    write([cpu(0, 1), cpu(1, 2)]);
    for (let i = 0; i < 50 && calls === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(calls).toBeGreaterThan(0);
    expect(dead).toEqual([]);
    expect(store.outbox.stats().lines).toBe(2);
    expect((await store.health()).degraded).toEqual([]);
    now = T0 + OUTBOX_STUCK_AFTER_MS + 1_000;
    const health = await store.health();
    expect(health.ok).toBe(true);
    expect(health.degraded?.[0]).toMatch(/^influx outbox stuck: its oldest line has waited 301s/);
  });

  it('isolates the refused line of a batch by halves and writes the rest', async () => {
    const tmp = tempDir();
    const written: string[] = [];
    const writer: LineWriter = {
      write: async (lines) => {
        const bad = lines.find((l) => l.includes('"high"'));
        if (bad) throw new InfluxHttpError(400, `partial write: field type conflict: input field "usage_pct" on measurement "cpu" is type string, already exists as type float dropped=1`);
        written.push(...lines);
      },
      close: async () => undefined,
    };
    const { store, dead, write } = makeStore(tmp.dir, settings, { writer });
    cleanups.push(tmp.cleanup, () => store.close());
    write(Array.from({ length: 100 }, (_, i) => cpu(i, i === 37 ? 'high' : i)));
    expect(await store.drain(5_000)).toBe(true);
    expect(dead).toEqual([1]);
    expect(new Set(written).size).toBe(99);
    expect(store.outbox.deadLetters()[0]?.reason).toMatch(/field type conflict/);
  });
});
