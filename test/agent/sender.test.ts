import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IngestBatch, Sample } from '../../collector/contract/index.js';
import { Backoff } from '../../lib/backoff.js';
import type { HttpPoster, PostResult } from '../../agent/transport/http.js';
import { Sender } from '../../agent/transport/sender.js';
import { Spool } from '../../agent/transport/spool.js';
import { DeadLetterFile } from '../../agent/transport/dead-letter.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const sample = (i: number): Sample => ({ measurement: 'cpu', tags: { device: 'h' }, fields: { usage_pct: i }, ts: 1_795_000_000_000 + i });

/** A collector stand-in at the transport seam: answers from a script and records what it got. */
class ScriptedPoster implements HttpPoster {
  readonly received: IngestBatch[] = [];
  constructor(private readonly answer: (n: number) => PostResult | Error) {}
  async post(_path: string, body: Buffer): Promise<PostResult> {
    const n = this.received.length;
    const a = this.answer(n);
    const batch = JSON.parse(gunzipSync(body).toString()) as IngestBatch;
    this.received.push(batch);
    if (a instanceof Error) throw a;
    return a;
  }
  close() {}
}

const ok = (): PostResult => ({ status: 200, body: JSON.stringify({ ok: true, server_time: Date.now() + 1500 }) });

async function until(fn: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Sender', () => {
  let tmp: ReturnType<typeof tempDir>;
  let spool: Spool;
  beforeEach(() => {
    tmp = tempDir();
    spool = Spool.open({ dir: tmp.dir, maxBytes: 1024 * 1024 });
  });
  afterEach(() => {
    tmp.cleanup();
  });

  const sender = (poster: HttpPoster, maxSamples = 3, deadLetter?: DeadLetterFile) =>
    new Sender({
      deadLetter,
      agent: 'a1',
      token: 't',
      timeoutMs: 1000,
      maxSamples,
      maxWaitMs: 20,
      poster,
      spool,
      log: quiet,
      backoff: new Backoff(1, 5, () => 0.5),
      selfSamples: (ts) => [{ measurement: 'agent', tags: { device: 'h' }, fields: { heartbeat: 1 }, ts }],
    });

  it('cuts batches by count, adds self metrics, and delivers them in seq order', async () => {
    const poster = new ScriptedPoster(ok);
    const s = sender(poster, 3);
    s.start();
    s.enqueue([sample(1), sample(2), sample(3), sample(4), sample(5)]);
    await until(() => poster.received.length >= 3 && spool.pendingRecords === 0);
    await s.stop(100);
    const seqs = poster.received.map((b) => b.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const probeValues = poster.received.flatMap((b) => b.samples.filter((x) => x.measurement === 'cpu').map((x) => x.fields.usage_pct));
    expect(probeValues).toEqual([1, 2, 3, 4, 5]);
    for (const b of poster.received) {
      expect(b.samples.length).toBeLessThanOrEqual(3);
      expect(b.samples.filter((x) => x.measurement === 'agent')).toHaveLength(1);
    }
    // The collector's clock ran 1.5 s ahead of ours.
    expect(s.stats.clockOffsetMs).toBeGreaterThan(1_400);
    expect(s.stats.clockOffsetMs).toBeLessThan(1_600);
  });

  it('retries 5xx and network errors with the same batch until it is acknowledged', async () => {
    const poster = new ScriptedPoster((n) => (n === 0 ? new Error('ECONNREFUSED') : n < 3 ? { status: 503, body: '{"message":"busy"}' } : ok()));
    const s = sender(poster, 10);
    s.start();
    s.enqueue([sample(1)]);
    await until(() => spool.pendingRecords === 0 && poster.received.length === 4);
    await s.stop(100);
    expect(new Set(poster.received.map((b) => b.batch_id)).size).toBe(1);
    expect(s.stats.batchesSent).toBe(1);
  });

  it('retries a 499 (the collector took the request as abandoned and stored nothing) instead of dropping it', async () => {
    const poster = new ScriptedPoster((n) => (n === 0 ? { status: 499, body: '{"message":"the client disconnected before its batch was applied; nothing was stored"}' } : ok()));
    const s = sender(poster, 10);
    s.start();
    s.enqueue([sample(1)]);
    await until(() => spool.pendingRecords === 0 && poster.received.length === 2);
    await s.stop(100);
    expect(new Set(poster.received.map((b) => b.batch_id)).size).toBe(1);
    expect(s.stats.batchesSent).toBe(1);
  });

  it('waits at least the Retry-After of a 429 before sending again', async () => {
    const poster = new ScriptedPoster((n) => (n === 0 ? { status: 429, body: '{"message":"at its ingest bound"}', retryAfterMs: 30_000 } : ok()));
    const warnings: string[] = [];
    const s = new Sender({
      agent: 'a1',
      token: 't',
      timeoutMs: 1000,
      maxSamples: 10,
      maxWaitMs: 20,
      poster,
      spool,
      log: { ...quiet, warn: (msg: string) => warnings.push(msg) },
      backoff: new Backoff(1, 5, () => 0.5),
      selfSamples: () => [],
    });
    s.start();
    s.enqueue([sample(1)]);
    await until(() => warnings.length > 0);
    await s.stop(0);
    expect(warnings[0]).toBe('collector answered 429: at its ingest bound; retrying in 30000 ms');
    expect(spool.pendingRecords).toBe(1);
  });

  it('drops a batch the collector rejects with 400 and moves on', async () => {
    const poster = new ScriptedPoster((n) => (n === 0 ? { status: 400, body: '{"message":"body/samples/0/ts must be integer"}' } : ok()));
    const s = sender(poster, 1);
    s.start();
    s.enqueue([sample(1)]);
    await until(() => poster.received.length >= 1 && spool.pendingRecords === 0);
    s.enqueue([sample(2)]);
    await until(() => s.stats.batchesSent === 1);
    await s.stop(100);
    expect(s.stats.batchesRejected).toBe(1);
    expect(s.stats.samplesRejected).toBe(2); // the cpu sample and its heartbeat
    expect(s.stats.lastError).toMatch(/400: body\/samples\/0\/ts must be integer/);
  });

  it('keeps batches spooled while the token is refused', async () => {
    const poster = new ScriptedPoster(() => ({ status: 401, body: '{"message":"the token is not valid for any agent"}' }));
    const s = sender(poster, 10);
    s.start();
    s.enqueue([sample(1)]);
    await until(() => poster.received.length >= 1);
    await s.stop(50);
    expect(spool.pendingRecords).toBe(1);
    expect(s.stats.batchesRejected).toBe(0);
    expect(s.stats.lastError).toMatch(/refused credentials \(401\)/);
  });

  it('keeps batches spooled on a 403 that is not about ownership (the token belongs to another agent)', async () => {
    const poster = new ScriptedPoster(() => ({ status: 403, body: '{"code":"RW_AGENT_MISMATCH","message":"batch agent \'a1\' does not match the token\'s agent \'b\'"}' }));
    const dead = new DeadLetterFile(join(tmp.dir, 'dl'));
    const s = sender(poster, 10, dead);
    s.start();
    s.enqueue([sample(1)]);
    await until(() => poster.received.length >= 1);
    await s.stop(50);
    expect(spool.pendingRecords).toBe(1);
    expect(s.stats.samplesDeadLettered).toBe(0);
    expect(dead.entries).toBe(0);
  });

  it('sets the whole batch aside when an ownership 403 names no devices (an older collector)', async () => {
    const poster = new ScriptedPoster((n) => (n === 0 ? { status: 403, body: '{"code":"RW_DEVICE_NOT_OWNED","message":"agent \'a1\' may not write device \'h\'"}' } : ok()));
    const dead = new DeadLetterFile(join(tmp.dir, 'dl'));
    const s = sender(poster, 10, dead);
    s.start();
    s.enqueue([sample(1)]);
    await until(() => spool.pendingRecords === 0 && dead.entries === 1);
    s.enqueue([sample(2)]);
    await until(() => s.stats.batchesSent === 1);
    await s.stop(50);
    expect(s.stats.samplesDeadLettered).toBe(2);
    const entry = JSON.parse(readFileSync(dead.path, 'utf8').trim()) as { devices: string[]; samples: unknown[]; reason: string };
    expect(entry.devices).toEqual(['h']);
    expect(entry.samples).toHaveLength(2);
    expect(poster.received.map((b) => b.samples.find((x) => x.measurement === 'cpu')?.fields.usage_pct)).toEqual([1, 2]);
  });

  it('sends the rest of a batch under a derived id once the refused devices are set aside', async () => {
    const refused = { status: 403, body: JSON.stringify({ code: 'RW_DEVICE_NOT_OWNED', message: "agent 'a1' may not write device 'x'", devices: ['x'] }) };
    const poster = new ScriptedPoster((n) => (n === 0 ? refused : ok()));
    const dead = new DeadLetterFile(join(tmp.dir, 'dl'));
    const s = sender(poster, 10, dead);
    s.start();
    s.enqueue([sample(1), { ...sample(2), tags: { device: 'x' } }]);
    await until(() => spool.pendingRecords === 0);
    await s.stop(50);
    const [first, second] = poster.received;
    expect(second?.seq).toBe(first?.seq);
    expect(second?.batch_id).toBe(`${first?.batch_id}:owned`);
    expect(second?.samples.map((x) => x.tags.device)).toEqual(['h', 'h']);
    expect(s.stats.samplesDeadLettered).toBe(1);
    expect(dead.entries).toBe(1);
  });

  it('leaves undelivered batches in the spool for the next start', async () => {
    const poster = new ScriptedPoster(() => new Error('ECONNREFUSED'));
    const s = sender(poster, 10);
    s.start();
    s.enqueue([sample(1), sample(2)]);
    await s.stop(50);
    spool.close();
    const reopened = Spool.open({ dir: tmp.dir, maxBytes: 1024 * 1024 });
    expect(reopened.pendingRecords).toBe(1);
    const batch = JSON.parse(gunzipSync((reopened.peek() as { payload: Buffer }).payload).toString()) as IngestBatch;
    expect(batch.samples.map((x) => x.fields.usage_pct ?? x.fields.heartbeat)).toEqual([1, 2, 1]);
    reopened.close();
  });
});
