/**
 * Feeds the console's event bus from the existing hooks: the incident
 * manager's changes (open, reopen, priority, ack, resolve, close), the
 * incident action routes that change no status (assign, comment, plan), and
 * the rule engine's alert events.
 */
import type { FastifyInstance } from 'fastify';
import type { IncidentManager } from '../incidents/manager.js';
import type { IncidentStore } from '../incidents/store.js';
import type { Incident } from '../incidents/types.js';
import type { RuleEngine } from '../rules/engine.js';
import { boardRow } from './board.js';
import type { EventBus } from './bus.js';

export interface ConsoleEventSources {
  engine: RuleEngine;
  manager: IncidentManager;
  store: IncidentStore;
  slaView: (incident: Incident, now: number) => Record<string, unknown>;
  now: () => number;
}

const INCIDENT_ACTION = /^\/api\/v1\/incidents\/:id\/[a-z]+$/;

export function wireConsoleEvents(app: FastifyInstance, bus: EventBus, src: ConsoleEventSources): void {
  const publishIncident = (id: number) => {
    if (bus.size === 0) return;
    // Read the row again: a change may carry a partial copy (priority_raised), and later changes of one commit win.
    const incident = src.store.get(id);
    if (incident) bus.publish({ type: 'incident', data: boardRow(incident, src.slaView, src.now()) });
  };
  src.manager.onChange((change) => publishIncident(change.incident.id));
  app.addHook('onResponse', async (request, reply) => {
    if (request.method !== 'POST' || reply.statusCode >= 300 || !INCIDENT_ACTION.test(request.routeOptions.url ?? '')) return;
    const id = Number((request.params as { id?: string }).id);
    if (Number.isSafeInteger(id)) publishIncident(id);
  });
  src.engine.onEvent((e) => {
    if (bus.size === 0) return;
    const a = e.alert;
    bus.publish({
      type: 'alert',
      data: { type: e.type, at: e.at, identity: a.identity, ruleId: a.ruleId, device: a.device, state: a.state, priority: a.priority, muted: a.muted, summary: a.summary },
    });
  });
}
