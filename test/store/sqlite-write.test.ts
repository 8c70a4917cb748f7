/**
 * The bulk write path of the SQLite store (collector/store/sqlite-write.ts):
 * multi-row INSERTs keep every value, its storage class and its order; a
 * replayed point still wins; a rolled-back batch leaves nothing, not even a
 * cached series id; the id cache stays bounded; the head move finds every chunk.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sample } from '../../collector/contract/index.js';
import { openDb, type Db } from '../../collector/db.js';
import { SqliteMetricStore, seriesKey, tagSetKey } from '../../collector/store/sqlite.js';
import { HEAD_ROWS_PER_INSERT, SeriesIds } from '../../collector/store/sqlite-write.js';
import { tempDir } from '../helpers.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 22, 0, 0, 0);
const OPTS = { retentionMs: 30 * DAY, chunkMs: DAY, flushMs: 0 };

type Row = { series_id: number; ts: number; value: number | string; t: string };

/** A batch whose values cross every multi-row statement size, with awkward numbers, strings, booleans and repeats. */
function batch(n: number, ts: number): Sample[] {
  const odd = [0.1 + 0.2, 1e-300, 2 ** 53 - 1, -7, 3.5e38, 42, Number.MIN_VALUE];
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) {
    const fields: Sample['fields'] = { v: odd[i % odd.length] as number };
    if (i % 5 === 0) fields.state = i % 10 === 0 ? 'ok' : 'on "battery" \\ é';
    if (i % 7 === 0) fields.up = i % 14 === 0;
    // Tags in varying key order: the same series must come out whatever the order.
    const tags = i % 2 ? { device: `d${i % 40}`, port: String(i % 3) } : { port: String(i % 3), device: `d${i % 40}` };
    out.push({ measurement: 'm', tags: tags as Sample['tags'], fields, ts: ts + (i % 13) * 1000 });
  }
  return out;
}

/** What one INSERT per value would have stored: the reference the bulk path must equal. */
function naive(db: Db, samples: readonly Sample[]): Row[] {
  db.exec('CREATE TEMP TABLE ref (series_id INTEGER NOT NULL, ts INTEGER NOT NULL, value)');
  const ins = db.prepare('INSERT INTO ref VALUES (?, ?, ?)');
  const id = db.prepare('SELECT id FROM series WHERE key = ?').pluck();
  for (const s of samples) {
    for (const [field, raw] of Object.entries(s.fields)) {
      ins.run(id.get(seriesKey(s.measurement, field, tagSetKey(s.tags))), s.ts, typeof raw === 'boolean' ? (raw ? 1 : 0) : raw);
    }
  }
  const rows = db.prepare('SELECT series_id, ts, value, typeof(value) AS t FROM ref ORDER BY rowid').all() as Row[];
  db.exec('DROP TABLE ref');
  return rows;
}

const head = (db: Db) => db.prepare('SELECT series_id, ts, value, typeof(value) AS t FROM samples_head ORDER BY rowid').all() as Row[];

