/**
 * Sign-in and personal tokens:
 *   POST   /api/v1/auth/login      {username, password} → {user, csrf} + session cookie
 *   GET    /api/v1/auth/me         → {user, csrf}
 *   POST   /api/v1/auth/logout     → 204
 *   POST   /api/v1/auth/password   {current, next}
 *   GET    /api/v1/auth/tokens     POST /api/v1/auth/tokens {name, role?, expires_in?}   DELETE /api/v1/auth/tokens/:id
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { parseDuration } from '../../lib/units.js';
import { recordAudit } from './audit.js';
import { refuse } from './guard.js';
import { hashPassword, passwordProblem, verifyPassword } from './password.js';
import { cookieValue, SESSION_COOKIE, sessionCookie } from './sessions.js';
import type { AuthService } from './service.js';
import type { ApiToken } from './tokens.js';
import { ROLES, roleAtLeast, type Identity, type Role } from './types.js';
import type { User } from './users.js';

const Login = Type.Object({ username: Type.String({ minLength: 1, maxLength: 256 }), password: Type.String({ maxLength: 1024 }) }, { additionalProperties: false });
const Password = Type.Object({ current: Type.String({ maxLength: 1024 }), next: Type.String({ maxLength: 1024 }) }, { additionalProperties: false });
const NewToken = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    role: Type.Optional(Type.Union(ROLES.map((r) => Type.Literal(r)))),
    /** e.g. 90d; absent: the token does not expire. */
    expires_in: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { additionalProperties: false },
);
const TokenId = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const TokenList = Type.Object({ all: Type.Optional(Type.Enum(['true', 'false'])) }, { additionalProperties: false });

export function userView(u: User) {
  return {
    username: u.username,
    display: u.display,
    role: u.role,
    teams: u.teams,
    sites: u.sites,
    source: u.source,
    disabled: u.disabled,
    must_change_password: u.mustChangePassword,
    created_at: u.createdAt,
    last_login_at: u.lastLoginAt,
  };
}

/** A configured token (auth.tokens) has no user row; show it as one. */
function identityView(who: Identity, user: User | undefined) {
  if (user) return userView(user);
  return {
    username: who.username,
    display: who.display,
    role: who.role,
    teams: who.teams,
    sites: who.sites ?? [],
    source: 'config',
    disabled: false,
    must_change_password: false,
    created_at: null,
    last_login_at: null,
  };
}

export const tokenView = (t: ApiToken) => ({ id: t.id, owner: t.owner, name: t.name, role: t.role, created_at: t.createdAt, expires_at: t.expiresAt, last_used_at: t.lastUsedAt });

const bad = (reply: FastifyReply, message: string, status = 400) =>
  reply.code(status).send({ statusCode: status, code: 'RW_INVALID_REQUEST', error: status === 400 ? 'Bad Request' : status === 404 ? 'Not Found' : 'Conflict', message });

