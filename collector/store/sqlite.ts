/**
 * The embedded metric store on SQLite (better-sqlite3, WAL).
 *
 * Schema, sized for 10^8 samples:
 *   series(id, key, measurement, field, device, tags)   one row per measurement.field + tag set
 *   metric_chunks(id, start_ms, end_ms)                 one row per time chunk (default one day)
 *   samples_<chunk>(series_id, ts, value)               WITHOUT ROWID, primary key (series_id, ts)
 *
 *   samples_head(series_id, ts, value)                  rowid table: where every write lands
 *
 * A sample row is three columns clustered by series and time, so a range scan of
 * one series reads contiguous pages. Retention drops whole chunk tables, which
 * costs the same whether a chunk holds ten rows or ten million — a DELETE of old
 * rows would rewrite the B-tree and bloat the WAL instead.
 *
 * Writes do not go to the clustered tables directly: a batch that carries one
 * value for each of 4,000 series would dirty 4,000 leaf pages (16 MB of WAL for
 * 100 KB of data). They are appended to `samples_head`, which touches only its
 * last pages, inside the ingest transaction (so an acknowledged sample is
 * durable). Every 5 s or 200,000 rows — and before any query or retention — the
 * head is moved into the chunk tables sorted by (series, ts, arrival), in one
 * transaction, so each page is dirtied once for many rows and a replayed point
 * still replaces the earlier one (last write wins).
 */
import type { Statement } from 'better-sqlite3';
import type { Sample } from '../contract/index.js';
import type { Db } from '../db.js';
import { SqliteRollups } from './rollup.js';
import { SqliteReader } from './sqlite-read.js';
import { HeadAppender, HeadMover, SeriesIds, type HeadRows } from './sqlite-write.js';
import type { MetricStore, PointValue, RangeQuery, SeriesBucketStats, SeriesFilter, SeriesInfo, SeriesPoints, StatsQuery, StoreHealth } from './types.js';

export interface SqliteStoreOptions {
  retentionMs: number;
  /** Width of one chunk table; retention granularity. */
  chunkMs: number;
  /** How often the head is moved into the chunk tables (0: only on demand). */
  flushMs?: number;
  /** The head is also moved when it holds this many rows. */
  flushRows?: number;
  /** How often dirty rollup buckets are recomputed in the background (0: only on reads; collector/store/rollup.ts). */
  rollupMs?: number;
}

/**
 * A move costs about one page per series however many rows it carries, so
 * fewer, larger moves cost less per row (500,000 rows: 0.4× per row what
 * 200,000 cost, #15). But a move holds the event loop: 500,000 rows took about
 * half a second, past ingest.max_event_loop_lag (200 ms), and the collector
 * shed load after each one. So the row bound stays at 200,000, and the timer
 * waits 5 s, which makes the moves of a quiet room carry more rows each.
 */
export const DEFAULT_STORE_OPTIONS: SqliteStoreOptions = { retentionMs: 30 * 86_400_000, chunkMs: 86_400_000, flushMs: 5_000, flushRows: 200_000, rollupMs: 10_000 };

/**
 * Keys already computed for a tag object. The store and the rule engine both
 * need the key of every sample; samples are never mutated after ingest, so the
 * second caller gets it for a WeakMap lookup.
 */
const tagKeys = new WeakMap<object, string>();

/** A canonical, order-independent rendering of a tag set. */
export function tagSetKey(tags: Readonly<Record<string, string>>): string {
  let key = tagKeys.get(tags);
  if (key === undefined) {
    key = renderTagSet(tags);
    tagKeys.set(tags, key);
  }
  return key;
}

function renderTagSet(tags: Readonly<Record<string, string>>): string {
  const keys = Object.keys(tags);
  if (keys.length > 1) keys.sort();
  let out = '';
  for (const k of keys) out += `${out ? ',' : ''}${k}=${JSON.stringify(tags[k])}`;
  return out;
}

export class SqliteMetricStore implements MetricStore {
  readonly kind = 'sqlite';
  private readonly seriesIds: SeriesIds;
  /** Chunk tables known to exist. */
  private readonly chunkInserts = new Set<number>();
  private readonly insertChunk: Statement;
  private readonly appender: HeadAppender;
  private readonly mover: HeadMover;
  /** Every chunk the head's rows fall in (a superset: a rolled-back batch may have added one). */
  private readonly headChunks = new Set<number>();
  private headRows = 0;
  private readonly flushTimer: NodeJS.Timeout | undefined;
  readonly rollups: SqliteRollups;
  private readonly reader: SqliteReader;

