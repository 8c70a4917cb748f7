/**
 * `GET /a/:token` shows what the link would do and changes nothing (mail
 * scanners and link previews open every link); its form POSTs to the same
 * URL, which acknowledges the incident as the link's recipient. The routes are
 * public: the token's signature, expiry and nonce are the credential.
 *
 * Status codes: 200 confirm/done, 403 forged, 404 unknown link or incident,
 * 409 incident not open (already acknowledged, resolved, closed), 410 used or
 * expired.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { IncidentError, type IncidentManager } from '../incidents/manager.js';
import type { IncidentStore } from '../incidents/store.js';
import type { Incident } from '../incidents/types.js';
import type { AckLinks, LinkVerdict } from './links.js';
import { incidentUrl } from './links.js';
import { pageLang, renderAckPage, type PageModel, type PageState } from './page.js';

/** Who acted through a link, for the audit log (the route guard's identity has the same shape). */
export interface LinkActor {
  username: string;
  via: 'link';
}

export interface LinkRouteOptions {
  links: AckLinks;
  manager: IncidentManager;
  store: IncidentStore;
  /** Runs a unit of work in one SQLite transaction. */
  transaction: <T>(work: () => T) => T;
  baseUrl: string;
  timeZone?: string;
  now: () => number;
  /** Writes the audit entry of an acknowledgement made through a link, as `actor`. */
  audit: (request: FastifyRequest, actor: LinkActor, action: string, target: string, detail: Record<string, unknown>) => void;
}

const Params = Type.Object({ token: Type.String({ minLength: 1, maxLength: 1024 }) });

const STATUS: Record<PageState, number> = { confirm: 200, done: 200, already: 409, used: 410, expired: 410, forged: 403, unknown: 404, missing: 404 };

function incidentView(i: Incident): NonNullable<PageModel['incident']> {
  return { id: i.id, title: i.title, device: i.device, priority: i.priority, status: i.status, acknowledgedBy: i.acknowledgedBy, acknowledgedAt: i.acknowledgedAt };
}

export async function linkRoutes(app: FastifyInstance, o: LinkRouteOptions): Promise<void> {
  // The confirmation form posts urlencoded; its fields carry nothing (the token is in the path).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_req, _body, done) => done(null, {}));

  const send = (reply: FastifyReply, m: PageModel) =>
    reply
      .code(STATUS[m.state])
      .header('content-type', 'text/html; charset=utf-8')
      // The token is a credential: no cache keeps the page, no Referer carries the URL away.
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('x-robots-tag', 'noindex')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
      .send(renderAckPage({ timeZone: o.timeZone, ...m }));

  /** The page for a link that cannot act, or undefined when it can. */
  const refusal = (v: LinkVerdict, lang: PageModel['lang']): PageModel | undefined => {
    if (v.state === 'forged' || v.state === 'unknown') return { state: v.state, lang };
    const incident = o.store.get(v.claims.incidentId);
    const base = { lang, recipient: v.claims.recipient, consoleUrl: incidentUrl(o.baseUrl, v.claims.incidentId), incident: incident && incidentView(incident) };
    if (v.state === 'expired') return { ...base, state: 'expired', expiresAt: v.claims.expiresAt };
    if (v.state === 'used') return { ...base, state: 'used', usedAt: v.use.usedAt };
    if (!incident) return { ...base, state: 'missing', consoleUrl: undefined };
    if (incident.status !== 'open') return { ...base, state: 'already' };
    return undefined;
  };

  const langOf = (v: LinkVerdict, request: FastifyRequest) => pageLang('claims' in v ? v.claims.lang : undefined, request.headers['accept-language']);

  app.get<{ Params: Static<typeof Params> }>('/a/:token', { schema: { params: Params }, config: { access: 'public' } }, async (request, reply) => {
    const v = o.links.check(request.params.token, o.now());
    const lang = langOf(v, request);
    const refused = refusal(v, lang);
    if (refused || v.state !== 'valid') return send(reply, refused ?? { state: 'unknown', lang });
    return send(reply, {
      state: 'confirm',
      lang,
      recipient: v.claims.recipient,
      expiresAt: v.claims.expiresAt,
      incident: incidentView(o.store.get(v.claims.incidentId) as Incident),
      action: request.params.token,
      consoleUrl: incidentUrl(o.baseUrl, v.claims.incidentId),
    });
  });

  app.post<{ Params: Static<typeof Params> }>('/a/:token', { schema: { params: Params }, config: { access: 'public' } }, async (request, reply) => {
    const now = o.now();
    const v = o.links.check(request.params.token, now);
    const lang = langOf(v, request);
    const refused = refusal(v, lang);
    if (refused || v.state !== 'valid') return send(reply, refused ?? { state: 'unknown', lang });
    const { claims } = v;
    // The nonce and the acknowledgement commit together: a link is spent only if it acknowledged.
    let outcome: 'done' | 'used' | 'already';
    try {
      outcome = o.transaction(() => {
        if (!o.links.consume(claims, now, request.ip)) return 'used' as const;
        o.manager.acknowledge(claims.incidentId, claims.recipient, now);
        o.audit(request, { username: claims.recipient, via: 'link' }, 'incident.ack', `incident:${claims.incidentId}`, { link: claims.nonce });
        return 'done' as const;
      });
    } catch (err) {
      if (!(err instanceof IncidentError)) throw err;
      outcome = 'already';
    }
    const incident = o.store.get(claims.incidentId) as Incident;
    const base = { lang, recipient: claims.recipient, incident: incidentView(incident), consoleUrl: incidentUrl(o.baseUrl, claims.incidentId) };
    if (outcome === 'used') {
      const again = o.links.check(request.params.token, now);
      return send(reply, { ...base, state: 'used', usedAt: again.state === 'used' ? again.use.usedAt : now });
    }
    if (outcome === 'already') return send(reply, { ...base, state: 'already' });
    return send(reply, { ...base, state: 'done' });
  });
}
