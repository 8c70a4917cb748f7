/**
 * The agent's transport. Samples are batched by count and time, every batch is
 * written to the disk spool first (write-ahead), and one delivery loop sends
 * the oldest unacknowledged batch until the collector answers 200. So the
 * spool is the single source of truth: an outage, a 5xx or an agent crash
 * only delays delivery, and batches always arrive in order.
 *
 * Answers:
 *   200            acknowledged (or a duplicate the collector already had) → next batch
 *   5xx, 408, 429, 499 and network errors → retry with back-off; the spool grows, bounded
 *   (499: the collector saw the request as abandoned and stored nothing)
 *   401, 403       a credentials problem an operator must fix → retry slowly (max back-off),
 *                  keeping data until the spool bound drops the oldest
 *   other 4xx      the batch itself is bad → logged with the collector's message and dropped
 */
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { INGEST_PATH, type DeviceMeta, type IngestBatch, type IngestReply, type Sample } from '../../collector/contract/index.js';
import type { ProbeLog } from '../probes/types.js';
import { Backoff } from '../../lib/backoff.js';
import type { HttpPoster } from './http.js';
import type { Spool, SpoolRecord } from './spool.js';

/** A Retry-After beyond this is taken as this: a collector's bad clock must not silence an agent for hours. */
const MAX_RETRY_AFTER_MS = 300_000;

export interface SenderOptions {
  agent: string;
  token: string;
  timeoutMs: number;
  maxSamples: number;
  maxWaitMs: number;
  poster: HttpPoster;
  spool: Spool;
  log: ProbeLog;
  now?: () => number;
  /** Self metrics added to every batch (heartbeat, spool size, drops). */
  selfSamples?: (ts: number) => Sample[];
  backoff?: Backoff;
}

export interface SenderStats {
  batchesSent: number;
  batchesRejected: number;
  samplesRejected: number;
  lastError?: string;
  /** Collector minus local clock in ms (NTP's sign: positive means this host is behind). */
  clockOffsetMs?: number;
}

export class Sender {
  private buffer: Sample[] = [];
  private devices: DeviceMeta[] = [];
  private devicesDirty = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private running = false;
  private readonly now: () => number;
  private readonly backoff: Backoff;
  readonly stats: SenderStats = { batchesSent: 0, batchesRejected: 0, samplesRejected: 0 };

  constructor(private readonly opts: SenderOptions) {
    this.now = opts.now ?? Date.now;
    this.backoff = opts.backoff ?? new Backoff();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.deliver();
  }

  /** Devices' metadata; sent with the next batch whenever it changes. */
  setDevices(devices: DeviceMeta[]): void {
    if (JSON.stringify(devices) === JSON.stringify(this.devices)) return;
    this.devices = devices;
    this.devicesDirty = true;
  }

  /** Re-sends device metadata with the next batch (e.g. periodically, in case the collector lost it). */
  refreshDevices(): void {
    this.devicesDirty = this.devices.length > 0;
  }

  enqueue(samples: readonly Sample[]): void {
    for (const s of samples) this.buffer.push(s);
    if (this.buffer.length >= this.opts.maxSamples) this.flush();
    else if (!this.flushTimer && this.buffer.length > 0) {
      this.flushTimer = setTimeout(() => this.flush(), this.opts.maxWaitMs);
    }
  }

