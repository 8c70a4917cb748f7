/**
 * The InfluxDB store (docs/architecture.md §6): InfluxDB is where time series live for
 * Grafana and long-range reads; the embedded SQLite store stays underneath as
 * the durable buffer and the fallback.
 *
 * - write(): samples go to the local store and their line protocol to the
 *   outbox, in the ingest transaction, so a batch is acknowledged only once it
 *   is safe on local disk. The shipper sends the outbox to InfluxDB in the
 *   background and deletes what InfluxDB accepted.
 * - InfluxDB down: ingest carries on; the outbox grows (bounded) and is
 *   drained oldest first when InfluxDB returns, so Grafana shows no gap.
 * - query(): InfluxQL through /query while InfluxDB is complete (outbox
 *   empty) or for ranges older than the local retention; otherwise, and when
 *   InfluxDB fails, the local store answers. Every such fallback is counted
 *   by reason and a failing InfluxDB read path is degraded in health()
 *   (reads.ts), so the fallback never hides that InfluxDB reads are broken.
 */
import type { Sample } from '../../contract/index.js';
import type { Db } from '../../db.js';
import type { MetricStore, RangeQuery, SeriesBucketStats, SeriesFilter, SeriesInfo, SeriesPoints, StatsQuery, StoreHealth } from '../types.js';
import { influxPing, influxQuery, makeWriter, type InfluxSettings, type LineWriter } from './client.js';
import { InfluxQueryError, rangeQueryStatement, statsStatement, toBucketStats, toSeriesPoints } from './influxql.js';
import { REGISTRY_TAGS, sampleToLine, type RegistryTags } from './lines.js';
import { InfluxOutbox } from './outbox.js';
import { DEGRADED_INFLUX_READS, ReadLedger, type ReadFallbackReason } from './reads.js';
import { writeIsolatingPoison } from './poison.js';

export interface InfluxStoreOptions {
  settings: InfluxSettings;
  /** The outbox's bound while InfluxDB is unreachable. */
  maxBacklogBytes: number;
  /** How long the local store keeps samples; older ranges are read from InfluxDB only. */
  localRetentionMs: number;
  /** Registry attributes of a device, added to its points as tags. */
  tagsFor(device: string): RegistryTags;
  now(): number;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Lines moved to the dead-letter table (feeds roomwatch_influx_dead_letters_total). */
  onDeadLetters?(count: number): void;
  /** An outbox whose oldest line waited longer than this makes /healthz say degraded. */
  stuckAfterMs?: number;
  /** Test hook: replaces the HTTP writer. */
  writer?: LineWriter;
  /**
   * false: every read goes to InfluxDB and its errors reach the caller, never
   * the local store. For tests and diagnostics that must prove InfluxDB itself
   * answered. Default true.
   */
  readFallback?: boolean;
  /** Called for each read the local store answered instead of InfluxDB (the collector's Prometheus counter). */
  onReadFallback?(reason: ReadFallbackReason): void;
}

export interface ShipperStats {
  shippedLines: number;
  failures: number;
  lastError: string | undefined;
  lastSuccessMs: number | undefined;
  backoffMs: number;
}

/** Outbox rows per InfluxDB write, capped by lines. */
const SHIP_ROWS = 64;
const SHIP_LINES = 5_000;
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** How long reads skip InfluxDB after one failed. */
const READ_RETRY_MS = 30_000;
/** Default for stuckAfterMs: ten back-offs at their longest. */
export const OUTBOX_STUCK_AFTER_MS = 5 * 60_000;
/** Past this share of its bound the outbox is growing faster than it drains. */
const OUTBOX_GROWING_SHARE = 0.5;

export class InfluxMetricStore implements MetricStore {
  readonly kind = 'influxdb';
  readonly outbox: InfluxOutbox;
  readonly shipper: ShipperStats = { shippedLines: 0, failures: 0, lastError: undefined, lastSuccessMs: undefined, backoffMs: 0 };
  private readonly writer: LineWriter;
  private timer: NodeJS.Timeout | undefined;
  private pumping: Promise<void> | undefined;
  private closed = false;
  /** After a failed InfluxDB read, reads go to the local store until then (or until a ping answers). */
  private readRetryAt = 0;
  /** Which store answered the reads, and the latest InfluxDB read failure. */
  readonly reads: ReadLedger;

  constructor(
    private readonly local: MetricStore,
    private readonly db: Db,
    private readonly opts: InfluxStoreOptions,
  ) {
    this.outbox = new InfluxOutbox(db, opts.maxBacklogBytes);
    this.writer = opts.writer ?? makeWriter(opts.settings);
    this.reads = new ReadLedger(opts.log, opts.onReadFallback);
    this.schedule(0);
  }

