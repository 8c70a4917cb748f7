/**
 * One row of the incident board: the incident plus its three SLA clocks as the
 * server computes them (pauses for maintenance included). The console counts
 * down from `deadline` itself, so a row needs no refresh to stay current.
 */
import type { BoardClock, BoardRow, Incident } from '../contract/incidents.js';

export type { BoardClock, BoardRow } from '../contract/incidents.js';

/** The incidents the board shows: everything not closed (a resolved P1 still waits for its close). */
export const BOARD_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export const BOARD_LIMIT = 500;

type SlaView = (incident: Incident, now: number) => Record<string, unknown>;

export function boardRow(incident: Incident, slaView: SlaView, now: number): BoardRow {
  const view = slaView(incident, now) as Record<'respond' | 'plan' | 'resolve', { deadline: number; targetMs: number; breached: boolean }>;
  const stoppedAt = {
    respond: incident.acknowledgedAt ?? incident.resolvedAt,
    plan: incident.plannedAt ?? incident.resolvedAt,
    resolve: incident.resolvedAt,
  };
  const clock = (name: 'respond' | 'plan' | 'resolve'): BoardClock => ({
    deadline: view[name].deadline,
    targetMs: view[name].targetMs,
    breached: view[name].breached,
    stopped: stoppedAt[name] !== null,
  });
  return { incident, sla: { respond: clock('respond'), plan: clock('plan'), resolve: clock('resolve') } };
}