  /**
   * Cuts the buffer into batches, each with the self metrics, and writes them to
   * the spool. With `heartbeat`, an empty buffer still yields a batch, so the
   * collector hears from an agent whose probes produced nothing.
   */
  flush(opts: { heartbeat?: boolean } = {}): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.buffer.length === 0 && !opts.heartbeat) return;
    do {
      const self = this.opts.selfSamples?.(this.now()) ?? [];
      const chunk = this.buffer.splice(0, Math.max(1, this.opts.maxSamples - self.length));
      this.spoolBatch([...chunk, ...self]);
    } while (this.buffer.length > 0);
    this.kick();
  }

  private spoolBatch(samples: Sample[]): void {
    const seq = this.opts.spool.nextSeq();
    const batch: IngestBatch = {
      agent: this.opts.agent,
      seq,
      batch_id: `${this.opts.agent.replace(/[^A-Za-z0-9_.:-]/g, '_')}:${seq}:${randomBytes(6).toString('hex')}`,
      sent_at: this.now(),
      samples,
    };
    if (this.devicesDirty) {
      batch.devices = this.devices;
      this.devicesDirty = false;
    }
    this.opts.spool.append(seq, samples.length, gzipSync(JSON.stringify(batch)));
  }

  private kick(): void {
    const wake = this.wake;
    this.wake = undefined;
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.sleepTimer = undefined;
    wake?.();
  }

  private sleep(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      if (ms !== undefined) this.sleepTimer = setTimeout(() => this.kick(), ms);
    });
  }

  private async deliver(): Promise<void> {
    while (this.running) {
      const record = this.opts.spool.peek();
      if (!record) {
        await this.sleep(undefined);
        continue;
      }
      const retryIn = await this.sendOne(record);
      if (retryIn !== undefined && this.running) await this.sleep(retryIn);
    }
  }

  /** Sends one spooled batch; returns a delay when it must be retried. */
  private async sendOne(record: SpoolRecord): Promise<number | undefined> {
    const started = this.now();
    let status: number;
    let body: string;
    let retryAfterMs: number | undefined;
    try {
      ({ status, body, retryAfterMs } = await this.opts.poster.post(
        INGEST_PATH,
        record.payload,
        { authorization: `Bearer ${this.opts.token}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        this.opts.timeoutMs,
      ));
    } catch (err) {
      return this.retryLater(`collector unreachable: ${(err as Error).message}`);
    }
    if (status === 200) {
      this.noteClock(started, body);
      this.opts.spool.ack(record);
      this.stats.batchesSent++;
      this.backoff.reset();
      return undefined;
    }
    const message = collectorMessage(body);
    // A shedding collector says when to come back; waiting at least that long is what lets it drain.
    if (status >= 500 || status === 408 || status === 429 || status === 499) return this.retryLater(`collector answered ${status}: ${message}`, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
    if (status === 401 || status === 403) {
      this.opts.log.error('collector refused the agent token or a device it does not own; batches stay spooled until it is fixed', { status, message });
      return this.retryLater(`collector refused credentials (${status}): ${message}`, 60_000);
    }
    this.opts.log.error('collector rejected a batch; dropping it', { status, message, seq: record.seq, samples: record.samples });
    this.stats.batchesRejected++;
    this.stats.samplesRejected += record.samples;
    this.stats.lastError = `${status}: ${message}`;
    this.opts.spool.ack(record);
    return undefined;
  }

  private retryLater(reason: string, floorMs = 0): number {
    const delay = Math.max(floorMs, this.backoff.next());
    if (this.stats.lastError !== reason || this.backoff.attempts <= 1) this.opts.log.warn(`${reason}; retrying in ${delay} ms`);
    this.stats.lastError = reason;
    return delay;
  }

  private noteClock(started: number, body: string): void {
    try {
      const reply = JSON.parse(body) as IngestReply;
      const ended = this.now();
      // Only trust quick round trips: the midpoint estimate is off by up to half the RTT.
      if (typeof reply.server_time === 'number' && ended - started < 1_000) {
        this.stats.clockOffsetMs = reply.server_time - (started + ended) / 2;
      }
    } catch {
      // An unparsable 200 is still an acknowledgement; the clock estimate just waits.
    }
  }

  /** Flushes the buffer, then tries to deliver everything spooled for up to `drainMs`. */
  async stop(drainMs = 5_000): Promise<void> {
    this.flush();
    const deadline = this.now() + drainMs;
    while (this.opts.spool.peek() && this.now() < deadline && this.running) {
      await new Promise((r) => setTimeout(r, 50));
    }
    this.running = false;
    this.kick();
    await this.loop;
  }
}

function collectorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: string };
    return parsed.message ?? body.slice(0, 200);
  } catch {
    return body.slice(0, 200);
  }
}
