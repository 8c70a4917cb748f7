/**
 * Hostile input for every route of the app's own route table, so a route
 * added later is covered without editing this file: malformed and deeply
 * nested JSON, wrong types, huge strings and numbers, as bodies and query
 * parameters. Nothing may answer 5xx, and the collector keeps answering.
 * Seeded and bounded: a fixed list of payloads per route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import { authHeaders, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';

const NOW = Date.UTC(2026, 10, 23, 8, 0, 0);
const deep = `${'['.repeat(5_000)}${']'.repeat(5_000)}`;
const BODIES = ['{', 'null', '[]', '"x"', '1e308', deep, JSON.stringify({ a: 'x'.repeat(200_000) }), JSON.stringify({ seq: -1, samples: 'no', devices: [null], by: 5, limit: 1e21 })];
const QUERIES = ['limit=99999999999999999999', `device=${'x'.repeat(5_000)}`, 'from=notatime&to=-1e308', 'metric=cpu.usage_pct{device=~"(.*){13}#"}', 'status=%00&priority=P9'];

describe('hostile input on every route', () => {
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

  it('never answers 5xx', async () => {
    const routes = c.routes.filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');
    expect(routes.length).toBeGreaterThan(10);
    const failures: string[] = [];
    for (const r of routes) {
      const url = r.url.replace(/:(\w+)/g, (_m, name: string) => (name === 'id' ? '999999' : 'x'));
      // Agent routes with the agent's token, the rest as an admin: hostile input must meet the handlers, not the guard.
      const headers = r.access === 'agent' ? { authorization: `Bearer ${TOKEN}` } : authHeaders('admin');
      const userHeaders = authHeaders('admin');
      const attempts =
        r.method === 'GET' || r.method === 'DELETE'
          ? QUERIES.map((q) => c.app.inject({ method: r.method as 'GET', url: `${url}?${q}`, headers }))
          : BODIES.map((b) => c.app.inject({ method: r.method as 'POST', url, headers: { ...headers, 'content-type': 'application/json' }, payload: b }));
      for (const res of await Promise.all(attempts)) {
        if (res.statusCode >= 500 && !(r.url === '/healthz' && res.statusCode === 503)) failures.push(`${r.method} ${r.url} → ${res.statusCode}: ${res.body.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
    expect((await c.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  }, 30_000);
});
