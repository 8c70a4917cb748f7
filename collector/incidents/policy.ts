/**
 * escalation.yaml: SLA targets per priority, contacts, tiers (L1 → L2 → L3),
 * routing by priority, repeats, auto-resolve and the incident windows.
 * Loaded strictly (file:line:col, unknown keys refused); every problem at once.
 * Business-hours calendars and on-call rotations are not in this version: SLA
 * clocks run 24/7 and a tier pages all of its contacts.
 */
import Type, { type Static } from 'typebox';
import { checkDuration, loadYamlConfig, type ConfigProblem, type YamlSource } from '../../lib/config.js';
import { PRIORITIES, type Priority } from '../rules/types.js';
import type { ClockStatus, EscalationRules, SlaClock } from './escalation.js';
import type { IncidentRules } from './manager.js';
import type { ContactRecipient, Directory, RouteSpec } from '../notify/router.js';

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
    tiers: Type.Optional(Type.Array(Type.Object({ name: Type.String({ minLength: 1 }), description: Type.Optional(Type.String()), contacts: Type.Array(Type.String()) }, { additionalProperties: false }))),
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
  tiers: Array<{ name: string; description?: string; contacts: string[] }>;
  routes: Record<Priority, RouteSpec>;
  unacknowledgedAfterMs?: number;
  atRisk?: number;
  onBreach: boolean;
  repeatMs: Partial<Record<Priority, number>>;
  incidents: IncidentRules;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
/** DESIGN.md §5: respond 30 min, plan 2 h, resolve 12 h / 24 h / 48 h / 5 d. */
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
  const tiers = file.tiers ?? [{ name: 'L1', contacts: [...contacts.keys()] }];
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

/** SLA clocks around the clock, minus pauses (maintenance windows). */
export function slaClock(policy: EscalationPolicy, priority: Priority, clock: SlaClock, openedAt: number, pauses: Array<{ start: number; end?: number }>, now: number, stoppedAt?: number): ClockStatus {
  const end = stoppedAt ?? now;
  let paused = 0;
  for (const p of mergePauses(pauses)) paused += Math.max(0, Math.min(p.end ?? end, end) - Math.max(p.start, openedAt));
  const elapsedMs = Math.max(0, end - openedAt - paused);
  const targetMs = policy.targets[priority][clock];
  const fraction = elapsedMs / targetMs;
  return { elapsedMs, targetMs, fraction, deadline: end + (targetMs - elapsedMs), breached: elapsedMs >= targetMs, warnings: policy.warnAt.filter((w) => fraction >= w) };
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
    tierRecipients: (i) => (policy.tiers[i]?.contacts ?? []).flatMap((c) => (policy.contacts.has(c) ? [policy.contacts.get(c) as Contact] : [])),
    route: (p) => policy.routes[p],
  };
}
