/**
 * Who a request is, and signing in. The guard (guard.ts) asks `authenticate`
 * on every route that needs a role; the sign-in routes ask `signIn`.
 */
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Db } from '../db.js';
import { tokenFromHeader, type TokenAuth } from '../ingest/auth.js';
import { presentedToken } from '../ingest/influx-compat.js';
import { AuditLog } from './audit.js';
import type { AuthConfig, StaticToken } from './config.js';
import type { DirectoryLogin } from './ldap.js';
import { LoginThrottle } from './lockout.js';
import { decoyHash, hashPassword, oneTimePassword, verifyPassword } from './password.js';
import { cookieValue, SESSION_COOKIE, SessionStore, type Session } from './sessions.js';
import { ApiTokenStore, tokenHash, USER_TOKEN_PREFIX } from './tokens.js';
import { ROLES, type Identity, type Role } from './types.js';
import { UserStore, type User } from './users.js';

export type Authenticated = { ok: true; identity: Identity; session?: Session & { cookie: string } } | { ok: false; message: string };

export type SignInResult =
  { ok: true; user: User; cookie: string; csrf: string } | { ok: false; status: 401 | 403 | 503; message: string } | { ok: false; status: 429; message: string; retryAfterS: number };

const WRONG = 'wrong user name or password';

export function identityOf(user: User, via: Identity['via'], role: Role = user.role): Identity {
  return { username: user.username, display: user.display, role, teams: user.teams, sites: user.sites, via, ...(user.mustChangePassword ? { mustChangePassword: true } : {}) };
}

const lower = (a: Role, b: Role): Role => (ROLES.indexOf(a) <= ROLES.indexOf(b) ? a : b);

export class AuthService {
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly tokens: ApiTokenStore;
  readonly audit: AuditLog;
  readonly throttle: LoginThrottle;
  private readonly staticTokens: Map<string, StaticToken>;

  constructor(
    db: Db,
    readonly config: AuthConfig,
    private readonly agents: TokenAuth,
    readonly now: () => number,
    private readonly directory?: DirectoryLogin,
  ) {
    this.users = new UserStore(db);
    this.sessions = new SessionStore(db, config.session);
    this.tokens = new ApiTokenStore(db);
    this.audit = new AuditLog(db, now);
    this.throttle = new LoginThrottle(config.lockout, now);
    this.staticTokens = new Map(config.tokens.map((t) => [t.tokenSha256, t]));
  }

  /**
   * First start: no user at all gets an `admin` with a one-time password, from
   * ROOMWATCH_ADMIN_PASSWORD or generated and logged once. Either must be
   * changed at the first sign-in. There is no default password.
   */
  async bootstrapAdmin(log: FastifyBaseLogger, env: NodeJS.ProcessEnv = process.env): Promise<void> {
    if (this.users.count() > 0) return;
    const given = env.ROOMWATCH_ADMIN_PASSWORD?.trim();
    const password = given || oneTimePassword();
    if (!this.users.add({ username: 'admin', display: 'Administrator', role: 'admin', passwordHash: await hashPassword(password), mustChangePassword: true }, this.now())) return;
    this.audit.record({ actor: 'roomwatch', via: 'cli', action: 'user.create', target: 'user:admin', detail: { role: 'admin', first_start: true } });
    if (given) log.warn({ user: 'admin' }, 'first start: created user admin with the password from ROOMWATCH_ADMIN_PASSWORD; it must be changed at the first sign-in');
    else log.warn({ user: 'admin', one_time_password: password }, `first start: created user admin with the one-time password ${password} (shown only now); sign in and change it`);
  }

