/**
 * Per-priority service figures over a period: how many incidents opened, mean
 * time to acknowledge and to resolve, and the share that met their respond and
 * resolve SLAs. Incidents still open count against compliance only once their
 * deadline has passed.
 */
import { PRIORITIES, type Priority } from '../rules/types.js';
import type { Incident } from './types.js';

export interface SlaJudge {
  /** Whether the incident met (true), missed (false) or cannot yet be judged (undefined) a clock. */
  met(incident: Incident, clock: 'respond' | 'plan' | 'resolve', now: number): boolean | undefined;
}

export interface PriorityStats {
  opened: number;
  acknowledged: number;
  resolved: number;
  mtta_ms: number | null;
  mttr_ms: number | null;
  respond_sla_pct: number | null;
  resolve_sla_pct: number | null;
}

const mean = (xs: number[]) => (xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length) : null);

function pct(results: Array<boolean | undefined>): number | null {
  const judged = results.filter((r): r is boolean => r !== undefined);
  return judged.length ? Math.round((judged.filter(Boolean).length / judged.length) * 1000) / 10 : null;
}

export function incidentStats(incidents: readonly Incident[], judge: SlaJudge, now: number): Record<Priority, PriorityStats> {
  const out = {} as Record<Priority, PriorityStats>;
  for (const p of PRIORITIES) {
    const list = incidents.filter((i) => i.priority === p);
    const acked = list.filter((i) => i.acknowledgedAt !== null);
    const resolved = list.filter((i) => i.resolvedAt !== null);
    out[p] = {
      opened: list.length,
      acknowledged: acked.length,
      resolved: resolved.length,
      mtta_ms: mean(acked.map((i) => (i.acknowledgedAt as number) - i.openedAt)),
      mttr_ms: mean(resolved.map((i) => (i.resolvedAt as number) - i.openedAt)),
      respond_sla_pct: pct(list.map((i) => judge.met(i, 'respond', now))),
      resolve_sla_pct: pct(list.map((i) => judge.met(i, 'resolve', now))),
    };
  }
  return out;
}
