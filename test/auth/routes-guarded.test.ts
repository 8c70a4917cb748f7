/**
 * Every route of the app's own route table is guarded: without credentials
 * (or with a wrong token, or an agent token) it answers 401, and each role
 * gets 403 exactly where the route's declared access is above it. Routes
 * are taken from the table the app collects (Collector.routes), so a route
 * added later is covered without editing this file; only a new *public*
 * route must be added to PUBLIC below, deliberately.
 */
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import { installGuard, MissingAccessError } from '../../collector/auth/guard.js';
import { TokenAuth } from '../../collector/ingest/auth.js';
import { authHeaders, tempDir, testCollectorConfig, TOKEN, type TestRole } from '../helpers.js';

const NOW = Date.UTC(2026, 10, 23, 8, 0, 0);

/** The only routes open to anyone: health, the InfluxDB ping, sign-in and sign-out. */
const PUBLIC = new Set([
  'GET /healthz',
  'HEAD /healthz',
  'GET /ping',
  'HEAD /ping',
  'POST /api/v1/auth/login',
  'POST /api/v1/auth/logout',
  // Signed links and the signed SMS reply check their own HMAC (collector/links).
  'GET /a/:token',
  'HEAD /a/:token',
  'POST /a/:token',
  'POST /api/v1/sms/reply',
]);
// The console's shell and static assets (collector/console/): they hold no data; every API call they make is guarded.
const CONSOLE_SHELL = ['/', '/login', '/wall', '/alerts', '/room', '/maintenance', '/kb', '/reports', '/rules', '/audit', '/incidents/:id', '/devices/:device', '/*', '/assets/:file'];
for (const path of CONSOLE_SHELL) for (const method of ['GET', 'HEAD']) PUBLIC.add(`${method} ${path}`);

/** Routes whose access level is part of the security contract (docs/auth.md); the rest are checked against what they declare. */
const EXPECTED: Record<string, string> = {
  'POST /api/v1/ingest': 'agent',
  'POST /write': 'agent',
  'POST /api/v2/write': 'agent',
  'GET /api/v1/incidents': 'viewer',
  'POST /api/v1/incidents': 'operator',
  'POST /api/v1/incidents/:id/ack': 'operator',
  'POST /api/v1/incidents/:id/assign': 'operator',
  'POST /api/v1/incidents/:id/comment': 'operator',
  'POST /api/v1/incidents/:id/resolve': 'operator',
  'POST /api/v1/incidents/:id/close': 'operator',
  'POST /api/v1/maintenance': 'operator',
  'DELETE /api/v1/maintenance/:id': 'operator',
  'POST /api/v1/rules/reload': 'operator',
  'GET /api/v1/audit': 'operator',
  'GET /api/v1/users': 'admin',
  'POST /api/v1/users': 'admin',
  'PATCH /api/v1/users/:username': 'admin',
  'POST /api/v1/users/:username/password': 'admin',
  'GET /metrics': 'viewer',
  'GET /query': 'viewer',
};

const ROLE_ORDER = ['viewer', 'operator', 'admin'];

