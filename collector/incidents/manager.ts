/**
 * Turns alert events into incidents: opens one per new problem, deduplicates
 * by alert identity, attaches alerts that share a root cause (a suppressed
 * child joins its parent's incident; another alert on the same device within
 * the correlation window joins the open incident), reopens an incident whose
 * alert fires again within the reopen window, raises priority with the alert,
 * and resolves automatically when every attached alert has cleared (per
 * priority; by default P1 waits for a human close that states cause and fix).
 */
import type { Db } from '../db.js';
import type { AlertEvent } from '../rules/events.js';
import { PRIORITIES, type Priority } from '../rules/types.js';
import type { IncidentStore } from './store.js';
import type { Incident, IncidentStatus } from './types.js';

export interface IncidentRules {
  correlationWindowMs: number;
  reopenWindowMs: number;
  autoResolve: Record<Priority, boolean>;
}

export const DEFAULT_INCIDENT_RULES: IncidentRules = {
  correlationWindowMs: 5 * 60_000,
  reopenWindowMs: 30 * 60_000,
  autoResolve: { P1: false, P2: true, P3: true, P4: true },
};

/** What happened to an incident, for the notification and escalation stages. */
export interface IncidentChange {
  type: 'opened' | 'reopened' | 'priority_raised' | 'resolved' | 'acknowledged' | 'closed';
  incident: Incident;
  at: number;
  /** True when the alert behind it flaps: record, do not page. */
  damped: boolean;
}

export type IncidentListener = (change: IncidentChange) => void;

export class IncidentError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
    this.name = 'IncidentError';
  }
}

const rank = (p: Priority) => PRIORITIES.indexOf(p);

function freshIncident(priority: Priority, title: string, ruleId: string, device: string, at: number): Omit<Incident, 'id'> {
  return {
    status: 'open',
    priority,
    title,
    ruleId,
    device,
    openedAt: at,
    acknowledgedAt: null,
    acknowledgedBy: null,
    plannedAt: null,
    resolvedAt: null,
    closedAt: null,
    assignee: null,
    tier: 0,
    cause: null,
    fix: null,
    updatedAt: at,
  };
}

export class IncidentManager {
  private readonly listeners: IncidentListener[] = [];

  constructor(
    private readonly db: Db,
    private readonly store: IncidentStore,
    private readonly rules: IncidentRules = DEFAULT_INCIDENT_RULES,
  ) {}

  onChange(listener: IncidentListener): void {
    this.listeners.push(listener);
  }

  /**
   * Applies one alert event in a transaction; listeners hear about it after the commit.
   * The collector calls it inside the ingest (or tick) transaction, so all events of a
   * batch commit together with one fsync: this transaction is then a savepoint, and an
   * event that fails rolls back alone. Listeners must defer what leaves the process
   * (the sender kicks on a microtask) until the outer commit.
   */
  handle(event: AlertEvent): void {
    const changes: IncidentChange[] = [];
    this.db.transaction(() => this.apply(event, changes))();
    for (const c of changes) for (const l of this.listeners) l(c);
  }

