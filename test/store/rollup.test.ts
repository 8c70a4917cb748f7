/**
 * Rollups must answer exactly what the raw rows answer. Every query here is
 * checked against an oracle computed in JavaScript from the samples written
 * (last write wins per series and timestamp), with ranges whose edges cut
 * buckets, a chunk boundary inside the range, strings among numbers, late
 * samples and replays. Values are multiples of 0.25, so sums are exact in any order.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sample } from '../../collector/contract/index.js';
import { openDb, type Db } from '../../collector/db.js';
import { SqliteMetricStore } from '../../collector/store/sqlite.js';
import { AGGREGATIONS, type Aggregation, type PointValue } from '../../collector/store/types.js';
import { tempDir } from '../helpers.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MIN = 60_000;
const MIDNIGHT = Date.UTC(2026, 10, 23);
const DEVICES = ['a', 'b', 'c'];

type Row = { device: string; ts: number; value: number | string };

/** A deterministic pseudo-random sequence (tests must not depend on Math.random). */
function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x / 2_147_483_648;
  };
}

/** Samples every ~7-13 s from 3 h before midnight to 3 h after; device c sends a string now and then. */
function makeRows(seed: number): Row[] {
  const rnd = lcg(seed);
  const rows: Row[] = [];
  for (const device of DEVICES) {
    for (let ts = MIDNIGHT - 3 * HOUR + Math.floor(rnd() * 5_000); ts < MIDNIGHT + 3 * HOUR; ts += 7_000 + Math.floor(rnd() * 6_000)) {
      const value = device === 'c' && rnd() < 0.2 ? 'standby' : Math.round(rnd() * 400 - 100) / 4;
      rows.push({ device, ts, value });
    }
  }
  return rows;
}

const sample = (r: Row): Sample => ({ measurement: 'ups', tags: { device: r.device }, fields: { load_pct: r.value }, ts: r.ts });

/** What the store must answer, from the rows alone (the last row written for a timestamp wins). */
function oracle(rows: Row[], device: string, from: number, to: number, step: number, agg: Aggregation): Array<[number, PointValue]> {
  const latest = new Map<number, number | string>();
  for (const r of rows) if (r.device === device && r.ts >= from && r.ts <= to) latest.set(r.ts, r.value);
  const buckets = new Map<number, Array<[number, number | string]>>();
  for (const [ts, v] of [...latest].sort((x, y) => x[0] - y[0])) {
    const b = ts - (ts % step);
    buckets.set(b, [...(buckets.get(b) ?? []), [ts, v]]);
  }
  const out: Array<[number, PointValue]> = [];
  for (const [b, list] of [...buckets].sort((x, y) => x[0] - y[0])) {
    const nums = list.map(([, v]) => v).filter((v): v is number => typeof v === 'number');
    if (agg === 'count') out.push([b, list.length]);
    else if (agg === 'last') out.push([b, (list[list.length - 1] as [number, number | string])[1]]);
    else if (nums.length === 0) continue;
    else if (agg === 'min') out.push([b, Math.min(...nums)]);
    else if (agg === 'max') out.push([b, Math.max(...nums)]);
    else if (agg === 'sum') out.push([b, nums.reduce((s, v) => s + v, 0)]);
    else out.push([b, nums.reduce((s, v) => s + v, 0) / nums.length]);
  }
  return out;
}

/** Bucket statistics on the grid from + k × bucketMs over [from, to), numeric rows only. */
function statsOracle(rows: Row[], device: string, from: number, to: number, bucketMs: number) {
  const latest = new Map<number, number | string>();
  for (const r of rows) if (r.device === device && r.ts >= from && r.ts < to) latest.set(r.ts, r.value);
  const out = new Map<number, { start: number; min: number; max: number; sum: number; count: number; lastTs: number; last: number }>();
  for (const [ts, v] of [...latest].sort((x, y) => x[0] - y[0])) {
    if (typeof v !== 'number') continue;
    const start = from + Math.floor((ts - from) / bucketMs) * bucketMs;
    const b = out.get(start) ?? { start, min: Infinity, max: -Infinity, sum: 0, count: 0, lastTs: 0, last: 0 };
    out.set(start, { start, min: Math.min(b.min, v), max: Math.max(b.max, v), sum: b.sum + v, count: b.count + 1, lastTs: ts, last: v });
  }
  return [...out.values()].sort((x, y) => x.start - y.start);
}

