/**
 * Resolving while the alert still fires is guarded (issue #17): 409 naming the
 * firing alerts, or `force` with a reason recorded in the timeline.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../collector/app.js';
import { IncidentManager } from '../../collector/incidents/manager.js';
import { IncidentStore } from '../../collector/incidents/store.js';
import { actorFor, AGENT, authed, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';
import { Harness, rulesFrom } from '../rules/engine-harness.js';

const MIN = 60_000;
const RULES = `
group: ups
rules:
  - name: UPS on bypass
    when: ups.output_source == 4
    priority: P2
    summary: "{{device}} output on bypass"
`;

describe('resolve while the alert fires', () => {
  it('is refused naming the alerts; force needs a reason and is recorded; after the alert clears it resolves plainly', () => {
    const h = new Harness(rulesFrom(RULES));
    const store = new IncidentStore(h.db);
    const manager = new IncidentManager(h.db, store);
    h.engine.onEvent((e) => manager.handle(e));
    h.sample('ups', 'ups-a', { output_source: 4 });
    const inc = store.list()[0]!;
    expect(() => manager.resolve(inc.id, 'alice', h.now)).toThrow(/still has 1 firing alert\(s\): ups\/UPS on bypass\|device="ups-a".*force: true with a reason/);
    expect(store.get(inc.id)?.status).toBe('open');
    expect(() => manager.resolve(inc.id, 'alice', h.now, undefined, { reason: '  ' })).toThrow(/forced resolve needs a reason/);

    manager.resolve(inc.id, 'alice', h.now, 'inverter swapped', { reason: 'the UPS reports bypass until its next self-test' });
    expect(store.get(inc.id)).toMatchObject({ status: 'resolved', resolvedAt: h.now });
    expect(store.timeline(inc.id).at(-1)).toMatchObject({
      type: 'resolved',
      actor: 'alice',
      detail: { note: 'inverter swapped', forced: true, reason: 'the UPS reports bypass until its next self-test', firing: ['ups/UPS on bypass|device="ups-a"'] },
    });

    // An incident with no firing alert (opened by hand) resolves without force, and the entry says nothing of force.
    const manual = manager.openManual({ title: 'vendor notice', priority: 'P3', device: 'ups-b', by: 'noc' }, h.now);
    manager.resolve(manual.id, 'bob', h.now + MIN);
    expect(store.timeline(manual.id).at(-1)).toMatchObject({ type: 'resolved', actor: 'bob', detail: {} });
    expect(store.timeline(manual.id).at(-1)?.detail).not.toHaveProperty('forced');
  });

  it('over the API: 409 with the message, then 200 with force and reason', async () => {
    const tmp = tempDir();
    let now = Date.UTC(2026, 10, 23, 2, 0, 0);
    const rules = join(tmp.dir, 'ups.yaml');
    writeFileSync(rules, RULES);
    const config = testCollectorConfig(tmp.dir);
    config.rules.paths = [rules];
    const c = await buildApp({ config, now: () => now, logger: false, autoTick: false, background: false });
    try {
      const ingest = await c.app.inject({
        method: 'POST',
        url: '/api/v1/ingest',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ agent: AGENT, seq: 1, batch_id: `${AGENT}:1:x`, samples: [{ measurement: 'ups', tags: { device: 'ups-a' }, fields: { output_source: 4 }, ts: now }] }),
      });
      expect(ingest.statusCode).toBe(200);
      const id = (await authed(c.app, '/api/v1/incidents', 'viewer')).json().incidents[0].id as number;
      now += MIN;
      const refused = await authed(c.app, { method: 'POST', url: `/api/v1/incidents/${id}/resolve`, payload: {} }, 'operator');
      expect(refused.statusCode).toBe(409);
      expect(refused.json().message).toMatch(/still has 1 firing alert\(s\): ups\/UPS on bypass\|device="ups-a"/);
      expect((await authed(c.app, { method: 'POST', url: `/api/v1/incidents/${id}/resolve`, payload: { force: true } }, 'operator')).statusCode).toBe(400);
      const forced = await authed(c.app, { method: 'POST', url: `/api/v1/incidents/${id}/resolve`, payload: { force: true, reason: 'known false reading' } }, 'operator');
      expect(forced.statusCode).toBe(200);
      expect(forced.json()).toMatchObject({ status: 'resolved' });
      const detail = (await authed(c.app, `/api/v1/incidents/${id}`, 'viewer')).json();
      expect(detail.timeline.find((t: { type: string }) => t.type === 'resolved')).toMatchObject({ actor: actorFor('operator'), detail: { forced: true, reason: 'known false reading' } });
    } finally {
      await c.app.close();
      tmp.cleanup();
    }
  });
});
