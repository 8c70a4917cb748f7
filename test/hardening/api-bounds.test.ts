/**
 * Defect 8 of the hardening campaign: a 20-digit limit was a 500, `seq: 1e308`
 * was accepted, a manual incident took a 100,000-character device name and a
 * maintenance window took the time zone Mars/Base. Each is now a 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import { validateWindow } from '../../collector/rules/maintenance.js';
import { authed, AGENT, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';

const NOW = Date.UTC(2026, 10, 23, 8, 0, 0);

describe('API bounds', () => {
  let tmp: ReturnType<typeof tempDir>;
  let c: Collector;
  beforeAll(async () => {
    tmp = tempDir();
    c = await buildApp({ config: testCollectorConfig(tmp.dir), now: () => NOW, logger: false });
  });
  afterAll(async () => {
    await c.app.close();
    tmp.cleanup();
  });

  it('answers 400, never 500, to huge list limits', async () => {
    for (const url of ['/api/v1/incidents?limit=99999999999999999999', '/api/v1/series?limit=99999999999999999999']) {
      const res = await authed(c.app, { url });
      expect(res.statusCode, url).toBe(400);
    }
    expect((await authed(c.app, { url: '/api/v1/incidents?limit=50' })).statusCode).toBe(200);
  });

  it('refuses a seq that is not a safe integer', async () => {
    const res = await c.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      payload: `{"agent":"${AGENT}","seq":1e308,"batch_id":"bounds-batch-1","samples":[]}`,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/seq/);
  });

  it('refuses a 100,000-character device name on a manual incident', async () => {
    const res = await authed(c.app, { method: 'POST', url: '/api/v1/incidents', payload: { title: 't', priority: 'P3', device: 'x'.repeat(100_000) } });
    expect(res.statusCode).toBe(400);
  });

  it('refuses a time zone Intl does not know', () => {
    const w = { name: 'w', cron: '0 2 * * *', durationMs: 3_600_000, timezone: 'Mars/Base', scope: { devices: ['*'] } };
    expect(validateWindow(w)).toContainEqual({ field: 'timezone', message: "'Mars/Base' is not an IANA time zone such as Europe/Berlin or Asia/Shanghai" });
    expect(validateWindow({ ...w, timezone: 'Asia/Shanghai' })).toEqual([]);
  });
});
