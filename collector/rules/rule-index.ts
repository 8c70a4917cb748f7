/**
 * Which rule selectors can match a series. Rules are filed under their metric
 * and, within it, under one equality matcher (`device="db01"` first, else the
 * first other `=`), so a series looks up only the rules filed under its own
 * tag values; selectors with no equality matcher (only `!=`, `=~`, `!~`, or
 * none) sit on a scan list that every series of the metric checks.
 *
 * The answer is exactly what testing every selector of the metric would give,
 * in the same order (load order), so the engine evaluates the same rules in the
 * same sequence as a full scan. A series' tags never change, so the engine
 * asks once per series and keeps the answer with the series' window.
 */
import { matchTags, type MetricSelector, type TagMatcher } from '../store/selector.js';
import type { RuleDef } from './types.js';

export interface RuleRef {
  rule: RuleDef;
  selector: MetricSelector;
  /** The rule's first selector: its series is the alert's identity. */
  primary: boolean;
  /** Position in load order (rule, then selector): the order a full scan visits. */
  ordinal: number;
}

interface MetricRules {
  /** tag name → tag value → selectors whose key matcher is `name="value"`. */
  byTag: Map<string, Map<string, RuleRef[]>>;
  /** Selectors without an equality matcher. */
  scan: RuleRef[];
}

/** The matcher a selector is filed under: `device=` first (the most selective in a room), else the first `=`. */
export function keyMatcher(matchers: readonly TagMatcher[]): TagMatcher | undefined {
  return matchers.find((m) => m.op === '=' && m.name === 'device') ?? matchers.find((m) => m.op === '=');
}

export class RuleIndex {
  private readonly metrics = new Map<string, MetricRules>();
  private count = 0;

  static of(rules: readonly RuleDef[]): RuleIndex {
    const index = new RuleIndex();
    for (const rule of rules) rule.selectors.forEach((selector, i) => index.add(rule, selector, i === 0));
    return index;
  }

  get size(): number {
    return this.count;
  }

  has(metric: string): boolean {
    return this.metrics.has(metric);
  }

  private add(rule: RuleDef, selector: MetricSelector, primary: boolean): void {
    const metric = `${selector.measurement}.${selector.field}`;
    let m = this.metrics.get(metric);
    if (!m) this.metrics.set(metric, (m = { byTag: new Map(), scan: [] }));
    const ref: RuleRef = { rule, selector, primary, ordinal: this.count++ };
    const key = keyMatcher(selector.matchers);
    if (!key) {
      m.scan.push(ref);
      return;
    }
    let byValue = m.byTag.get(key.name);
    if (!byValue) m.byTag.set(key.name, (byValue = new Map()));
    const list = byValue.get(key.value);
    if (list) list.push(ref);
    else byValue.set(key.value, [ref]);
  }

  /** The selectors of `metric` whose matchers all hold for `tags`, in load order. */
  match(metric: string, tags: Readonly<Record<string, string>>): RuleRef[] {
    const m = this.metrics.get(metric);
    if (!m) return [];
    const out: RuleRef[] = [];
    let lists = 0;
    const take = (refs: readonly RuleRef[] | undefined) => {
      if (!refs || refs.length === 0) return;
      lists++;
      for (const ref of refs) if (matchTags(tags, ref.selector.matchers)) out.push(ref);
    };
    take(m.scan);
    // A missing tag reads as "" for matching, so `mount=""` is looked up the same way.
    for (const [name, byValue] of m.byTag) take(byValue.get(tags[name] ?? ''));
    if (lists > 1) out.sort((a, b) => a.ordinal - b.ordinal);
    return out;
  }
}
