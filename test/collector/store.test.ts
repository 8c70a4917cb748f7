import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../collector/db.js';
import { makeMatcher, parseSelector } from '../../collector/store/selector.js';
import { SqliteMetricStore, tagSetKey } from '../../collector/store/sqlite.js';
import { tempDir } from '../helpers.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 22, 0, 0, 0);

describe('SqliteMetricStore', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: Db;
  let store: SqliteMetricStore;

  beforeEach(() => {
    tmp = tempDir();
    db = openDb(`${tmp.dir}/m.db`);
    store = new SqliteMetricStore(db, { retentionMs: 3 * DAY, chunkMs: DAY });
  });
  afterEach(() => {
    db.close();
    tmp.cleanup();
  });

  const cpu = (ts: number, v: number, device = 'db01') => ({ measurement: 'cpu', tags: { device }, fields: { usage_pct: v }, ts });

  it('writes one value per field and lists series with their tags', async () => {
    const n = store.write([{ measurement: 'disk', tags: { device: 'db01', mount: '/u01' }, fields: { used_pct: 91.2, free_bytes: 5e9 }, ts: T0 }]);
    expect(n).toBe(2);
    const series = await store.listSeries({ device: 'db01' });
    expect(series).toEqual([
      { measurement: 'disk', field: 'free_bytes', device: 'db01', tags: { device: 'db01', mount: '/u01' } },
      { measurement: 'disk', field: 'used_pct', device: 'db01', tags: { device: 'db01', mount: '/u01' } },
    ]);
  });

  it('keeps a.b + c and a + b.c apart, also for series stored before their keys were quoted', async () => {
    // A series of a.b.c written by an older version, under the unquoted key.
    db.prepare('INSERT INTO series (key, measurement, field, device, tags) VALUES (?, ?, ?, ?, ?)').run('a.b.c{device="d"}', 'a.b', 'c', 'd', '{"device":"d"}');
    store = new SqliteMetricStore(db, { retentionMs: 3 * DAY, chunkMs: DAY });
    store.write([
      { measurement: 'a.b', tags: { device: 'd' }, fields: { c: 1 }, ts: T0 },
      { measurement: 'a', tags: { device: 'd' }, fields: { 'b.c': 2 }, ts: T0 },
    ]);
    const series = await store.listSeries({ device: 'd' });
    // Two series, not three: the old row was re-keyed and reused.
    expect(series.map((x) => [x.measurement, x.field])).toEqual([
      ['a', 'b.c'],
      ['a.b', 'c'],
    ]);
    const [first] = await store.query({ measurement: 'a.b', field: 'c', matchers: [], from: T0, to: T0, stepMs: 0, agg: 'last' });
    expect(first?.points).toEqual([[T0, 1]]);
    const [second] = await store.query({ measurement: 'a', field: 'b.c', matchers: [], from: T0, to: T0, stepMs: 0, agg: 'last' });
    expect(second?.points).toEqual([[T0, 2]]);
  });

  it('aggregates into step buckets with avg, min, max, last, sum and count', async () => {
    // 10:00:00 → 10, 10:00:20 → 20, 10:00:40 → 60, 10:01:10 → 5
    const base = T0 + 10 * 3_600_000;
    store.write([cpu(base, 10), cpu(base + 20_000, 20), cpu(base + 40_000, 60), cpu(base + 70_000, 5)]);
    const q = { measurement: 'cpu', field: 'usage_pct', matchers: [], from: base, to: base + 120_000, stepMs: 60_000 };
    const values = async (agg: 'avg' | 'min' | 'max' | 'last' | 'sum' | 'count') => (await store.query({ ...q, agg }))[0]?.points;
    expect(await values('avg')).toEqual([
      [base, 30],
      [base + 60_000, 5],
    ]);
    expect(await values('min')).toEqual([
      [base, 10],
      [base + 60_000, 5],
    ]);
    expect(await values('max')).toEqual([
      [base, 60],
      [base + 60_000, 5],
    ]);
    expect(await values('last')).toEqual([
      [base, 60],
      [base + 60_000, 5],
    ]);
    expect(await values('sum')).toEqual([
      [base, 90],
      [base + 60_000, 5],
    ]);
    expect(await values('count')).toEqual([
      [base, 3],
      [base + 60_000, 1],
    ]);
  });

  it('merges a bucket that straddles two chunk tables exactly', async () => {
    // A 7-minute step does not divide a day, so one bucket spans midnight.
    const midnight = T0 + DAY;
    const step = 7 * 60_000;
    const bucket = midnight - (midnight % step);
    expect(bucket).toBeLessThan(midnight);
    store.write([cpu(bucket + 1, 10), cpu(midnight, 30), cpu(bucket + step - 1, 50)]);
    const [avg] = await store.query({ measurement: 'cpu', field: 'usage_pct', matchers: [], from: midnight - DAY, to: midnight + DAY, stepMs: step, agg: 'avg' });
    expect(avg?.points).toEqual([[bucket, 30]]);
    const [last] = await store.query({ measurement: 'cpu', field: 'usage_pct', matchers: [], from: midnight - DAY, to: midnight + DAY, stepMs: step, agg: 'last' });
    expect(last?.points).toEqual([[bucket, 50]]);
  });

  it('gives bucketed statistics of every series in one pass, buckets aligned to from, across chunks', async () => {
    // A whole-range bucket that spans midnight (two chunk tables), and strings left out.
    const from = T0 + DAY - 3_600_000;
    store.write([cpu(from, 10), cpu(from + 1_800_000, 40), cpu(from + 3_600_000, 20), cpu(from + 3_600_000 + 60_000, 90, 'db02')]);
    store.write([{ measurement: 'mem', tags: { device: 'db01' }, fields: { used_pct: 50, state: 'ok' }, ts: from }]);
    const whole = await store.bucketStats({ from, to: from + 2 * 3_600_000, bucketMs: 2 * 3_600_000 });
    expect(whole.map((s) => `${s.measurement}.${s.field}@${s.device}`)).toEqual(['cpu.usage_pct@db01', 'cpu.usage_pct@db02', 'mem.used_pct@db01']);
    expect(whole[0]?.buckets).toEqual([{ start: from, min: 10, max: 40, sum: 70, count: 3, lastTs: from + 3_600_000, last: 20 }]);
    const hourly = await store.bucketStats({ from, to: from + 2 * 3_600_000, bucketMs: 3_600_000, measurements: ['cpu'] });
    expect(hourly.find((s) => s.device === 'db01')?.buckets.map((b) => [b.start, b.count, b.last])).toEqual([
      [from, 2, 40],
      [from + 3_600_000, 1, 20],
    ]);
    expect(hourly.map((s) => s.measurement)).toEqual(['cpu', 'cpu']);
    expect(await store.bucketStats({ from, to: from, bucketMs: 60_000 })).toEqual([]);
  });

  it('returns raw points in time order across chunks, inclusive of both ends', async () => {
    store.write([cpu(T0 + DAY + 5, 2), cpu(T0 + 5, 1), cpu(T0 + 2 * DAY + 5, 3)]);
    const [s] = await store.query({ measurement: 'cpu', field: 'usage_pct', matchers: [], from: T0 + 5, to: T0 + DAY + 5, stepMs: 0, agg: 'avg' });
    expect(s?.points).toEqual([
      [T0 + 5, 1],
      [T0 + DAY + 5, 2],
    ]);
  });

  it('filters series with tag matchers', async () => {
    store.write([
      { measurement: 'disk', tags: { device: 'db01', mount: '/boot' }, fields: { used_pct: 40 }, ts: T0 },
      { measurement: 'disk', tags: { device: 'db01', mount: '/u01' }, fields: { used_pct: 91 }, ts: T0 },
      { measurement: 'disk', tags: { device: 'app01', mount: '/' }, fields: { used_pct: 20 }, ts: T0 },
    ]);
    const sel = parseSelector('disk.used_pct{mount!~"/boot.*", device=~"db.*"}');
    const res = await store.query({ ...sel, from: T0, to: T0, stepMs: 0, agg: 'last' });
    expect(res.map((r) => [r.tags.mount, r.points])).toEqual([['/u01', [[T0, 91]]]]);
    expect(makeMatcher('mount', '!=', '/').op).toBe('!=');
  });

  it('treats tag order as irrelevant and booleans as 1/0; replays replace a point', async () => {
    expect(tagSetKey({ b: '1', a: '2', device: 'x' })).toBe(tagSetKey({ device: 'x', a: '2', b: '1' }));
    store.write([{ measurement: 'ups', tags: { device: 'ups1', line: '1' }, fields: { on_battery: true }, ts: T0 }]);
    store.write([{ measurement: 'ups', tags: { line: '1', device: 'ups1' }, fields: { on_battery: false }, ts: T0 }]);
    const res = await store.query({ measurement: 'ups', field: 'on_battery', matchers: [], from: T0, to: T0, stepMs: 0, agg: 'last' });
    expect(res).toHaveLength(1);
    expect(res[0]?.points).toEqual([[T0, 0]]);
  });

  it('drops whole chunks past retention and keeps newer ones', async () => {
    for (let d = 0; d < 5; d++) store.write([cpu(T0 + d * DAY + 1000, d)]);
    const dropped = await store.applyRetention(T0 + 5 * DAY);
    // Retention 3 days at T0+5d: chunks ending at or before T0+2d go (days 0 and 1).
    expect(dropped).toBe(2);
    const [s] = await store.query({ measurement: 'cpu', field: 'usage_pct', matchers: [], from: 0, to: T0 + 10 * DAY, stepMs: 0, agg: 'avg' });
    expect(s?.points.map((p) => p[1])).toEqual([2, 3, 4]);
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name LIKE 'samples_%' AND name != 'samples_head'").get() as { n: number };
    expect(tables.n).toBe(3);
    // A chunk dropped by retention is recreated if a late sample arrives for it.
    store.write([cpu(T0 + 1000, 9)]);
    expect(await store.applyRetention(T0 + 5 * DAY)).toBe(1);
  });

  it('survives reopening: series ids are reloaded, not duplicated', async () => {
    store.write([cpu(T0, 1)]);
    db.close();
    db = openDb(`${tmp.dir}/m.db`);
    store = new SqliteMetricStore(db, { retentionMs: 3 * DAY, chunkMs: DAY });
    store.write([cpu(T0 + 1, 2)]);
    const series = await store.listSeries({});
    expect(series).toHaveLength(1);
    const [s] = await store.query({ measurement: 'cpu', field: 'usage_pct', matchers: [], from: T0, to: T0 + 1, stepMs: 0, agg: 'avg' });
    expect(s?.points).toEqual([
      [T0, 1],
      [T0 + 1, 2],
    ]);
  });

  it('ignores string values in numeric aggregations but returns them raw', async () => {
    store.write([{ measurement: 'fw', tags: { device: 'fw1' }, fields: { ha_state: 'active' }, ts: T0 }]);
    const raw = await store.query({ measurement: 'fw', field: 'ha_state', matchers: [], from: T0, to: T0, stepMs: 0, agg: 'last' });
    expect(raw[0]?.points).toEqual([[T0, 'active']]);
    const avg = await store.query({ measurement: 'fw', field: 'ha_state', matchers: [], from: T0, to: T0 + 60_000, stepMs: 60_000, agg: 'avg' });
    expect(avg[0]?.points).toEqual([]);
  });
});