  write(samples: readonly Sample[]): number {
    const n = this.local.write(samples);
    this.outbox.append(this.encode(samples), this.opts.now());
    return n;
  }

  /** Points that are not samples (alert and incident events, NOC snapshots): outbox only. */
  writeEvents(samples: readonly Sample[]): void {
    this.db.transaction(() => this.outbox.append(this.encode(samples), this.opts.now()))();
    this.nudge();
  }

  afterCommit(): void {
    this.local.afterCommit?.();
    this.nudge();
  }

  private encode(samples: readonly Sample[]): string[] {
    const cache = new Map<string, RegistryTags>();
    const lines: string[] = [];
    for (const s of samples) {
      let extra = cache.get(s.tags.device);
      if (!extra) {
        extra = this.opts.tagsFor(s.tags.device);
        cache.set(s.tags.device, extra);
      }
      const line = sampleToLine(s, extra);
      if (line) lines.push(line);
    }
    return lines;
  }

  /** Starts a pump soon unless one is running or backing off. */
  private nudge(): void {
    if (this.pumping || this.closed || this.shipper.backoffMs > 0) return;
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pumping ??= this.pump().finally(() => {
        this.pumping = undefined;
      });
    }, delayMs);
    this.timer.unref();
  }

  /** Ships the outbox oldest first until it is empty or InfluxDB refuses; then backs off. */
  private async pump(): Promise<void> {
    while (!this.closed) {
      const rows = this.outbox.oldest(SHIP_ROWS);
      if (rows.length === 0) {
        this.shipper.backoffMs = 0;
        this.schedule(1_000);
        return;
      }
      const take: typeof rows = [];
      let count = 0;
      for (const r of rows) {
        if (take.length > 0 && count + r.count > SHIP_LINES) break;
        take.push(r);
        count += r.count;
      }
      try {
        const dead = await writeIsolatingPoison(
          this.writer,
          take.flatMap((r) => r.lines.split('\n')),
        );
        this.outbox.ackWithDeadLetters((take.at(-1) as (typeof take)[number]).id, dead, this.opts.now());
        if (dead.length > 0) {
          this.opts.onDeadLetters?.(dead.length);
          this.opts.log?.warn(
            { dead_letters: dead.length, status: dead[0]?.status, reason: dead[0]?.reason },
            'InfluxDB refused lines for their content; moved to influx_dead_letters, the rest was written',
          );
        }
        this.shipper.shippedLines += count - dead.length;
        this.shipper.lastSuccessMs = this.opts.now();
        if (this.shipper.backoffMs > 0) this.opts.log?.info({ backlog_lines: this.outbox.stats().lines }, 'InfluxDB accepts writes again; backfilling');
        this.shipper.backoffMs = 0;
      } catch (err) {
        const message = (err as Error).message;
        this.shipper.failures++;
        if (this.shipper.backoffMs === 0 || this.shipper.lastError !== message)
          this.opts.log?.warn({ err: message, backlog_lines: this.outbox.stats().lines }, 'InfluxDB write failed; samples stay in the outbox');
        this.shipper.lastError = message;
        const next = Math.min(BACKOFF_MAX_MS, Math.max(BACKOFF_MIN_MS, this.shipper.backoffMs * 2));
        this.shipper.backoffMs = next;
        const dropped = this.outbox.enforceBound();
        if (dropped > 0) this.opts.log?.warn({ dropped_lines: dropped }, 'InfluxDB outbox over its bound: oldest lines dropped (the local store keeps them)');
        this.schedule(next * (0.75 + Math.random() * 0.5));
        return;
      }
    }
  }

  /** Waits until the outbox is empty or `timeoutMs` passes; true when empty. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.outbox.stats().rows === 0 && !this.pumping) return true;
      if (!this.pumping && this.shipper.backoffMs === 0) this.schedule(0);
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.outbox.stats().rows === 0;
  }

  /** Who should answer a read starting at `from`: InfluxDB, or the local store and why. */
  private readSource(from: number): 'influxdb' | ReadFallbackReason {
    if (this.opts.readFallback === false) return 'influxdb';
    // The local store does not have ranges older than its retention: only InfluxDB can answer those.
    if (from < this.opts.now() - this.opts.localRetentionMs) return 'influxdb';
    if (this.outbox.stats().rows > 0) return 'outbox_backlog';
    if (this.opts.now() < this.readRetryAt) return 'influx_down';
    return 'influxdb';
  }

  /** An InfluxDB read failed: rethrown without fallback; otherwise recorded, and the local store answers. */
  private readFailed(err: unknown, statement: string): void {
    if (this.opts.readFallback === false) throw err;
    // Read from the local store for a while, so each read does not wait for a dead InfluxDB; a ping that answers ends the wait.
    this.readRetryAt = this.opts.now() + READ_RETRY_MS;
    this.reads.failed(err, statement, this.opts.now());
    this.reads.fellBack('influx_error');
  }

  async query(q: RangeQuery): Promise<SeriesPoints[]> {
    const source = this.readSource(q.from);
    if (source !== 'influxdb') {
      this.reads.fellBack(source);
      return this.local.query(q);
    }
    const statement = rangeQueryStatement(q);
    try {
      const series = toSeriesPoints(q, await influxQuery(this.opts.settings, statement), statement, REGISTRY_TAGS);
      this.reads.answered();
      return series;
    } catch (err) {
      this.readFailed(err, statement);
    }
    return this.local.query(q);
  }

  async bucketStats(q: StatsQuery): Promise<SeriesBucketStats[]> {
    const source = this.readSource(q.from);
    if (source !== 'influxdb') {
      this.reads.fellBack(source);
      return this.local.bucketStats(q);
    }
    let statement = 'SHOW MEASUREMENTS';
    try {
      const measurements = q.measurements ?? (await this.measurements());
      const out: SeriesBucketStats[] = [];
      for (const m of measurements) {
        statement = statsStatement(m, q.from, q.to, q.bucketMs);
        out.push(...toBucketStats(m, await influxQuery(this.opts.settings, statement), statement, REGISTRY_TAGS, q.bucketMs, q.to));
      }
      this.reads.answered();
      return out;
    } catch (err) {
      this.readFailed(err, statement);
    }
    return this.local.bucketStats(q);
  }

  private async measurements(): Promise<string[]> {
    const statement = 'SHOW MEASUREMENTS';
    const body = await influxQuery(this.opts.settings, statement);
    const error = body.error ?? body.results?.[0]?.error;
    if (error) throw new InfluxQueryError(error, statement);
    return (body.results?.[0]?.series?.[0]?.values ?? []).map((v) => String(v[0]));
  }

  listSeries(filter: SeriesFilter): Promise<SeriesInfo[]> {
    return this.local.listSeries(filter);
  }

  async applyRetention(nowMs: number): Promise<number> {
    this.outbox.enforceBound();
    return this.local.applyRetention(nowMs);
  }

  async health(): Promise<StoreHealth> {
    const local = await this.local.health();
    const ping = await influxPing(this.opts.settings);
    if (ping.ok && this.shipper.backoffMs === 0) this.readRetryAt = 0;
    const backlog = this.outbox.stats();
    const dead = this.outbox.deadLetterStats();
    const degraded: string[] = [];
    const stuckAfter = this.opts.stuckAfterMs ?? OUTBOX_STUCK_AFTER_MS;
    const waited = backlog.oldestMs === undefined ? 0 : this.opts.now() - backlog.oldestMs;
    if (waited > stuckAfter) degraded.push(`influx outbox stuck: its oldest line has waited ${Math.round(waited / 1000)}s (more than ${Math.round(stuckAfter / 1000)}s)`);
    if (backlog.bytes > this.opts.maxBacklogBytes * OUTBOX_GROWING_SHARE) degraded.push(`influx outbox growing: ${backlog.bytes} bytes of its ${this.opts.maxBacklogBytes}-byte bound`);
    return {
      // Ingest stays safe while InfluxDB is away, so the collector is healthy as long as the local store is.
      ok: local.ok,
      kind: this.kind,
      degraded: this.reads.failure ? [DEGRADED_INFLUX_READS, ...degraded] : degraded,
      detail: {
        influxdb: { url: this.opts.settings.url, api: this.opts.settings.api, reachable: ping.ok, version: ping.version, error: ping.error },
        outbox: { lines: backlog.lines, bytes: backlog.bytes, oldest_ms: backlog.oldestMs, dropped_lines: backlog.droppedLines },
        dead_letters: { lines: dead.lines, latest_ms: dead.latestMs },
        shipper: { ...this.shipper },
        reads: this.reads.snapshot(),
        local,
      },
    };
  }

  async close(): Promise<void> {
    // One last chance to hand over what is queued; what is left stays in the outbox for the next start.
    await this.drain(2_000).catch(() => false);
    this.closed = true;
    clearTimeout(this.timer);
    await this.pumping;
    await this.writer.close();
    await this.local.close();
  }
}
