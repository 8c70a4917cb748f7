/**
 * The read side of the SQLite store: series lookup, range queries, raw points
 * and bucket statistics. Every read runs one statement per chunk table (and
 * per rollup piece, collector/store/plan.ts) for all the series it needs,
 * grouped by series in SQL and ordered by (series, time), instead of one
 * statement per series: a room-wide query is a handful of index range scans.
 * Rows of one series arrive in time order across the statements, so a bucket
 * split between two of them (a chunk boundary, a rollup edge) merges with the
 * series' last bucket.
 */
import type { Db } from '../db.js';
import { planPieces, type Piece } from './plan.js';
import { rawTable, rollupTable, type RollupLevel, type SqliteRollups } from './rollup.js';
import { matchTags } from './selector.js';
import type { BucketStats, PointValue, RangeQuery, SeriesBucketStats, SeriesFilter, SeriesInfo, SeriesPoints, StatsQuery } from './types.js';

interface SeriesRow {
  id: number;
  measurement: string;
  field: string;
  device: string;
  tags: string;
}

export type MatchedSeries = SeriesRow & { tagsObj: Record<string, string> };

const NUMERIC = "typeof(value) IN ('integer', 'real')";
const IDS = 'series_id IN (SELECT value FROM json_each(?))';

/** One series' buckets as columns, filled in time order. */
interface Columns {
  b: number[];
  v: PointValue[];
  n: number[];
  t: number[];
}

export class SqliteReader {
  constructor(
    private readonly db: Db,
    private readonly chunkMs: number,
    private readonly rollups: SqliteRollups,
  ) {}

  matchingSeries(filter: SeriesFilter): MatchedSeries[] {
    const where: string[] = [];
    const args: unknown[] = [];
    for (const col of ['measurement', 'field', 'device'] as const) {
      if (filter[col] !== undefined) {
        where.push(`${col} = ?`);
        args.push(filter[col]);
      }
    }
    const sql = `SELECT id, measurement, field, device, tags FROM series${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY key`;
    const out: MatchedSeries[] = [];
    for (const row of this.db.prepare(sql).iterate(...args) as Iterable<SeriesRow>) {
      const tagsObj = JSON.parse(row.tags) as Record<string, string>;
      if (filter.matchers && !matchTags(tagsObj, filter.matchers)) continue;
      out.push({ ...row, tagsObj });
      if (filter.limit !== undefined && out.length >= filter.limit) break;
    }
    return out;
  }

  listSeries(filter: SeriesFilter): SeriesInfo[] {
    return this.matchingSeries(filter).map((r) => ({ measurement: r.measurement, field: r.field, device: r.device, tags: r.tagsObj }));
  }

  private chunkIds(): number[] {
    return this.db.prepare('SELECT id FROM metric_chunks ORDER BY id').pluck().all() as number[];
  }

  /** Pieces of [from, toExcl) on a bucket grid; rollups only once they are caught up. */
  private pieces(from: number, toExcl: number, grid: { origin: number; step: number } | undefined): Piece[] {
    const coarse = grid !== undefined && grid.step % 3_600_000 === 0 && grid.origin % 3_600_000 === 0;
    const clean = grid !== undefined && this.rollups.catchUp(coarse ? '1h' : '1m');
    return planPieces(from, toExcl, grid, clean ? this.rollups.levels : [], this.chunkMs, this.chunkIds(), (l, c) => this.rollups.complete(l, c));
  }

  query(q: RangeQuery): SeriesPoints[] {
    const series = this.matchingSeries({ measurement: q.measurement, field: q.field, matchers: q.matchers });
    const cols = this.collect(series, q);
    return series.map((s, i) => ({ measurement: s.measurement, field: s.field, device: s.device, tags: s.tagsObj, points: toPoints(cols[i] as Columns, q) }));
  }

  /**
   * Raw points of every series of measurement.field that `keep` admits (InfluxQL
   * reads, collector/influxql): the filter sees a series' tags before any point is read.
   */
  rawPoints(
    measurement: string,
    field: string,
    from: number,
    to: number,
    keep: (tags: Record<string, string>) => boolean,
  ): Array<{ tags: Record<string, string>; points: Array<[number, PointValue]> }> {
    const series = this.matchingSeries({ measurement, field }).filter((s) => keep(s.tagsObj));
    const q: RangeQuery = { measurement, field, matchers: [], from, to, stepMs: 0, agg: 'last' };
    const cols = this.collect(series, q);
    return series.map((s, i) => ({ tags: s.tagsObj, points: toPoints(cols[i] as Columns, q) }));
  }

