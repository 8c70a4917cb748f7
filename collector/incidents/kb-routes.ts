/**
 * GET /api/v1/kb?q=&rule=&limit=   search the knowledge base (viewer)
 * GET /api/v1/kb/:id               one entry, by the incident it came from
 * PUT /api/v1/kb/:id {cause, fix}  edit an entry (operator; audited)
 */
import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { Errors } from '../errors.js';
import type { KnowledgeBase } from './knowledge.js';

const Id = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,15}$' }) });
const Query = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 500 })),
    rule: Type.Optional(Type.String({ maxLength: 500 })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
  },
  { additionalProperties: false },
);
const Edit = Type.Object({ cause: Type.String({ minLength: 1, maxLength: 10_000 }), fix: Type.String({ minLength: 1, maxLength: 10_000 }) }, { additionalProperties: false });

export interface KbRouteOptions {
  kb: KnowledgeBase;
  now: () => number;
  /** Who is acting (the signed-in identity) and the audit trail. */
  actor: (request: import('fastify').FastifyRequest) => string;
  audit: (request: import('fastify').FastifyRequest, action: string, target: string, detail?: object) => void;
}

export async function kbRoutes(app: FastifyInstance, opts: KbRouteOptions): Promise<void> {
  app.get<{ Querystring: Static<typeof Query> }>('/api/v1/kb', { config: { access: 'viewer' }, schema: { querystring: Query } }, async (request) => {
    const q = request.query;
    return { entries: opts.kb.search({ q: q.q, rule: q.rule, limit: q.limit ? Number(q.limit) : undefined }) };
  });

  app.get<{ Params: Static<typeof Id> }>('/api/v1/kb/:id', { config: { access: 'viewer' }, schema: { params: Id } }, async (request) => {
    const entry = opts.kb.get(Number(request.params.id));
    if (!entry) throw new Errors.IncidentNotFound(`no knowledge-base entry for incident ${request.params.id}`);
    return entry;
  });

  app.put<{ Params: Static<typeof Id>; Body: Static<typeof Edit> }>('/api/v1/kb/:id', { config: { access: 'operator' }, schema: { params: Id, body: Edit } }, async (request) => {
    const { cause, fix } = request.body;
    if (!cause.trim() || !fix.trim()) throw new Errors.IncidentInvalid('a knowledge-base entry needs a cause and a fix');
    const id = Number(request.params.id);
    const before = opts.kb.get(id);
    const entry = opts.kb.edit(id, { cause, fix }, opts.actor(request), opts.now());
    if (!entry || !before) throw new Errors.IncidentNotFound(`no knowledge-base entry for incident ${id}`);
    opts.audit(request, 'kb.edit', `incident:${id}`, { before: { cause: before.cause, fix: before.fix }, after: { cause, fix } });
    return entry;
  });
}
