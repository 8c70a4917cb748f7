/**
 * Store-only measurement (not part of `npm run bench`): the SQLite store without
 * HTTP, JSON or rules, so a change to its physical layout can be judged alone.
 *
 *   node dist/bench/store-only.js ingest   # the bench room's batches, one transaction each, synchronous=FULL
 *   node dist/bench/store-only.js query    # 1,000 devices × 4 series at 10 s over 25 h, then timed queries
 *
 * `ingest` writes STORE_BATCHES (2000) batches of 1,000 samples (about 5.6 h of
 * room time), then moves the write head into the chunk tables inside the timed
 * window so that cost is counted, yielding to the event loop after each commit as the
 * collector does between requests. It prints samples/s, samples per CPU-second,
 * bytes written by the process per batch (/proc/self/io wchar: WAL plus
 * checkpoints into the database file) and, from a separate pass with the
 * autocheckpoint off, WAL frames per commit.
 * Knobs: STORE_BATCHES, STORE_DIR.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldLoop } from 'node:timers/promises';
import type { Sample } from '../collector/contract/index.js';
import { openDb, type Db } from '../collector/db.js';
import { DEFAULT_STORE_OPTIONS, SqliteMetricStore, type SqliteStoreOptions } from '../collector/store/sqlite.js';
import { BatchStream } from './batches.js';
import { emit, envInt, median, progress, r, tempDir } from './lib.js';

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const wchar = () => Number(/wchar:\s*(\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? NaN);

function storeOptions(): SqliteStoreOptions {
  return { ...DEFAULT_STORE_OPTIONS };
}

/** Moves whatever is left in the write head, so the timed window includes that work. */
function moveHead(store: SqliteMetricStore): void {
  store.flushHead();
}

async function health(store: SqliteMetricStore) {
  return (await store.health()).detail;
}

async function benchIngest(dir: string): Promise<void> {
  const db = openDb(join(dir, 'store.db'), { synchronous: 'full' });
  const store = new SqliteMetricStore(db, storeOptions());
  const write = db.transaction((samples: readonly Sample[]) => store.write(samples));
  // As IngestService does: afterCommit() confirms new series ids and moves a full head.
  const tx = (samples: readonly Sample[]) => {
    write(samples);
    store.afterCommit();
  };
  const stream = new BatchStream(1_000);
  for (const b of stream.next(20)) tx(b.samples); // warm-up: series creation, JIT
  const batches = envInt('STORE_BATCHES', 2_000);
  let samples = 0;
  let values = 0;
  let wallMs = 0;
  let cpuS = 0;
  let bytes = 0;
  // Batches are generated in slices outside the clock, so only the store is timed.
  for (let done = 0; done < batches;) {
    const slice = stream.next(Math.min(100, batches - done));
    const w0 = wchar();
    const c0 = cpuSeconds();
    const t0 = performance.now();
    for (const b of slice) {
      tx(b.samples);
      samples += b.samples.length;
      values += b.values;
      await yieldLoop(); // lets the store's head-moving timer run, as between HTTP requests
    }
    wallMs += performance.now() - t0;
    cpuS += cpuSeconds() - c0;
    bytes += wchar() - w0;
    done += slice.length;
  }
  // WAL frames per commit: autocheckpoint off, a passive checkpoint after each commit reports its frames.
  db.pragma('wal_autocheckpoint = 0');
  db.pragma('wal_checkpoint(TRUNCATE)');
  const frames: number[] = [];
  for (const b of stream.next(20)) {
    tx(b.samples);
    const [row] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    frames.push(row?.log ?? NaN);
  }
  emit({
    bench: 'store_only_ingest',
    batches,
    samples,
    values,
    samples_per_s: r(samples / (wallMs / 1000)),
    samples_per_cpu_s: r(samples / cpuS),
    values_per_cpu_s: r(values / cpuS),
    wall_s: r(wallMs / 1000),
    cpu_s: r(cpuS),
    written_kb_per_batch: r(bytes / batches / 1024),
    wal_frames_per_commit_median: median(frames),
    wal_kb_per_commit_median: r((median(frames) * 4120) / 1024),
    store: await health(store),
  });
  await store.close();
  db.close();
}