describe('rollups answer exactly what the raw rows answer', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: Db;
  let store: SqliteMetricStore;
  let rows: Row[];

  const write = (list: Row[]) => db.transaction(() => store.write(list.map(sample)))();
  const query = async (from: number, to: number, stepMs: number, agg: Aggregation) => {
    const res = await store.query({ measurement: 'ups', field: 'load_pct', matchers: [], from, to, stepMs, agg });
    return Object.fromEntries(res.map((s) => [s.device, s.points]));
  };
  const expectAll = async (from: number, to: number, steps: number[]) => {
    for (const step of steps) {
      for (const agg of AGGREGATIONS) {
        const got = await query(from, to, step, agg);
        for (const device of DEVICES) expect(got[device] ?? [], `${agg} step ${step} ${device}`).toEqual(oracle(rows, device, from, to, step, agg));
      }
    }
  };

  beforeEach(() => {
    tmp = tempDir();
    db = openDb(`${tmp.dir}/r.db`);
    store = new SqliteMetricStore(db, { retentionMs: 30 * DAY, chunkMs: DAY, flushMs: 0, rollupMs: 0 });
    rows = makeRows(7);
    write(rows);
  });
  afterEach(async () => {
    await store.close();
    db.close();
    tmp.cleanup();
  });

  it('for avg, min, max, sum, count and last, with partial buckets at both edges and a chunk boundary inside', async () => {
    // Edges cut seconds, minutes and hours; 90 s is no multiple of a rollup and is read raw.
    const from = MIDNIGHT - 2 * HOUR - 17 * MIN - 13_500;
    const to = MIDNIGHT + 2 * HOUR + 3 * MIN + 7_250;
    await expectAll(from, to, [MIN, 5 * MIN, HOUR, 2 * HOUR, 90_000]);
    await expectAll(MIDNIGHT - 2 * HOUR, MIDNIGHT + 2 * HOUR, [MIN, HOUR]);
    const health = (await store.health()).detail.rollups as Record<string, number>;
    expect(health).toMatchObject({ dirty_1m: 0, dirty_1h: 0, backfilling_chunks: 0 });
  });

  it('reads whole buckets from the rollups, not from the raw rows', async () => {
    await query(MIDNIGHT - HOUR, MIDNIGHT, MIN, 'max');
    // A raw row changed behind the store's back (no head move, so no dirty mark):
    // a whole-minute bucket keeps the rolled-up answer, a cut edge bucket reads raw.
    const ts =
      (db
        .prepare('SELECT min(ts) FROM samples_' + (MIDNIGHT / DAY - 1) + ' WHERE ts >= ?')
        .pluck()
        .get(MIDNIGHT - 30 * MIN) as number) ?? 0;
    db.prepare(`UPDATE samples_${MIDNIGHT / DAY - 1} SET value = 1e9 WHERE ts = ?`).run(ts);
    const whole = await query(MIDNIGHT - HOUR, MIDNIGHT, MIN, 'max');
    expect(
      Object.values(whole)
        .flat()
        .some(([, v]) => v === 1e9),
    ).toBe(false);
    const edge = await query(ts, MIDNIGHT, MIN, 'max');
    expect(
      Object.values(edge)
        .flat()
        .some(([, v]) => v === 1e9),
    ).toBe(true);
  });

  it('updates a bucket for a late sample and for a replay that replaces a value', async () => {
    await expectAll(MIDNIGHT - 3 * HOUR, MIDNIGHT + 3 * HOUR, [MIN, HOUR]);
    // Late: new timestamps in old minutes, and a new minimum / maximum / last in an old hour.
    const first = rows.find((r) => r.device === 'a' && r.ts > MIDNIGHT - 2 * HOUR) as Row;
    const late: Row[] = [
      { device: 'a', ts: first.ts + 1, value: -500 },
      { device: 'b', ts: MIDNIGHT - 90 * MIN + 59_999, value: 900 },
      { device: 'c', ts: MIDNIGHT + HOUR - 1, value: 'late' },
      // A replay with another value: last write wins, and the old maximum must go.
      { device: 'a', ts: first.ts, value: -0.25 },
    ];
    write(late);
    rows.push(...late);
    await expectAll(MIDNIGHT - 3 * HOUR, MIDNIGHT + 3 * HOUR, [MIN, 10 * MIN, HOUR]);
    await expectAll(first.ts - 1, MIDNIGHT + HOUR, [MIN, HOUR]);
    // The answers above came from rollup rows that now hold the late values.
    const id = db.prepare("SELECT id FROM series WHERE device = 'a'").pluck().get();
    const chunk = Math.floor(first.ts / DAY);
    expect(
      db
        .prepare(`SELECT mn FROM rollup_1m_${chunk} WHERE series_id = ? AND b = ?`)
        .pluck()
        .get(id, first.ts - (first.ts % MIN)),
    ).toBe(-500);
    expect(
      db
        .prepare(`SELECT mn FROM rollup_1h_${chunk} WHERE series_id = ? AND b = ?`)
        .pluck()
        .get(id, first.ts - (first.ts % HOUR)),
    ).toBe(-500);
  });

  it('the background job computes closed buckets only; a read computes the one still filling', async () => {
    store.flushHead();
    // "Now" is 30 s into the last minute of the data: that minute and its hour are still filling.
    const lastMinute = Math.max(...rows.map((r) => r.ts)) - (Math.max(...rows.map((r) => r.ts)) % MIN);
    store.rollups.backgroundTick(lastMinute + 30_000);
    const health = () => store.rollups.health() as Record<string, number>;
    expect(health().dirty_1m).toBe(1);
    expect(db.prepare('SELECT b FROM rollup_dirty_1m').pluck().all()).toEqual([lastMinute]);
    // Every closed minute is rolled up, and its hour is marked.
    const built = db
      .prepare(`SELECT count(DISTINCT b) FROM rollup_1m_${MIDNIGHT / DAY}`)
      .pluck()
      .get() as number;
    expect(built).toBe(3 * 60 - 1);
    // The read catches the open minute up and answers exactly what the raw rows do.
    await expectAll(MIDNIGHT + 2 * HOUR, MIDNIGHT + 3 * HOUR, [MIN, HOUR]);
    expect(health()).toMatchObject({ dirty_1m: 0, dirty_1h: 0 });
  });

  it('gives bucket statistics from rollups equal to the raw rows, on aligned and unaligned grids', async () => {
    const check = async (from: number, to: number, bucketMs: number) => {
      const got = await store.bucketStats({ from, to, bucketMs });
      for (const device of DEVICES) expect(got.find((s) => s.device === device)?.buckets ?? [], `${from} ${bucketMs} ${device}`).toEqual(statsOracle(rows, device, from, to, bucketMs));
    };
    await check(MIDNIGHT - 2 * HOUR, MIDNIGHT + 2 * HOUR, HOUR);
    await check(MIDNIGHT - 3 * HOUR, MIDNIGHT + 3 * HOUR, 6 * HOUR);
    await check(MIDNIGHT - 2 * HOUR - 30 * MIN, MIDNIGHT + 2 * HOUR, HOUR);
    await check(MIDNIGHT - 2 * HOUR - 17_000, MIDNIGHT + HOUR + 5, 10 * MIN);
    write([{ device: 'b', ts: MIDNIGHT - HOUR + 1, value: 1_000 }]);
    rows.push({ device: 'b', ts: MIDNIGHT - HOUR + 1, value: 1_000 });
    await check(MIDNIGHT - 2 * HOUR, MIDNIGHT + 2 * HOUR, HOUR);
  });

  it('builds rollups of chunks written before rollups existed, reading raw until they are complete', async () => {
    await store.close();
    // The database as an older version left it: raw chunks, no rollups.
    for (const name of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'rollup%'").pluck().all() as string[]) db.exec(`DROP TABLE ${name}`);
    store = new SqliteMetricStore(db, { retentionMs: 30 * DAY, chunkMs: DAY, flushMs: 0, rollupMs: 0 });
    expect((await store.health()).detail.rollups).toMatchObject({ backfilling_chunks: 2 });
    await expectAll(MIDNIGHT - 2 * HOUR, MIDNIGHT + 2 * HOUR, [MIN, HOUR]);
    store.rollups.backfillAll();
    expect((await store.health()).detail.rollups).toMatchObject({ backfilling_chunks: 0, dirty_1h: 0 });
    expect(
      db
        .prepare(`SELECT count(*) FROM rollup_1h_${MIDNIGHT / DAY}`)
        .pluck()
        .get(),
    ).toBeGreaterThan(0);
    await expectAll(MIDNIGHT - 2 * HOUR - 1, MIDNIGHT + 2 * HOUR + 1, [MIN, HOUR]);
  });

  it('drops a chunk’s rollups with the chunk', async () => {
    await query(MIDNIGHT - HOUR, MIDNIGHT + HOUR, HOUR, 'avg');
    expect(await store.applyRetention(MIDNIGHT + 30 * DAY)).toBe(1);
    const left = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'rollup\\_1_\\_%' ESCAPE '\\' ORDER BY name").pluck().all();
    expect(left).toEqual([`rollup_1h_${MIDNIGHT / DAY}`, `rollup_1m_${MIDNIGHT / DAY}`]);
    rows = rows.filter((r) => r.ts >= MIDNIGHT);
    await expectAll(MIDNIGHT - 2 * HOUR, MIDNIGHT + 2 * HOUR, [MIN, HOUR]);
  });
});
