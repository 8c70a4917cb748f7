/**
 * The SLA watch: on every tick it measures each open incident's respond, plan
 * and resolve clocks, records warnings and breaches once, moves the incident
 * up the tiers (L1 → L2 → L3) when it is not acknowledged in time or its SLA
 * is at risk or breached, repeats pages for unacknowledged incidents, and
 * pauses the clocks while the device is in a maintenance window. Every step
 * is keyed in the timeline and the outbox, so a restart resumes at the right
 * step and never sends a page twice.
 */
import type { Db } from '../db.js';
import type { Priority } from '../rules/types.js';
import type { IncidentStore } from './store.js';
import type { Incident } from './types.js';

export type SlaClock = 'respond' | 'plan' | 'resolve';
export const SLA_CLOCKS: readonly SlaClock[] = ['respond', 'plan', 'resolve'];

export interface ClockStatus {
  elapsedMs: number;
  targetMs: number;
  fraction: number;
  deadline: number;
  breached: boolean;
  /** The warning fractions reached so far. */
  warnings: number[];
}

/** What the watch needs from the escalation policy (adapted from escalation.yaml). */
export interface EscalationRules {
  clock(priority: Priority, clock: SlaClock, openedAt: number, pauses: Array<{ start: number; end?: number }>, now: number, stoppedAt?: number): ClockStatus;
  tierCount: number;
  /** Escalate when not acknowledged within this many ms (undefined: at the respond SLA breach). */
  unacknowledgedAfterMs?: number;
  /** Escalate when the plan or resolve clock reaches this fraction (undefined: never early). */
  atRisk?: number;
  onBreach: boolean;
  /** Re-page unacknowledged incidents this often, by priority. */
  repeatMs: Partial<Record<Priority, number>>;
}

export type PageReason = 'escalated' | 'repeat' | 'sla_warning' | 'sla_breach';

/** Queues the notifications of one step (inside the watch's transaction). */
export type Pager = (incident: Incident, reason: PageReason, key: string, detail: Record<string, unknown>, now: number) => void;

export interface MaintenanceCheck {
  /** Whether the incident's device is inside a maintenance window now. */
  paused(incident: Incident, now: number): boolean;
}

export class EscalationWatch {
  constructor(
    private readonly db: Db,
    private readonly store: IncidentStore,
    private readonly rules: () => EscalationRules,
    private readonly page: Pager,
    private readonly maintenance: MaintenanceCheck,
  ) {}

  /** One pass over every open or acknowledged incident, each in its own transaction. */
  tick(now: number): void {
    for (const incident of this.store.list({ status: ['open', 'acknowledged'], limit: 100_000 })) {
      this.db.transaction(() => this.step(incident, now))();
    }
  }

  stoppedAt(incident: Incident, clock: SlaClock): number | undefined {
    const at = clock === 'respond' ? incident.acknowledgedAt : clock === 'plan' ? incident.plannedAt : incident.resolvedAt;
    return at ?? undefined;
  }

  status(incident: Incident, clock: SlaClock, now: number): ClockStatus {
    return this.rules().clock(incident.priority, clock, incident.openedAt, this.store.pauses(incident.id), now, this.stoppedAt(incident, clock));
  }

  private step(incident: Incident, now: number): void {
    const rules = this.rules();
    // Inside a maintenance window the clocks pause and nothing is sent: no warnings, escalations or repeats.
    if (this.maintenance.paused(incident, now)) {
      this.store.openPause(incident.id, now, 'maintenance');
      return;
    }
    this.store.closePause(incident.id, now);

    let escalate: string | undefined;
    for (const clock of SLA_CLOCKS) {
      if (this.stoppedAt(incident, clock) !== undefined) continue;
      const s = this.status(incident, clock, now);
      for (const w of s.warnings) {
        const key = `${clock}:${w}`;
        if (!this.store.hasTimeline(incident.id, 'sla_warning', key)) {
          this.store.addTimeline(incident.id, now, 'sla_warning', null, { key, clock, fraction: w, deadline: s.deadline });
          this.page(incident, 'sla_warning', key, { clock, fraction: w, deadline: s.deadline }, now);
        }
      }
      if (s.breached && !this.store.hasTimeline(incident.id, 'sla_breach', clock)) {
        this.store.addTimeline(incident.id, now, 'sla_breach', null, { key: clock, clock, deadline: s.deadline });
        this.page(incident, 'sla_breach', clock, { clock, deadline: s.deadline }, now);
      }
      if (clock === 'respond') {
        const late = rules.unacknowledgedAfterMs !== undefined ? s.elapsedMs >= rules.unacknowledgedAfterMs : s.breached;
        if (late) escalate ??= 'not acknowledged in time';
      } else {
        if (rules.atRisk !== undefined && s.fraction >= rules.atRisk) escalate ??= `${clock} SLA at risk`;
        if (rules.onBreach && s.breached) escalate ??= `${clock} SLA breached`;
      }
    }

    // One tier per step: each escalation is a separate, keyed event, so L1 → L2 → L3 is a walk, not a jump.
    if (escalate && incident.tier < rules.tierCount - 1 && this.nextTierDue(incident, now)) {
      const tier = incident.tier + 1;
      this.store.update(incident.id, { tier, updatedAt: now });
      this.store.addTimeline(incident.id, now, 'escalated', null, { key: `tier:${tier}`, tier, reason: escalate });
      this.page({ ...incident, tier }, 'escalated', `tier:${tier}`, { reason: escalate }, now);
      return;
    }

    // Repeats go to the tier in charge, counted from when that tier was engaged.
    const repeat = rules.repeatMs[incident.priority];
    if (repeat && incident.status === 'open') {
      const round = Math.floor((now - this.tierEngagedAt(incident)) / repeat);
      if (round >= 1) this.page(incident, 'repeat', `repeat:${incident.tier}:${round}`, { round }, now);
    }
  }

  private tierEngagedAt(incident: Incident): number {
    return (
      this.store
        .timeline(incident.id)
        .filter((t) => t.type === 'escalated')
        .at(-1)?.at ?? incident.openedAt
    );
  }

  /**
   * Tiers are climbed one per respond period at most: after escalating, the new
   * tier gets its own time to answer before the next one is called.
   */
  private nextTierDue(incident: Incident, now: number): boolean {
    if (incident.tier === 0) return true;
    return this.rules().clock(incident.priority, 'respond', this.tierEngagedAt(incident), [], now).breached;
  }
}