  private apply(event: AlertEvent, out: IncidentChange[]): void {
    const a = event.alert;
    const at = event.at;
    switch (event.type) {
      case 'fired': {
        // Closed by force while it fired: held until it clears, so a re-raise (end of maintenance) opens nothing.
        if (this.store.heldBy(a.identity)) return;
        const text = { priority: a.priority, summary: a.summary, runbook: a.runbook };
        const current = this.store.openFor(a.identity);
        if (current) {
          this.store.setAlertActive(current.id, a.identity, true, at);
          this.store.setAlertText(current.id, a.identity, text);
          this.store.addTimeline(current.id, at, 'alert_fired', null, { identity: a.identity, summary: a.summary, value: a.value });
          this.follow(current, at, event.damped, out);
          return;
        }
        const sameDevice = this.store.openOnDeviceSince(a.device, at - this.rules.correlationWindowMs);
        if (sameDevice) {
          this.store.attach({ incidentId: sameDevice.id, identity: a.identity, ruleId: a.ruleId, device: a.device, role: 'correlated', attachedAt: at }, text);
          this.store.addTimeline(sameDevice.id, at, 'alert_attached', null, { identity: a.identity, summary: a.summary, reason: 'same device' });
          this.follow(sameDevice, at, event.damped, out);
          return;
        }
        const latest = this.store.latestFor(a.identity);
        if (latest && latest.status === 'resolved' && (latest.resolvedAt ?? 0) >= at - this.rules.reopenWindowMs) {
          this.store.update(latest.id, { status: 'open', resolvedAt: null, updatedAt: at });
          this.store.setAlertActive(latest.id, a.identity, true, at);
          this.store.setAlertText(latest.id, a.identity, text);
          this.store.addTimeline(latest.id, at, 'reopened', null, { identity: a.identity, summary: a.summary });
          const reopened = this.store.get(latest.id) as Incident;
          out.push({ type: 'reopened', incident: reopened, at, damped: event.damped });
          this.follow(reopened, at, event.damped, out);
          return;
        }
        const incident = this.store.create(freshIncident(a.priority, a.summary, a.ruleId, a.device, at));
        this.store.attach({ incidentId: incident.id, identity: a.identity, ruleId: a.ruleId, device: a.device, role: 'origin', attachedAt: at }, text);
        this.store.addTimeline(incident.id, at, 'opened', null, { identity: a.identity, summary: a.summary, runbook: a.runbook, value: a.value, priority: a.priority });
        out.push({ type: 'opened', incident, at, damped: event.damped });
        return;
      }
      case 'suppressed': {
        // A child behind a down parent joins the parent's incident and never escalates on its own.
        const parent = a.suppressedBy ? this.store.openFor(a.suppressedBy) : undefined;
        if (!parent) return;
        this.store.attach({ incidentId: parent.id, identity: a.identity, ruleId: a.ruleId, device: a.device, role: 'suppressed', attachedAt: at });
        this.store.addTimeline(parent.id, at, 'alert_attached', null, { identity: a.identity, device: a.device, reason: 'suppressed behind parent' });
        return;
      }
      case 'unsuppressed': {
        const parent = this.store.openFor(a.identity);
        if (parent) this.store.setAlertActive(parent.id, a.identity, false, at);
        return;
      }
      case 'escalated': {
        const current = this.store.openFor(a.identity);
        if (!current) return;
        this.store.setAlertText(current.id, a.identity, { priority: a.priority, summary: a.summary, runbook: a.runbook });
        this.follow(current, at, event.damped, out);
        return;
      }
      case 'resolved': {
        const held = this.store.heldBy(a.identity);
        if (held) {
          this.store.release(a.identity);
          this.store.addTimeline(held.incidentId, at, 'alert_released', null, { identity: a.identity, reason: event.reason ?? 'alert cleared' });
          return;
        }
        const current = this.store.openFor(a.identity);
        if (!current) return;
        this.store.setAlertActive(current.id, a.identity, false, at);
        this.store.addTimeline(current.id, at, 'alert_cleared', null, { identity: a.identity, ...(event.reason ? { reason: event.reason } : {}) });
        if (this.store.activeAlertCount(current.id) === 0 && this.rules.autoResolve[current.priority]) {
          this.store.update(current.id, { status: 'resolved', resolvedAt: at, updatedAt: at });
          this.store.addTimeline(current.id, at, 'resolved', 'roomwatch', { reason: event.reason ?? 'all alerts cleared' });
          out.push({ type: 'resolved', incident: this.store.get(current.id) as Incident, at, damped: event.damped });
        } else {
          this.follow(current, at, event.damped, out);
        }
        return;
      }
      case 'flapping':
      case 'flapping_ended': {
        const current = this.store.openFor(a.identity);
        if (current) this.store.addTimeline(current.id, at, 'damped', null, { identity: a.identity, flapping: event.type === 'flapping' });
        return;
      }
    }
  }

  /**
   * The title follows the highest-priority active alert (its summary), and the
   * priority is raised to it. Priority is never lowered automatically: the SLA
   * clocks already run against it, and a quieter alert does not undo the
   * urgency that was paged.
   */
  private follow(incident: Incident, at: number, damped: boolean, out: IncidentChange[]): void {
    const lead = this.store.leadAlert(incident.id);
    if (!lead) return;
    if (lead.summary && lead.summary !== incident.title) {
      this.store.update(incident.id, { title: lead.summary, updatedAt: at });
      this.store.addTimeline(incident.id, at, 'title_changed', null, { from: incident.title, to: lead.summary, identity: lead.identity, runbook: lead.runbook });
      incident = { ...incident, title: lead.summary };
    }
    this.raise(incident, lead.priority, at, damped, out);
  }

  private raise(incident: Incident, priority: Priority, at: number, damped: boolean, out: IncidentChange[]): void {
    if (rank(priority) >= rank(incident.priority)) return;
    this.store.update(incident.id, { priority, updatedAt: at });
    this.store.addTimeline(incident.id, at, 'priority_raised', null, { from: incident.priority, to: priority });
    out.push({ type: 'priority_raised', incident: { ...incident, priority }, at, damped });
  }

  /** An incident opened by a person (a phone call, a vendor notice), not by an alert. */
  openManual(fields: { title: string; priority: Priority; device: string; by: string; description?: string }, at: number): Incident {
    const changes: IncidentChange[] = [];
    const incident = this.db.transaction(() => {
      const inc = this.store.create(freshIncident(fields.priority, fields.title, 'manual', fields.device, at));
      this.store.addTimeline(inc.id, at, 'opened', fields.by, { description: fields.description ?? '', manual: true });
      changes.push({ type: 'opened', incident: inc, at, damped: false });
      return inc;
    })();
    for (const c of changes) for (const l of this.listeners) l(c);
    return incident;
  }

