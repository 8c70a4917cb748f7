import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import type { Sample } from '../../collector/contract/index.js';
import { SLICE_SAMPLES } from '../../collector/ingest/service.js';
import { AGENT, TOKEN, tempDir, testCollectorConfig } from '../helpers.js';

const T = Date.UTC(2026, 11, 3, 12, 0, 0);

/** `n` samples of one series per device, 1 ms apart from `from`; the last one breaches. */
function batch(n: number, from: number, device = 'db01'): Sample[] {
  return Array.from({ length: n }, (_, i) => ({ measurement: 'cpu', tags: { device }, fields: { usage_pct: i === n - 1 ? 99 : 10 }, ts: from + i }));
}

describe('ingest slices (evaluation of large batches)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let c: Collector;
  let slices: Array<{ n: number; first: number; inTx: boolean; devices: number }>;

  beforeEach(async () => {
    tmp = tempDir();
    const rules = join(tmp.dir, 'cpu.yaml');
    writeFileSync(rules, 'group: t\nrules:\n  - name: hot\n    when: cpu.usage_pct > 90\n    priority: P3\n');
    const config = testCollectorConfig(tmp.dir);
    config.rules = { ...config.rules, paths: [rules] };
    c = await buildApp({ config, logger: false, now: () => T + 100_000, autoTick: false, background: false });
    slices = [];
    c.ingest.onApply((e) => slices.push({ n: e.samples.length, first: e.samples[0]?.ts ?? NaN, inTx: c.db.inTransaction, devices: e.devices.length }));
  });
  afterEach(async () => {
    await c.app.close();
    tmp.cleanup();
  });

  const post = (samples: Sample[], id: string, devices: unknown[] = []) =>
    c.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { agent: AGENT, seq: 1, batch_id: `batch:${id}`, samples, ...(devices.length ? { devices } : {}) },
    });

  it('evaluates a large batch in slices, each in a transaction, and answers only when all are done', async () => {
    const n = 2 * SLICE_SAMPLES + 200;
    const res = await post(batch(n, T), 'big', [{ name: 'db01', class: 'server' }]);
    expect(res.statusCode, res.body).toBe(200);
    expect(slices.map((s) => s.n)).toEqual([SLICE_SAMPLES, SLICE_SAMPLES, 200]);
    expect(slices.map((s) => s.first)).toEqual([T, T + SLICE_SAMPLES, T + 2 * SLICE_SAMPLES]);
    expect(slices.every((s) => s.inTx)).toBe(true);
    // Device metadata goes with the first slice only.
    expect(slices.map((s) => s.devices)).toEqual([1, 0, 0]);
    // The breach is the batch's last sample: its alert fired before the 200.
    expect(c.engine.alerts().map((a) => `${a.device} ${a.state}`)).toEqual(['db01 firing']);
  });

  it('yields the event loop between slices, so other requests (/healthz) are served mid-batch', async () => {
    // Work queued behind slice k (what a /healthz arriving on a socket becomes) must run before slice k + 1.
    const ranBefore: boolean[] = [];
    let ran = true;
    c.ingest.onApply(() => {
      ranBefore.push(ran);
      ran = false;
      setImmediate(() => (ran = true));
    });
    const res = await post(batch(4 * SLICE_SAMPLES, T), 'big');
    expect(res.statusCode).toBe(200);
    expect(ranBefore).toEqual([true, true, true, true]);
  });

  it('keeps time order across batches: a small batch behind a large one is evaluated after all of its slices', async () => {
    const big = post(batch(3 * SLICE_SAMPLES, T), 'big');
    const small = post(batch(5, T + 10_000), 'small');
    const [a, b] = await Promise.all([big, small]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(slices.map((s) => s.first)).toEqual([T, T + SLICE_SAMPLES, T + 2 * SLICE_SAMPLES, T + 10_000]);
    expect(slices.map((s) => s.n)).toEqual([SLICE_SAMPLES, SLICE_SAMPLES, SLICE_SAMPLES, 5]);
    expect(slices.every((s) => s.inTx)).toBe(true);
  });

  it('a small batch keeps the single transaction: evaluated inside it, once', async () => {
    await post(batch(10, T), 'one');
    expect(slices).toEqual([{ n: 10, first: T, inTx: true, devices: 0 }]);
    const again = await post(batch(10, T), 'one');
    expect(again.json()).toMatchObject({ duplicate: true });
    expect(slices).toHaveLength(1);
  });
});
