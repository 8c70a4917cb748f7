/**
 * /api/v1/query over many series: a large answer is streamed, and it is the
 * same JSON the store's own query gives, for raw points, for steps the rollups
 * answer and for steps they cannot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import { STREAM_POINTS } from '../../collector/api/routes.js';
import type { Sample } from '../../collector/contract/index.js';
import { authHeaders, tempDir, testCollectorConfig } from '../helpers.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 23, 6, 0, 0);
const DEVICES = 60;

describe('GET /api/v1/query for a whole room', () => {
  let tmp: ReturnType<typeof tempDir>;
  let c: Collector;

  beforeAll(async () => {
    tmp = tempDir();
    c = await buildApp({ config: testCollectorConfig(tmp.dir), now: () => NOW, logger: false });
    // 60 devices × 4 h at 10 s = 86,400 points (above STREAM_POINTS), across midnight.
    const samples: Sample[] = [];
    for (let ts = NOW - 8 * HOUR; ts < NOW - 4 * HOUR; ts += 10_000) {
      for (let d = 0; d < DEVICES; d++) samples.push({ measurement: 'cpu', tags: { device: `srv${String(d).padStart(2, '0')}` }, fields: { usage_pct: ((ts / 10_000 + d) % 97) / 2 }, ts: ts + d });
    }
    for (let i = 0; i < samples.length; i += 10_000) c.db.transaction(() => c.store.write(samples.slice(i, i + 10_000)))();
  });
  afterAll(async () => {
    await c.app.close();
    tmp.cleanup();
  });

  it.each([
    ['raw', 0, 'avg'],
    ['1m', 60_000, 'avg'],
    ['1h', HOUR, 'max'],
    ['90s', 90_000, 'last'],
  ] as const)('step %s gives the store’s answer', async (step, stepMs, agg) => {
    const from = NOW - 8 * HOUR + 45_000;
    const to = NOW - 4 * HOUR - 1;
    const res = await c.app.inject({ headers: authHeaders('viewer'), url: `/api/v1/query?metric=cpu.usage_pct&from=${from}&to=${to}&step=${step}&agg=${agg}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    const expected = await c.store.query({ measurement: 'cpu', field: 'usage_pct', matchers: [], from, to, stepMs, agg });
    expect(body).toEqual({ metric: 'cpu.usage_pct', from, to, step_ms: stepMs, agg, series: expected });
    expect(body.series).toHaveLength(DEVICES);
    if (stepMs === 0) expect(expected.reduce((n, s) => n + s.points.length, 0)).toBeGreaterThan(STREAM_POINTS);
  });
});
