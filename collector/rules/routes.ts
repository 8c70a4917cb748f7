/** Alert, rule and maintenance endpoints. */
import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { actorOf } from '../auth/actor.js';
import { recordAudit } from '../auth/audit.js';
import { Errors } from '../errors.js';
import type { RuleEngine } from './engine.js';
import type { AlertState } from './events.js';
import type { MaintenanceCalendar } from './maintenance.js';
import { WindowSchema, windowFromInput } from './maintenance-file.js';
import type { RulesService } from './service.js';
import type { AlertStateStore } from './state-store.js';
import { PRIORITIES, type RuleDef } from './types.js';

export interface RuleRouteOptions {
  engine: RuleEngine;
  service: RulesService;
  maintenance: MaintenanceCalendar;
  stateStore: AlertStateStore;
  now: () => number;
}

const AlertQuery = Type.Object({
  state: Type.Optional(Type.String()),
  priority: Type.Optional(Type.String()),
  device: Type.Optional(Type.String()),
  rule: Type.Optional(Type.String()),
});

/** The API takes the same shape as one entry of maintenance.yaml. */
const MaintenanceBody = WindowSchema;

function describeRule(r: RuleDef) {
  return {
    id: r.id,
    group: r.group,
    name: r.name,
    file: r.pos.file,
    line: r.pos.line,
    priority: r.priority,
    for_ms: r.forMs,
    clear_for_ms: r.clearForMs,
    escalate: r.escalate.map((e) => e.priority),
    reachability: r.reachability,
    metrics: [...new Set(r.selectors.map((s) => `${s.measurement}.${s.field}`))],
    labels: r.labels,
    summary: r.summary ?? null,
    runbook: r.runbook ?? null,
  };
}

export async function ruleRoutes(app: FastifyInstance, opts: RuleRouteOptions): Promise<void> {
  app.get<{ Querystring: Static<typeof AlertQuery> }>('/api/v1/alerts', { config: { access: 'viewer' }, schema: { querystring: AlertQuery } }, async (request) => {
    const q = request.query;
    const states = q.state ? q.state.split(',') : ['pending', 'firing', 'suppressed'];
    if (q.priority && !(PRIORITIES as readonly string[]).includes(q.priority)) throw new Errors.BadQuery(`priority: '${q.priority}' is not one of ${PRIORITIES.join(', ')}`);
    const alerts = opts.engine
      .alerts()
      .filter((a: AlertState) => states.includes(a.state))
      .filter((a) => !q.priority || a.priority === q.priority)
      .filter((a) => !q.device || a.device === q.device)
      .filter((a) => !q.rule || a.ruleId === q.rule)
      .sort((a, b) => a.priority.localeCompare(b.priority) || (a.firingSince ?? a.activeSince ?? 0) - (b.firingSince ?? b.activeSince ?? 0));
    return { alerts };
  });

  app.get<{ Querystring: { since?: string; identity?: string } }>('/api/v1/alerts/events', { config: { access: 'viewer' } }, async (request) => ({
    events: opts.stateStore.events({ since: request.query.since ? Number(request.query.since) : undefined, identity: request.query.identity }),
  }));

  app.get('/api/v1/rules', { config: { access: 'viewer' } }, async () => ({ rules: opts.engine.loadedRules.map(describeRule), last_load: opts.service.last }));

  app.post('/api/v1/rules/reload', { config: { access: 'operator' } }, async (request, reply) => {
    const report = await opts.service.load();
    recordAudit(request, 'rules.reload', 'rules', { ok: report.ok, problems: report.ok ? undefined : report.problems.slice(0, 20) });
    void reply.code(report.ok ? 200 : 400);
    return report;
  });

  app.get('/api/v1/maintenance', { config: { access: 'viewer' } }, async () => {
    const now = opts.now();
    return { windows: opts.maintenance.list().map((w) => ({ ...w, active: opts.maintenance.isActive(w, now) })) };
  });

  app.post<{ Body: Static<typeof MaintenanceBody> }>('/api/v1/maintenance', { config: { access: 'operator' }, schema: { body: MaintenanceBody } }, async (request, reply) => {
    const { window, problems } = windowFromInput(request.body, opts.now());
    if (problems.length > 0) throw new Errors.BadQuery(problems.map((p) => `body/${p.field}: ${p.message}`).join('; '));
    const added = opts.maintenance.add({ ...window, author: actorOf(request) }, opts.now());
    recordAudit(request, 'maintenance.create', `maintenance:${added.id}`, { name: added.name, reason: added.reason, start: added.start, end: added.end, cron: added.cron, scope: added.scope });
    void reply.code(201);
    return added;
  });

  app.delete<{ Params: { id: string } }>('/api/v1/maintenance/:id', { config: { access: 'operator' } }, async (request, reply) => {
    if (request.params.id.startsWith('file:')) throw new Errors.BadQuery('windows from maintenance.yaml are changed in the file, then reloaded');
    const window = opts.maintenance.list().find((w) => w.id === request.params.id);
    if (!opts.maintenance.remove(request.params.id))
      return reply.code(404).send({ statusCode: 404, code: 'RW_NOT_FOUND', error: 'Not Found', message: `no maintenance window '${request.params.id}'` });
    recordAudit(request, 'maintenance.end', `maintenance:${request.params.id}`, { name: window?.name, author: window?.author });
    return reply.code(204).send();
  });
}
