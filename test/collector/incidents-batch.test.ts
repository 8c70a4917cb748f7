/**
 * A batch's alert events are handled inside the batch's own transaction (#15):
 * by the time the ingest answers 200 the incidents are committed with the
 * samples and the alert state, and the incident changes were made in that
 * same transaction (one fsync), not in one transaction per event after it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import type { IngestBatch } from '../../collector/contract/index.js';
import { AGENT, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';

const NOW = Date.UTC(2026, 10, 23, 8, 0, 0);
const RULES = `
group: ups
rules:
  - name: UPS on battery
    when: ups.on_battery == 1
    priority: P1
  - name: UPS load high
    when: ups.output_load_pct > 80
    priority: P3
`;

describe('alert events of an ingest batch', () => {
  let tmp: ReturnType<typeof tempDir>;
  let c: Collector;

  beforeEach(async () => {
    tmp = tempDir();
    writeFileSync(join(tmp.dir, 'ups.yaml'), RULES);
    const config = testCollectorConfig(join(tmp.dir, 'data'));
    config.rules = { ...config.rules, paths: [join(tmp.dir, 'ups.yaml')] };
    c = await buildApp({ config, now: () => NOW, logger: false, autoTick: false, background: false });
  });
  afterEach(async () => {
    await c.app.close();
    tmp.cleanup();
  });

  it('open their incidents inside the batch transaction, committed before the 200', async () => {
    const during: Array<{ type: string; device: string; inTransaction: boolean; samplesVisible: number }> = [];
    const count = c.db.prepare("SELECT count(*) FROM series WHERE measurement = 'ups'").pluck();
    c.incidents.manager.onChange((ch) => during.push({ type: ch.type, device: ch.incident.device, inTransaction: c.db.inTransaction, samplesVisible: count.get() as number }));
    const samples = ['ups-a', 'ups-b', 'ups-c'].map((device, i) => ({ measurement: 'ups', tags: { device }, fields: { on_battery: i === 1 ? 0 : 1, output_load_pct: 90 }, ts: NOW }));
    const batch: IngestBatch = { agent: AGENT, seq: 1, batch_id: `${AGENT}:1:incidents`, samples };
    const res = await c.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: { authorization: `Bearer ${TOKEN}` }, payload: batch });
    expect(res.statusCode).toBe(200);
    // One incident per device (ups-a's two alerts correlate); each opened in the ingest transaction, which already held the samples.
    expect(
      during
        .filter((d) => d.type === 'opened')
        .map((d) => d.device)
        .sort(),
    ).toEqual(['ups-a', 'ups-b', 'ups-c']);
    expect(during.every((d) => d.inTransaction && d.samplesVisible === 6)).toBe(true);
    const open = c.incidents.store.list({ status: ['open'] });
    expect(open.map((i) => [i.device, i.priority]).sort()).toEqual([
      ['ups-a', 'P1'],
      ['ups-b', 'P3'],
      ['ups-c', 'P1'],
    ]);
    expect(c.db.inTransaction).toBe(false);
  });
});
