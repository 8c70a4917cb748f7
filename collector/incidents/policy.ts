/**
 * escalation.yaml: SLA targets per priority, contacts, tiers (L1 → L2 → L3),
 * routing by priority, repeats, auto-resolve and the incident windows.
 * Loaded strictly (file:line:col, unknown keys refused); every problem at once.
 * SLA clocks run 24/7 unless `sla.business_hours` applies to the priority
 * (typically P3 and P4); a tier pages all its contacts unless it has an
 * on-call `schedule`, then only the member on duty.
 */
import Type, { type Static } from 'typebox';
import { checkDuration, loadYamlConfig, type ConfigProblem, type YamlSource } from '../../lib/config.js';
import { PRIORITIES, type Priority } from '../rules/types.js';
import { BusinessCalendar, parseRange, WEEKDAYS, type CalendarSpec } from './calendar.js';
import type { ClockStatus, EscalationRules, SlaClock } from './escalation.js';
import { onCall, type ScheduleSpec } from './oncall.js';
import type { IncidentRules } from './manager.js';
import type { ContactRecipient, Directory, RouteSpec } from '../notify/router.js';
import { isValidTimeZone } from '../../lib/tz.js';

const Duration = Type.Union([Type.String(), Type.Number()]);
const Clocks = Type.Object({ respond: Type.Optional(Duration), plan: Type.Optional(Duration), resolve: Type.Optional(Duration) }, { additionalProperties: false });
const PerPriority = <T extends Parameters<typeof Type.Optional>[0]>(t: T) =>
  Type.Object({ P1: Type.Optional(t), P2: Type.Optional(t), P3: Type.Optional(t), P4: Type.Optional(t) }, { additionalProperties: false });

export const EscalationFileSchema = Type.Object(
  {
    sla: Type.Optional(
      Type.Object(
        {
          P1: Type.Optional(Clocks),
          P2: Type.Optional(Clocks),
          P3: Type.Optional(Clocks),
          P4: Type.Optional(Clocks),
          warn_at: Type.Optional(Type.Array(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }))),
          business_hours: Type.Optional(
            Type.Object(
              {
                timezone: Type.String(),
                hours: Type.Object(Object.fromEntries(WEEKDAYS.map((d) => [d, Type.Optional(Type.Array(Type.String()))])), { additionalProperties: false }),
                holidays: Type.Optional(Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }))),
                workdays: Type.Optional(Type.Array(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }))),
                applies_to: Type.Optional(Type.Array(Type.Enum([...PRIORITIES]))),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    contacts: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object(
          {
            email: Type.Optional(Type.String()),
            phone: Type.Optional(Type.String()),
            lang: Type.Optional(Type.Enum(['zh-CN', 'en'])),
            channels: Type.Optional(Type.Array(Type.String())),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    tiers: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1 }),
            description: Type.Optional(Type.String()),
            contacts: Type.Array(Type.String()),
            schedule: Type.Optional(
              Type.Object(
                {
                  rotation: Type.Enum(['daily', 'weekly']),
                  handoff: Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' }),
                  start: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
                  timezone: Type.String(),
                  members: Type.Array(Type.String(), { minItems: 1 }),
                  overrides: Type.Optional(Type.Array(Type.Object({ start: Type.String(), end: Type.String(), member: Type.String() }, { additionalProperties: false }))),
                },
                { additionalProperties: false },
              ),
            ),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    routes: Type.Optional(PerPriority(Type.Object({ tiers: Type.Array(Type.String()), channels: Type.Array(Type.String()), digest: Type.Optional(Type.Boolean()) }, { additionalProperties: false }))),
    escalate: Type.Optional(
      Type.Object(
        { unacknowledged_after: Type.Optional(Duration), at_risk: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })), on_breach: Type.Optional(Type.Boolean()) },
        { additionalProperties: false },
      ),
    ),
    repeat: Type.Optional(PerPriority(Duration)),
    auto_resolve: Type.Optional(PerPriority(Type.Boolean())),
    reopen_window: Type.Optional(Duration),
    correlation_window: Type.Optional(Duration),
  },
  { additionalProperties: false },
);
export type EscalationFile = Static<typeof EscalationFileSchema>;

export interface Contact extends ContactRecipient {}

