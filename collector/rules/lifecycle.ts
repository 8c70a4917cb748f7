/**
 * One alert's life: inactive → pending → firing → resolved, with `for`,
 * hysteresis (`clear`, `clear_for`), escalation by level, flap damping,
 * topology suppression with a grace period, and maintenance muting.
 * Every transition is persisted before its event leaves.
 */
import { tagSetKey } from '../store/sqlite.js';
import { evalBool, reportedValue, type EvalContext } from './evaluate.js';
import type { AlertEvent, AlertEventType, AlertState } from './events.js';
import type { Topology } from './inventory.js';
import type { MaintenanceCalendar } from './maintenance.js';
import type { AlertStateStore } from './state-store.js';
import { renderTemplate } from './template.js';
import { PRIORITIES, type Priority, type RuleDef } from './types.js';

export interface LifecycleOptions {
  store: AlertStateStore;
  maintenance: MaintenanceCalendar;
  topology: () => Topology;
  graceMs: number;
  emit: (event: AlertEvent) => void;
  metric: (name: string, device: string) => number | undefined;
  /** The language of `summary`/`runbook` (rule text in that language, else English). Default en. */
  lang?: 'en' | 'zh-CN';
}

/** Resolved alerts stay visible this long, then their state is forgotten (unless flapping). */
const KEEP_RESOLVED_MS = 3_600_000;

const severity = (p: Priority) => PRIORITIES.length - PRIORITIES.indexOf(p);
const ACTIVE = new Set(['pending', 'firing', 'suppressed']);

export function alertIdentity(ruleId: string, tags: Record<string, string>): string {
  return `${ruleId}|${tagSetKey(tags)}`;
}

export class AlertLifecycle {
  private readonly states = new Map<string, AlertState>();
  private readonly byRuleDevice = new Map<string, Set<string>>();
  /** device → identities of its reachability alerts that are pending, firing or suppressed. */
  private readonly reachable = new Map<string, Set<string>>();
  private rules = new Map<string, RuleDef>();

  constructor(private readonly opts: LifecycleOptions) {
    for (const st of opts.store.loadAll()) this.track(st);
  }

  /**
   * A rule removed by a reload resolves its active alerts with the reason
   * "rule removed" (so their incidents record why), then its state is dropped.
   */
  setRules(rules: RuleDef[], now: number): void {
    this.rules = new Map(rules.map((r) => [r.id, r]));
    for (const st of [...this.states.values()]) {
      if (this.rules.has(st.ruleId)) continue;
      if (st.state === 'firing' || st.state === 'suppressed') {
        st.state = 'resolved';
        st.resolvedAt = now;
        st.clearingSince = null;
        st.activeSince = null;
        this.event('resolved', st, now, undefined, 'rule removed');
      }
      this.forget(st);
    }
    this.opts.store.deleteRulesNotIn(new Set(this.rules.keys()));
    for (const st of this.states.values()) this.indexReachability(st);
  }

  rule(id: string): RuleDef | undefined {
    return this.rules.get(id);
  }

  all(): AlertState[] {
    return [...this.states.values()];
  }

  forRuleDevice(ruleId: string, device: string): AlertState[] {
    const ids = this.byRuleDevice.get(`${ruleId}\u0000${device}`);
    return ids ? [...ids].map((id) => this.states.get(id) as AlertState) : [];
  }

  /** Alerts whose timers the tick must drive. */
  timed(): AlertState[] {
    return this.all().filter((s) => ACTIVE.has(s.state) || s.flapping || s.muted);
  }

