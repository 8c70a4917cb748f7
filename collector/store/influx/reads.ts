/**
 * Where the InfluxDB store's reads were answered, and why the local store
 * answered instead. The local fallback keeps the API and the daily report
 * working while InfluxDB is away, but it must not hide that InfluxDB reads
 * fail: every fallback is counted by reason (the collector exports the count
 * as roomwatch_store_read_fallbacks_total{reason}), each kind of failure is
 * logged once until InfluxDB answers again, and a failing read path shows as
 * degraded in /healthz.
 */
import { InfluxHttpError } from './client.js';
import { InfluxQueryError } from './influxql.js';

/**
 * - outbox_backlog: by design, InfluxDB is missing recent points (outbox not yet shipped).
 * - influx_error: the read went to InfluxDB and failed.
 * - influx_down: skipped InfluxDB because an earlier read failed and nothing has shown it back yet.
 */
export const READ_FALLBACK_REASONS = ['outbox_backlog', 'influx_error', 'influx_down'] as const;
export type ReadFallbackReason = (typeof READ_FALLBACK_REASONS)[number];

/** The /healthz degraded reason while InfluxDB reads fail. */
export const DEGRADED_INFLUX_READS = 'influxdb_reads_failing';

export interface ReadFailure {
  kind: string;
  error: string;
  atMs: number;
}

/** A failure's kind, for logging once per kind: the statement was refused, HTTP status, or unreachable. */
export function failureKind(err: unknown): string {
  if (err instanceof InfluxQueryError) return 'statement';
  if (err instanceof InfluxHttpError) return `http_${err.status}`;
  if (err instanceof SyntaxError) return 'bad_response';
  return 'unreachable';
}

type Log = { info(obj: object, msg: string): void; warn(obj: object, msg: string): void } | undefined;

export class ReadLedger {
  /** Reads InfluxDB answered. */
  influxdb = 0;
  readonly fallbacks: Record<ReadFallbackReason, number> = { outbox_backlog: 0, influx_error: 0, influx_down: 0 };
  /** The latest InfluxDB read failure, until InfluxDB answers a read again. */
  failure: ReadFailure | undefined;
  private readonly logged = new Set<string>();

  constructor(
    private readonly log: Log,
    private readonly onFallback: ((reason: ReadFallbackReason) => void) | undefined,
  ) {}

  answered(): void {
    this.influxdb++;
    if (this.failure) this.log?.info({ after: this.failure.kind }, 'InfluxDB answers reads again');
    this.failure = undefined;
    this.logged.clear();
  }

  failed(err: unknown, statement: string, nowMs: number): void {
    const kind = failureKind(err);
    const error = (err as Error).message;
    this.failure = { kind, error, atMs: nowMs };
    // Once per kind: a dashboard refreshing every 10 s must not flood the log with the same failure.
    if (!this.logged.has(kind)) {
      this.logged.add(kind);
      this.log?.warn({ err: error, kind, statement: statement.slice(0, 300) }, 'InfluxDB read failed; answering from the local store until it answers again');
    }
  }

  fellBack(reason: ReadFallbackReason): void {
    this.fallbacks[reason]++;
    this.onFallback?.(reason);
  }

  snapshot(): { influxdb: number; fallbacks: Record<ReadFallbackReason, number>; last_failure: ReadFailure | undefined } {
    return { influxdb: this.influxdb, fallbacks: { ...this.fallbacks }, last_failure: this.failure };
  }
}
