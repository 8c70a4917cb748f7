/**
 * InfluxDB reads fail visibly (issue 21): against a real influxd 1.6, a read
 * the local store answers because InfluxDB failed is counted by reason, each
 * kind of failure is logged once (not once per read), the store's health is
 * degraded until InfluxDB answers again, and with `readFallback: false` the
 * error reaches the caller instead of being hidden.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Sample } from '../../collector/contract/index.js';
import { openDb } from '../../collector/db.js';
import type { InfluxSettings } from '../../collector/store/influx/client.js';
import { InfluxQueryError } from '../../collector/store/influx/influxql.js';
import { DEGRADED_INFLUX_READS, type ReadFallbackReason } from '../../collector/store/influx/reads.js';
import { InfluxMetricStore } from '../../collector/store/influx/store.js';
import { SqliteMetricStore } from '../../collector/store/sqlite.js';
import { tempDir } from '../helpers.js';
import { peerAvailable } from '../peers.js';
import { startInfluxd, type RunningInfluxd } from '../dashboards/influxd.js';

const T0 = Date.UTC(2026, 10, 22, 0, 0, 0);
const HOUR = 3_600_000;

async function influxql(url: string, q: string): Promise<void> {
  const res = await fetch(`${url}/query?${new URLSearchParams({ q })}`, { method: 'POST' });
  expect(res.status).toBe(200);
}

function samples(): Sample[] {
  return Array.from({ length: 60 }, (_, i) => ({ measurement: 'cpu', tags: { device: 'db01' }, fields: { usage_pct: 10 + (i % 5) }, ts: T0 + i * 60_000 }));
}

describe.skipIf(!peerAvailable('influxd', 'influxdb'))('InfluxDB read failures are counted, logged once and degrade health', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });

  async function setup(database: string, readFallback?: boolean) {
    const tmp = tempDir();
    const influxd: RunningInfluxd = await startInfluxd();
    const db = openDb(join(tmp.dir, 'roomwatch.db'));
    const local = new SqliteMetricStore(db);
    const warnings: string[] = [];
    const infos: string[] = [];
    const fallbacks: ReadFallbackReason[] = [];
    const clock = { now: T0 + 2 * HOUR };
    const settings: InfluxSettings = { url: influxd.url, api: 'v1', database, timeoutMs: 5_000 };
    const store = new InfluxMetricStore(local, db, {
      settings,
      maxBacklogBytes: 16 * 1024 * 1024,
      localRetentionMs: 30 * 86_400_000,
      tagsFor: () => ({}),
      now: () => clock.now,
      log: { info: (_o, msg) => infos.push(msg), warn: (obj, msg) => warnings.push(`${(obj as { kind?: string }).kind ?? '-'}: ${msg}`) },
      onReadFallback: (reason) => fallbacks.push(reason),
      ...(readFallback === undefined ? {} : { readFallback }),
    });
    cleanups.push(
      tmp.cleanup,
      () => influxd.stop(),
      () => store.close(),
    );
    // Only the local store gets the samples: InfluxDB stays empty, so an answer from it is told apart.
    local.write(samples());
    return { influxd, store, warnings, infos, fallbacks, clock };
  }

  const q = { measurement: 'cpu', field: 'usage_pct', matchers: [], from: T0, to: T0 + HOUR, stepMs: 0, agg: 'last' as const };

  it('counts a failed statement and the reads after it, logs the kind once, and is degraded until InfluxDB answers', async () => {
    const { influxd, store, warnings, infos, fallbacks } = await setup('absent');
    // database 'absent' does not exist: influxd answers every statement with an error.
    for (let i = 0; i < 3; i++) expect((await store.query(q))[0]?.points).toHaveLength(60);
    expect(fallbacks).toEqual(['influx_error', 'influx_down', 'influx_down']);
    expect(warnings).toEqual(['statement: InfluxDB read failed; answering from the local store until it answers again']);
    let health = await store.health();
    expect(health.ok).toBe(true);
    expect(health.degraded).toEqual([DEGRADED_INFLUX_READS]);
    expect((health.detail.reads as { last_failure?: { kind: string; error: string } }).last_failure).toMatchObject({ kind: 'statement', error: expect.stringMatching(/database not found/) });

    // The ping answered, so the next read tries InfluxDB again; the same kind is not logged twice.
    const stats = await store.bucketStats({ from: T0, to: T0 + HOUR, bucketMs: HOUR, measurements: ['cpu'] });
    expect(stats.map((s) => s.buckets[0]?.count)).toEqual([60]);
    expect(fallbacks.at(-1)).toBe('influx_error');
    expect(warnings).toHaveLength(1);

    // InfluxDB can answer now (empty: it never got the samples), and health recovers.
    await influxql(influxd.url, 'CREATE DATABASE absent');
    expect((await store.health()).degraded).toEqual([DEGRADED_INFLUX_READS]); // until a read succeeds
    expect(await store.query(q)).toEqual([]);
    expect(infos).toContain('InfluxDB answers reads again');
    health = await store.health();
    expect(health.degraded).toEqual([]);
    expect(store.reads.snapshot()).toMatchObject({ influxdb: 1, fallbacks: { influx_error: 2, influx_down: 2, outbox_backlog: 0 }, last_failure: undefined });

    // A different kind of failure is logged again.
    await influxd.stop();
    expect((await store.query(q))[0]?.points).toHaveLength(60);
    expect(warnings.at(-1)).toMatch(/^unreachable: InfluxDB read failed/);
    expect((await store.health()).degraded).toEqual([DEGRADED_INFLUX_READS]);
  }, 60_000);

  it('skips InfluxDB for 30 s after a failed read, then tries it again', async () => {
    const { store, fallbacks, warnings, clock } = await setup('absent');
    await store.query(q);
    clock.now += 29_999;
    await store.query(q);
    expect(fallbacks).toEqual(['influx_error', 'influx_down']);
    clock.now += 1;
    await store.query(q);
    expect(fallbacks).toEqual(['influx_error', 'influx_down', 'influx_error']);
    expect(warnings).toHaveLength(1); // the same kind, still failing: logged once
  }, 60_000);

  it('counts reads answered locally while the outbox holds points InfluxDB has not got yet, without degrading', async () => {
    const { store, fallbacks, warnings } = await setup('absent');
    // A write InfluxDB refuses (no database) stays in the outbox: InfluxDB is incomplete by design.
    store.write([{ measurement: 'cpu', tags: { device: 'db01' }, fields: { usage_pct: 50 }, ts: T0 + HOUR }]);
    store.afterCommit();
    expect((await store.query(q))[0]?.points).toHaveLength(61);
    expect(fallbacks).toEqual(['outbox_backlog']);
    expect(warnings.filter((w) => /read failed/.test(w))).toEqual([]);
    expect((await store.health()).degraded).toEqual([]);
  }, 60_000);

  it('with readFallback: false the error reaches the caller and the local store never answers', async () => {
    const { store, fallbacks } = await setup('absent', false);
    await expect(store.query(q)).rejects.toBeInstanceOf(InfluxQueryError);
    await expect(store.bucketStats({ from: T0, to: T0 + HOUR, bucketMs: HOUR, measurements: ['cpu'] })).rejects.toThrow(/database not found: absent/);
    // (SHOW MEASUREMENTS on a missing database is an empty answer in InfluxDB 1.6, not an error.)
    expect(await store.bucketStats({ from: T0, to: T0 + HOUR, bucketMs: HOUR })).toEqual([]);
    expect(fallbacks).toEqual([]);
  }, 60_000);
});
