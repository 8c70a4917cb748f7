/**
 * The checklist's numbers come from the loaded rules, so a NOC that tunes a
 * rule (disk.used_pct > 85 instead of 90) sees the same number in the morning
 * report. A check level that mirrors a rule is *bound*: `bind: 'alert'` takes
 * the rule's alerting threshold (its `when`), `bind: 'escalate'` the first
 * escalation level. The number written in checks.ts is the documented default,
 * used when no loaded rule for that metric (and device class) has one.
 *
 * A rule gives a threshold for a metric only where the number is unambiguous:
 * its `when` (or an escalation's) is one comparison of that metric, or a
 * window function of it, with a number (`avg(cpu.usage_pct, 10m) > 95`,
 * `disk.used_pct{mount!~"/boot.*"} > 90`). Conjunctions (`mem > 95 and swap >
 * 50`), predict() and absent() give none: their meaning is not a level.
 */
import type { Expr, RuleDef } from '../rules/types.js';
import type { Priority } from './types.js';

/** One number a rule pages at, for one metric. */
export interface RuleThreshold {
  ruleId: string;
  metric: string;
  /** Device classes of the rule's file; undefined: every class. */
  classes?: string[];
  /** 'alert': the rule's `when`; 'escalate': escalation level `index` (0 = first). */
  level: 'alert' | 'escalate';
  index: number;
  priority: Priority;
  op: '>' | '<';
  value: number;
}

/** Where a check took one of its numbers: a rule, or the default in checks.ts. */
export interface ThresholdUse {
  /** Which of the check's levels: warn or fail. */
  level: 'warn' | 'fail';
  metric: string;
  op: '>' | '<';
  value: number;
  /** The rule (`group/name`) and the priority of its level; absent: the documented default. */
  rule?: string;
  priority?: Priority;
}

type Compare = Extract<Expr, { kind: 'compare' }>;

/** `metric OP number` (either way round) as metric, direction and number; undefined otherwise. */
function levelOf(e: Expr): { metric: string; op: '>' | '<'; value: number } | undefined {
  if (e.kind !== 'compare') return undefined;
  const c = e as Compare;
  const series = (x: Expr) => (x.kind === 'selector' || x.kind === 'call' ? `${x.selector.measurement}.${x.selector.field}` : undefined);
  let metric = series(c.left);
  let value = c.right.kind === 'number' ? c.right.value : undefined;
  let op = c.op;
  if (metric === undefined || value === undefined) {
    // `90 < disk.used_pct` reads as `disk.used_pct > 90`.
    metric = series(c.right);
    value = c.left.kind === 'number' ? c.left.value : undefined;
    const flip: Record<string, Compare['op']> = { '>': '<', '>=': '<=', '<': '>', '<=': '>=' };
    op = (flip[c.op] ?? c.op) as Compare['op'];
  }
  if (metric === undefined || value === undefined || !Number.isFinite(value)) return undefined;
  if (op === '>' || op === '>=') return { metric, op: '>', value };
  if (op === '<' || op === '<=') return { metric, op: '<', value };
  return undefined; // == and != are states, not levels
}

/** The levels of `a > 1 or b > 1` (either fires the rule, so each is a number the rule pages at); none for `and`. */
function levelsOf(e: Expr): Array<{ metric: string; op: '>' | '<'; value: number }> {
  if (e.kind === 'or') return [...levelsOf(e.left), ...levelsOf(e.right)];
  const l = levelOf(e);
  return l ? [l] : [];
}

/** Every level the loaded rules page at, in rule order: each rule's `when`, then its escalations. */
export function thresholdsOf(rules: readonly RuleDef[]): RuleThreshold[] {
  const out: RuleThreshold[] = [];
  for (const r of rules) {
    const base = levelsOf(r.when);
    const scope = r.classes ? { classes: [...r.classes] } : {};
    for (const l of base) out.push({ ruleId: r.id, ...l, ...scope, level: 'alert', index: 0, priority: r.priority });
    r.escalate.forEach((esc, index) => {
      // An escalation of another series than the rule's own is not this rule's number for that series.
      for (const l of levelsOf(esc.when)) {
        if (base.length === 0 || base.some((b) => b.metric === l.metric)) out.push({ ruleId: r.id, ...l, ...scope, level: 'escalate', index, priority: esc.priority });
      }
    });
  }
  return out;
}

export interface Binding {
  /** Which of the rule's levels the check level mirrors. */
  bind?: 'alert' | 'escalate';
}

/**
 * The rule threshold a bound level takes for a device class: from the check's
 * own rules first (in the order the check names them), else from any loaded
 * rule for the metric that applies to the class (a site's own rule pack).
 * Same direction only: a `<` level never takes a `>` rule's number.
 */
export function ruleLevel(all: readonly RuleThreshold[], o: { metric: string; op: '>' | '<'; bind: 'alert' | 'escalate'; cls: string; rules: readonly string[] }): RuleThreshold | undefined {
  const fits = all.filter((t) => t.metric === o.metric && t.op === o.op && t.level === o.bind && (!t.classes || t.classes.includes(o.cls)));
  // In the check's order of rules, each rule's levels in file order: the first escalation is the
  // level just above the alert, the check's fail.
  const own = o.rules.flatMap((id) => fits.filter((t) => t.ruleId === id));
  if (own.length > 0) return own[0];
  return [...fits].sort((a, b) => a.ruleId.localeCompare(b.ruleId) || a.index - b.index)[0];
}
