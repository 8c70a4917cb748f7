/**
 * Sign-in end to end through the app: the first admin's one-time password,
 * cookie sessions with CSRF, idle and absolute expiry, lockout, personal
 * tokens, user administration, and the audit entries each of them writes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import { authed, tempDir, testCollectorConfig } from '../helpers.js';

const START = Date.UTC(2026, 10, 23, 8, 0, 0);
const ADMIN_PASSWORD = 'first-start-password-42';
const silentLog = { warn: () => undefined } as never;

describe('sign-in', () => {
  let tmp: ReturnType<typeof tempDir>;
  let c: Collector;
  let now: number;
  beforeEach(async () => {
    tmp = tempDir();
    now = START;
    c = await buildApp({ config: testCollectorConfig(tmp.dir), now: () => now, logger: false, autoTick: false, background: false });
    await c.operators.bootstrapAdmin(silentLog, { ROOMWATCH_ADMIN_PASSWORD: ADMIN_PASSWORD });
  });
  afterEach(async () => {
    await c.app.close();
    tmp.cleanup();
  });

  const login = (username: string, password: string, ip = '10.0.0.1') => c.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, remoteAddress: ip });
  const cookieOf = (res: { headers: Record<string, unknown> }) => String(res.headers['set-cookie']).split(';')[0] as string;

  /** Signs in as admin and replaces the one-time password; returns the session. */
  async function adminSession(): Promise<{ cookie: string; csrf: string }> {
    const first = await login('admin', ADMIN_PASSWORD);
    const cookie = cookieOf(first);
    const csrf = first.json().csrf as string;
    const changed = await c.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: { cookie, 'x-csrf-token': csrf },
      payload: { current: ADMIN_PASSWORD, next: 'a-much-better-passphrase' },
    });
    expect(changed.statusCode).toBe(204);
    return { cookie, csrf };
  }

  it('creates the first admin once, with a password that must be changed before anything else', async () => {
    await c.operators.bootstrapAdmin(silentLog, { ROOMWATCH_ADMIN_PASSWORD: 'another-one-entirely' });
    expect((await login('admin', 'another-one-entirely')).statusCode).toBe(401);
    const res = await login('admin', ADMIN_PASSWORD);
    expect(res.statusCode).toBe(200);
    expect(String(res.headers['set-cookie'])).toMatch(/^rw_session=[\w-]{40,}; HttpOnly; SameSite=Strict; Path=\/$/);
    expect(res.json().user).toMatchObject({ username: 'admin', role: 'admin', must_change_password: true });
    const cookie = cookieOf(res);
    const blocked = await c.app.inject({ url: '/api/v1/users', headers: { cookie } });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error).toBe('password_change_required');
    expect((await c.app.inject({ url: '/api/v1/auth/me', headers: { cookie } })).statusCode).toBe(200);
    const csrf = res.json().csrf as string;
    const short = await c.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: { cookie, 'x-csrf-token': csrf }, payload: { current: ADMIN_PASSWORD, next: 'short' } });
    expect(short.statusCode).toBe(400);
    expect(short.json().message).toMatch(/at least 12 characters/);
    await c.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: { cookie, 'x-csrf-token': csrf }, payload: { current: ADMIN_PASSWORD, next: 'a-much-better-passphrase' } });
    expect((await c.app.inject({ url: '/api/v1/users', headers: { cookie } })).statusCode).toBe(200);
    expect((await login('admin', ADMIN_PASSWORD)).statusCode).toBe(401);
  });

  it('generates a one-time password when none is given and logs it once', async () => {
    const other = tempDir();
    const c2 = await buildApp({ config: testCollectorConfig(other.dir), logger: false, autoTick: false, background: false });
    try {
      const logged: Array<Record<string, unknown>> = [];
      await c2.operators.bootstrapAdmin({ warn: (obj: Record<string, unknown>) => logged.push(obj) } as never, {});
      expect(logged).toHaveLength(1);
      const password = logged[0]?.one_time_password as string;
      expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
      const res = await c2.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'admin', password } });
      expect(res.statusCode).toBe(200);
      await c2.operators.bootstrapAdmin({ warn: (obj: Record<string, unknown>) => logged.push(obj) } as never, {});
      expect(logged).toHaveLength(1);
    } finally {
      await c2.app.close();
      other.cleanup();
    }
  });

  it('answers a wrong password and an unknown user alike, and audits both', async () => {
    const wrong = await login('admin', 'not-the-password');
    const unknown = await login('mallory', 'not-the-password');
    expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json()).toMatchObject({ error: 'unauthenticated', message: 'wrong user name or password' });
    const failed = c.operators.audit.query({ action: 'auth.login_failed' });
    expect(failed.map((e) => e.actor).sort()).toEqual(['admin', 'mallory']);
    expect(failed[0]).toMatchObject({ via: 'anonymous', ip: '10.0.0.1' });
  });

  it("refuses a cookie change without the CSRF header, or with another session's", async () => {
    const { cookie, csrf } = await adminSession();
    const window = { name: 'w', start: START, end: START + 3_600_000, scope: { devices: ['db01'] } };
    const forged = await c.app.inject({ method: 'POST', url: '/api/v1/maintenance', headers: { cookie }, payload: window });
    expect(forged.statusCode).toBe(403);
    expect(forged.json()).toMatchObject({ error: 'csrf' });
    const other = cookieOf(await login('admin', 'a-much-better-passphrase'));
    const crossed = await c.app.inject({ method: 'POST', url: '/api/v1/maintenance', headers: { cookie: other, 'x-csrf-token': csrf }, payload: window });
    expect(crossed.statusCode).toBe(403);
    const ok = await c.app.inject({ method: 'POST', url: '/api/v1/maintenance', headers: { cookie, 'x-csrf-token': csrf }, payload: window });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().author).toBe('admin');
    // GETs need no CSRF token.
    expect((await c.app.inject({ url: '/api/v1/maintenance', headers: { cookie } })).statusCode).toBe(200);
  });

  it('ends a session after the idle limit, and after the absolute limit however busy', async () => {
    const { cookie } = await adminSession();
    const me = () => c.app.inject({ url: '/api/v1/auth/me', headers: { cookie } });
    now += 29 * 60_000;
    expect((await me()).statusCode).toBe(200);
    now += 29 * 60_000;
    expect((await me()).statusCode).toBe(200);
    now += 31 * 60_000;
    const idle = await me();
    expect(idle.statusCode).toBe(401);
    expect(idle.json().message).toMatch(/session has ended/);

    const busy = cookieOf(await login('admin', 'a-much-better-passphrase'));
    for (let h = 0; h < 12 * 4; h++) {
      now += 15 * 60_000;
      const res = await c.app.inject({ url: '/api/v1/auth/me', headers: { cookie: busy } });
      if (res.statusCode !== 200) {
        expect(h).toBe(12 * 4 - 1);
        return;
      }
    }
    throw new Error('the session outlived its absolute limit');
  });

  it('logs out: the cookie stops working and is cleared', async () => {
    const { cookie } = await adminSession();
    const out = await c.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^rw_session=; HttpOnly; SameSite=Strict; Path=\/; Max-Age=0/);
    expect((await c.app.inject({ url: '/api/v1/auth/me', headers: { cookie } })).statusCode).toBe(401);
    expect(c.operators.audit.query({ action: 'auth' }).map((e) => e.action)).toEqual(['auth.logout', 'auth.login']);
  });

  it('locks a user name after repeated failures (429 + Retry-After), and an address guessing across names', async () => {
    for (let i = 0; i < 5; i++) expect((await login('admin', `guess-${i}`, '10.0.0.9')).statusCode).toBe(401);
    const locked = await login('admin', ADMIN_PASSWORD, '10.0.0.10');
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBe(15 * 60);
    now += 15 * 60_000 + 1;
    expect((await login('admin', ADMIN_PASSWORD, '10.0.0.10')).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) await login(`user${i}`, 'whatever-it-is', '10.0.0.66');
    expect((await login('admin', ADMIN_PASSWORD, '10.0.0.66')).statusCode).toBe(429);
  });

  it('makes personal tokens no stronger than their owner, that expire, and stop with a disabled owner', async () => {
    const { cookie, csrf } = await adminSession();
    const headers = { cookie, 'x-csrf-token': csrf };
    const made = await c.app.inject({ method: 'POST', url: '/api/v1/users', headers, payload: { username: 'li.wei', role: 'operator', teams: ['storage'] } });
    expect(made.statusCode).toBe(201);
    const otp = made.json().one_time_password as string;
    const li = cookieOf(await login('li.wei', otp));
    const liCsrf = (await c.app.inject({ url: '/api/v1/auth/me', headers: { cookie: li } })).json().csrf as string;
    await c.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: { cookie: li, 'x-csrf-token': liCsrf }, payload: { current: otp, next: 'storage-team-passphrase' } });
    const asLi = { cookie: li, 'x-csrf-token': liCsrf };
    const tooStrong = await c.app.inject({ method: 'POST', url: '/api/v1/auth/tokens', headers: asLi, payload: { name: 'x', role: 'admin' } });
    expect(tooStrong.statusCode).toBe(403);
    const grafana = await c.app.inject({ method: 'POST', url: '/api/v1/auth/tokens', headers: asLi, payload: { name: 'grafana', role: 'viewer', expires_in: '1d' } });
    expect(grafana.statusCode).toBe(201);
    const token = grafana.json().token as string;
    expect(token).toMatch(/^rwu_/);
    const bearer = { authorization: `Bearer ${token}` };
    expect((await c.app.inject({ url: '/api/v1/devices', headers: bearer })).statusCode).toBe(200);
    const refused = await c.app.inject({ method: 'POST', url: '/api/v1/incidents/1/ack', headers: bearer, payload: {} });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toBe('needs role operator; you are viewer');
    expect((await c.app.inject({ url: '/api/v1/auth/tokens', headers: bearer })).json().tokens).toMatchObject([{ name: 'grafana', owner: 'li.wei', role: 'viewer' }]);
    const ops = (await c.app.inject({ method: 'POST', url: '/api/v1/auth/tokens', headers: asLi, payload: { name: 'script' } })).json();
    expect(ops.role).toBe('operator');
    now += 86_400_000;
    expect((await c.app.inject({ url: '/api/v1/devices', headers: bearer })).statusCode).toBe(401);

    const opsBearer = { authorization: `Bearer ${ops.token as string}` };
    // A day later the admin's session has idled out too: sign in again.
    const again = await login('admin', 'a-much-better-passphrase');
    Object.assign(headers, { cookie: cookieOf(again), 'x-csrf-token': again.json().csrf as string });
    expect((await c.app.inject({ url: '/api/v1/audit', headers: opsBearer })).statusCode).toBe(200);
    await c.app.inject({ method: 'PATCH', url: '/api/v1/users/li.wei', headers, payload: { role: 'viewer' } });
    expect((await c.app.inject({ url: '/api/v1/audit', headers: opsBearer })).statusCode).toBe(403);
    await c.app.inject({ method: 'PATCH', url: '/api/v1/users/li.wei', headers, payload: { disabled: true } });
    expect((await c.app.inject({ url: '/api/v1/devices', headers: opsBearer })).statusCode).toBe(401);
    expect((await login('li.wei', 'storage-team-passphrase')).statusCode).toBe(403);

    expect((await c.app.inject({ method: 'DELETE', url: `/api/v1/auth/tokens/${ops.id as string}`, headers })).statusCode).toBe(204);
    const actions = c.operators.audit.query({ actor: 'admin' }).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['user.create', 'user.update', 'user.disable', 'token.revoke', 'user.password', 'auth.login']));
    expect(c.operators.audit.query({ action: 'token.create' }).map((e) => e.detail?.name)).toEqual(['script', 'grafana']);
  });

  it('keeps the last enabled admin', async () => {
    const { cookie, csrf } = await adminSession();
    const res = await c.app.inject({ method: 'PATCH', url: '/api/v1/users/admin', headers: { cookie, 'x-csrf-token': csrf }, payload: { role: 'operator' } });
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toMatch(/last enabled admin/);
  });

  it('takes by from the identity, refuses another name, and audits each incident action', async () => {
    const open = await authed(c.app, { method: 'POST', url: '/api/v1/incidents', payload: { title: 'Fan tray failed', priority: 'P3', device: 'sw1' } }, 'operator');
    expect(open.statusCode).toBe(201);
    const id = open.json().id as number;
    const spoofed = await authed(c.app, { method: 'POST', url: `/api/v1/incidents/${id}/ack`, payload: { by: 'somebody-else' } }, 'operator');
    expect(spoofed.statusCode).toBe(400);
    expect(spoofed.json().message).toMatch(/'by' is taken from your sign-in \(you are test-operator\)/);
    const steps: Array<[string, Record<string, unknown>]> = [
      ['ack', { by: 'test-operator' }],
      ['assign', { to: 'carol' }],
      ['comment', { text: 'replacing the tray', plan: true }],
      ['resolve', {}],
      ['close', { cause: 'fan tray', fix: 'replaced' }],
    ];
    for (const [action, payload] of steps) expect((await authed(c.app, { method: 'POST', url: `/api/v1/incidents/${id}/${action}`, payload }, 'operator')).statusCode).toBe(200);
    const detail = (await authed(c.app, `/api/v1/incidents/${id}`, 'viewer')).json();
    expect(detail.incident).toMatchObject({ status: 'closed', acknowledgedBy: 'test-operator', assignee: 'carol' });
    const entries = c.operators.audit.query({ action: 'incident' });
    expect(entries.map((e) => e.action).reverse()).toEqual(['incident.open', 'incident.ack', 'incident.assign', 'incident.comment', 'incident.resolve', 'incident.close']);
    expect(entries.every((e) => e.actor === 'test-operator' && e.via === 'token' && e.target === `incident:${id}`)).toBe(true);
    expect(entries[0]?.detail).toMatchObject({ cause: 'fan tray', fix: 'replaced' });
    const api = (await authed(c.app, '/api/v1/audit?action=incident.close', 'operator')).json();
    expect(api.entries).toMatchObject([{ action: 'incident.close', actor: 'test-operator' }]);
    expect((await authed(c.app, '/api/v1/audit', 'viewer')).statusCode).toBe(403);
  });

  it('audits maintenance and rule reloads, and the audit table refuses edits', async () => {
    const made = await authed(
      c.app,
      { method: 'POST', url: '/api/v1/maintenance', payload: { name: 'ups swap', reason: 'vendor visit', start: START, end: START + 7_200_000, scope: { devices: ['ups-a'] } } },
      'operator',
    );
    expect(made.statusCode).toBe(201);
    expect((await authed(c.app, { method: 'DELETE', url: `/api/v1/maintenance/${made.json().id as string}` }, 'operator')).statusCode).toBe(204);
    expect((await authed(c.app, { method: 'POST', url: '/api/v1/rules/reload' }, 'operator')).statusCode).toBe(200);
    const actions = c.operators.audit.query({ actor: 'test-operator' }).map((e) => e.action);
    expect(actions).toEqual(['rules.reload', 'maintenance.end', 'maintenance.create']);
    expect(() => c.db.prepare("UPDATE audit_log SET actor = 'nobody'").run()).toThrow(/append-only/);
    expect(() => c.db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    const routes = c.routes.filter((r) => r.url.startsWith('/api/v1/audit'));
    expect(routes.map((r) => r.method).sort()).toEqual(['GET', 'HEAD']);
  });
});

describe('incident actions without a body', () => {
  it('acknowledges with no body at all: the identity is all an ack needs', async () => {
    const tmp = tempDir();
    const c = await buildApp({ config: testCollectorConfig(tmp.dir), logger: false, autoTick: false, background: false });
    try {
      const id = (await authed(c.app, { method: 'POST', url: '/api/v1/incidents', payload: { title: 'x', priority: 'P4', device: 'd1' } }, 'operator')).json().id as number;
      const ack = await authed(c.app, { method: 'POST', url: `/api/v1/incidents/${id}/ack` }, 'operator');
      expect(ack.statusCode, ack.body).toBe(200);
      expect(ack.json().acknowledgedBy).toBe('test-operator');
    } finally {
      await c.app.close();
      tmp.cleanup();
    }
  });
});
