/**
 * Incident endpoints: list, open by hand, read with timeline, and the lifecycle
 * actions. Who acted is the signed-in identity (`by` in a body must match it);
 * every action is in the audit log.
 */
import type { FastifyInstance } from 'fastify';
import { actorOf, assertScope, type DeviceScope } from '../auth/actor.js';
import { recordAudit } from '../auth/audit.js';
import Type, { type Static } from 'typebox';
import { parseTimeParam } from '../../lib/time.js';
import { Errors } from '../errors.js';
import type { Outbox } from '../notify/outbox.js';
import { PRIORITIES, type Priority } from '../rules/types.js';
import { IncidentError, type IncidentManager } from './manager.js';
import { incidentStats, type SlaJudge } from './stats.js';
import type { IncidentStore } from './store.js';
import { INCIDENT_STATUSES, type Incident, type IncidentStatus } from './types.js';

export interface IncidentRouteOptions {
  manager: IncidentManager;
  store: IncidentStore;
  outbox: Outbox;
  judge: SlaJudge;
  /** SLA clocks of one incident, for the detail view. */
  slaView: (incident: Incident, now: number) => Record<string, unknown>;
  now: () => number;
  /** The device's syslog lines around the moment the incident opened (collector/logs), oldest first. */
  logContext?: (device: string, at: number) => unknown[];
  /** Team and site of a device, for roles limited to teams or sites (collector/auth/actor.ts). */
  scopeOf?: (device: string) => DeviceScope;
}

const Id = Type.Object({ id: Type.String({ pattern: '^[0-9]+$' }) });
/** Optional: the signed-in identity is who acted; a `by` that names someone else is refused. */
const Actor = Type.Optional(Type.String({ minLength: 1, maxLength: 128 }));
const ListQuery = Type.Object({
  status: Type.Optional(Type.String()),
  priority: Type.Optional(Type.String()),
  device: Type.Optional(Type.String({ maxLength: 256 })),
  from: Type.Optional(Type.String({ maxLength: 64 })),
  to: Type.Optional(Type.String({ maxLength: 64 })),
  // At most 7 digits: a 20-digit limit was a 500 (Number() gave 1e20).
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,7}$' })),
});
const Create = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 500 }),
    priority: Type.Enum([...PRIORITIES]),
    device: Type.String({ minLength: 1, maxLength: 256 }),
    by: Actor,
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
  },
  { additionalProperties: false },
);
const Ack = Type.Object({ by: Actor }, { additionalProperties: false });
const Assign = Type.Object({ to: Actor, by: Actor }, { additionalProperties: false });
const Comment = Type.Object({ text: Type.String({ minLength: 1, maxLength: 10_000 }), by: Actor, plan: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
const Resolve = Type.Object(
  {
    by: Actor,
    note: Type.Optional(Type.String({ maxLength: 10_000 })),
    /** Resolve although alerts still fire (recorded in the timeline). Needs `reason`. */
    force: Type.Optional(Type.Boolean()),
    reason: Type.Optional(Type.String({ maxLength: 10_000 })),
  },
  { additionalProperties: false },
);
const Close = Type.Object(
  {
    by: Actor,
    cause: Type.String({ minLength: 1, maxLength: 10_000 }),
    fix: Type.String({ minLength: 1, maxLength: 10_000 }),
    /** Close although alerts still fire; they are held until they clear. Needs `reason`. */
    force: Type.Optional(Type.Boolean()),
    reason: Type.Optional(Type.String({ maxLength: 10_000 })),
  },
  { additionalProperties: false },
);

function guard<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (!(err instanceof IncidentError)) throw err;
    if (err.statusCode === 404) throw new Errors.IncidentNotFound(err.message);
    if (err.statusCode === 409) throw new Errors.IncidentConflict(err.message);
    throw new Errors.IncidentInvalid(err.message);
  }
}

function timeParam(name: string, text: string | undefined, now: number): number | undefined {
  if (text === undefined) return undefined;
  const t = parseTimeParam(text, now);
  if (t === undefined) throw new Errors.BadQuery(`${name}: '${text}' is not a time (write -7d, now-24h, epoch ms or an ISO date)`);
  return t;
}

