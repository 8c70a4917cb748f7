/** A firing alert as the rule engine hands it to the incident manager, for incident tests. */
import type { AlertState } from '../../collector/rules/events.js';
import type { Priority } from '../../collector/rules/types.js';

export const T0 = Date.UTC(2026, 10, 23, 2, 0, 0);
export const MIN = 60_000;

export function alert(ruleId: string, device: string, priority: Priority, extra: Partial<AlertState> = {}): AlertState {
  return {
    identity: `${ruleId}|device="${device}"`,
    ruleId,
    device,
    tags: { device },
    state: 'firing',
    priority,
    value: 1,
    activeSince: T0,
    firingSince: T0,
    clearingSince: null,
    resolvedAt: null,
    changes: [],
    flapping: false,
    suppressedBy: null,
    graceUntil: null,
    muted: false,
    summary: `${ruleId} on ${device}`,
    runbook: '',
    labels: {},
    updatedAt: T0,
    ...extra,
  };
}