describe('SqliteMetricStore head', () => {
  it('keeps writes in the head until a flush, durably, and moves them sorted with last write winning', async () => {
    const tmp = tempDir();
    const file = `${tmp.dir}/h.db`;
    let db = openDb(file);
    let store = new SqliteMetricStore(db, { retentionMs: 30 * DAY, chunkMs: DAY, flushMs: 0 });
    const cpu = (ts: number, v: number) => ({ measurement: 'cpu', tags: { device: 'db01' }, fields: { usage_pct: v }, ts });
    db.transaction(() => store.write([cpu(T0 + 2, 2), cpu(T0 + 1, 1), cpu(T0 + DAY, 3)]))();
    db.transaction(() => store.write([cpu(T0 + 1, 10)]))(); // a replay of T0+1 with another value
    expect((await store.health()).detail.head_rows).toBe(4);
    // A crash before the flush: the head is on disk and a reopened store moves it.
    db.close();
    db = openDb(file);
    store = new SqliteMetricStore(db, { retentionMs: 30 * DAY, chunkMs: DAY, flushMs: 0 });
    expect((await store.health()).detail.head_rows).toBe(4);
    const [s] = await store.query({ measurement: 'cpu', field: 'usage_pct', matchers: [], from: T0, to: T0 + 2 * DAY, stepMs: 0, agg: 'last' });
    expect(s?.points).toEqual([
      [T0 + 1, 10],
      [T0 + 2, 2],
      [T0 + DAY, 3],
    ]);
    expect((db.prepare('SELECT count(*) AS n FROM samples_head').get() as { n: number }).n).toBe(0);
    expect(store.flushHead()).toBe(0);
    db.close();
    tmp.cleanup();
  });

  it('moves the head on its timer', async () => {
    const tmp = tempDir();
    const db = openDb(`${tmp.dir}/t.db`);
    const store = new SqliteMetricStore(db, { retentionMs: 30 * DAY, chunkMs: DAY, flushMs: 20 });
    db.transaction(() => store.write([{ measurement: 'cpu', tags: { device: 'd' }, fields: { usage_pct: 1 }, ts: T0 }]))();
    await new Promise((r) => setTimeout(r, 100));
    expect((db.prepare('SELECT count(*) AS n FROM samples_head').get() as { n: number }).n).toBe(0);
    await store.close();
    db.close();
    tmp.cleanup();
  });
});