  /** Reads the buckets (or raw points) of all `series` with one statement per piece. */
  private collect(series: MatchedSeries[], q: RangeQuery): Columns[] {
    const cols: Columns[] = series.map(() => ({ b: [], v: [], n: [], t: [] }));
    if (series.length === 0 || q.to < q.from) return cols;
    const index = new Map(series.map((s, i) => [s.id, i]));
    const ids = JSON.stringify(series.map((s) => s.id));
    const grid = q.stepMs > 0 ? { origin: 0, step: q.stepMs } : undefined;
    let current = -1;
    let col: Columns = cols[0] as Columns;
    for (const piece of this.pieces(q.from, q.to + 1, grid)) {
      const sql = grid
        ? piece.level
          ? rollupAggSql(q.agg, piece, q.stepMs)
          : rawAggSql(q.agg, piece)
        : `SELECT series_id, ts, value, 1, NULL FROM ${rawTable(piece.chunk)} WHERE ${IDS} AND ts >= ? AND ts < ? ORDER BY series_id, ts`;
      const args = grid && !(piece.level && piece.level.widthMs === q.stepMs) ? [q.stepMs, ids, piece.lo, piece.hi] : [ids, piece.lo, piece.hi];
      for (const row of this.db
        .prepare(sql)
        .raw()
        .iterate(...args) as Iterable<[number, number, PointValue, number | null, number | null]>) {
        const [s, b, v, n, t] = row;
        if (s !== current) {
          current = s;
          col = cols[index.get(s) as number] as Columns;
        }
        const last = col.b.length - 1;
        if (grid && last >= 0 && col.b[last] === b) {
          col.v[last] = mergeBucket(q.agg, col.v[last] as PointValue, col.t[last] as number, v, t ?? 0);
          col.n[last] = (col.n[last] as number) + (n ?? 1);
          col.t[last] = Math.max(col.t[last] as number, t ?? 0);
        } else {
          col.b.push(b);
          col.v.push(v);
          col.n.push(n ?? 1);
          col.t.push(t ?? 0);
        }
      }
    }
    return cols;
  }

  bucketStats(q: StatsQuery): SeriesBucketStats[] {
    if (!(q.bucketMs > 0) || q.to <= q.from) return [];
    const measures = q.measurements && q.measurements.length > 0 ? q.measurements : undefined;
    const filter = measures ? ` AND series_id IN (SELECT id FROM series WHERE measurement IN (${measures.map(() => '?').join(',')}))` : '';
    const perSeries = new Map<number, Map<number, BucketStats>>();
    for (const piece of this.pieces(q.from, q.to, { origin: q.from, step: q.bucketMs })) {
      const sql = piece.level ? rollupStatsSql(piece, filter) : rawStatsSql(piece, filter);
      const args = [q.from, q.bucketMs, piece.lo, piece.hi, ...(measures ?? [])];
      for (const r of this.db
        .prepare(sql)
        .raw()
        .iterate(...args) as Iterable<[number, number, number, number, number, number, number, number]>) {
        const [s, b, mn, mx, sm, n, t, v] = r;
        let buckets = perSeries.get(s);
        if (!buckets) perSeries.set(s, (buckets = new Map()));
        const prev = buckets.get(b);
        if (!prev) {
          buckets.set(b, { start: b, min: mn, max: mx, sum: sm, count: n, lastTs: t, last: v });
        } else {
          prev.min = Math.min(prev.min, mn);
          prev.max = Math.max(prev.max, mx);
          prev.sum += sm;
          prev.count += n;
          if (t > prev.lastTs) {
            prev.lastTs = t;
            prev.last = v;
          }
        }
      }
    }
    if (perSeries.size === 0) return [];
    const out: SeriesBucketStats[] = [];
    for (const row of this.db.prepare('SELECT id, measurement, field, device, tags FROM series ORDER BY key').iterate() as Iterable<SeriesRow>) {
      const buckets = perSeries.get(row.id);
      if (!buckets) continue;
      out.push({
        measurement: row.measurement,
        field: row.field,
        device: row.device,
        tags: JSON.parse(row.tags) as Record<string, string>,
        buckets: [...buckets.values()].sort((a, b) => a.start - b.start),
      });
    }
    return out;
  }
}

function toPoints(c: Columns, q: RangeQuery): Array<[number, PointValue]> {
  const out = new Array<[number, PointValue]>(c.b.length);
  const avg = q.agg === 'avg' && q.stepMs > 0;
  for (let i = 0; i < c.b.length; i++) {
    const v = c.v[i] as PointValue;
    out[i] = [c.b[i] as number, avg && typeof v === 'number' ? v / (c.n[i] as number) : v];
  }
  return out;
}

/**
 * Raw rows into step buckets, columns (series, bucket, value, count, last ts).
 * Averages come back as sum + count so buckets split between pieces merge
 * exactly; `last` uses SQLite's bare-column rule (with max(ts) alone, the
 * other columns come from that row).
 */
