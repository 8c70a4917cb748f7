/**
 * Ships raw syslog lines to the collector (`POST /api/v1/logs/ingest`), the
 * way the Sender ships samples: batched by count and time, written to a disk
 * spool of their own first (`<spool.dir>/logs`, a quarter of the sample
 * spool's bound), delivered oldest first until acknowledged. Its own spool,
 * so a log storm or a collector without the endpoint can never delay or
 * push out a sample.
 *
 * Bounded everywhere: at most `maxBuffered` lines wait in memory (more are
 * dropped and counted, never queued), the spool drops its oldest past its
 * bound (counted by the spool), and each line's text is cut at LOG_TEXT_MAX.
 *
 * Answers: 200 → next; 5xx/408/429/network → retry with back-off; 401/403 →
 * credentials, retry every minute; 404 → a collector without the endpoint
 * (older version), retry every 5 minutes, keeping the lines; other 4xx → the
 * batch is bad: dropped, logged and counted.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { LOG_TEXT_MAX, LOGS_INGEST_PATH, type LogBatch, type LogLine } from '../../collector/contract/index.js';
import { Backoff } from '../../lib/backoff.js';
import type { ProbeLog } from '../probes/types.js';
import type { HttpPoster } from './http.js';
import type { Spool, SpoolRecord } from './spool.js';
import { SpoolPump } from './spool-pump.js';

export interface LogShipperOptions {
  agent: string;
  token: string;
  timeoutMs: number;
  poster: HttpPoster;
  spool: Spool;
  log: ProbeLog;
  maxLines?: number;
  maxWaitMs?: number;
  maxBuffered?: number;
  now?: () => number;
  backoff?: Backoff;
}

export interface LogShipperStats {
  linesSent: number;
  /** Lines dropped because the in-memory buffer was full (a storm faster than the spool). */
  linesDropped: number;
  linesRejected: number;
  lastError?: string;
}

const MAX_RETRY_AFTER_MS = 300_000;

export class LogShipper {
  private buffer: LogLine[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly pump = new SpoolPump(
    { peek: () => this.opts.spool.peek() },
    (record) => this.sendOne(record),
    () => this.running,
  );
  private loop: Promise<void> | undefined;
  private running = false;
  private readonly now: () => number;
  private readonly backoff: Backoff;
  private readonly maxLines: number;
  private readonly maxWaitMs: number;
  private readonly maxBuffered: number;
  readonly stats: LogShipperStats = { linesSent: 0, linesDropped: 0, linesRejected: 0 };

  constructor(private readonly opts: LogShipperOptions) {
    this.now = opts.now ?? Date.now;
    this.backoff = opts.backoff ?? new Backoff();
    this.maxLines = opts.maxLines ?? 500;
    this.maxWaitMs = opts.maxWaitMs ?? 2_000;
    this.maxBuffered = opts.maxBuffered ?? 10_000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.pump.run();
  }

  push(line: LogLine): void {
    if (this.buffer.length >= this.maxBuffered) {
      this.stats.linesDropped++;
      return;
    }
    this.buffer.push(line.text.length > LOG_TEXT_MAX ? { ...line, text: line.text.slice(0, LOG_TEXT_MAX) } : line);
    if (this.buffer.length >= this.maxLines) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), this.maxWaitMs);
  }

  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    while (this.buffer.length > 0) {
      const lines = this.buffer.splice(0, this.maxLines);
      const seq = this.opts.spool.nextSeq();
      const batch: LogBatch = { agent: this.opts.agent, batch_id: `${this.opts.agent.replace(/[^A-Za-z0-9_.:-]/g, '_')}:log:${seq}:${randomBytes(6).toString('hex')}`, lines };
      this.opts.spool.append(seq, lines.length, gzipSync(JSON.stringify(batch)));
    }
    this.kick();
  }

  private kick(): void {
    this.pump.kick();
  }

  private async sendOne(record: SpoolRecord): Promise<number | undefined> {
    let status: number;
    let body: string;
    let retryAfterMs: number | undefined;
    try {
      ({ status, body, retryAfterMs } = await this.opts.poster.post(
        LOGS_INGEST_PATH,
        record.payload,
        { authorization: `Bearer ${this.opts.token}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        this.opts.timeoutMs,
      ));
    } catch (err) {
      return this.retryLater(`collector unreachable for syslog lines: ${(err as Error).message}`);
    }
    if (status === 200) {
      this.opts.spool.ack(record);
      this.stats.linesSent += record.samples;
      this.backoff.reset();
      return undefined;
    }
    const message = replyMessage(body);
    if (status >= 500 || status === 408 || status === 429) return this.retryLater(`collector answered ${status} to syslog lines: ${message}`, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
    if (status === 401 || status === 403) return this.retryLater(`collector refused credentials for syslog lines (${status}): ${message}`, 60_000);
    if (status === 404) return this.retryLater(`the collector has no ${LOGS_INGEST_PATH} (older than this agent); syslog lines stay spooled`, 300_000);
    this.opts.log.error('collector rejected a batch of syslog lines; dropping it', { status, message, lines: record.samples });
    this.stats.linesRejected += record.samples;
    this.stats.lastError = `${status}: ${message}`;
    this.opts.spool.ack(record);
    return undefined;
  }

  private retryLater(reason: string, floorMs = 0): number {
    const delay = Math.max(floorMs, this.backoff.next());
    if (this.stats.lastError !== reason) this.opts.log.warn(`${reason}; retrying in ${delay} ms`);
    this.stats.lastError = reason;
    return delay;
  }

  async stop(drainMs = 5_000): Promise<void> {
    this.flush();
    const deadline = this.now() + drainMs;
    while (this.opts.spool.peek() && this.now() < deadline && this.running) await new Promise((r) => setTimeout(r, 50));
    this.running = false;
    this.kick();
    await this.loop;
  }
}

function replyMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message : body.slice(0, 200);
  } catch {
    return body.slice(0, 200);
  }
}
