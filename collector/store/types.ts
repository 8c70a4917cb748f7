/** The MetricStore interface (docs/architecture.md §6): one contract, SQLite and InfluxDB behind it. */
import type { Sample } from '../contract/index.js';
import type { TagMatcher } from './selector.js';

export const AGGREGATIONS = ['avg', 'min', 'max', 'last', 'sum', 'count'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export interface SeriesInfo {
  measurement: string;
  field: string;
  device: string;
  /** All tags, including `device`. */
  tags: Record<string, string>;
}

export interface RangeQuery {
  measurement: string;
  field: string;
  matchers: TagMatcher[];
  /** Inclusive range in epoch ms. */
  from: number;
  to: number;
  /** Bucket width in ms; 0 returns raw points. Buckets start at multiples of the step. */
  stepMs: number;
  agg: Aggregation;
}

export type PointValue = number | string | null;

export interface SeriesPoints extends SeriesInfo {
  /** [bucket start ms, value] pairs in time order. */
  points: Array<[number, PointValue]>;
}

export interface SeriesFilter {
  measurement?: string;
  field?: string;
  device?: string;
  matchers?: TagMatcher[];
  limit?: number;
}

export interface StoreHealth {
  ok: boolean;
  kind: string;
  /** Usable, but something is wrong that an operator should see (InfluxDB reads failing, an outbox that does not drain); /healthz says degraded. */
  degraded?: string[];
  detail: Record<string, unknown>;
}

/** Per-bucket statistics of one series (numeric samples only). */
export interface BucketStats {
  /** Bucket start: `from` + a whole number of buckets. */
  start: number;
  min: number;
  max: number;
  sum: number;
  count: number;
  /** The newest sample in the bucket. */
  lastTs: number;
  last: number;
}

export interface StatsQuery {
  from: number;
  /** Exclusive. */
  to: number;
  /** Buckets start at `from`; `to - from` gives one bucket for the whole range. */
  bucketMs: number;
  /** Only these measurements (all when absent). */
  measurements?: readonly string[];
}

export interface SeriesBucketStats extends SeriesInfo {
  buckets: BucketStats[];
}

export interface MetricStore {
  readonly kind: string;
  /**
   * Appends samples. Synchronous on purpose: it runs inside the ingest
   * transaction so that a batch and its dedup record commit together.
   */
  write(samples: readonly Sample[]): number;
  /** After the transaction that called write() committed: a chance to do deferred work. */
  afterCommit?(): void;
  query(q: RangeQuery): Promise<SeriesPoints[]>;
  listSeries(filter: SeriesFilter): Promise<SeriesInfo[]>;
  /**
   * Bucketed statistics of every series in one pass (the daily report reads a
   * whole room's day this way rather than series by series).
   */
  bucketStats(q: StatsQuery): Promise<SeriesBucketStats[]>;
  /** Drops data older than the retention; returns how many chunks went. */
  applyRetention(nowMs: number): Promise<number>;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}