const METRICS = [
  ['cpu', 'usage_pct'],
  ['cpu', 'iowait_pct'],
  ['mem', 'used_pct'],
  ['mem', 'available_bytes'],
] as const;

async function benchQuery(dir: string): Promise<void> {
  const devices = envInt('QUERY_DEVICES', 1_000);
  const hours = envInt('QUERY_HOURS', 25);
  const db: Db = openDb(join(dir, 'query.db'), { synchronous: 'normal' }); // building only; reads do not care
  const store = new SqliteMetricStore(db, storeOptions());
  const tx = db.transaction((samples: readonly Sample[]) => store.write(samples));
  const rounds = (hours * 3_600_000) / 10_000;
  const end = Math.floor(Date.now() / 10_000) * 10_000;
  const base = end - rounds * 10_000;
  const name = (d: number) => `srv${String(d).padStart(4, '0')}`;
  const t0 = performance.now();
  let pending: Sample[] = [];
  for (let round = 0; round < rounds; round++) {
    const ts = base + round * 10_000;
    for (let d = 0; d < devices; d++) {
      const off = (d * 137) % 2_000;
      const x = (round * 7 + d) % 100;
      pending.push({ measurement: 'cpu', tags: { device: name(d) }, fields: { usage_pct: x, iowait_pct: x / 10 }, ts: ts + off });
      pending.push({ measurement: 'mem', tags: { device: name(d) }, fields: { used_pct: 100 - x, available_bytes: x * 1e9 }, ts: ts + off });
    }
    if (pending.length >= 20_000 || round === rounds - 1) {
      tx(pending);
      pending = [];
      await yieldLoop();
    }
    if (round % 1_000 === 0) progress(`query: built ${round}/${rounds} rounds in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  const buildS = (performance.now() - t0) / 1000;
  const time = async (fn: () => Promise<unknown>) => {
    const ms: number[] = [];
    for (let i = 0; i < 15; i++) {
      const s = performance.now();
      await fn();
      ms.push(performance.now() - s);
    }
    return r(median(ms));
  };
  const one = [{ name: 'device', op: '=' as const, value: name(devices >> 1) }];
  const q = (matchers: typeof one, from: number, stepMs: number) => store.query({ measurement: 'cpu', field: 'usage_pct', matchers, from, to: end, stepMs, agg: 'avg' });
  const [check] = await q(one, end - 15 * 60_000, 0);
  emit({
    bench: 'store_only_query',
    devices,
    series: devices * METRICS.length,
    hours,
    build_s: r(buildS),
    points_15m_raw: check?.points.length,
    single_15m_raw_ms: await time(() => q(one, end - 15 * 60_000, 0)),
    single_24h_step120s_avg_ms: await time(() => q(one, end - 86_400_000, 120_000)),
    single_24h_raw_ms: await time(() => q(one, end - 86_400_000, 0)),
    all_devices_15m_raw_ms: await time(() => q([], end - 15 * 60_000, 0)),
    all_devices_15m_step60s_avg_ms: await time(() => q([], end - 15 * 60_000, 60_000)),
    store: await health(store),
  });
  await store.close();
  db.close();
}

async function main(mode: string | undefined): Promise<void> {
  const tmp = process.env.STORE_DIR ? { dir: process.env.STORE_DIR, cleanup: () => undefined } : tempDir('store');
  try {
    if (mode === 'ingest' || mode === undefined) await benchIngest(tmp.dir);
    if (mode === 'query' || mode === undefined) await benchQuery(tmp.dir);
  } finally {
    tmp.cleanup();
  }
}

main(process.argv[2]).catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
