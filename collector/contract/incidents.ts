/**
 * The incident shapes the collector's API answers with and the console reads:
 * one definition for both sides (the console imports these types; it must
 * never import collector code that runs). Pure types and constants only.
 */

export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const INCIDENT_STATUSES = ['open', 'acknowledged', 'resolved', 'closed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export interface Incident {
  id: number;
  status: IncidentStatus;
  priority: Priority;
  title: string;
  /** The rule of the alert that opened it (knowledge base key). */
  ruleId: string;
  device: string;
  openedAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  /** When a plan/diagnosis was recorded (stops the plan clock). */
  plannedAt: number | null;
  resolvedAt: number | null;
  closedAt: number | null;
  assignee: string | null;
  /** Index into the policy's tiers: 0 = L1. */
  tier: number;
  cause: string | null;
  fix: string | null;
  updatedAt: number;
}

export interface BoardClock {
  deadline: number;
  targetMs: number;
  breached: boolean;
  /** The clock no longer runs: acknowledged (respond), planned (plan) or resolved. */
  stopped: boolean;
}

/** One row of the incident board: the incident plus its three SLA clocks as the server computes them. */
export interface BoardRow {
  incident: Incident;
  sla: { respond: BoardClock; plan: BoardClock; resolve: BoardClock };
}

/** A knowledge-base entry: the cause and fix of a closed incident. */
export interface KnowledgeEntry {
  incidentId: number;
  ruleId: string;
  cause: string;
  fix: string;
  closedAt: number;
  title: string | null;
  device: string | null;
  priority: string | null;
  editedBy: string | null;
  editedAt: number | null;
}
