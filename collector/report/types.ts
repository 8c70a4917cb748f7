/**
 * The daily health-check report (巡检报告): the contract between gathering
 * (stores, registry, alerts, incidents → ReportInput), judging (ReportInput →
 * Report: checklist rows, risks, completeness) and rendering (Report → HTML and
 * text in zh-CN or en). Judging and rendering are pure functions.
 */

import type { RuleThreshold, ThresholdUse } from './thresholds.js';

export type Lang = 'zh-CN' | 'en';
export type Status = 'pass' | 'warn' | 'fail';
export type Priority = 'P1' | 'P2' | 'P3' | 'P4';

/** Summary statistics of one series over a window. */
export interface Stats {
  min: number;
  max: number;
  avg: number;
  last: number;
  /** Samples seen in the window. */
  count: number;
  /** First and last sample times (epoch ms). */
  firstTs: number;
  lastTs: number;
}

/** One series of one device: `measurement.field` and its tags beyond `device`. */
export interface SeriesStats {
  metric: string;
  tags: Record<string, string>;
  /** The report's 24 h. */
  day: Stats;
  /** The 7 days before the report's day (for the trend); absent without history. */
  week?: Stats;
  /** Hourly averages over the day, oldest first (24 values, null for an empty hour): the sparkline. */
  hourly: Array<number | null>;
}

export interface DeviceInput {
  name: string;
  class: string;
  site?: string;
  room?: string;
  vendor?: string;
  model?: string;
  series: SeriesStats[];
  /** Samples expected in the day at the device's interval, and received (all its series together). */
  expectedSamples: number;
  receivedSamples: number;
  /** Minutes in the day in which the device was known down (device.up = 0 or a reachability alert firing). */
  downMinutes: number;
  /** Minutes in the day with no sample at all while not known down: gaps in collection. */
  gapMinutes: number;
  /**
   * Rated capacities from configuration, keyed by metric, e.g. `{ 'fw.sessions': 2_000_000 }`
   * (added for the report: no catalog metric states a firewall's session capacity).
   */
  limits?: Record<string, number>;
}

export interface AlertInput {
  ruleId: string;
  ruleName: string;
  device: string;
  priority: Priority;
  firedAt: number;
  resolvedAt: number | null;
  summary: string;
  runbook?: string;
  /** Fired inside a maintenance window: recorded, not paged. */
  muted?: boolean;
  maintenance?: MaintenanceMark;
}

/** The maintenance window that muted an alert, for the report's mark. */
export interface MaintenanceMark {
  name: string;
  start?: number;
  end?: number;
  cron?: string;
}

/** Where an SLA clock stands: met or breached once stopped, running (or breached) while open. */
export type SlaState = 'met' | 'breached' | 'running';

export interface IncidentInput {
  id: number;
  priority: Priority;
  device: string;
  title: string;
  ruleId: string;
  openedAt: number;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
  respondMet: boolean | undefined;
  resolveMet: boolean | undefined;
  /** open, acknowledged, resolved or closed when the report was made. */
  status?: string;
}

/** A known fix from closed incidents of the same rule (the knowledge base). */
export interface KnownFix {
  ruleId: string;
  cause: string;
  fix: string;
  incidentId: number;
}

export interface ReportInput {
  /** The report's day as YYYY-MM-DD in `timeZone`, and its bounds in epoch ms. */
  date: string;
  timeZone: string;
  from: number;
  to: number;
  generatedAt: number;
  site?: string;
  devices: DeviceInput[];
  alerts: AlertInput[];
  incidents: IncidentInput[];
  knownFixes: KnownFix[];
  /** Rule id → runbook text, for recommended actions. */
  runbooks: Record<string, string>;
  /** The levels of the loaded rules (thresholds.ts): the checks' numbers. Absent: every check uses its default. */
  thresholds?: RuleThreshold[];
}

/**
 * A localisable phrase (added for the report: one Report is rendered in both
 * languages): a key of the catalogue in i18n.ts and its parameters.
 */
export interface Message {
  key: string;
  params?: Record<string, string | number>;
}

export interface CheckRow {
  device: string;
  class: string;
  /** Stable id of the check, e.g. `cpu`, `fs:/u01`, `ups.battery`. */
  check: string;
  status: Status;
  /** Short value text, e.g. "peak 97 %, avg 41 %". */
  value: string;
  /** Why it is warn/fail, e.g. "full in 2.5 days". */
  detail?: string;
  /** Hourly values for a sparkline, when one series stands behind the row. */
  hourly?: Array<number | null>;
  /** The change against the previous 7 days, e.g. +12 (percentage points or units of the value). */
  trend?: number;
  /** Days until full (filesystems, tablespaces, ASM, FRA, pools), when a trend predicts it within 30 days. */
  daysUntilFull?: number;
  /** `value` and `detail` as catalogue phrases, so renderers can localise them (`value`/`detail` stay English). */
  valueMsg?: Message[];
  detailMsg?: Message[];
  /** The numbers the row was judged against, each with the rule it came from (or none: the default). */
  thresholds?: ThresholdUse[];
}

export interface Risk {
  device: string;
  /** The check id for a checklist row; the rule id for a firing alert; `incident` for an open incident. */
  check: string;
  status: Status;
  text: string;
  /** From the rule's runbook or a known fix. */
  action: string;
  source: 'runbook' | 'knowledge-base' | 'default';
  /** What raised it: a failed check row (default), an alert still firing, or an open incident. */
  kind?: 'check' | 'alert' | 'incident';
  priority?: Priority;
  incidentId?: number;
  /** A muted alert and the maintenance window behind it. */
  maintenance?: MaintenanceMark;
}

export interface Report {
  input: ReportInput;
  rows: CheckRow[];
  risks: Risk[];
  summary: { devices: number; pass: number; warn: number; fail: number };
  alertsByPriority: Record<Priority, number>;
  incidentStats: Record<Priority, { opened: number; acknowledged: number; resolved: number; mttaMs: number | null; mttrMs: number | null; respondSlaPct: number | null; resolveSlaPct: number | null }>;
  completeness: Array<{ device: string; class: string; receivedPct: number; gapMinutes: number; downMinutes: number; verdict: 'complete' | 'gaps' | 'down' | 'silent' }>;
  /** Every number the checklist used, per class and check kind, and the rule it came from (none: the default). */
  thresholds?: Array<ThresholdUse & { class: string; check: string }>;
}
