/**
 * The dead man's switch. Nothing inside roomwatch can page about roomwatch
 * being dead, so the collector keeps telling something outside that it is
 * alive: it calls a heartbeat URL (a healthchecks-style "ping" endpoint, an
 * Alertmanager-style dead-man service, a monitoring system's passive check)
 * and/or sends an always-firing "Watchdog" message through a notify channel
 * on every interval. The receiving side pages when they stop.
 *
 * A heartbeat is sent only while the collector itself is healthy (the store
 * answers): a collector that runs but cannot store samples is as good as dead.
 */
import { Counter, type Registry } from 'prom-client';
import { METRIC_PREFIX } from '../metrics.js';
import type { Channel, NotificationContent, SendResult } from './types.js';

export const WATCHDOG_METRIC = `${METRIC_PREFIX}watchdog_pings_total`;

export interface WatchdogOptions {
  heartbeatUrl?: string;
  heartbeatMethod: 'GET' | 'POST';
  intervalMs: number;
  timeoutMs: number;
  /** The channel for the always-firing Watchdog message, and its recipient (an address for email; a robot needs none). */
  channel?: Channel;
  to?: string;
  /** Whether the collector is fit to say it is alive (the store answers). */
  healthy: () => Promise<boolean>;
  registry: Registry;
  now: () => number;
  log: { warn(obj: object, msg: string): void };
}

export class Watchdog {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly pings: Counter<'target' | 'result'>;
  private readonly abort = new AbortController();

  constructor(private readonly o: WatchdogOptions) {
    this.pings = new Counter({
      name: WATCHDOG_METRIC,
      help: "Dead man's switch pings by target (heartbeat, channel) and result (ok, failed, skipped_unhealthy).",
      labelNames: ['target', 'result'] as const,
      registers: [o.registry],
    });
  }

  get enabled(): boolean {
    return this.o.heartbeatUrl !== undefined || this.o.channel !== undefined;
  }

  start(): void {
    if (!this.enabled || this.timer) return;
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.o.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await this.running;
  }

  /** One round: the heartbeat URL and the Watchdog message. Never throws; an overlapping round is skipped. */
  beat(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  private async round(): Promise<void> {
    const healthy = await this.o.healthy().catch(() => false);
    if (!healthy) {
      if (this.o.heartbeatUrl) this.pings.inc({ target: 'heartbeat', result: 'skipped_unhealthy' });
      if (this.o.channel) this.pings.inc({ target: 'channel', result: 'skipped_unhealthy' });
      this.o.log.warn({}, 'watchdog: collector unhealthy, heartbeat withheld');
      return;
    }
    await Promise.all([this.heartbeat(), this.message()]);
  }

  private async heartbeat(): Promise<void> {
    const url = this.o.heartbeatUrl;
    if (!url) return;
    const result = await this.call(url);
    this.pings.inc({ target: 'heartbeat', result: result.ok ? 'ok' : 'failed' });
    if (!result.ok) this.o.log.warn({ error: result.error }, 'watchdog heartbeat failed');
  }

  private async call(url: string): Promise<SendResult> {
    try {
      const res = await fetch(url, {
        method: this.o.heartbeatMethod,
        ...(this.o.heartbeatMethod === 'POST' ? { body: JSON.stringify({ source: 'roomwatch', at: this.o.now() }), headers: { 'content-type': 'application/json' } } : {}),
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.o.timeoutMs)]),
      });
      await res.arrayBuffer();
      return res.ok ? { ok: true } : { ok: false, retryable: true, error: `HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, retryable: true, error: (err as Error).message };
    }
  }

  private async message(): Promise<void> {
    const channel = this.o.channel;
    if (!channel) return;
    const content: NotificationContent = {
      kind: 'test',
      incidentId: 0,
      priority: 'P4',
      title: 'Watchdog: roomwatch is alive',
      device: 'roomwatch',
      summary: 'This message is always firing. If it stops arriving, the roomwatch collector is down or cannot notify: page the on-call.',
      at: this.o.now(),
    };
    const recipient = { name: 'watchdog', ...(this.o.to ? (this.o.to.includes('@') ? { email: this.o.to } : { phone: this.o.to }) : {}) };
    const result = await channel.send(content, recipient, this.abort.signal).catch((err: Error) => ({ ok: false as const, retryable: true, error: err.message }));
    this.pings.inc({ target: 'channel', result: result.ok ? 'ok' : 'failed' });
    if (!result.ok) this.o.log.warn({ channel: channel.name, error: result.error }, 'watchdog message failed');
  }
}
