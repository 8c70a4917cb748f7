/**
 * What a configuration reload changes: which targets are new, gone, changed
 * (a new probe) or only rescheduled (the same probe on a new interval), and
 * which settings only a restart applies.
 */
import { isDeepStrictEqual } from 'node:util';
import type { AgentConfig, TargetConfig } from './config.js';

export interface ReloadReport {
  added: string[];
  removed: string[];
  changed: string[];
  rescheduled: string[];
  unchanged: number;
  /** Settings that changed in the file but apply only after a restart. */
  needsRestart: string[];
}

export interface ReloadPlan {
  added: TargetConfig[];
  removed: string[];
  replaced: TargetConfig[];
  rescheduled: TargetConfig[];
  needsRestart: string[];
  summary: Omit<ReloadReport, 'needsRestart'>;
}

/** The settings that live in objects created once per process (sender, spool, trap receiver). */
const RESTART_KEYS = ['name', 'device', 'site', 'room', 'collector', 'batch', 'spool', 'snmp', 'jitterMs', 'intervalMs'] as const;

export function planReload(current: AgentConfig, next: AgentConfig, running: TargetConfig[]): ReloadPlan {
  const before = new Map(running.map((t) => [t.name, t]));
  const plan: ReloadPlan = { added: [], removed: [], replaced: [], rescheduled: [], needsRestart: [], summary: { added: [], removed: [], changed: [], rescheduled: [], unchanged: 0 } };
  for (const t of next.targets) {
    const old = before.get(t.name);
    if (!old) plan.added.push(t);
    else if (isDeepStrictEqual(old, t)) plan.summary.unchanged++;
    else if (sameProbe(old, t)) plan.rescheduled.push(t);
    else plan.replaced.push(t);
  }
  const names = new Set(next.targets.map((t) => t.name));
  plan.removed = running.filter((t) => !names.has(t.name)).map((t) => t.name);
  plan.needsRestart = RESTART_KEYS.filter((k) => !isDeepStrictEqual(current[k], next[k]));
  plan.summary.added = plan.added.map((t) => t.name);
  plan.summary.removed = plan.removed;
  plan.summary.changed = plan.replaced.map((t) => t.name);
  plan.summary.rescheduled = plan.rescheduled.map((t) => t.name);
  return plan;
}

/** Only the schedule differs: the probe and its state can stay. */
function sameProbe(a: TargetConfig, b: TargetConfig): boolean {
  return a.probe === b.probe && a.device === b.device && isDeepStrictEqual(a.options, b.options);
}