describe('SQLite store bulk writes', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: Db;
  let store: SqliteMetricStore;

  beforeEach(() => {
    tmp = tempDir();
    db = openDb(`${tmp.dir}/m.db`);
    store = new SqliteMetricStore(db, OPTS);
  });
  afterEach(async () => {
    await store.close();
    db.close();
    tmp.cleanup();
  });

  it('stores every value, with its storage class, in sample and field order', () => {
    // 1,000 samples give well over HEAD_ROWS_PER_INSERT rows and a remainder that is not a power of two.
    const samples = batch(1_000, T0);
    const n = db.transaction(() => store.write(samples))();
    store.afterCommit();
    expect(n).toBeGreaterThan(3 * HEAD_ROWS_PER_INSERT);
    expect(n % HEAD_ROWS_PER_INSERT).not.toBe(0);
    const rows = head(db);
    expect(rows).toHaveLength(n);
    expect(rows).toEqual(naive(db, samples));
    // One series per measurement.field + tag set, whatever the order of the tags.
    const keys = new Set(samples.flatMap((x) => Object.keys(x.fields).map((f) => seriesKey(x.measurement, f, tagSetKey(x.tags)))));
    expect(keys.size).toBe(264);
    expect(db.prepare('SELECT count(*) FROM series').pluck().get()).toBe(keys.size);
  });

  it('keeps last-write-wins through the head move, within a batch and across batches', async () => {
    const s = (v: number | string, ts = T0): Sample => ({ measurement: 'cpu', tags: { device: 'db01' }, fields: { usage_pct: v }, ts });
    const fill = Array.from({ length: 300 }, (_, i) => s(i, T0 + (i + 1) * 1000)); // pushes the repeats into different statements
    db.transaction(() => store.write([s(1), ...fill, s(2)]))();
    db.transaction(() => store.write([s(3, T0 + 5_000), s('late')]))();
    store.afterCommit();
    expect(store.flushHead()).toBe(304);
    const [series] = await store.query({ measurement: 'cpu', field: 'usage_pct', matchers: [], from: T0, to: T0 + 5_000, stepMs: 0, agg: 'last' });
    expect(series?.points).toEqual([
      [T0, 'late'],
      [T0 + 1000, 0],
      [T0 + 2000, 1],
      [T0 + 3000, 2],
      [T0 + 4000, 3],
      [T0 + 5000, 3],
    ]);
  });

  it('commits nothing of a failed batch, and does not reuse its series ids', async () => {
    const a: Sample = { measurement: 'ups', tags: { device: 'ups-a' }, fields: { load_pct: 40 }, ts: T0 };
    const b: Sample = { measurement: 'ups', tags: { device: 'ups-b' }, fields: { load_pct: 70 }, ts: T0 };
    expect(() =>
      db.transaction(() => {
        store.write(batch(600, T0));
        store.write([a]);
        throw new Error('the batch fails after the store wrote it');
      })(),
    ).toThrow(/batch fails/);
    expect(db.prepare('SELECT count(*) FROM series').pluck().get()).toBe(0);
    expect(head(db)).toEqual([]);
    // The next new series gets the rowid ups-a had in the rolled-back batch; ups-a must not land on it.
    db.transaction(() => store.write([b]))();
    store.afterCommit();
    db.transaction(() => store.write([a]))();
    store.afterCommit();
    store.flushHead();
    const got = await store.query({ measurement: 'ups', field: 'load_pct', matchers: [], from: T0, to: T0, stepMs: 0, agg: 'last' });
    expect(got.map((x) => [x.device, x.points])).toEqual([
      ['ups-a', [[T0, 40]]],
      ['ups-b', [[T0, 70]]],
    ]);
    expect((await store.health()).detail.series).toBe(2);
  });

  it('bounds the series id cache and still resolves every series', async () => {
    db.exec("INSERT INTO series (key, measurement, field, device, tags) VALUES ('x', 'x', 'x', 'x', '{}')"); // ids need not start at 1
    const ids = new SeriesIds(db, (m, f, tags) => seriesKey(m, f, tagSetKey(tags)), 10);
    const seen = new Map<string, number>();
    for (let round = 0; round < 3; round++) {
      for (let d = 0; d < 50; d++) {
        const s: Sample = { measurement: 'temp', tags: { device: `rack${d}` }, fields: { celsius: d }, ts: T0 };
        const id = ids.id(s, 'celsius', ids.shape(s));
        if (round === 0) seen.set(`rack${d}`, id);
        else expect(id).toBe(seen.get(`rack${d}`));
        expect(ids.cachedIds).toBeLessThanOrEqual(10);
      }
      ids.confirm();
    }
    expect(new Set(seen.values()).size).toBe(50);
    expect(ids.size).toBe(51);
  });

  it('moves head rows of every chunk, also those a crash left behind', async () => {
    const s = (device: string, ts: number, v: number): Sample => ({ measurement: 'pdu', tags: { device }, fields: { amps: v }, ts });
    db.transaction(() => store.write([s('p1', T0 + 10, 1), s('p1', T0 + DAY + 10, 2)]))();
    // A restart before the head moved: the new store finds the rows and their chunks.
    const reopened = new SqliteMetricStore(db, OPTS);
    db.transaction(() => reopened.write([s('p2', T0 + 2 * DAY + 10, 3)]))();
    reopened.afterCommit();
    expect(reopened.flushHead()).toBe(3);
    const got = await reopened.query({ measurement: 'pdu', field: 'amps', matchers: [], from: T0, to: T0 + 3 * DAY, stepMs: 0, agg: 'last' });
    expect(got.map((x) => [x.device, x.points])).toEqual([
      [
        'p1',
        [
          [T0 + 10, 1],
          [T0 + DAY + 10, 2],
        ],
      ],
      ['p2', [[T0 + 2 * DAY + 10, 3]]],
    ]);
    expect((await reopened.health()).detail.chunks).toBe(3);
    await reopened.close();
  });

  it('creates no chunk table for a chunk only a rolled-back batch touched', async () => {
    const s = (ts: number): Sample => ({ measurement: 'pdu', tags: { device: 'p1' }, fields: { amps: 1 }, ts });
    db.transaction(() => store.write([s(T0)]))();
    expect(() =>
      db.transaction(() => {
        store.write([s(T0 + 5 * DAY)]);
        throw new Error('rolled back');
      })(),
    ).toThrow();
    store.afterCommit();
    expect(store.flushHead()).toBe(1);
    expect((await store.health()).detail.chunks).toBe(1);
  });
});
