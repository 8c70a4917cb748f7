/**
 * The rule engine. Each committed sample reaches only the rules that can match
 * its series: the rule index (rule-index.ts) files selectors by metric and by
 * an equality matcher, and each series keeps the answer, so a sample costs the
 * rules that read it and nothing per other rule. A periodic tick drives `for`,
 * `clear_for`, absence, grace periods and maintenance windows. Alert state
 * changes are persisted and leave through one listener interface.
 */
import type { Sample } from '../contract/index.js';
import { matchTags, type MetricSelector } from '../store/selector.js';
import { tagSetKey } from '../store/sqlite.js';
import { longestWindow, type EvalContext } from './evaluate.js';
import type { AlertEvent, AlertEventListener, AlertState } from './events.js';
import { AlertLifecycle, type LifecycleOptions } from './lifecycle.js';
import type { MaintenanceCalendar } from './maintenance.js';
import { RuleIndex, type RuleRef } from './rule-index.js';
import { SeriesIndex, type SeriesEntry, type WindowStats } from './series-index.js';
import type { AlertStateStore } from './state-store.js';
import type { Topology } from './inventory.js';
import type { RuleDef } from './types.js';

export interface RuleEngineOptions {
  now: () => number;
  store: AlertStateStore;
  maintenance: MaintenanceCalendar;
  topology: () => Topology;
  /** After a parent recovers, children are re-checked this long before anything fires. */
  graceMs: number;
  /** The device's class, for rules scoped with `classes`. */
  classOf?: (device: string) => string | undefined;
  /**
   * Runs a unit of work in one SQLite transaction (db.transaction), so the
   * alert-state writes of a tick commit together, with one fsync.
   */
  transaction?: (work: () => void) => void;
  /** Default share of a window a series must cover before a window function has a value (0.8). */
  minCoverage?: number;
  /** Language of alert summaries and runbooks (rule text in it, else English). */
  lang?: 'en' | 'zh-CN';
}

export const DEFAULT_MIN_COVERAGE = 0.8;

const TEMPLATE_METRIC = /\{\{\s*([A-Za-z_][A-Za-z0-9_-]*\.[A-Za-z_][A-Za-z0-9_-]*)\s*\}\}/g;

export class RuleEngine {
  private rules: RuleDef[] = [];
  private index = new RuleIndex();
  /** Counted for /metrics: selectors a sample's series matched, and rule evaluations run. */
  private counts = { candidates: 0, evaluations: 0 };
  private series = new SeriesIndex(new Map());
  private readonly lifecycle: AlertLifecycle;
  private readonly listeners: AlertEventListener[] = [];
  /** Events of transitions not yet delivered: they leave only after their state has committed. */
  private outbox: AlertEvent[] = [];
  private absentRules: RuleDef[] = [];
  private maxAge = new Map<string, number>();

  constructor(private readonly opts: RuleEngineOptions) {
    const lifecycleOptions: LifecycleOptions = {
      store: opts.store,
      maintenance: opts.maintenance,
      topology: opts.topology,
      graceMs: opts.graceMs,
      emit: (e) => this.outbox.push(e),
      metric: (name, device) => this.series.latest(name, device),
      ...(opts.lang ? { lang: opts.lang } : {}),
    };
    this.lifecycle = new AlertLifecycle(lifecycleOptions);
  }

  onEvent(listener: AlertEventListener): void {
    this.listeners.push(listener);
  }

  /**
   * Delivers the events of committed transitions to the listeners. Call it
   * after the transaction that ran ingest() has committed; tick() calls it
   * itself.
   */
  deliver(): void {
    if (this.outbox.length === 0) return;
    const events = this.outbox;
    this.outbox = [];
    for (const e of events) for (const l of this.listeners) l(e);
  }

  get loadedRules(): readonly RuleDef[] {
    return this.rules;
  }

  alerts(): AlertState[] {
    return this.lifecycle.all();
  }

  /** Replaces the rule set: rebuilds the index and the windows; keeps state of rules that remain. */
  setRules(rules: RuleDef[]): void {
    const maxAge = new Map<string, number>();
    for (const rule of rules) {
      const longest = Math.max(longestWindow(rule.when), rule.clear ? longestWindow(rule.clear) : 0, ...rule.escalate.map((e) => longestWindow(e.when)));
      rule.selectors.forEach((selector) => {
        const metric = `${selector.measurement}.${selector.field}`;
        // A minute beyond the longest window keeps the edge point that window functions need.
        maxAge.set(metric, Math.max(maxAge.get(metric) ?? 0, longest + 60_000));
      });
      for (const t of [rule.summary ?? '', rule.runbook ?? '']) {
        for (const m of t.matchAll(TEMPLATE_METRIC)) if (!maxAge.has(m[1] as string)) maxAge.set(m[1] as string, 0);
      }
    }
    this.rules = rules;
    this.index = RuleIndex.of(rules);
    this.maxAge = maxAge;
    this.series = new SeriesIndex(maxAge);
    this.absentRules = rules.filter((r) => hasAbsent(r));
    this.lifecycle.setRules(rules, this.opts.now());
    // Alerts of removed rules resolved above; their state writes are already committed.
    this.deliver();
  }

  /** Metrics some rule or template reads, how much history each needs, and whether an absence rule watches it. */
  historyNeeds(): Array<{ metric: string; maxAgeMs: number; absence: boolean }> {
    const absent = new Set(this.absentRules.map((r) => `${r.selectors[0]?.measurement}.${r.selectors[0]?.field}`));
    return [...this.maxAge].map(([metric, maxAgeMs]) => ({ metric, maxAgeMs, absence: absent.has(metric) }));
  }

