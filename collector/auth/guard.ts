/**
 * The route guard. Every route declares `config: { access }`; a route without
 * one stops the collector at start-up, so nothing new slips through open.
 * Before the body is read, the guard answers 401 for a missing or wrong
 * credential, 403 for a missing role, a missing CSRF header on a
 * cookie-authenticated change, or a one-time password not yet changed.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Errors } from '../errors.js';
import type { TokenAuth } from '../ingest/auth.js';
import { presentedToken } from '../ingest/influx-compat.js';
import type { AuthService } from './service.js';
import { ACCESS_LEVELS, isRole, roleAtLeast, type Access } from './types.js';

export const CSRF_HEADER = 'x-csrf-token';

/** What a user who signed in with a one-time password may still do. */
const PASSWORD_CHANGE_ROUTES = new Set(['/api/v1/auth/me', '/api/v1/auth/password', '/api/v1/auth/logout']);

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class MissingAccessError extends Error {
  constructor(method: string, url: string) {
    super(
      `route ${method} ${url} declares no access level: add config: { access: 'viewer' } to its options ` +
        `(one of ${ACCESS_LEVELS.map((a) => `'${a}'`).join(', ')}; see docs/auth.md), e.g. app.get('${url}', { config: { access: 'viewer' } }, handler)`,
    );
    this.name = 'MissingAccessError';
  }
}

export function refuse(reply: FastifyReply, status: 401 | 403, error: string, message: string): FastifyReply {
  if (status === 401) void reply.header('www-authenticate', 'Bearer realm="roomwatch"');
  return reply.code(status).send({ statusCode: status, code: status === 401 ? 'RW_UNAUTHENTICATED' : 'RW_FORBIDDEN', error, message });
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Installs the guard on the root instance, before any route is registered. */
export function installGuard(app: FastifyInstance, auth: AuthService, agents: TokenAuth): void {
  app.decorateRequest('identity', undefined);
  app.decorate('rwAudit', auth.audit);

  app.addHook('onRoute', (route) => {
    const access = route.config?.access as Access | undefined;
    const method = [route.method].flat().join(',');
    if (access === undefined) throw new MissingAccessError(method, route.url);
    if (!(ACCESS_LEVELS as readonly string[]).includes(access)) throw new MissingAccessError(method, route.url);
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const access = request.routeOptions.config?.access;
    // No route matched (404) or the route is open.
    if (access === undefined || access === 'public') return;
    if (access === 'agent') {
      // The ingest routes check again and keep the agent's name; this makes an 'agent' route safe on its own.
      const token = presentedToken(request, request.url.startsWith('/write'));
      if (!token) throw new Errors.AuthMissing();
      if (!agents.verify(token)) throw new Errors.AuthInvalid();
      return;
    }
    if (!isRole(access)) return refuse(reply, 403, 'forbidden', `route ${request.method} ${request.routeOptions.url} has an unknown access level`);
    const who = auth.authenticate(request);
    if (!who.ok) return refuse(reply, 401, 'unauthenticated', who.message);
    request.identity = who.identity;
    if (who.session && !SAFE_METHODS.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !sameSecret(sent, who.session.csrf)) {
        return reply.code(403).send({
          statusCode: 403,
          code: 'RW_CSRF',
          error: 'csrf',
          message: `a change made with the session cookie needs the header ${CSRF_HEADER} (the csrf value from /api/v1/auth/login or /api/v1/auth/me)`,
        });
      }
    }
    if (who.identity.mustChangePassword && !PASSWORD_CHANGE_ROUTES.has(request.routeOptions.url ?? '')) {
      return reply
        .code(403)
        .send({ statusCode: 403, code: 'RW_PASSWORD_CHANGE_REQUIRED', error: 'password_change_required', message: 'change your one-time password first: POST /api/v1/auth/password {current, next}' });
    }
    if (!roleAtLeast(who.identity.role, access)) return refuse(reply, 403, 'forbidden', `needs role ${access}; you are ${who.identity.role}`);
  });
}
