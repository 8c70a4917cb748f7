import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import { actorFor, authed, tempDir, testCollectorConfig } from '../helpers.js';

const T0 = Date.UTC(2026, 10, 23, 2, 0, 0);

describe('incidents API', () => {
  let tmp: ReturnType<typeof tempDir>;
  let c: Collector;
  let now = T0;
  beforeEach(async () => {
    tmp = tempDir();
    now = T0;
    c = await buildApp({ config: testCollectorConfig(tmp.dir), now: () => now, logger: false, autoTick: false });
  });
  afterEach(async () => {
    await c.app.close();
    tmp.cleanup();
  });
  const post = (url: string, payload: unknown) => authed(c.app, { method: 'POST', url, payload: payload as Record<string, unknown> }, 'operator');

  it('opens by hand, assigns, comments, closes with cause and fix, and shows known fixes on the next one', async () => {
    const created = await post('/api/v1/incidents', { title: 'Vendor reports a bad controller batch', priority: 'P2', device: 'array1' });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as number;
    expect((await post(`/api/v1/incidents/${id}/assign`, { to: 'carol' })).json()).toMatchObject({ assignee: 'carol' });
    now += 10 * 60_000;
    expect((await post(`/api/v1/incidents/${id}/ack`, {})).json()).toMatchObject({ status: 'acknowledged', acknowledgedBy: actorFor('operator') });
    expect((await post(`/api/v1/incidents/${id}/comment`, { text: 'swap controller B tonight', plan: true })).json()).toMatchObject({ plannedAt: now });
    const noFix = await post(`/api/v1/incidents/${id}/close`, { cause: 'x' });
    expect(noFix.statusCode).toBe(400);
    expect(noFix.json().message).toMatch(/body is missing required field 'fix'/);
    now += 60 * 60_000;
    expect((await post(`/api/v1/incidents/${id}/close`, { cause: 'Faulty controller batch', fix: 'Replaced controller B' })).json()).toMatchObject({ status: 'closed' });
    expect((await post(`/api/v1/incidents/${id}/resolve`, {})).statusCode).toBe(409);
    expect((await post('/api/v1/incidents/999/ack', {})).statusCode).toBe(404);

    const second = (await post('/api/v1/incidents', { title: 'Again', priority: 'P3', device: 'array1' })).json().id as number;
    const detail = (await authed(c.app, { url: `/api/v1/incidents/${second}` })).json();
    expect(detail.known_fixes).toEqual([{ incidentId: id, ruleId: 'manual', cause: 'Faulty controller batch', fix: 'Replaced controller B', closedAt: now }]);
    expect(detail.sla.respond).toMatchObject({ targetMs: 30 * 60_000, breached: false });
    const first = (await authed(c.app, { url: `/api/v1/incidents/${id}` })).json();
    // No policy, so nobody was told: the timeline says so.
    expect(first.timeline.map((t: { type: string }) => t.type)).toEqual(['opened', 'undeliverable', 'assigned', 'acknowledged', 'planned', 'closed']);
    // Who acted is the identity, never a body field.
    expect(first.incident.acknowledgedBy).toBe(actorFor('operator'));

    const list = (await authed(c.app, { url: '/api/v1/incidents?status=closed' })).json().incidents;
    expect(list.map((i: { id: number }) => i.id)).toEqual([id]);
    const stats = (await authed(c.app, { url: '/api/v1/incidents/stats?from=-1d' })).json().priorities;
    expect(stats.P2).toEqual({ opened: 1, acknowledged: 1, resolved: 1, mtta_ms: 600_000, mttr_ms: 4_200_000, respond_sla_pct: 100, resolve_sla_pct: 100 });
    expect(stats.P3).toMatchObject({ opened: 1, acknowledged: 0, mtta_ms: null, respond_sla_pct: null });
    expect((await authed(c.app, { url: '/api/v1/incidents?priority=P9' })).statusCode).toBe(400);
    const metrics = (await authed(c.app, { url: '/metrics' })).body;
    expect(metrics).toMatch(/roomwatch_incidents_open\{priority="P3"\} 1/);
  });
});
