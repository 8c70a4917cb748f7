/**
 * The rule language's compiled form (docs/architecture.md §4). The parser turns YAML rule
 * files into RuleDefs; the engine evaluates them. Nothing else depends on the
 * YAML shape.
 */
import type { MetricSelector } from '../store/selector.js';

import type { Priority } from '../contract/incidents.js';

export { PRIORITIES, type Priority } from '../contract/incidents.js';

/** A position in a rule file, 1-based. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export type CompareOp = '>' | '>=' | '<' | '<=' | '==' | '!=';

/** Functions over a window of one series. `last` with no window is the latest value. */
export type WindowFn = 'last' | 'avg' | 'min' | 'max' | 'rate' | 'delta' | 'resets';

export type Expr =
  | { kind: 'number'; value: number; pos: SourcePos }
  /** A bare selector: its latest value. */
  | { kind: 'selector'; selector: MetricSelector; pos: SourcePos }
  /** fn(selector, window): `avg(cpu.usage_pct, 5m)`. `last(sel)` has windowMs 0. */
  | { kind: 'call'; fn: WindowFn; selector: MetricSelector; windowMs: number; pos: SourcePos }
  /** absent(selector, window): true when the series has no sample newer than the window. */
  | { kind: 'absent'; selector: MetricSelector; windowMs: number; pos: SourcePos }
  /**
   * predict(selector, window) OP X within D: fit a least-squares line over the
   * window and compare its value at now + D with X.
   */
  | { kind: 'predict'; selector: MetricSelector; windowMs: number; op: CompareOp; threshold: number; withinMs: number; pos: SourcePos }
  | { kind: 'compare'; op: CompareOp; left: Expr; right: Expr; pos: SourcePos }
  | { kind: 'and' | 'or'; left: Expr; right: Expr; pos: SourcePos }
  | { kind: 'not'; expr: Expr; pos: SourcePos };

export interface EscalationLevel {
  /** Raises the alert to `priority` while this holds (a full boolean expression). */
  when: Expr;
  priority: Priority;
}

export interface FlapPolicy {
  /** State changes counted over this window… */
  windowMs: number;
  /** …more than this many mark the alert flapping; its notifications are damped. */
  maxChanges: number;
}

export interface RuleDef {
  /** `group/name`, unique across all loaded files. */
  id: string;
  group: string;
  name: string;
  pos: SourcePos;
  /** Boolean expression that makes the alert active. */
  when: Expr;
  /** How long `when` must hold before the alert fires (0: at once). */
  forMs: number;
  /**
   * Boolean expression that must hold for a firing alert to clear. The partial
   * form `clear: "< 85"` is compiled against the left side of `when`'s first
   * comparison. Absent: the alert clears when `when` stops holding.
   */
  clear?: Expr;
  /** How long the clear condition must hold before the alert resolves. */
  clearForMs: number;
  priority: Priority;
  /** Higher priorities by level, most severe last. Partial forms compile like `clear`. */
  escalate: EscalationLevel[];
  flap: FlapPolicy;
  labels: Record<string, string>;
  /**
   * Share (0…1) of a window a series must have been watched for before a
   * window function on it has a value (`min_coverage`); undefined: the
   * collector's default (80 %). predict() always needs its whole fit window.
   */
  minCoverage?: number;
  /** English text (templates). */
  summary?: string;
  runbook?: string;
  /** The same text in other languages (`summary_zh-CN`, `runbook_zh-CN`); a missing one falls back to English. */
  translations?: Partial<Record<'zh-CN', { summary?: string; runbook?: string }>>;
  /**
   * Every selector the rule reads. The first one is the primary: an alert's
   * identity is rule + device + the primary series' tags. Other selectors are
   * read for the same device.
   */
  selectors: MetricSelector[];
  /**
   * Device classes the rule applies to (the file's `classes`); undefined: every
   * device. A device whose class is unknown matches only unscoped rules.
   */
  classes?: string[];
  /**
   * A reachability rule (it reads device.up or uses absent()): while a parent
   * device is down, its children's reachability alerts are suppressed.
   */
  reachability: boolean;
}

export interface RuleFile {
  file: string;
  group: string;
  rules: RuleDef[];
}

export interface RuleProblem extends SourcePos {
  /** `group` and `rule` name when known, so the message says where in the file's logic. */
  group?: string;
  rule?: string;
  message: string;
}