  /** The identity of a request's credential: a bearer token, or the session cookie. */
  authenticate(request: FastifyRequest): Authenticated {
    const influx = request.url.startsWith('/query');
    const token = influx ? presentedToken(request, true) : tokenFromHeader(request.headers.authorization);
    if (token) return this.byToken(token);
    if (request.headers.authorization) return { ok: false, message: 'the Authorization header is not "Bearer <token>"' };
    const cookie = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (cookie) {
      const session = this.sessions.lookup(cookie, this.now());
      const user = session && this.users.get(session.username);
      if (!session || !user) return { ok: false, message: 'your session has ended; sign in again' };
      if (user.disabled) return { ok: false, message: `user ${user.username} is disabled` };
      return { ok: true, identity: identityOf(user, 'session'), session: { ...session, cookie } };
    }
    return { ok: false, message: 'sign in (POST /api/v1/auth/login) or send "Authorization: Bearer <token>" with a personal API token' };
  }

  private byToken(token: string): Authenticated {
    const configured = this.staticTokens.get(tokenHash(token));
    if (configured) {
      return { ok: true, identity: { username: configured.name, display: configured.name, role: configured.role, teams: configured.teams, sites: configured.sites, via: 'token' } };
    }
    if (token.startsWith(USER_TOKEN_PREFIX)) {
      const t = this.tokens.verify(token, this.now());
      const owner = t && this.users.get(t.owner);
      if (!t || !owner) return { ok: false, message: 'the API token is unknown, revoked or expired' };
      if (owner.disabled) return { ok: false, message: `the API token's owner ${owner.username} is disabled` };
      // A token never acts above what its owner may do now.
      return { ok: true, identity: { ...identityOf(owner, 'token', lower(t.role, owner.role)), mustChangePassword: undefined } };
    }
    if (this.agents.verify(token)) return { ok: false, message: 'an agent token only sends samples; use a personal API token (roomwatch user token …) or sign in' };
    return { ok: false, message: 'the token is not valid' };
  }

  /** Local password first, then the directory; the same answer whether or not the name exists. */
  async signIn(username: string, password: string, client: { ip: string; userAgent?: string }): Promise<SignInResult> {
    const keys = [`user:${username}`, `ip:${client.ip}`];
    const wait = this.throttle.retryAfterMs(keys);
    if (wait > 0) {
      const retryAfterS = Math.ceil(wait / 1000);
      return { ok: false, status: 429, retryAfterS, message: `too many failed sign-ins; try again in ${retryAfterS} s` };
    }
    const user = await this.check(username, password);
    if (!user.ok) {
      if (user.status !== 503) this.throttle.fail(keys);
      return user;
    }
    this.throttle.succeed(keys[0] as string);
    const now = this.now();
    this.users.touchLogin(user.user.username, now);
    const { cookie, csrf } = this.sessions.create(user.user.username, now, client);
    return { ok: true, user: user.user, cookie, csrf };
  }

  private async check(username: string, password: string): Promise<{ ok: true; user: User } | { ok: false; status: 401 | 403 | 503; message: string }> {
    const local = this.users.get(username);
    if (local && local.source === 'local') {
      const hash = this.users.passwordHash(username);
      const good = hash ? await verifyPassword(password, hash) : (await verifyPassword(password, await decoyHash()), false);
      if (!good) return { ok: false, status: 401, message: WRONG };
      if (local.disabled) return { ok: false, status: 403, message: `user ${username} is disabled; ask an admin` };
      return { ok: true, user: local };
    }
    if (this.directory) {
      let found;
      try {
        found = await this.directory.signIn(username, password);
      } catch (err) {
        // The directory being away is not the user's fault: no lockout count, and a message that says so.
        return { ok: false, status: 503, message: `the directory (auth.ldap) did not answer: ${(err as Error).message}` };
      }
      if (!found.ok) return { ok: false, status: found.status, message: found.status === 401 ? WRONG : found.message };
      if (local?.disabled) return { ok: false, status: 403, message: `user ${username} is disabled; ask an admin` };
      return { ok: true, user: this.users.upsertDirectoryUser({ username, display: found.display, role: found.role, teams: found.teams }, this.now()) };
    }
    await verifyPassword(password, await decoyHash());
    return { ok: false, status: 401, message: WRONG };
  }
}