export async function incidentRoutes(app: FastifyInstance, opts: IncidentRouteOptions): Promise<void> {
  app.get<{ Querystring: Static<typeof ListQuery> }>('/api/v1/incidents', { config: { access: 'viewer' }, schema: { querystring: ListQuery } }, async (request) => {
    const q = request.query;
    const now = opts.now();
    const status = q.status?.split(',') as IncidentStatus[] | undefined;
    if (status?.some((s) => !(INCIDENT_STATUSES as readonly string[]).includes(s))) throw new Errors.BadQuery(`status: use ${INCIDENT_STATUSES.join(', ')}`);
    if (q.priority && !(PRIORITIES as readonly string[]).includes(q.priority)) throw new Errors.BadQuery(`priority: '${q.priority}' is not one of ${PRIORITIES.join(', ')}`);
    return {
      incidents: opts.store.list({
        status,
        priority: q.priority as Priority | undefined,
        device: q.device,
        from: timeParam('from', q.from, now),
        to: timeParam('to', q.to, now),
        limit: q.limit ? Number(q.limit) : undefined,
      }),
    };
  });

  app.get<{ Querystring: { from?: string; to?: string } }>('/api/v1/incidents/stats', { config: { access: 'viewer' } }, async (request) => {
    const now = opts.now();
    const from = timeParam('from', request.query.from ?? '-30d', now) as number;
    const to = timeParam('to', request.query.to ?? 'now', now) as number;
    const incidents = opts.store.list({ from, to, limit: 1_000_000 });
    return { from, to, priorities: incidentStats(incidents, opts.judge, now) };
  });

  app.post<{ Body: Static<typeof Create> }>('/api/v1/incidents', { config: { access: 'operator' }, schema: { body: Create } }, async (request, reply) => {
    const b = request.body;
    const by = actorOf(request, b.by);
    assertScope(request, opts.scopeOf?.(b.device) ?? {});
    const incident = opts.manager.openManual({ title: b.title, priority: b.priority as Priority, device: b.device, by, description: b.description }, opts.now());
    recordAudit(request, 'incident.open', `incident:${incident.id}`, { title: b.title, priority: b.priority, device: b.device });
    void reply.code(201);
    return incident;
  });

  app.get<{ Params: Static<typeof Id> }>('/api/v1/incidents/:id', { config: { access: 'viewer' }, schema: { params: Id } }, async (request) => {
    const id = Number(request.params.id);
    const incident = opts.store.get(id);
    if (!incident) throw new Errors.IncidentNotFound(`no incident ${id}`);
    const now = opts.now();
    return {
      incident,
      sla: opts.slaView(incident, now),
      alerts: opts.store.alerts(id),
      timeline: opts.store.timeline(id),
      notifications: opts.outbox.forIncident(id).map(({ content: _content, ...n }) => n),
      known_fixes: opts.store.knownFixes(incident.ruleId).filter((f) => f.incidentId !== id),
      logs: opts.logContext?.(incident.device, incident.openedAt) ?? [],
    };
  });

  /** Audit detail per action: what was said, never the whole body twice. */
  const action = <S extends Parameters<typeof Type.Object>[0]>(
    path: string,
    body: ReturnType<typeof Type.Object<S>>,
    run: (id: number, b: Record<string, unknown>, by: string, now: number) => Incident,
    detail: (b: Record<string, unknown>) => object = () => ({}),
  ) =>
    app.post<{ Params: Static<typeof Id>; Body: Record<string, unknown> | undefined }>(
      `/api/v1/incidents/:id/${path}`,
      {
        config: { access: 'operator' },
        schema: { params: Id, body },
        // An ack from a script or a link needs no body at all: validate it as {}.
        preValidation: async (request) => {
          request.body ??= {};
        },
      },
      async (request) => {
        const id = Number(request.params.id);
        const b = request.body ?? {};
        const by = actorOf(request, b.by);
        const current = opts.store.get(id);
        if (current) assertScope(request, opts.scopeOf?.(current.device) ?? {});
        const incident = guard(() => run(id, b, by, opts.now()));
        recordAudit(request, `incident.${path}`, `incident:${id}`, detail(b));
        return incident;
      },
    );

  action('ack', Ack, (id, _b, by, now) => opts.manager.acknowledge(id, by, now));
  action(
    'assign',
    Assign,
    (id, b, by, now) => opts.manager.assign(id, b.to as string, by, now),
    (b) => ({ to: b.to }),
  );
  action(
    'comment',
    Comment,
    (id, b, by, now) => opts.manager.comment(id, b.text as string, by, now, b.plan === true),
    (b) => ({ text: b.text, plan: b.plan === true }),
  );
  action(
    'resolve',
    Resolve,
    (id, b, by, now) => opts.manager.resolve(id, by, now, b.note as string | undefined, b.force === true ? { reason: (b.reason as string | undefined) ?? '' } : undefined),
    (b) => ({ note: b.note, force: b.force === true, reason: b.reason }),
  );
  action(
    'close',
    Close,
    (id, b, by, now) => opts.manager.close(id, by, now, b.cause as string, b.fix as string, b.force === true ? { reason: (b.reason as string | undefined) ?? '' } : undefined),
    (b) => ({ cause: b.cause, fix: b.fix, force: b.force === true, reason: b.reason }),
  );
}
