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
 *   403 RW_DEVICE_NOT_OWNED  the batch names devices another agent owns: a data problem, not a
 *                  credentials one. The refused devices' samples and metadata go to the
 *                  dead-letter file with the collector's reason (logged loudly once per device,
 *                  counted as agent.dead_letter_samples), the rest of the batch is sent again
 *                  at once, and later batches keep flowing. Blocking the spool on it would stop
 *                  the agent's whole room for one mis-assigned device.
 *   401, other 403 the token is wrong or belongs to another agent: a credentials problem an
 *                  operator must fix → retry slowly (max back-off), keeping data until the
 *                  spool bound drops the oldest
 *   other 4xx      the batch itself is bad → logged with the collector's message and dropped
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { INGEST_PATH, type DeviceMeta, type IngestBatch, type IngestReply, type Sample } from '../../collector/contract/index.js';
import type { ProbeLog } from '../probes/types.js';
import { Backoff } from '../../lib/backoff.js';
import type { DeadLetterFile } from './dead-letter.js';
import type { HttpPoster } from './http.js';
import { splitRefused } from './refusal.js';
import type { Spool, SpoolRecord } from './spool.js';
import { SpoolPump } from './spool-pump.js';

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
  /** Where refused devices' samples go (403 RW_DEVICE_NOT_OWNED); without it they are dropped and counted. */
  deadLetter?: DeadLetterFile;
}

export interface SenderStats {
  batchesSent: number;
  batchesRejected: number;
  samplesRejected: number;
  /** Samples of devices another agent owns, moved to the dead-letter file. */
  samplesDeadLettered: number;
  lastError?: string;
  /** Collector minus local clock in ms (NTP's sign: positive means this host is behind). */
  clockOffsetMs?: number;
}

export class Sender {
  private buffer: Sample[] = [];
  private devices: DeviceMeta[] = [];
  private devicesDirty = false;
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
  readonly stats: SenderStats = { batchesSent: 0, batchesRejected: 0, samplesRejected: 0, samplesDeadLettered: 0 };
  /** The head record with refused devices taken out, sent in its place until acknowledged. */
  private rewritten: { seq: number; payload: Buffer } | undefined;
  /** Devices already reported as refused, so the log says it once per device, not per batch. */
  private readonly refusedLogged = new Set<string>();

  constructor(private readonly opts: SenderOptions) {
    this.now = opts.now ?? Date.now;
    this.backoff = opts.backoff ?? new Backoff();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.pump.run();
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
    this.pump.kick();
  }

  /** Sends one spooled batch; returns a delay when it must be retried. */
  private async sendOne(record: SpoolRecord): Promise<number | undefined> {
    const started = this.now();
    let status: number;
    let body: string;
    let retryAfterMs: number | undefined;
    const payload = this.rewritten?.seq === record.seq ? this.rewritten.payload : record.payload;
    try {
      ({ status, body, retryAfterMs } = await this.opts.poster.post(
        INGEST_PATH,
        payload,
        { authorization: `Bearer ${this.opts.token}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
        this.opts.timeoutMs,
      ));
    } catch (err) {
      return this.retryLater(`collector unreachable: ${(err as Error).message}`);
    }
    if (status === 200) {
      this.noteClock(started, body);
      this.ack(record);
      this.stats.batchesSent++;
      this.backoff.reset();
      return undefined;
    }
    const reply = collectorReply(body);
    const message = reply.message;
    // A shedding collector says when to come back; waiting at least that long is what lets it drain.
    if (status >= 500 || status === 408 || status === 429 || status === 499) return this.retryLater(`collector answered ${status}: ${message}`, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
    if (status === 403 && reply.code === DEVICE_NOT_OWNED) {
      this.deadLetterRefused(record, payload, reply);
      this.backoff.reset();
      return undefined;
    }
    if (status === 401 || status === 403) {
      if (this.stats.lastError?.startsWith('collector refused credentials') !== true) {
        this.opts.log.error('collector refused the agent token; batches stay spooled and are retried every minute until collector.token (or the agent name) is fixed', {
          status,
          code: reply.code,
          message,
        });
      }
      return this.retryLater(`collector refused credentials (${status}): ${message}`, 60_000);
    }
    this.opts.log.error('collector rejected a batch; dropping it', { status, message, seq: record.seq, samples: record.samples });
    this.stats.batchesRejected++;
    this.stats.samplesRejected += record.samples;
    this.stats.lastError = `${status}: ${message}`;
    this.ack(record);
    return undefined;
  }

  private ack(record: SpoolRecord): void {
    if (this.rewritten?.seq === record.seq) this.rewritten = undefined;
    this.opts.spool.ack(record);
  }

  /**
   * Moves the refused devices' samples and metadata to the dead-letter file;
   * what is left is sent in the record's place under a derived batch id (so a
   * replay after a crash is still deduplicated), and an empty rest acknowledges
   * the record. A collector that names no devices gets the whole batch moved.
   */
  private deadLetterRefused(record: SpoolRecord, payload: Buffer, reply: CollectorReply): void {
    const batch = JSON.parse(gunzipSync(payload).toString('utf8')) as IngestBatch;
    const split = splitRefused(batch, reply.devices);
    this.opts.deadLetter?.append({
      reason: 'device not owned by this agent',
      status: 403,
      code: reply.code,
      message: reply.message,
      seq: record.seq,
      batch_id: batch.batch_id,
      devices: split.devices,
      samples: split.refusedSamples,
      ...(split.refusedMetadata.length > 0 ? { metadata: split.refusedMetadata } : {}),
    });
    this.stats.samplesDeadLettered += split.refusedSamples.length;
    const fresh = split.devices.filter((d) => !this.refusedLogged.has(d));
    if (fresh.length > 0) {
      for (const d of fresh) this.refusedLogged.add(d);
      this.opts.log.error(
        'collector refused devices that another agent owns; their samples go to the dead-letter file and the rest keeps flowing. Assign the devices to this agent in inventory.yaml, remove them from agent.yaml, or allow ingest.shared_devices',
        {
          devices: fresh,
          message: reply.message,
          dead_letter: this.opts.deadLetter?.path ?? 'none (dropped)',
        },
      );
    }
    this.stats.lastError = `403: ${reply.message}`;
    if (split.kept) this.rewritten = { seq: record.seq, payload: gzipSync(JSON.stringify(split.kept)) };
    else this.ack(record);
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

const DEVICE_NOT_OWNED = 'RW_DEVICE_NOT_OWNED';

interface CollectorReply {
  message: string;
  code?: string;
  /** With RW_DEVICE_NOT_OWNED: every refused device. */
  devices?: string[];
}

function collectorReply(body: string): CollectorReply {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; code?: unknown; devices?: unknown };
    return {
      message: typeof parsed.message === 'string' ? parsed.message : body.slice(0, 200),
      ...(typeof parsed.code === 'string' ? { code: parsed.code } : {}),
      ...(Array.isArray(parsed.devices) ? { devices: parsed.devices.filter((d): d is string => typeof d === 'string') } : {}),
    };
  } catch {
    return { message: body.slice(0, 200) };
  }
}