  constructor(
    private readonly db: Db,
    private readonly opts: SqliteStoreOptions = DEFAULT_STORE_OPTIONS,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS series (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        measurement TEXT NOT NULL,
        field TEXT NOT NULL,
        device TEXT NOT NULL,
        tags TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS series_metric ON series (measurement, field);
      CREATE INDEX IF NOT EXISTS series_device ON series (device);
      CREATE TABLE IF NOT EXISTS metric_chunks (
        id INTEGER PRIMARY KEY,
        start_ms INTEGER NOT NULL,
        end_ms INTEGER NOT NULL
      );
    `);
    this.rekeyDottedSeries();
    this.seriesIds = new SeriesIds(db, (measurement, field, tags) => seriesKey(measurement, field, tagSetKey(tags)));
    this.insertChunk = db.prepare('INSERT OR IGNORE INTO metric_chunks (id, start_ms, end_ms) VALUES (?, ?, ?)');
    db.exec('CREATE TABLE IF NOT EXISTS samples_head (series_id INTEGER NOT NULL, ts INTEGER NOT NULL, value)');
    this.appender = new HeadAppender(db);
    this.mover = new HeadMover(db, opts.chunkMs, chunkTable);
    // Rows left by a crash are moved by the first flush.
    this.headRows = (db.prepare('SELECT count(*) AS n FROM samples_head').get() as { n: number }).n;
    this.rollups = new SqliteRollups(db, { chunkMs: opts.chunkMs, intervalMs: opts.rollupMs ?? DEFAULT_STORE_OPTIONS.rollupMs ?? 0 });
    this.reader = new SqliteReader(db, opts.chunkMs, this.rollups);
    if (this.headRows > 0) for (const c of this.mover.headChunks()) this.headChunks.add(c);
    if (opts.flushMs) {
      this.flushTimer = setInterval(() => {
        if (this.db.open) this.flushHead();
      }, opts.flushMs);
      this.flushTimer.unref();
    }
  }

  /** Series with dots in their names written before seriesKey() quoted them get the quoted key. */
  private rekeyDottedSeries(): void {
    const rows = this.db.prepare("SELECT id, key, measurement, field, tags FROM series WHERE measurement LIKE '%.%' OR field LIKE '%.%'").all() as Array<{
      id: number;
      key: string;
      measurement: string;
      field: string;
      tags: string;
    }>;
    const update = this.db.prepare('UPDATE series SET key = ? WHERE id = ?');
    for (const r of rows) {
      const key = seriesKey(r.measurement, r.field, tagSetKey(JSON.parse(r.tags) as Record<string, string>));
      if (key !== r.key) update.run(key, r.id);
    }
  }

  /** Moves the head into the clustered chunk tables; returns the rows moved. */
  flushHead(): number {
    if (this.headRows === 0 || this.db.inTransaction) return 0;
    const created: number[] = [];
    const moved = this.db.transaction(() => {
      // The minutes the head holds are marked for the rollups in the move's own transaction (rollup.ts).
      this.rollups.markHeadDirty();
      return this.mover.move(
        this.headChunks,
        (chunk) => this.chunkInserts.has(chunk),
        (chunk) => {
          this.chunkInsert(chunk);
          created.push(chunk);
        },
      );
    })();
    // Only now: a move that rolled back created no table.
    for (const chunk of created) this.chunkInserts.add(chunk);
    this.headChunks.clear();
    this.headRows = 0;
    return moved;
  }

  /**
   * Appends to the head: series ids from memory (sqlite-write.ts), rows in
   * multi-row INSERTs, in sample and field order.
   */
  write(samples: readonly Sample[]): number {
    const ids = this.seriesIds;
    const chunkMs = this.opts.chunkMs;
    const rows: HeadRows = [];
    let lastChunk = -1;
    for (const s of samples) {
      const fields = ids.shape(s);
      for (const field in s.fields) {
        const raw = s.fields[field] as number | string | boolean;
        rows.push(ids.id(s, field, fields), s.ts, typeof raw === 'boolean' ? (raw ? 1 : 0) : raw);
      }
      const chunk = Math.floor(s.ts / chunkMs);
      if (chunk !== lastChunk) this.headChunks.add((lastChunk = chunk));
    }
    this.appender.append(rows);
    const values = rows.length / 3;
    this.headRows += values;
    return values;
  }

  /** Called by the owner after the ingest transaction commits: new series ids are confirmed, a big head is moved at once. */
  afterCommit(): void {
    this.seriesIds.confirm();
    if (this.headRows >= (this.opts.flushRows ?? DEFAULT_STORE_OPTIONS.flushRows ?? 0)) this.flushHead();
  }

  /** Creates a chunk table on first use (the caller records it once the move commits). */
  private chunkInsert(chunk: number): void {
    const table = chunkTable(chunk);
    this.db.exec(`CREATE TABLE IF NOT EXISTS ${table} (series_id INTEGER NOT NULL, ts INTEGER NOT NULL, value, PRIMARY KEY (series_id, ts)) WITHOUT ROWID`);
    this.insertChunk.run(chunk, chunk * this.opts.chunkMs, (chunk + 1) * this.opts.chunkMs);
  }

  async listSeries(filter: SeriesFilter): Promise<SeriesInfo[]> {
    return this.reader.listSeries(filter);
  }

  /** Reads move the head first, then the reader brings the rollups up to date (collector/store/sqlite-read.ts). */
  async bucketStats(q: StatsQuery): Promise<SeriesBucketStats[]> {
    this.flushHead();
    return this.reader.bucketStats(q);
  }

  async query(q: RangeQuery): Promise<SeriesPoints[]> {
    this.flushHead();
    return this.reader.query(q);
  }

  /** Raw points of every series of measurement.field that `keep` admits (InfluxQL reads). */
  async rawPoints(
    measurement: string,
    field: string,
    from: number,
    to: number,
    keep: (tags: Record<string, string>) => boolean,
  ): Promise<Array<{ tags: Record<string, string>; points: Array<[number, PointValue]> }>> {
    this.flushHead();
    return this.reader.rawPoints(measurement, field, from, to, keep);
  }

  async applyRetention(nowMs: number): Promise<number> {
    this.flushHead();
    const horizon = nowMs - this.opts.retentionMs;
    const old = this.db.prepare('SELECT id FROM metric_chunks WHERE end_ms <= ?').all(horizon) as Array<{ id: number }>;
    const drop = this.db.transaction(() => {
      for (const { id } of old) {
        this.db.exec(`DROP TABLE IF EXISTS ${chunkTable(id)}`);
        this.db.prepare('DELETE FROM metric_chunks WHERE id = ?').run(id);
        this.chunkInserts.delete(id);
      }
    });
    drop();
    this.rollups.dropRetired();
    return old.length;
  }

  async health(): Promise<StoreHealth> {
    try {
      const chunks = this.db.prepare('SELECT count(*) AS n, min(start_ms) AS oldest FROM metric_chunks').get() as { n: number; oldest: number | null };
      return {
        ok: true,
        kind: this.kind,
        detail: {
          series: this.seriesIds.size,
          chunks: chunks.n,
          head_rows: this.headRows,
          rollups: this.rollups.health(),
          oldest_ms: chunks.oldest,
          retention_ms: this.opts.retentionMs,
          file: this.db.name,
        },
      };
    } catch (err) {
      return { ok: false, kind: this.kind, detail: { error: (err as Error).message } };
    }
  }

  async close(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.rollups.close();
    if (this.db.open) this.flushHead();
    this.chunkInserts.clear();
  }
}

/**
 * The series key. `measurement.field` is ambiguous once names may hold dots
 * (`a.b` + `c` and `a` + `b.c`), so those keys quote both names; the plain
 * form stays for every other series, and for the rows already stored.
 */
export function seriesKey(measurement: string, field: string, tagKey: string): string {
  if (!measurement.includes('.') && !field.includes('.')) return `${measurement}.${field}{${tagKey}}`;
  return `${JSON.stringify(measurement)}.${JSON.stringify(field)}{${tagKey}}`;
}

function chunkTable(chunk: number): string {
  if (!Number.isSafeInteger(chunk) || chunk < 0) throw new Error(`invalid chunk ${chunk}`);
  return `samples_${chunk}`;
}
