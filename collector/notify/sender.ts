/**
 * Delivers queued notifications. It runs beside ingest, never inside it: the
 * ingest path only inserts rows. A channel says whether a failure is worth
 * retrying; this stage owns the back-off (exponential, capped) and gives up on
 * a retryable failure only after `maxAgeMs`, so an SMTP outage of hours loses
 * nothing.
 */
import { backoffDelay } from '../../lib/backoff.js';
import type { Outbox, OutboxEntry } from './outbox.js';
import type { Channel, SendResult } from './types.js';

export interface SenderOptions {
  outbox: Outbox;
  channels: ReadonlyMap<string, Channel>;
  now: () => number;
  /** Sends in flight at most. */
  concurrency?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** The jitter source of the back-off (tests pin it). */
  random?: () => number;
  /** A retryable failure older than this becomes `failed`. */
  maxAgeMs?: number;
  timeoutMs?: number;
  /**
   * The content as one recipient gets it, made at each attempt: per-recipient
   * links (collector/links) are minted here, so none is stored in the outbox.
   */
  prepare?: (entry: OutboxEntry, channel: Channel) => OutboxEntry['content'];
  /** After every attempt: for the incident timeline and metrics. */
  onAttempt?: (entry: OutboxEntry, result: SendResult, final: boolean) => void;
}

export class NotificationSender {
  private readonly inflight = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private pumping = false;
  private readonly controller = new AbortController();

  constructor(private readonly opts: SenderOptions) {}

  start(): void {
    this.running = true;
    this.kick();
  }

  /** Looks for due work now (after an enqueue), instead of waiting for the timer. */
  kick(): void {
    if (!this.running) return;
    queueMicrotask(() => void this.pump());
  }

  private async pump(): Promise<void> {
    if (this.pumping || !this.running) return;
    this.pumping = true;
    try {
      const limit = (this.opts.concurrency ?? 4) - this.inflight.size;
      if (limit > 0) {
        for (const entry of this.opts.outbox.due(this.opts.now(), limit, this.inflight)) {
          this.inflight.add(entry.id);
          void this.attempt(entry).finally(() => {
            this.inflight.delete(entry.id);
            this.kick();
          });
        }
      }
    } finally {
      this.pumping = false;
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    const next = this.opts.outbox.nextDue();
    if (!this.running || next === undefined) return;
    this.timer = setTimeout(() => void this.pump(), Math.min(60_000, Math.max(50, next - this.opts.now())));
    this.timer.unref();
  }

  private async attempt(entry: OutboxEntry): Promise<void> {
    const channel = this.opts.channels.get(entry.channel);
    let result: SendResult;
    if (!channel) result = { ok: false, retryable: false, error: `no channel named '${entry.channel}' is configured` };
    else {
      const signal = AbortSignal.any([this.controller.signal, AbortSignal.timeout(this.opts.timeoutMs ?? 30_000)]);
      try {
        const content = this.opts.prepare ? this.opts.prepare(entry, channel) : entry.content;
        result = await channel.send(content, entry.recipient, signal);
      } catch (err) {
        result = { ok: false, retryable: true, error: (err as Error).message };
      }
    }
    const now = this.opts.now();
    if (result.ok) {
      this.opts.outbox.markSent(entry.id, now);
      this.opts.onAttempt?.(entry, result, true);
      return;
    }
    const tooOld = now - entry.createdAt > (this.opts.maxAgeMs ?? 24 * 3_600_000);
    if (!result.retryable || tooOld) {
      this.opts.outbox.markFailed(entry.id, result.error);
      this.opts.onAttempt?.(entry, result, true);
      return;
    }
    const delay = backoffDelay(entry.attempts, { baseMs: this.opts.baseDelayMs ?? 1_000, maxMs: this.opts.maxDelayMs ?? 300_000 }, this.opts.random);
    this.opts.outbox.markRetry(entry.id, now + delay, result.error);
    this.opts.onAttempt?.(entry, result, false);
  }

  /** Stops taking new work and waits for sends in flight (bounded). */
  async stop(graceMs = 5_000): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    const deadline = Date.now() + graceMs;
    while (this.inflight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.controller.abort();
  }
}
