import { describe, expect, it } from 'vitest';
import { openDb } from '../../collector/db.js';
import { Outbox } from '../../collector/notify/outbox.js';
import { NotificationSender } from '../../collector/notify/sender.js';
import type { Channel, NotificationContent, SendResult } from '../../collector/notify/types.js';

const content = (incidentId: number): NotificationContent => ({
  kind: 'opened',
  incidentId,
  priority: 'P1',
  title: 'UPS on battery',
  device: 'ups-a',
  summary: 'ups-a is on battery',
  at: 0,
});

class ScriptedChannel implements Channel {
  readonly kind = 'email' as const;
  readonly sent: number[] = [];
  constructor(
    readonly name: string,
    private readonly answer: (attempt: number) => SendResult,
  ) {}
  canReach() {
    return true;
  }
  async send(c: NotificationContent): Promise<SendResult> {
    const r = this.answer(this.sent.length);
    this.sent.push(c.incidentId);
    return r;
  }
}

async function settle(sender: NotificationSender, outbox: Outbox, until: () => boolean, rounds = 200) {
  for (let i = 0; i < rounds && !until(); i++) {
    sender.kick();
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('notification sender', () => {
  it('queues once per dedupe key and sends it once', async () => {
    const outbox = new Outbox(openDb(':memory:'));
    const ch = new ScriptedChannel('mail', () => ({ ok: true }));
    let now = 1_000;
    const sender = new NotificationSender({ outbox, channels: new Map([['mail', ch]]), now: () => now });
    expect(outbox.enqueue({ incidentId: 1, channel: 'mail', recipient: { name: 'alice' }, content: content(1), dedupeKey: 'k1' }, now)).toBe(true);
    expect(outbox.enqueue({ incidentId: 1, channel: 'mail', recipient: { name: 'alice' }, content: content(1), dedupeKey: 'k1' }, now)).toBe(false);
    sender.start();
    await settle(sender, outbox, () => outbox.counts().sent === 1);
    await sender.stop();
    expect(ch.sent).toEqual([1]);
    expect(outbox.forIncident(1)).toMatchObject([{ status: 'sent', attempts: 1, sentAt: 1_000 }]);
    now += 1;
  });

  it('retries a retryable failure with growing back-off until it succeeds', async () => {
    const outbox = new Outbox(openDb(':memory:'));
    const ch = new ScriptedChannel('mail', (n) => (n < 3 ? { ok: false, retryable: true, error: 'ECONNREFUSED' } : { ok: true }));
    let now = 0;
    const attempts: Array<[number, boolean]> = [];
    const sender = new NotificationSender({
      outbox,
      channels: new Map([['mail', ch]]),
      now: () => now,
      baseDelayMs: 1_000,
      // The back-off's random half pinned to its maximum: delays of exactly 1, 2, 4 s.
      random: () => 1,
      onAttempt: (e, r) => attempts.push([now, r.ok]),
    });
    outbox.enqueue({ incidentId: 7, channel: 'mail', recipient: { name: 'a' }, content: content(7), dedupeKey: 'x' }, now);
    sender.start();
    for (const step of [0, 1_000, 2_000, 4_000]) {
      now += step;
      await settle(sender, outbox, () => attempts.length > 0 && attempts.at(-1)![0] === now);
    }
    await sender.stop();
    expect(attempts).toEqual([
      [0, false],
      [1_000, false],
      [3_000, false],
      [7_000, true],
    ]);
    expect(outbox.forIncident(7)[0]).toMatchObject({ status: 'sent', attempts: 4 });
  });

  it('fails a non-retryable error at once and a retryable one after the maximum age', async () => {
    const outbox = new Outbox(openDb(':memory:'));
    const bad = new ScriptedChannel('bad', () => ({ ok: false, retryable: false, error: '550 mailbox unavailable' }));
    const down = new ScriptedChannel('down', () => ({ ok: false, retryable: true, error: 'ETIMEDOUT' }));
    let now = 0;
    const sender = new NotificationSender({
      outbox,
      channels: new Map([
        ['bad', bad],
        ['down', down],
      ]),
      now: () => now,
      maxAgeMs: 10_000,
      baseDelayMs: 4_000,
    });
    outbox.enqueue({ incidentId: 1, channel: 'bad', recipient: { name: 'a' }, content: content(1), dedupeKey: 'a' }, now);
    outbox.enqueue({ incidentId: 2, channel: 'down', recipient: { name: 'a' }, content: content(2), dedupeKey: 'b' }, now);
    outbox.enqueue({ incidentId: 3, channel: 'nope', recipient: { name: 'a' }, content: content(3), dedupeKey: 'c' }, now);
    sender.start();
    await settle(sender, outbox, () => outbox.counts().failed === 2);
    for (let i = 0; i < 5; i++) {
      now += 4_000;
      await settle(sender, outbox, () => false, 10);
    }
    await sender.stop();
    expect(outbox.forIncident(1)[0]).toMatchObject({ status: 'failed', lastError: '550 mailbox unavailable' });
    expect(outbox.forIncident(2)[0]).toMatchObject({ status: 'failed', lastError: 'ETIMEDOUT' });
    expect(outbox.forIncident(3)[0]).toMatchObject({ status: 'failed', lastError: "no channel named 'nope' is configured" });
  });
});