export async function authRoutes(app: FastifyInstance, opts: { auth: AuthService }): Promise<void> {
  const { auth } = opts;
  const secure = (request: FastifyRequest) => request.protocol === 'https';

  app.post<{ Body: Static<typeof Login> }>('/api/v1/auth/login', { config: { access: 'public' }, schema: { body: Login } }, async (request, reply) => {
    const username = request.body.username.trim().toLowerCase();
    const result = await auth.signIn(username, request.body.password, { ip: request.ip, userAgent: request.headers['user-agent'] });
    if (!result.ok) {
      auth.audit.record({ actor: username, via: 'anonymous', ip: request.ip, action: 'auth.login_failed', target: `user:${username}`, detail: { status: result.status, reason: result.message } });
      if (result.status === 429) {
        void reply.header('retry-after', String(result.retryAfterS));
        return reply.code(429).send({ statusCode: 429, code: 'RW_LOGIN_LOCKED', error: 'too_many_attempts', message: result.message });
      }
      if (result.status === 401) return refuse(reply, 401, 'unauthenticated', result.message);
      return reply.code(result.status).send({
        statusCode: result.status,
        code: result.status === 403 ? 'RW_FORBIDDEN' : 'RW_DIRECTORY_UNAVAILABLE',
        error: result.status === 403 ? 'forbidden' : 'unavailable',
        message: result.message,
      });
    }
    request.identity = { username: result.user.username, display: result.user.display, role: result.user.role, teams: result.user.teams, via: 'session' };
    recordAudit(request, 'auth.login', `user:${result.user.username}`, { source: result.user.source });
    void reply.header('set-cookie', sessionCookie(result.cookie, { secure: secure(request) }));
    return { user: userView(result.user), csrf: result.csrf };
  });

  app.get('/api/v1/auth/me', { config: { access: 'viewer' } }, async (request) => {
    const who = request.identity as Identity;
    const cookie = cookieValue(request.headers.cookie, SESSION_COOKIE);
    const session = who.via === 'session' && cookie ? auth.sessions.lookup(cookie, auth.now()) : undefined;
    return { user: identityView(who, auth.users.get(who.username)), csrf: session?.csrf ?? null, via: who.via };
  });

  // Open, so a console whose session already ended can still clear its cookie.
  app.post('/api/v1/auth/logout', { config: { access: 'public' } }, async (request, reply) => {
    const cookie = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (cookie) {
      const session = auth.sessions.lookup(cookie, auth.now());
      auth.sessions.end(cookie);
      if (session) {
        request.identity = { username: session.username, display: session.username, role: 'viewer', teams: [], via: 'session' };
        recordAudit(request, 'auth.logout', `user:${session.username}`);
      }
    }
    return reply
      .code(204)
      .header('set-cookie', sessionCookie('', { secure: secure(request), maxAgeS: 0 }))
      .send();
  });

  app.post<{ Body: Static<typeof Password> }>('/api/v1/auth/password', { config: { access: 'viewer' }, schema: { body: Password } }, async (request, reply) => {
    const who = request.identity as Identity;
    const user = auth.users.get(who.username);
    if (!user || user.source !== 'local') return bad(reply, user ? 'a directory (LDAP) user changes the password in the directory' : 'a token from collector.yaml has no password');
    const hash = auth.users.passwordHash(user.username);
    if (!hash || !(await verifyPassword(request.body.current, hash))) {
      recordAudit(request, 'user.password_failed', `user:${user.username}`);
      return refuse(reply, 403, 'forbidden', 'the current password is wrong');
    }
    const problem = passwordProblem(request.body.next, user.username) ?? (request.body.next === request.body.current ? 'the new password must differ from the current one' : undefined);
    if (problem) return bad(reply, problem);
    auth.users.setPassword(user.username, await hashPassword(request.body.next), false, auth.now());
    // Every other session of this user ends; this one stays signed in.
    const ended = auth.sessions.endAllFor(user.username, cookieValue(request.headers.cookie, SESSION_COOKIE));
    recordAudit(request, 'user.password', `user:${user.username}`, { other_sessions_ended: ended });
    return reply.code(204).send();
  });

  app.get<{ Querystring: Static<typeof TokenList> }>('/api/v1/auth/tokens', { config: { access: 'viewer' }, schema: { querystring: TokenList } }, async (request) => {
    const who = request.identity as Identity;
    const all = request.query.all === 'true' && who.role === 'admin';
    return { tokens: auth.tokens.list(all ? undefined : who.username).map(tokenView) };
  });

  app.post<{ Body: Static<typeof NewToken> }>('/api/v1/auth/tokens', { config: { access: 'viewer' }, schema: { body: NewToken } }, async (request, reply) => {
    const who = request.identity as Identity;
    const owner = auth.users.get(who.username);
    if (!owner) return bad(reply, 'a token from collector.yaml cannot create tokens; sign in as a user');
    const role = (request.body.role ?? owner.role) as Role;
    if (!roleAtLeast(owner.role, role)) return refuse(reply, 403, 'forbidden', `a token's role is at most its owner's: you are ${owner.role}`);
    let expiresAt: number | undefined;
    if (request.body.expires_in !== undefined) {
      const ms = parseDuration(request.body.expires_in);
      if (ms === undefined || ms <= 0) return bad(reply, `body/expires_in: '${request.body.expires_in}' is not a duration (write 90d, 12h)`);
      expiresAt = auth.now() + ms;
    }
    const { token, info } = auth.tokens.create({ owner: owner.username, name: request.body.name, role, expiresAt }, auth.now());
    recordAudit(request, 'token.create', `token:${info.id}`, { name: info.name, role, owner: owner.username, expires_at: info.expiresAt });
    return reply.code(201).send({ token, ...tokenView(info) });
  });

  app.delete<{ Params: Static<typeof TokenId> }>('/api/v1/auth/tokens/:id', { config: { access: 'viewer' }, schema: { params: TokenId } }, async (request, reply) => {
    const who = request.identity as Identity;
    const t = auth.tokens.get(request.params.id);
    // Someone else's token is answered like a missing one: ids are not to be probed.
    if (!t || (t.owner !== who.username && who.role !== 'admin')) return bad(reply, `no token ${request.params.id}`, 404);
    auth.tokens.revoke(t.id);
    recordAudit(request, 'token.revoke', `token:${t.id}`, { name: t.name, owner: t.owner });
    return reply.code(204).send();
  });
}
