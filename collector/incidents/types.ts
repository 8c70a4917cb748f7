/**
 * Incidents (docs/architecture.md §5): opened automatically by firing alerts, with an
 * SLA clock, an escalation tier, a timeline and, when closed, a cause and fix
 * that feed the knowledge base.
 */
import type { Priority } from '../rules/types.js';

export { INCIDENT_STATUSES, type Incident, type IncidentStatus } from '../contract/incidents.js';

/** What an attached alert says now: the incident's title and priority follow its highest-priority active alert. */
export interface AlertText {
  priority: Priority;
  summary: string;
  runbook: string;
}

/** How an alert belongs to an incident. */
export type AttachmentRole = 'origin' | 'correlated' | 'suppressed';

export interface IncidentAlert {
  incidentId: number;
  identity: string;
  ruleId: string;
  device: string;
  role: AttachmentRole;
  active: boolean;
  attachedAt: number;
  clearedAt: number | null;
}

export type TimelineType =
  | 'opened'
  | 'reopened'
  | 'alert_attached'
  | 'alert_fired'
  | 'alert_cleared'
  | 'priority_raised'
  | 'title_changed'
  | 'alert_held'
  | 'alert_released'
  | 'undeliverable'
  | 'acknowledged'
  | 'assigned'
  | 'comment'
  | 'planned'
  | 'resolved'
  | 'closed'
  | 'escalated'
  | 'sla_warning'
  | 'sla_breach'
  | 'notified'
  | 'notify_failed'
  | 'unreachable_contact'
  | 'damped';

export interface TimelineEntry {
  id: number;
  incidentId: number;
  at: number;
  type: TimelineType;
  actor: string | null;
  detail: Record<string, unknown>;
}

export interface KnownFix {
  incidentId: number;
  ruleId: string;
  cause: string;
  fix: string;
  closedAt: number;
}