  acknowledge(id: number, by: string, at: number): Incident {
    return this.transition(id, ['open'], 'acknowledged', at, (inc) => {
      this.store.update(id, { status: 'acknowledged', acknowledgedAt: at, acknowledgedBy: by, assignee: inc.assignee ?? by, updatedAt: at });
      this.store.addTimeline(id, at, 'acknowledged', by);
    });
  }

  assign(id: number, to: string, by: string, at: number): Incident {
    return this.transition(id, ['open', 'acknowledged', 'resolved'], null, at, () => {
      this.store.update(id, { assignee: to, updatedAt: at });
      this.store.addTimeline(id, at, 'assigned', by, { to });
    });
  }

  comment(id: number, text: string, by: string, at: number, plan = false): Incident {
    return this.transition(id, ['open', 'acknowledged', 'resolved', 'closed'], null, at, (inc) => {
      if (plan && inc.plannedAt === null) this.store.update(id, { plannedAt: at, updatedAt: at });
      this.store.addTimeline(id, at, plan ? 'planned' : 'comment', by, { text });
    });
  }

  /**
   * Resolving says the problem is fixed, so it is refused while an attached
   * alert still fires (409 naming them): the SLA clock would stop on a problem
   * that is still there. `force` with a reason resolves anyway (the alert is
   * late to clear, or a known false reading) and the timeline records who,
   * why and which alerts still fired; those alerts stay attached, so when they
   * clear nothing more happens and a re-fire reopens the incident as usual.
   */
  resolve(id: number, by: string, at: number, note?: string, force?: { reason: string }): Incident {
    if (force && !force.reason.trim()) throw new IncidentError('a forced resolve needs a reason', 400);
    return this.transition(id, ['open', 'acknowledged'], 'resolved', at, () => {
      const firing = this.store.activeAlerts(id);
      if (firing.length > 0 && !force) {
        throw new IncidentError(
          `incident ${id} still has ${firing.length} firing alert(s): ${firing.map((f) => f.identity).join(', ')}. Resolve it after they clear, or send force: true with a reason`,
          409,
        );
      }
      this.store.update(id, { status: 'resolved', resolvedAt: at, updatedAt: at });
      const forced = force && firing.length > 0 ? { forced: true, reason: force.reason, firing: firing.map((f) => f.identity) } : {};
      this.store.addTimeline(id, at, 'resolved', by, { ...(note ? { note } : {}), ...forced });
    });
  }

  /**
   * Closing needs a cause and a fix: they feed the knowledge base for the next
   * incident of the rule. An incident whose alerts still fire is not closed
   * (that would leave a firing alert no incident tracks) unless the operator
   * forces it with a reason; the firing alerts are then held until they clear,
   * and one that fires again after that opens a new incident.
   */
  close(id: number, by: string, at: number, cause: string, fix: string, force?: { reason: string }): Incident {
    if (!cause.trim() || !fix.trim()) throw new IncidentError('closing an incident needs a cause and a fix', 400);
    if (force && !force.reason.trim()) throw new IncidentError('a forced close needs a reason', 400);
    return this.transition(id, ['open', 'acknowledged', 'resolved'], 'closed', at, (inc) => {
      const firing = this.store.activeAlerts(id);
      if (firing.length > 0 && !force) {
        const names = firing.map((f) => f.identity).join(', ');
        throw new IncidentError(
          `incident ${id} still has ${firing.length} firing alert(s): ${names}. Close it after they clear, or send force: true with a reason to close it and hold those alerts until they clear`,
          409,
        );
      }
      for (const f of firing) {
        this.store.setAlertActive(id, f.identity, false, at);
        this.store.hold(f.identity, id, force?.reason ?? '', at);
        this.store.addTimeline(id, at, 'alert_held', by, { identity: f.identity, reason: force?.reason });
      }
      this.store.update(id, { status: 'closed', closedAt: at, resolvedAt: inc.resolvedAt ?? at, cause, fix, updatedAt: at });
      this.store.addTimeline(id, at, 'closed', by, { cause, fix, ...(force ? { forced: true, reason: force.reason, held: firing.map((f) => f.identity) } : {}) });
      this.store.rememberFix({ incidentId: id, ruleId: inc.ruleId, cause, fix, closedAt: at });
    });
  }

  private transition(id: number, from: IncidentStatus[], to: IncidentStatus | null, at: number, work: (inc: Incident) => void): Incident {
    const changes: IncidentChange[] = [];
    const updated = this.db.transaction(() => {
      const inc = this.store.get(id);
      if (!inc) throw new IncidentError(`no incident ${id}`, 404);
      if (!from.includes(inc.status)) throw new IncidentError(`incident ${id} is ${inc.status}; this needs ${from.join(' or ')}`, 409);
      work(inc);
      const after = this.store.get(id) as Incident;
      if (to === 'acknowledged' || to === 'resolved' || to === 'closed') changes.push({ type: to, incident: after, at, damped: false });
      return after;
    })();
    for (const c of changes) for (const l of this.listeners) l(c);
    return updated;
  }
}