  /**
   * Feeds a batch into the windows, then evaluates the rules that read it.
   * Runs inside the ingest transaction, so alert state commits with the
   * samples; events wait in the outbox until deliver(). The
   * two passes make a batch one consistent snapshot: a rule (or a summary) that
   * reads two metrics of a device sees both values from the same batch,
   * whatever their order in it.
   */
  ingest(samples: readonly Sample[]): void {
    const now = this.opts.now();
    const touched: SeriesEntry[] = [];
    for (const s of samples) {
      let tagKey: string | undefined;
      for (const field in s.fields) {
        const metric = `${s.measurement}.${field}`;
        if (!this.series.wants(metric)) continue;
        const raw = s.fields[field];
        const value = typeof raw === 'boolean' ? (raw ? 1 : 0) : raw;
        if (typeof value !== 'number' || !Number.isFinite(value)) continue;
        tagKey ??= tagSetKey(s.tags);
        const entry = this.series.entry(metric, s.tags, tagKey);
        entry.window.push(s.ts, value);
        // A series' tags never change, so which rules can match it is looked up once.
        const refs = (entry.refs ??= this.index.match(metric, entry.tags));
        if (refs.length > 0) {
          this.counts.candidates += refs.length;
          touched.push(entry);
        }
      }
    }
    for (const entry of touched) this.evaluateRefs(entry.refs as readonly RuleRef[], entry, now);
  }

  /** Running totals for /metrics (engine-metrics.ts). */
  counters(): Readonly<{ candidates: number; evaluations: number }> {
    return this.counts;
  }

  /** What the windows hold in memory now. */
  windowStats(): WindowStats {
    return this.series.stats();
  }

  /** Pushes history without evaluating (warm-up after a start or reload). */
  preload(metric: string, tags: Record<string, string>, points: ReadonlyArray<readonly [number, number]>): void {
    if (!this.series.wants(metric)) return;
    const entry = this.series.entry(metric, tags);
    for (const [ts, v] of points) entry.window.push(ts, v);
  }

  private evaluateRefs(refs: readonly RuleRef[], entry: SeriesEntry, now: number): void {
    // The refs matched this series' tags already (RuleIndex.match); the class can change, so it is checked here.
    for (const ref of refs) {
      if (!this.applies(ref.rule, entry.device)) continue;
      if (ref.primary) this.evaluate(ref.rule, entry, now);
      else {
        // A secondary metric changed: re-evaluate the rule's alerts on that device.
        for (const st of this.lifecycle.forRuleDevice(ref.rule.id, entry.device)) {
          const primary = this.primaryEntry(ref.rule, st.tags);
          if (primary) this.evaluate(ref.rule, primary, now);
        }
      }
    }
  }

  private applies(rule: RuleDef, device: string): boolean {
    if (!rule.classes) return true;
    const cls = this.opts.classOf?.(device);
    return cls !== undefined && rule.classes.includes(cls);
  }

  private primaryEntry(rule: RuleDef, tags: Record<string, string>): SeriesEntry | undefined {
    const sel = rule.selectors[0];
    if (!sel) return undefined;
    return this.series.entry(`${sel.measurement}.${sel.field}`, tags);
  }

  private context(rule: RuleDef, primary: SeriesEntry, now: number): EvalContext {
    const first = rule.selectors[0];
    return {
      now,
      minCoverage: rule.minCoverage ?? this.opts.minCoverage ?? DEFAULT_MIN_COVERAGE,
      window: (sel) => (sel === first ? primary.window : this.series.resolve(sel, primary.device, primary.tags)?.window),
    };
  }

  private evaluate(rule: RuleDef, primary: SeriesEntry, now: number): void {
    this.counts.evaluations++;
    this.lifecycle.evaluate(rule, primary.device, primary.tags, this.context(rule, primary, now), now);
  }

  /**
   * The periodic tick: re-evaluates every alert that has a timer running
   * (pending, clearing, suppressed, muted, in grace) and every series an
   * absence rule watches, so silence is noticed without a sample arriving.
   */
  tick(): void {
    const run = this.opts.transaction ?? ((work: () => void) => work());
    run(() => this.tickInTransaction());
    this.deliver();
  }

  private tickInTransaction(): void {
    const now = this.opts.now();
    for (const rule of this.absentRules) {
      const sel = rule.selectors[0] as MetricSelector;
      for (const entry of this.series.metricEntries(`${sel.measurement}.${sel.field}`)) {
        if (matchTags(entry.tags, sel.matchers) && this.applies(rule, entry.device)) this.evaluate(rule, entry, now);
      }
    }
    for (const st of this.lifecycle.timed()) {
      const rule = this.lifecycle.rule(st.ruleId);
      const primary = rule && this.primaryEntry(rule, st.tags);
      if (rule && primary) this.evaluate(rule, primary, now);
    }
    this.lifecycle.tickMaintenance(now);
  }
}

function hasAbsent(rule: RuleDef): boolean {
  const walk = (e: RuleDef['when']): boolean => {
    switch (e.kind) {
      case 'absent':
        return true;
      case 'and':
      case 'or':
        return walk(e.left) || walk(e.right);
      case 'not':
        return walk(e.expr);
      default:
        return false;
    }
  };
  return walk(rule.when);
}