  evaluate(rule: RuleDef, device: string, tags: Record<string, string>, ctx: EvalContext, now: number): void {
    const when = evalBool(rule.when, ctx);
    const identity = alertIdentity(rule.id, tags);
    let st = this.states.get(identity);
    if (!st) {
      if (when !== true) return;
      st = this.create(rule, identity, device, tags, now);
    }
    const value = reportedValue(rule.when, ctx);
    if (value !== undefined) st.value = value;
    switch (st.state) {
      case 'inactive':
      case 'resolved':
        if (when === true) {
          st.state = 'pending';
          st.activeSince = now;
          st.resolvedAt = null;
          if (this.due(st, rule, now)) this.fire(st, rule, ctx, now);
          else this.save(st, now);
        }
        break;
      case 'pending':
        if (when === false) this.deactivate(st, now);
        else if (when === true && this.due(st, rule, now)) this.fire(st, rule, ctx, now);
        break;
      case 'suppressed':
        if (when === false) {
          st.suppressedBy = null;
          this.deactivate(st, now);
          this.event('unsuppressed', st, now);
        } else if (!this.downAncestor(st.device)) {
          // The parent is back: re-check the child over a grace period before it may page.
          st.state = 'pending';
          st.suppressedBy = null;
          st.activeSince = now;
          st.graceUntil = now + this.opts.graceMs;
          this.save(st, now);
          this.event('unsuppressed', st, now);
        }
        break;
      case 'firing':
        this.whileFiring(st, rule, ctx, when, now);
        break;
    }
    if (st.flapping) this.noteChange(st, rule, now, false);
  }

  private due(st: AlertState, rule: RuleDef, now: number): boolean {
    return now - (st.activeSince ?? now) >= rule.forMs && (st.graceUntil === null || now >= st.graceUntil);
  }

  private whileFiring(st: AlertState, rule: RuleDef, ctx: EvalContext, when: boolean | undefined, now: number): void {
    const cleared = rule.clear ? evalBool(rule.clear, ctx) === true : when === false;
    if (cleared) {
      if (st.clearingSince === null) {
        st.clearingSince = now;
        this.save(st, now);
      }
      if (now - st.clearingSince >= rule.clearForMs) this.resolve(st, rule, now);
      return;
    }
    if (st.clearingSince !== null) {
      st.clearingSince = null;
      this.save(st, now);
    }
    const raised = this.escalated(rule, ctx);
    // Escalation only raises: an incident that became P2 stays P2 until it resolves.
    if (severity(raised) > severity(st.priority)) {
      const previous = st.priority;
      st.priority = raised;
      this.render(st, rule);
      this.save(st, now);
      this.event('escalated', st, now, previous);
    }
  }

  private fire(st: AlertState, rule: RuleDef, ctx: EvalContext, now: number): void {
    if (rule.reachability) {
      const parent = this.downAncestor(st.device);
      if (parent) {
        st.state = 'suppressed';
        st.suppressedBy = parent;
        this.save(st, now);
        this.event('suppressed', st, now);
        return;
      }
    }
    st.state = 'firing';
    st.firingSince = now;
    st.clearingSince = null;
    st.graceUntil = null;
    st.priority = this.escalated(rule, ctx);
    st.muted = this.opts.maintenance.covering(st, now) !== undefined;
    this.render(st, rule);
    this.noteChange(st, rule, now, true);
    this.save(st, now);
    this.event('fired', st, now);
  }

  private resolve(st: AlertState, rule: RuleDef, now: number): void {
    st.state = 'resolved';
    st.resolvedAt = now;
    st.clearingSince = null;
    st.activeSince = null;
    this.noteChange(st, rule, now, true);
    this.save(st, now);
    this.event('resolved', st, now);
    st.muted = false;
    st.priority = rule.priority;
  }

  private deactivate(st: AlertState, now: number): void {
    st.state = 'inactive';
    st.activeSince = null;
    st.graceUntil = null;
    if (st.changes.length === 0 && !st.flapping) this.forget(st);
    else this.save(st, now);
  }

  private escalated(rule: RuleDef, ctx: EvalContext): Priority {
    let p = rule.priority;
    for (const level of rule.escalate) if (evalBool(level.when, ctx) === true && severity(level.priority) > severity(p)) p = level.priority;
    return p;
  }

  /** Counts fired/resolved changes in the flap window; entering and leaving flapping are events. */
  private noteChange(st: AlertState, rule: RuleDef, now: number, changed: boolean): void {
    st.changes = st.changes.filter((t) => t > now - rule.flap.windowMs);
    if (changed) st.changes.push(now);
    const flapping = st.changes.length > rule.flap.maxChanges;
    if (flapping !== st.flapping) {
      st.flapping = flapping;
      this.save(st, now);
      this.event(flapping ? 'flapping' : 'flapping_ended', st, now);
    }
  }