describe('every route is guarded', () => {
  let tmp: ReturnType<typeof tempDir>;
  let c: Collector;
  beforeAll(async () => {
    tmp = tempDir();
    c = await buildApp({ config: testCollectorConfig(tmp.dir), now: () => NOW, logger: false, autoTick: false, background: false });
  });
  afterAll(async () => {
    await c.app.close();
    tmp.cleanup();
  });

  const routes = () => c.routes.filter((r) => r.method !== 'OPTIONS');
  const concrete = (url: string) => url.replace(/:(\w+)/g, (_m, name: string) => (name === 'id' ? '1' : name === 'username' ? 'nobody' : 'x'));
  const call = (method: string, url: string, headers: Record<string, string> = {}) =>
    c.app.inject({
      method: method as 'GET',
      url: concrete(url),
      headers: method === 'GET' || method === 'HEAD' || method === 'DELETE' ? headers : { 'content-type': 'application/json', ...headers },
      ...(method === 'GET' || method === 'HEAD' || method === 'DELETE' ? {} : { payload: '{}' }),
    });

  it('declares an access level on every route, and the security-critical ones as the contract says', () => {
    expect(routes().length).toBeGreaterThan(30);
    const declared = Object.fromEntries(routes().map((r) => [`${r.method} ${r.url}`, r.access]));
    for (const [route, access] of Object.entries(declared)) expect(['public', 'agent', ...ROLE_ORDER], route).toContain(access);
    for (const [route, access] of Object.entries(EXPECTED)) expect(declared[route], route).toBe(access);
    const open = Object.entries(declared)
      .filter(([, a]) => a === 'public')
      .map(([r]) => r);
    expect(new Set(open)).toEqual(new Set([...PUBLIC].filter((r) => r in declared)));
  });

  it('answers 401 on every non-public route without a credential, with a wrong one, and (off ingest) with an agent token', async () => {
    const failures: string[] = [];
    for (const r of routes().filter((r) => r.access !== 'public')) {
      const attempts: Array<[string, Record<string, string>]> = [
        ['none', {}],
        ['wrong bearer', { authorization: 'Bearer rwu_not-a-token' }],
        ['stale cookie', { cookie: 'rw_session=made-up' }],
      ];
      if (r.access !== 'agent') attempts.push(['agent token', { authorization: `Bearer ${TOKEN}` }]);
      for (const [label, headers] of attempts) {
        const res = await call(r.method, r.url, headers);
        if (res.statusCode !== 401) failures.push(`${r.method} ${r.url} (${label}) → ${res.statusCode} ${res.body.slice(0, 120)}`);
        else if (r.access !== 'agent' && r.method !== 'HEAD') {
          const body = res.json();
          if (body.error !== 'unauthenticated' || typeof body.message !== 'string' || body.message.length < 10) failures.push(`${r.method} ${r.url}: 401 body ${res.body}`);
        }
      }
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it('holds the role matrix: 403 exactly where the declared role is above the caller', async () => {
    const failures: string[] = [];
    for (const r of routes().filter((r) => ROLE_ORDER.includes(r.access))) {
      for (const role of ROLE_ORDER as TestRole[]) {
        const res = await call(r.method, r.url, authHeaders(role));
        const allowed = ROLE_ORDER.indexOf(role) >= ROLE_ORDER.indexOf(r.access);
        const refused = res.statusCode === 403 && (r.method === 'HEAD' || res.json().code === 'RW_FORBIDDEN');
        if (res.statusCode === 401) failures.push(`${r.method} ${r.url} as ${role} → 401`);
        else if (allowed === refused) failures.push(`${r.method} ${r.url} as ${role}: ${allowed ? 'refused' : 'allowed'} (${res.statusCode})`);
        if (refused && r.method !== 'HEAD') expect(res.json()).toMatchObject({ error: 'forbidden', message: `needs role ${r.access}; you are ${role}` });
      }
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it('lets public routes through without a credential', async () => {
    expect((await c.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await c.app.inject({ url: '/ping' })).statusCode).toBe(204);
    // Their own check answers, not the guard: an unknown link is a 404 page, an unsigned reply the callback's own 404/401.
    expect((await c.app.inject({ url: '/a/ABCDEFGHJK' })).statusCode).toBe(404);
    expect((await c.app.inject({ method: 'POST', url: '/api/v1/sms/reply', payload: {} })).json()).toMatchObject({ error: 'not_configured' });
  });
});

describe('a route without config.access', () => {
  it('stops the app from starting, naming the route and what to add', async () => {
    const app = Fastify();
    const tmp = tempDir();
    const c = await buildApp({ config: testCollectorConfig(tmp.dir), logger: false, autoTick: false, background: false });
    try {
      installGuard(app, c.operators, new TokenAuth([]));
      app.get('/declared', { config: { access: 'viewer' } }, async () => 'ok');
      expect(() => app.post('/api/v1/new-thing', async () => 'oops')).toThrow(MissingAccessError);
      expect(() => app.post('/api/v1/new-thing', async () => 'oops')).toThrow(/route POST \/api\/v1\/new-thing declares no access level: add config: \{ access: 'viewer' \}/);
      expect(() => app.get('/typo', { config: { access: 'operater' as 'operator' } }, async () => 'oops')).toThrow(/route GET \/typo/);
    } finally {
      await app.close();
      await c.app.close();
      tmp.cleanup();
    }
  });
});