function rawAggSql(agg: RangeQuery['agg'], p: Piece): string {
  const from = `FROM ${rawTable(p.chunk)} WHERE ${IDS} AND ts >= ? AND ts < ?`;
  const tail = 'GROUP BY series_id, b ORDER BY series_id, b';
  const b = 'ts - ts % ?';
  switch (agg) {
    case 'last':
      return `SELECT series_id, ${b} AS b, value, 1, max(ts) ${from} ${tail}`;
    case 'count':
      return `SELECT series_id, ${b} AS b, count(*), 0, NULL ${from} ${tail}`;
    case 'avg':
      return `SELECT series_id, ${b} AS b, sum(value), count(*), NULL ${from} AND ${NUMERIC} ${tail}`;
    default:
      return `SELECT series_id, ${b} AS b, ${agg}(value), 1, NULL ${from} AND ${NUMERIC} ${tail}`;
  }
}

const ROLLUP_AS_IS = { avg: ['sm', 'nn', 'NULL'], sum: ['sm', '1', 'NULL'], min: ['mn', '1', 'NULL'], max: ['mx', '1', 'NULL'], count: ['na', '0', 'NULL'], last: ['lv', '1', 'lt'] } as const;
const ROLLUP_GROUPED = {
  avg: ['sum(sm)', 'sum(nn)', 'NULL'],
  sum: ['sum(sm)', '1', 'NULL'],
  min: ['min(mn)', '1', 'NULL'],
  max: ['max(mx)', '1', 'NULL'],
  count: ['sum(na)', '0', 'NULL'],
  last: ['lv', '1', 'max(lt)'],
} as const;

/** Rollup rows into step buckets; a step equal to the rollup width reads rows as they are. */
function rollupAggSql(agg: RangeQuery['agg'], p: Piece, stepMs: number): string {
  const level = p.level as RollupLevel;
  const table = rollupTable(level, p.chunk);
  const same = level.widthMs === stepMs;
  const from = `FROM ${table} WHERE ${IDS} AND b >= ? AND b < ?${agg === 'count' || agg === 'last' ? '' : ' AND nn > 0'}`;
  // Columns for a rollup row read as it is, and for rollup rows grouped into a wider step.
  const [value, n, t] = (same ? ROLLUP_AS_IS : ROLLUP_GROUPED)[agg];
  if (same) return `SELECT series_id, b, ${value}, ${n}, ${t} ${from} ORDER BY series_id, b`;
  return `SELECT series_id, b - b % ? AS bb, ${value}, ${n}, ${t} ${from} GROUP BY series_id, bb ORDER BY series_id, bb`;
}

/** Bucket statistics of numeric raw rows on the grid from + k × bucketMs: (series, bucket, min, max, sum, count, last ts, last). */
function rawStatsSql(p: Piece, filter: string): string {
  const table = rawTable(p.chunk);
  return `WITH g AS (SELECT series_id AS s, ts - (ts - ?) % ? AS b, min(value) AS mn, max(value) AS mx, sum(value) AS sm, count(*) AS n, max(ts) AS t
      FROM ${table} WHERE ts >= ? AND ts < ? AND ${NUMERIC}${filter} GROUP BY s, b)
    SELECT s, b, mn, mx, sm, n, t, (SELECT value FROM ${table} WHERE series_id = g.s AND ts = g.t) FROM g`;
}

function rollupStatsSql(p: Piece, filter: string): string {
  const level = p.level as RollupLevel;
  const table = rollupTable(level, p.chunk);
  return `WITH g AS (SELECT series_id AS s, b - (b - ?) % ? AS bb, min(mn) AS mn, max(mx) AS mx, sum(sm) AS sm, sum(nn) AS n, max(coalesce(nt, lt)) AS t
      FROM ${table} WHERE b >= ? AND b < ? AND nn > 0${filter} GROUP BY s, bb)
    SELECT s, bb, mn, mx, sm, n, t, (SELECT CASE WHEN r.nt IS NULL THEN r.lv ELSE r.nv END FROM ${table} r WHERE r.series_id = g.s AND r.b = g.t - g.t % ${level.widthMs}) FROM g`;
}

function mergeBucket(agg: RangeQuery['agg'], prev: PointValue, prevTs: number, v: PointValue, t: number): PointValue {
  const a = prev as number;
  const b = v as number;
  switch (agg) {
    case 'min':
      return Math.min(a, b);
    case 'max':
      return Math.max(a, b);
    case 'last':
      return t >= prevTs ? v : prev;
    default:
      return a + b; // sum, count, and avg's running sum
  }
}