export interface EscalationPolicy {
  targets: Record<Priority, Record<SlaClock, number>>;
  warnAt: number[];
  contacts: Map<string, Contact>;
  tiers: Array<{ name: string; description?: string; contacts: string[]; schedule?: ScheduleSpec }>;
  /** Business hours and the priorities whose clocks follow them. */
  calendar?: { calendar: BusinessCalendar; appliesTo: Priority[] };
  routes: Record<Priority, RouteSpec>;
  unacknowledgedAfterMs?: number;
  atRisk?: number;
  onBreach: boolean;
  repeatMs: Partial<Record<Priority, number>>;
  incidents: IncidentRules;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
/** docs/architecture.md §5: respond 30 min, plan 2 h, resolve 12 h / 24 h / 48 h / 5 d. */
export const DEFAULT_TARGETS: Record<Priority, Record<SlaClock, number>> = {
  P1: { respond: 30 * MIN, plan: 2 * HOUR, resolve: 12 * HOUR },
  P2: { respond: 30 * MIN, plan: 2 * HOUR, resolve: 24 * HOUR },
  P3: { respond: 30 * MIN, plan: 2 * HOUR, resolve: 48 * HOUR },
  P4: { respond: 30 * MIN, plan: 2 * HOUR, resolve: 120 * HOUR },
};

export function resolvePolicy(file: EscalationFile, source?: YamlSource): { policy: EscalationPolicy; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const at = (path: (string | number)[], msg: string) => source && problems.push(source.problem(path, msg));
  const dur = (path: (string | number)[], v: string | number | undefined, fb: number) => (source ? checkDuration(source, problems, path, v, fb) : fb);
  const targets = structuredClone(DEFAULT_TARGETS);
  for (const p of PRIORITIES) {
    for (const c of ['respond', 'plan', 'resolve'] as const) targets[p][c] = dur(['sla', p, c], file.sla?.[p]?.[c], DEFAULT_TARGETS[p][c]);
  }
  const contacts = new Map<string, Contact>();
  for (const [name, c] of Object.entries(file.contacts ?? {})) {
    if (!c.email && !c.phone) at(['contacts', name], `contact '${name}' has neither email nor phone: nobody could reach them`);
    contacts.set(name, { name, email: c.email, phone: c.phone, lang: c.lang as Contact['lang'], channels: c.channels });
  }
  const validZone = (path: (string | number)[], tz: string): boolean => {
    if (isValidTimeZone(tz)) return true;
    at(path, `'${tz}' is not a time zone (e.g. Asia/Shanghai, UTC)`);
    return false;
  };
  let calendar: EscalationPolicy['calendar'];
  const bh = file.sla?.business_hours;
  if (bh) {
    const zoneOk = validZone(['sla', 'business_hours', 'timezone'], bh.timezone);
    for (const [day, ranges] of Object.entries(bh.hours as Record<string, string[] | undefined>)) {
      (ranges ?? []).forEach((r, j) => {
        if (!parseRange(r)) at(['sla', 'business_hours', 'hours', day, j], `'${r}' is not a range like 09:00-18:00`);
      });
    }
    if (zoneOk)
      calendar = {
        calendar: new BusinessCalendar({ timezone: bh.timezone, hours: bh.hours as CalendarSpec['hours'], holidays: bh.holidays, workdays: bh.workdays }),
        appliesTo: (bh.applies_to ?? ['P3', 'P4']) as Priority[],
      };
  }
  const tiers = (file.tiers ?? [{ name: 'L1', contacts: [...contacts.keys()] }]).map((t, i) => {
    const sched = t.schedule;
    if (!sched) return { name: t.name, description: t.description, contacts: t.contacts };
    if (!validZone(['tiers', i, 'schedule', 'timezone'], sched.timezone)) return { name: t.name, description: t.description, contacts: t.contacts };
    sched.members.forEach((m, j) => {
      if (!contacts.has(m)) at(['tiers', i, 'schedule', 'members', j], `unknown contact '${m}'`);
    });
    const overrides = (sched.overrides ?? []).map((o, j) => {
      const start = Date.parse(o.start);
      const end = Date.parse(o.end);
      if (Number.isNaN(start) || Number.isNaN(end) || end <= start) at(['tiers', i, 'schedule', 'overrides', j], 'start and end must be ISO times with end after start');
      if (!contacts.has(o.member)) at(['tiers', i, 'schedule', 'overrides', j, 'member'], `unknown contact '${o.member}'`);
      return { start, end, member: o.member };
    });
    const schedule: ScheduleSpec = { timezone: sched.timezone, rotation: sched.rotation as 'daily' | 'weekly', handoff: sched.handoff, start: sched.start, members: sched.members, overrides };
    return { name: t.name, description: t.description, contacts: t.contacts, schedule };
  });
  const tierIndex = new Map<string, number>();
  tiers.forEach((t, i) => {
    if (tierIndex.has(t.name)) at(['tiers', i, 'name'], `tier '${t.name}' is defined twice`);
    tierIndex.set(t.name, i);
    t.contacts.forEach((c, j) => {
      if (!contacts.has(c)) at(['tiers', i, 'contacts', j], `unknown contact '${c}' (known: ${[...contacts.keys()].join(', ') || 'none'})`);
    });
  });
  const routes = {} as Record<Priority, RouteSpec>;
  for (const p of PRIORITIES) {
    const r = file.routes?.[p];
    const names = r?.tiers ?? [tiers[0]?.name ?? 'L1'];
    names.forEach((n, j) => {
      if (!tierIndex.has(n)) at(['routes', p, 'tiers', j], `unknown tier '${n}' (tiers: ${[...tierIndex.keys()].join(', ')})`);
    });
    routes[p] = { tiers: names.map((n) => tierIndex.get(n) ?? 0), channels: r?.channels ?? ['email'], digest: r?.digest ?? false };
  }
  const repeatMs: Partial<Record<Priority, number>> = {};
  for (const p of PRIORITIES) if (file.repeat?.[p] !== undefined) repeatMs[p] = dur(['repeat', p], file.repeat[p], 0);
  const auto = { P1: false, P2: true, P3: true, P4: true, ...(file.auto_resolve ?? {}) } as Record<Priority, boolean>;
  const policy: EscalationPolicy = {
    calendar,
    targets,
    warnAt: file.sla?.warn_at ?? [0.8],
    contacts,
    tiers,
    routes,
    unacknowledgedAfterMs: file.escalate?.unacknowledged_after !== undefined ? dur(['escalate', 'unacknowledged_after'], file.escalate.unacknowledged_after, 30 * MIN) : undefined,
    atRisk: file.escalate?.at_risk,
    onBreach: file.escalate?.on_breach ?? true,
    repeatMs,
    incidents: {
      correlationWindowMs: dur(['correlation_window'], file.correlation_window, 5 * MIN),
      reopenWindowMs: dur(['reopen_window'], file.reopen_window, 30 * MIN),
      autoResolve: auto,
    },
  };
  return { policy, problems };
}

export const DEFAULT_POLICY: EscalationPolicy = resolvePolicy({}).policy;

export function loadEscalationPolicy(path: string): EscalationPolicy {
  let policy: EscalationPolicy | undefined;
  loadYamlConfig(path, EscalationFileSchema, (value, source) => {
    const r = resolvePolicy(value, source);
    policy = r.policy;
    return r.problems;
  });
  return policy as EscalationPolicy;
}

/**
 * SLA time of one clock: around the clock, or business time for priorities the
 * calendar applies to; paused spans (maintenance windows) never count.
 */
export function slaClock(
  policy: EscalationPolicy,
  priority: Priority,
  clock: SlaClock,
  openedAt: number,
  pauses: Array<{ start: number; end?: number }>,
  now: number,
  stoppedAt?: number,
): ClockStatus {
  const end = stoppedAt ?? now;
  const cal = policy.calendar && policy.calendar.appliesTo.includes(priority) ? policy.calendar.calendar : undefined;
  const span = (a: number, b: number) => (b <= a ? 0 : cal ? cal.businessMsBetween(a, b) : b - a);
  let paused = 0;
  for (const p of mergePauses(pauses)) paused += span(Math.max(p.start, openedAt), Math.min(p.end ?? end, end));
  const elapsedMs = Math.max(0, span(openedAt, end) - paused);
  const targetMs = policy.targets[priority][clock];
  const fraction = elapsedMs / targetMs;
  const left = targetMs - elapsedMs;
  const deadline = left <= 0 ? end + left : cal ? cal.addBusinessMs(end, left) : end + left;
  return { elapsedMs, targetMs, fraction, deadline, breached: elapsedMs >= targetMs, warnings: policy.warnAt.filter((w) => fraction >= w) };
}

function mergePauses(pauses: Array<{ start: number; end?: number }>): Array<{ start: number; end?: number }> {
  const sorted = [...pauses].sort((a, b) => a.start - b.start);
  const out: Array<{ start: number; end?: number }> = [];
  for (const p of sorted) {
    const last = out.at(-1);
    if (last && (last.end === undefined || p.start <= last.end)) last.end = last.end === undefined || p.end === undefined ? undefined : Math.max(last.end, p.end);
    else out.push({ ...p });
  }
  return out;
}

export function escalationRules(policy: EscalationPolicy): EscalationRules {
  return {
    clock: (priority, clock, openedAt, pauses, now, stoppedAt) => slaClock(policy, priority, clock, openedAt, pauses, now, stoppedAt),
    tierCount: policy.tiers.length,
    unacknowledgedAfterMs: policy.unacknowledgedAfterMs,
    atRisk: policy.atRisk,
    onBreach: policy.onBreach,
    repeatMs: policy.repeatMs,
  };
}

export function directory(policy: EscalationPolicy): Directory {
  return {
    tierName: (i) => policy.tiers[i]?.name ?? `L${i + 1}`,
    tierRecipients: (i, at) => {
      const tier = policy.tiers[i];
      const names = tier?.schedule ? [onCall(tier.schedule, at)] : (tier?.contacts ?? []);
      return names.flatMap((c) => (policy.contacts.has(c) ? [policy.contacts.get(c) as Contact] : []));
    },
    route: (p) => policy.routes[p],
  };
}
