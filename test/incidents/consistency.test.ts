/**
 * Alerts and incidents must not drift apart (issue #17): a close while the
 * alert fires, a rule removed by reload, and a title that stayed the first
 * alert's after another took over.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../collector/app.js';
import { IncidentManager } from '../../collector/incidents/manager.js';
import { IncidentStore } from '../../collector/incidents/store.js';
import { Outbox } from '../../collector/notify/outbox.js';
import { NotificationRouter, type Directory } from '../../collector/notify/router.js';
import type { Channel } from '../../collector/notify/types.js';
import { authed, AGENT, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';
import { Harness, rulesFrom } from '../rules/engine-harness.js';

const MIN = 60_000;

const ups = rulesFrom(`
group: ups
rules:
  - name: UPS on bypass
    when: ups.output_source == 4
    priority: P2
    summary: "{{device}} output on bypass"
    runbook: "Check the inverter"
  - name: UPS load high
    when: ups.output_load_pct > 80
    priority: P3
    summary: "{{device}} load {{value}} %"
  - name: UPS battery low
    when: ups.battery_charge_pct < 30
    priority: P1
    summary: "{{device}} battery at {{value}} %"
    runbook: "Prepare shutdown"
`);

function wired(rules = ups) {
  const h = new Harness(rules);
  const store = new IncidentStore(h.db);
  const manager = new IncidentManager(h.db, store);
  h.engine.onEvent((e) => manager.handle(e));
  return { h, store, manager };
}

describe('incident consistency', () => {
  it('refuses to close an incident whose alert still fires; a forced close holds the alert until it clears', () => {
    const { h, store, manager } = wired();
    h.sample('ups', 'ups-a', { output_source: 4 });
    const [inc] = store.list();
    expect(inc).toMatchObject({ status: 'open', priority: 'P2' });
    expect(() => manager.close(inc!.id, 'alice', h.now, 'inverter fault', 'vendor called')).toThrow(/still has 1 firing alert.*force: true with a reason/);
    expect(store.get(inc!.id)?.status).toBe('open');
    expect(() => manager.close(inc!.id, 'alice', h.now, 'inverter fault', 'vendor called', { reason: ' ' })).toThrow(/forced close needs a reason/);

    manager.close(inc!.id, 'alice', h.now, 'inverter fault', 'vendor called', { reason: 'vendor on site, bypass is intended until the part arrives' });
    expect(store.get(inc!.id)?.status).toBe('closed');
    expect(store.heldBy('ups/UPS on bypass|device="ups-a"')).toMatchObject({ incidentId: inc!.id });
    // Still firing: more samples open nothing.
    h.advance(10 * MIN);
    h.sample('ups', 'ups-a', { output_source: 4 });
    expect(store.list()).toHaveLength(1);
    // It clears: the hold is released; when it fires again later, that is a new incident.
    h.sample('ups', 'ups-a', { output_source: 3 });
    expect(store.heldBy('ups/UPS on bypass|device="ups-a"')).toBeUndefined();
    h.advance(60 * MIN);
    h.sample('ups', 'ups-a', { output_source: 4 });
    const after = store.list();
    expect(after).toHaveLength(2);
    expect(after[0]).toMatchObject({ status: 'open', priority: 'P2' });
    expect(store.timeline(inc!.id).map((t) => t.type)).toEqual(['opened', 'alert_held', 'closed', 'alert_released']);
  });

  it('a rule removed by reload resolves its alerts with reason "rule removed" and the incident records it', () => {
    const { h, store } = wired();
    h.sample('ups', 'ups-a', { output_load_pct: 90 });
    expect(store.list()[0]).toMatchObject({ status: 'open', priority: 'P3' });
    h.advance(MIN);
    h.engine.setRules(ups.filter((r) => r.name !== 'UPS load high'));
    expect(h.engine.alerts()).toEqual([]);
    const inc = store.list()[0]!;
    expect(inc.status).toBe('resolved');
    const tl = store.timeline(inc.id);
    expect(tl.find((t) => t.type === 'alert_cleared')?.detail.reason).toBe('rule removed');
    expect(tl.at(-1)).toMatchObject({ type: 'resolved', detail: { reason: 'rule removed' } });
    expect(store.activeAlertCount(inc.id)).toBe(0);
  });

  it('the title follows the highest-priority active alert and the timeline records each change', () => {
    const { h, store, manager } = wired();
    h.sample('ups', 'ups-a', { output_load_pct: 85 });
    const id = store.list()[0]!.id;
    expect(store.get(id)?.title).toBe('ups-a load 85 %');
    h.advance(MIN);
    h.sample('ups', 'ups-a', { battery_charge_pct: 20 }); // correlated on the same device, P1
    expect(store.get(id)).toMatchObject({ priority: 'P1', title: 'ups-a battery at 20 %' });
    h.advance(MIN);
    h.sample('ups', 'ups-a', { output_load_pct: 50 }); // the first alert clears
    expect(store.get(id)).toMatchObject({ priority: 'P1', title: 'ups-a battery at 20 %' });
    const changes = store.timeline(id).filter((t) => t.type === 'title_changed' || t.type === 'priority_raised');
    expect(changes.map((t) => [t.type, t.detail.to])).toEqual([
      ['title_changed', 'ups-a battery at 20 %'],
      ['priority_raised', 'P1'],
    ]);
    // An SLA warning queued now goes out under the current title and the lead alert's runbook.
    const outbox = new Outbox(h.db);
    const channel: Channel = { name: 'email', kind: 'email', canReach: () => true, send: async () => ({ ok: true }) };
    const directory: Directory = {
      tierName: () => 'L1',
      tierRecipients: () => [{ name: 'noc', email: 'noc@example.test' }],
      route: () => ({ tiers: [0], channels: ['email'], digest: false }),
    };
    const router = new NotificationRouter({ outbox, store, channels: () => new Map([['email', channel]]), directory: () => directory });
    router.notify(store.get(id)!, 'sla_warning', 'respond:0.8', {}, h.now);
    const [entry] = outbox.forIncident(id);
    expect(entry?.content).toMatchObject({ title: 'ups-a battery at 20 %', runbook: 'Prepare shutdown' });
    expect(entry?.content.summary).toMatch(/^ups-a battery at 20 %/);
    expect(manager).toBeInstanceOf(IncidentManager);
  });

  it('after the leading alert clears, the title falls back to the alert still active', () => {
    const { h, store } = wired();
    h.sample('ups', 'ups-a', { output_source: 4 }); // P2 opens
    const id = store.list()[0]!.id;
    h.advance(MIN);
    h.sample('ups', 'ups-a', { output_load_pct: 90 }); // P3 joins
    expect(store.get(id)?.title).toBe('ups-a output on bypass');
    h.sample('ups', 'ups-a', { output_source: 3 }); // P2 clears, P3 still fires
    expect(store.get(id)).toMatchObject({ status: 'open', title: 'ups-a load 90 %', priority: 'P2' });
  });
});

describe('incident close over the API', () => {
  it('answers 409 with the firing alerts named, and closes with force + reason', async () => {
    const tmp = tempDir();
    const rulesFile = join(tmp.dir, 'ups.yaml');
    writeFileSync(rulesFile, 'group: ups\nrules:\n  - name: UPS on bypass\n    when: ups.output_source == 4\n    priority: P2\n    summary: "{{device}} output on bypass"\n');
    const now = Date.UTC(2026, 10, 23, 8, 0, 0);
    const config = { ...testCollectorConfig(tmp.dir), rules: { ...testCollectorConfig(tmp.dir).rules, paths: [rulesFile] } };
    const c = await buildApp({ config, now: () => now, logger: false, autoTick: false });
    try {
      const ingest = await c.app.inject({
        method: 'POST',
        url: '/api/v1/ingest',
        headers: { authorization: `Bearer ${TOKEN}` },
        payload: { agent: AGENT, seq: 1, batch_id: `${AGENT}:1:x`, samples: [{ measurement: 'ups', tags: { device: 'ups-a' }, fields: { output_source: 4 }, ts: now - 1000 }] },
      });
      expect(ingest.statusCode).toBe(200);
      const id = (await authed(c.app, { url: '/api/v1/incidents' })).json().incidents[0].id as number;
      const post = (payload: Record<string, unknown>) => authed(c.app, { method: 'POST', url: `/api/v1/incidents/${id}/close`, payload });
      const refused = await post({ cause: 'inverter', fix: 'vendor' });
      expect(refused.statusCode).toBe(409);
      expect(refused.json().message).toMatch(/still has 1 firing alert\(s\): ups\/UPS on bypass.*force: true with a reason/);
      expect((await post({ cause: 'inverter', fix: 'vendor', force: true })).statusCode).toBe(400);
      const forced = await post({ cause: 'inverter', fix: 'vendor', force: true, reason: 'bypass intended during repair' });
      expect(forced.json()).toMatchObject({ status: 'closed' });
    } finally {
      await c.app.close();
      tmp.cleanup();
    }
  });
});
