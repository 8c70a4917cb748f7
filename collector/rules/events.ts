/**
 * Alert state and the events that leave the rule engine. This is the one
 * interface the incidents stage consumes (docs/architecture.md §5).
 */
import type { Priority } from './types.js';

/**
 * inactive → pending → firing → resolved. `suppressed` is a child's
 * reachability alert held while a parent device is down.
 */
export type AlertStateName = 'inactive' | 'pending' | 'firing' | 'resolved' | 'suppressed';

export interface AlertState {
  /** rule id + the primary series' tags (which include device). */
  identity: string;
  ruleId: string;
  device: string;
  tags: Record<string, string>;
  state: AlertStateName;
  priority: Priority;
  /** The left side of the rule's first comparison at the last evaluation. */
  value: number | null;
  activeSince: number | null;
  firingSince: number | null;
  clearingSince: number | null;
  resolvedAt: number | null;
  /** Times of fired/resolved transitions inside the flap window. */
  changes: number[];
  flapping: boolean;
  /** While suppressed: the parent alert's identity. */
  suppressedBy: string | null;
  /** After a parent recovers, a suppressed child is re-checked until this time before it may fire. */
  graceUntil: number | null;
  /** Inside a maintenance window: recorded, not raised. */
  muted: boolean;
  /** In the collector's language (`notify.lang`), falling back to English. */
  summary: string;
  runbook: string;
  /** The same text in every language the rule has (en always), so a report or a contact can pick theirs. */
  texts?: Partial<Record<'en' | 'zh-CN', { summary: string; runbook: string }>>;
  labels: Record<string, string>;
  updatedAt: number;
}

export type AlertEventType = 'fired' | 'resolved' | 'escalated' | 'flapping' | 'flapping_ended' | 'suppressed' | 'unsuppressed';

export interface AlertEvent {
  type: AlertEventType;
  at: number;
  alert: Readonly<AlertState>;
  /** For `escalated`: the priority before. */
  previousPriority?: Priority;
  /** True while the alert flaps: consumers should not page for it. */
  damped: boolean;
  /** Why a `resolved` happened when it was not the data clearing, e.g. "rule removed". */
  reason?: string;
}

export type AlertEventListener = (event: AlertEvent) => void;