  /** The identity of a down (pending, firing or suppressed) reachability alert on an ancestor. */
  private downAncestor(device: string): string | undefined {
    for (const ancestor of this.opts.topology().ancestors(device)) {
      const ids = this.reachable.get(ancestor);
      if (ids && ids.size > 0) return ids.values().next().value as string;
    }
    return undefined;
  }

  /** Raises muted alerts whose maintenance window ended; forgets old resolved ones. */
  tickMaintenance(now: number): void {
    for (const st of this.states.values()) {
      if (st.state === 'firing' && st.muted && !this.opts.maintenance.covering(st, now)) {
        st.muted = false;
        this.save(st, now);
        this.event('fired', st, now);
      } else if ((st.state === 'resolved' || st.state === 'inactive') && !st.flapping && (st.resolvedAt ?? st.updatedAt) < now - KEEP_RESOLVED_MS) {
        this.forget(st);
      }
    }
  }

  private render(st: AlertState, rule: RuleDef): void {
    const vars = {
      device: st.device,
      value: st.value,
      rule: rule.name,
      group: rule.group,
      priority: st.priority,
      tags: st.tags,
      metric: (name: string) => this.opts.metric(name, st.device),
    };
    const en = { summary: rule.summary ? renderTemplate(rule.summary, vars) : `${rule.name} on ${st.device}`, runbook: rule.runbook ? renderTemplate(rule.runbook, vars) : '' };
    const texts: NonNullable<AlertState['texts']> = { en };
    const zh = rule.translations?.['zh-CN'];
    if (zh) {
      texts['zh-CN'] = {
        summary: zh.summary ? renderTemplate(zh.summary, vars) : en.summary,
        runbook: zh.runbook ? renderTemplate(zh.runbook, vars) : en.runbook,
      };
    }
    const chosen = texts[this.opts.lang ?? 'en'] ?? en;
    st.summary = chosen.summary;
    st.runbook = chosen.runbook;
    if (zh) st.texts = texts;
    else delete st.texts;
  }

  private event(type: AlertEventType, st: AlertState, now: number, previousPriority?: Priority, reason?: string): void {
    const event: AlertEvent = { type, at: now, alert: { ...st }, previousPriority, damped: st.flapping, ...(reason ? { reason } : {}) };
    this.opts.store.record(event);
    // Inside a maintenance window an alert is recorded but not raised.
    if (st.muted && type !== 'flapping_ended') return;
    this.opts.emit(event);
  }

  private create(rule: RuleDef, identity: string, device: string, tags: Record<string, string>, now: number): AlertState {
    const st: AlertState = {
      identity,
      ruleId: rule.id,
      device,
      tags: { ...tags },
      state: 'inactive',
      priority: rule.priority,
      value: null,
      activeSince: null,
      firingSince: null,
      clearingSince: null,
      resolvedAt: null,
      changes: [],
      flapping: false,
      suppressedBy: null,
      graceUntil: null,
      muted: false,
      summary: '',
      runbook: '',
      labels: { ...rule.labels },
      updatedAt: now,
    };
    this.track(st);
    return st;
  }

  private track(st: AlertState): void {
    this.states.set(st.identity, st);
    const key = `${st.ruleId}\u0000${st.device}`;
    const set = this.byRuleDevice.get(key) ?? new Set<string>();
    set.add(st.identity);
    this.byRuleDevice.set(key, set);
    this.indexReachability(st);
  }

  private forget(st: AlertState): void {
    this.states.delete(st.identity);
    this.byRuleDevice.get(`${st.ruleId}\u0000${st.device}`)?.delete(st.identity);
    this.reachable.get(st.device)?.delete(st.identity);
    this.opts.store.delete(st.identity);
  }

  private indexReachability(st: AlertState): void {
    const rule = this.rules.get(st.ruleId);
    const set = this.reachable.get(st.device) ?? new Set<string>();
    if (rule?.reachability && ACTIVE.has(st.state)) set.add(st.identity);
    else set.delete(st.identity);
    this.reachable.set(st.device, set);
  }

  private save(st: AlertState, now: number): void {
    st.updatedAt = now;
    this.indexReachability(st);
    this.opts.store.save(st);
  }
}
