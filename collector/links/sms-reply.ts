/**
 * "Reply 1 to acknowledge": an SMS gateway forwards the on-call engineer's
 * reply to `POST /api/v1/sms/reply`, signed with a shared secret
 * (`notify.sms_reply`). The sender's number names the contact of the
 * escalation policy; "1" acknowledges the most recent open incident they were
 * paged about, "1 123" (or "1#123") incident 123 if they were paged about it.
 *
 * Signature: `X-Roomwatch-Timestamp: <unix seconds>` and
 * `X-Roomwatch-Signature: <hex HMAC-SHA256(secret, timestamp + "." + raw body)>`
 * (an optional `sha256=` prefix is accepted); a timestamp outside the replay
 * window is refused, so a captured request cannot be replayed later.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { IncidentError, type IncidentManager } from '../incidents/manager.js';
import type { IncidentStore } from '../incidents/store.js';
import type { Outbox } from '../notify/outbox.js';
import type { Recipient } from '../notify/types.js';
import type { LinkActor } from './routes.js';

export interface SmsReplySettings {
  secret: string;
  windowMs: number;
}

export interface SmsReplyRouteOptions {
  settings?: SmsReplySettings;
  contacts: () => Iterable<Recipient>;
  outbox: Outbox;
  store: IncidentStore;
  manager: IncidentManager;
  now: () => number;
  audit: (request: FastifyRequest, actor: LinkActor, action: string, target: string, detail: Record<string, unknown>) => void;
}

export const SIGNATURE_HEADER = 'x-roomwatch-signature';
export const TIMESTAMP_HEADER = 'x-roomwatch-timestamp';

export function signSmsReply(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** Why a callback is not trusted, or undefined when it is. */
export function checkSignature(s: SmsReplySettings, timestamp: string | undefined, signature: string | undefined, body: string, now: number): string | undefined {
  if (!timestamp || !signature) return `send ${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER} (hex HMAC-SHA256 of "<timestamp>.<body>" with notify.sms_reply's secret)`;
  if (!/^[0-9]{1,12}$/.test(timestamp)) return `${TIMESTAMP_HEADER} must be unix seconds`;
  if (Math.abs(now - Number(timestamp) * 1000) > s.windowMs) return `${TIMESTAMP_HEADER} is outside the ${Math.round(s.windowMs / 1000)} s replay window (check the gateway's clock)`;
  const given = Buffer.from(signature.replace(/^sha256=/i, ''), 'hex');
  const expected = Buffer.from(signSmsReply(s.secret, timestamp, body), 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'the signature does not match';
  return undefined;
}

function digits(phone: string): string {
  return phone.replace(/[^0-9]/g, '').replace(/^00/, '');
}

/** The same subscriber: equal digits, or equal once a country code of 1–3 digits is dropped (+86 138… and 138…). */
export function samePhone(a: string, b: string): boolean {
  const [x, y] = [digits(a), digits(b)].sort((p, q) => p.length - q.length) as [string, string];
  if (x.length < 7) return false;
  return x === y || (y.endsWith(x) && y.length - x.length <= 3);
}

/** "1", "1 123", "1#123", full-width digits too; undefined for anything else. */
export function parseReply(text: string): { incidentId?: number } | undefined {
  const t = text.normalize('NFKC').trim();
  const m = /^1(?:(?:\s+|\s*#\s*)([1-9][0-9]{0,14}))?$/.exec(t);
  if (!m) return undefined;
  return m[1] ? { incidentId: Number(m[1]) } : {};
}

/** The gateway's fields under the names gateways use. */
function fields(body: Record<string, unknown>): { from?: string; text?: string } {
  const pick = (...names: string[]) => names.map((n) => body[n]).find((v): v is string => typeof v === 'string');
  return { from: pick('from', 'phone', 'mobile', 'sender'), text: pick('text', 'content', 'message', 'msg') };
}

export async function smsReplyRoutes(app: FastifyInstance, o: SmsReplyRouteOptions): Promise<void> {
  // The signature covers the body as sent: keep it raw and parse it here.
  app.removeContentTypeParser(['application/json']);
  const raw = (_req: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => done(null, { raw: String(body) });
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 16_384 }, raw);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16_384 }, raw);

  app.post('/api/v1/sms/reply', { config: { access: 'public' } }, async (request, reply) => {
    const s = o.settings;
    if (!s) return reply.code(404).send({ error: 'not_configured', message: 'SMS replies are not configured: set notify.sms_reply.secret_env (or secret_file) in collector.yaml' });
    const now = o.now();
    const body = (request.body as { raw?: string } | undefined)?.raw ?? '';
    const refused = checkSignature(s, request.headers[TIMESTAMP_HEADER] as string | undefined, request.headers[SIGNATURE_HEADER] as string | undefined, body, now);
    if (refused) return reply.code(401).send({ error: 'unauthenticated', message: refused });
    let parsed: Record<string, unknown>;
    try {
      parsed = request.headers['content-type']?.startsWith('application/json') ? (JSON.parse(body) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(body));
    } catch {
      return reply.code(400).send({ error: 'bad_request', message: 'the body is not JSON' });
    }
    const { from, text } = fields(parsed ?? {});
    if (!from || text === undefined) return reply.code(400).send({ error: 'bad_request', message: 'send the sender as "from" and the reply as "text" (JSON or form)' });
    const command = parseReply(text);
    if (!command) return { result: 'ignored', message: 'only "1" (or "1 <incident>") acknowledges' };
    const contact = [...o.contacts()].find((c) => c.phone && samePhone(c.phone, from));
    if (!contact) return reply.code(404).send({ result: 'unknown_sender', message: `no contact of the escalation policy has the number ${from}` });
    const paged = o.outbox.incidentsSentTo(contact.name);
    const candidates = command.incidentId !== undefined ? paged.filter((id) => id === command.incidentId) : paged;
    const target = candidates.find((id) => o.store.get(id)?.status === 'open');
    if (target === undefined) {
      const message =
        command.incidentId !== undefined && candidates.length === 0 ? `${contact.name} was not paged about incident ${command.incidentId}` : `${contact.name} has no open incident to acknowledge`;
      return reply.code(409).send({ result: 'nothing_to_acknowledge', message });
    }
    try {
      o.manager.acknowledge(target, contact.name, now);
    } catch (err) {
      if (err instanceof IncidentError) return reply.code(409).send({ result: 'nothing_to_acknowledge', message: err.message });
      throw err;
    }
    o.audit(request, { username: contact.name, via: 'link' }, 'incident.ack', `incident:${target}`, { channel: 'sms_reply', phone: from });
    return { result: 'acknowledged', incident: target, by: contact.name };
  });
}
