/**
 * The SLA walk with an injected clock: an unacknowledged P1 goes through the
 * respond warning and breach, climbs L1 → L2 → L3 one respond period at a
 * time, gets repeat pages, and a restart in the middle resumes at the right
 * step without a duplicate notification.
 */
import { describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../collector/db.js';
import { EscalationWatch, type ClockStatus, type EscalationRules, type SlaClock } from '../../collector/incidents/escalation.js';
import { IncidentManager } from '../../collector/incidents/manager.js';
import { IncidentStore } from '../../collector/incidents/store.js';
import { Outbox } from '../../collector/notify/outbox.js';
import { NotificationRouter, type Directory } from '../../collector/notify/router.js';
import type { Channel } from '../../collector/notify/types.js';
import type { Priority } from '../../collector/rules/types.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 23, 1, 0, 0);
const TARGETS: Record<SlaClock, number> = { respond: 30 * MIN, plan: 120 * MIN, resolve: 720 * MIN };

/** 24/7 clocks minus pauses, warning at 80 %: the shape the policy module provides. */
const rules: EscalationRules = {
  clock(_p: Priority, clock: SlaClock, openedAt: number, pauses, now, stoppedAt): ClockStatus {
    const end = stoppedAt ?? now;
    let paused = 0;
    for (const p of pauses) paused += Math.max(0, Math.min(p.end ?? end, end) - Math.max(p.start, openedAt));
    const elapsedMs = end - openedAt - paused;
    const targetMs = TARGETS[clock];
    const fraction = elapsedMs / targetMs;
    return { elapsedMs, targetMs, fraction, deadline: now + (targetMs - elapsedMs), breached: elapsedMs >= targetMs, warnings: fraction >= 0.8 ? [0.8] : [] };
  },
  tierCount: 3,
  onBreach: true,
  repeatMs: { P1: 15 * MIN },
};

const email: Channel = { name: 'email', kind: 'email', canReach: (r) => Boolean(r.email), send: async () => ({ ok: true }) };
const sms: Channel = { name: 'sms', kind: 'sms', canReach: (r) => Boolean(r.phone), send: async () => ({ ok: true }) };

const directory: Directory = {
  tierName: (i) => `L${i + 1}`,
  tierRecipients: (i) =>
    [
      [{ name: 'desk', email: 'desk@example.com', phone: '+8613800000001' }],
      [{ name: 'sysadmin', email: 'ops@example.com', phone: '+8613800000002' }, { name: 'newbie' }],
      [{ name: 'vendor', email: 'support@vendor.example' }],
    ][i] ?? [],
  route: (p) => (p === 'P1' ? { tiers: [0], channels: ['sms', 'email'], digest: false } : { tiers: [0], channels: ['email'], digest: false }),
};

function build(db: Db, paused = () => false, policy: EscalationRules = rules) {
  const store = new IncidentStore(db);
  const outbox = new Outbox(db);
  const router = new NotificationRouter({
    outbox,
    store,
    channels: () =>
      new Map([
        ['email', email],
        ['sms', sms],
      ]),
    directory: () => directory,
  });
  const pages: Array<{ reason: string; key: string; detail: Record<string, unknown> }> = [];
  const watch = new EscalationWatch(
    db,
    store,
    () => policy,
    (inc, reason, key, detail, now) => {
      pages.push({ reason, key, detail });
      router.notify(inc, reason, key, detail, now);
    },
    { paused: (_i, now) => paused() && now > 0 },
  );
  const manager = new IncidentManager(db, store);
  manager.onChange((c) => {
    if (c.type === 'opened' && !c.damped) db.transaction(() => router.notify(c.incident, 'opened', 'open', {}, c.at))();
  });
  return { store, outbox, watch, manager, pages };
}

const sent = (outbox: Outbox, id: number) => outbox.forIncident(id).map((n) => `${n.kind} ${n.content.tier} ${n.recipient.name} ${n.channel}`);

describe('SLA walk and escalation', () => {
  it('walks an unacknowledged P1 through warnings, breaches and L1 → L2 → L3, surviving a restart', () => {
    const db = openDb(':memory:');
    let s = build(db);
    const inc = s.manager.openManual({ title: 'Core switch down', priority: 'P1', device: 'core1', by: 'noc' }, T0);
    expect(sent(s.outbox, inc.id)).toEqual(['opened L1 desk sms', 'opened L1 desk email']);

    s.watch.tick(T0 + 23 * MIN);
    expect(s.store.timeline(inc.id).map((t) => t.type)).toEqual(['opened']);
    s.watch.tick(T0 + 24 * MIN); // 80 % of the 30-minute respond SLA
    expect(
      s.store
        .timeline(inc.id)
        .map((t) => t.type)
        .slice(1),
    ).toEqual(['sla_warning']);

    s.watch.tick(T0 + 30 * MIN); // respond SLA breached → L2
    expect(s.store.get(inc.id)?.tier).toBe(1);
    const types = s.store.timeline(inc.id).map((t) => t.type);
    expect(types.slice(2)).toEqual(['sla_breach', 'escalated', 'unreachable_contact']);
    expect(s.store.timeline(inc.id).find((t) => t.type === 'unreachable_contact')?.detail.contact).toBe('newbie');

    // A restart: new instances on the same database, the same tick again.
    s = build(db);
    s.watch.tick(T0 + 30 * MIN);
    s.watch.tick(T0 + 31 * MIN);
    expect(s.store.get(inc.id)?.tier).toBe(1);

    s.watch.tick(T0 + 60 * MIN); // L2 had a full respond period: → L3
    expect(s.store.get(inc.id)?.tier).toBe(2);
    s.watch.tick(T0 + 200 * MIN);
    expect(s.store.get(inc.id)?.tier).toBe(2); // no tier past L3

    expect(sent(s.outbox, inc.id)).toEqual([
      'opened L1 desk sms',
      'opened L1 desk email',
      'repeat L1 desk sms', // 15 min unacknowledged (first tick after: 23 min)
      'repeat L1 desk email',
      'sla_warning L1 desk sms', // 24 min = 80 % of respond
      'sla_warning L1 desk email',
      'sla_breach L1 desk sms', // 30 min
      'sla_breach L1 desk email',
      'escalated L2 sysadmin sms',
      'escalated L2 sysadmin email',
      'escalated L3 vendor email', // 60 min: L2 had its 30 minutes
      'sla_warning L3 vendor email', // 200 min: plan at 80 % and breached
      'sla_breach L3 vendor email',
      'repeat L3 vendor email', // 200 min: L3 engaged at 60, round 9
    ]);
    expect(s.store.timeline(inc.id).filter((t) => t.type === 'unreachable_contact')).toHaveLength(1);
  });

  it('stops the respond clock at acknowledgement and pauses clocks in maintenance', () => {
    const db = openDb(':memory:');
    let inMaintenance = false;
    const s = build(db, () => inMaintenance);
    const inc = s.manager.openManual({ title: 'UPS alarm', priority: 'P2', device: 'ups-a', by: 'noc' }, T0);
    s.manager.acknowledge(inc.id, 'desk', T0 + 10 * MIN);
    s.watch.tick(T0 + 40 * MIN);
    expect(s.store.timeline(inc.id).map((t) => t.type)).toEqual(['opened', 'acknowledged']);
    inMaintenance = true;
    s.watch.tick(T0 + 50 * MIN);
    s.watch.tick(T0 + 200 * MIN);
    inMaintenance = false;
    s.watch.tick(T0 + 201 * MIN);
    // Plan clock: 50 min before the pause + 1 min after = 51 of 120 min, no warning.
    expect(s.store.pauses(inc.id)).toEqual([{ start: T0 + 50 * MIN, end: T0 + 201 * MIN }]);
    expect(s.store.timeline(inc.id).map((t) => t.type)).toEqual(['opened', 'acknowledged']);
    s.watch.tick(T0 + 247 * MIN); // 51 + 46 = 97 min ≥ 80 % of 120
    expect(s.store.timeline(inc.id).map((t) => t.type)).toEqual(['opened', 'acknowledged', 'sla_warning']);
  });
});

describe('escalation on the plan and resolve clocks', () => {
  const escalations = (s: ReturnType<typeof build>, id: number) =>
    s.store
      .timeline(id)
      .filter((t) => t.type === 'escalated')
      .map((t) => `${t.detail.tier} ${t.detail.reason}`);

  it('escalates when the plan SLA is breached, then when the resolve SLA is, even though the incident was acknowledged', () => {
    const db = openDb(':memory:');
    const s = build(db);
    const inc = s.manager.openManual({ title: 'Array degraded', priority: 'P2', device: 'san1', by: 'noc' }, T0);
    s.manager.acknowledge(inc.id, 'desk', T0 + 5 * MIN);
    s.watch.tick(T0 + 119 * MIN);
    expect(s.store.get(inc.id)?.tier).toBe(0); // plan at 99 %: warned, not escalated (no at_risk)
    s.watch.tick(T0 + 120 * MIN);
    expect(escalations(s, inc.id)).toEqual(['1 plan SLA breached']);
    // The plan is written: the plan clock stops, and nothing escalates until the resolve SLA goes.
    s.manager.comment(inc.id, 'replace the disk at 14:00', 'sysadmin', T0 + 130 * MIN, true);
    s.watch.tick(T0 + 719 * MIN);
    expect(s.store.get(inc.id)?.tier).toBe(1);
    s.watch.tick(T0 + 720 * MIN);
    expect(escalations(s, inc.id)).toEqual(['1 plan SLA breached', '2 resolve SLA breached']);
    expect(sent(s.outbox, inc.id).filter((x) => x.startsWith('escalated'))).toEqual(['escalated L2 sysadmin email', 'escalated L3 vendor email']); // P2: email only;
  });

  it('does not escalate on a breach when on_breach is off', () => {
    const db = openDb(':memory:');
    const s = build(db, () => false, { ...rules, onBreach: false });
    const inc = s.manager.openManual({ title: 'Array degraded', priority: 'P2', device: 'san1', by: 'noc' }, T0);
    s.manager.acknowledge(inc.id, 'desk', T0 + 5 * MIN);
    s.watch.tick(T0 + 800 * MIN);
    expect(
      s.store
        .timeline(inc.id)
        .filter((t) => t.type === 'sla_breach')
        .map((t) => t.detail.clock),
    ).toEqual(['plan', 'resolve']);
    expect(escalations(s, inc.id)).toEqual([]);
  });

  it('escalates early once the plan or resolve clock reaches at_risk, before any breach', () => {
    const db = openDb(':memory:');
    const s = build(db, () => false, { ...rules, atRisk: 0.5, onBreach: false });
    const inc = s.manager.openManual({ title: 'Tape library jammed', priority: 'P2', device: 'tape1', by: 'noc' }, T0);
    s.manager.acknowledge(inc.id, 'desk', T0 + 5 * MIN);
    s.watch.tick(T0 + 59 * MIN);
    expect(s.store.get(inc.id)?.tier).toBe(0); // plan at 49 %
    s.watch.tick(T0 + 60 * MIN); // plan at 50 % of 120 min
    expect(escalations(s, inc.id)).toEqual(['1 plan SLA at risk']);
    expect(s.store.timeline(inc.id).filter((t) => t.type === 'sla_breach')).toEqual([]);
    s.manager.comment(inc.id, 'plan', 'sysadmin', T0 + 61 * MIN, true);
    s.watch.tick(T0 + 359 * MIN);
    expect(s.store.get(inc.id)?.tier).toBe(1); // resolve at 49.9 %
    s.watch.tick(T0 + 360 * MIN); // resolve at 50 % of 720 min
    expect(escalations(s, inc.id)).toEqual(['1 plan SLA at risk', '2 resolve SLA at risk']);
  });
});

describe('what each page says, and which incidents the watch leaves alone', () => {
  it('escalates when not acknowledged within unacknowledged_after, before the respond SLA', () => {
    const db = openDb(':memory:');
    const s = build(db, () => false, { ...rules, unacknowledgedAfterMs: 10 * MIN });
    const inc = s.manager.openManual({ title: 'PDU feed lost', priority: 'P2', device: 'pdu1', by: 'noc' }, T0);
    s.watch.tick(T0 + 10 * MIN - 1);
    expect(s.store.get(inc.id)?.tier).toBe(0);
    s.watch.tick(T0 + 10 * MIN);
    expect(s.store.get(inc.id)?.tier).toBe(1);
    expect(s.pages.filter((p) => p.reason === 'escalated')).toEqual([{ reason: 'escalated', key: 'tier:1', detail: { reason: 'not acknowledged in time' } }]);
  });

  it('names the respond clock as the reason and puts clock, fraction and deadline in warning and breach pages', () => {
    const db = openDb(':memory:');
    const s = build(db);
    const inc = s.manager.openManual({ title: 'Core switch down', priority: 'P1', device: 'core1', by: 'noc' }, T0);
    s.watch.tick(T0 + 24 * MIN);
    s.watch.tick(T0 + 30 * MIN);
    expect(s.pages.map((p) => [p.reason, p.key, p.detail])).toEqual([
      ['sla_warning', 'respond:0.8', { clock: 'respond', fraction: 0.8, deadline: T0 + 30 * MIN }],
      ['repeat', 'repeat:0:1', { round: 1 }], // 24 min unacknowledged: the first 15-minute round
      ['sla_breach', 'respond', { clock: 'respond', deadline: T0 + 30 * MIN }],
      ['escalated', 'tier:1', { reason: 'not acknowledged in time' }],
    ]);
    expect(
      s.outbox
        .forIncident(inc.id)
        .filter((n) => n.content.kind === 'sla_breach')
        .map((n) => n.content.deadline),
    ).toEqual([T0 + 30 * MIN, T0 + 30 * MIN]);
  });

  it('repeats pages only while the incident is unacknowledged', () => {
    const db = openDb(':memory:');
    const s = build(db);
    const inc = s.manager.openManual({ title: 'UPS on battery', priority: 'P1', device: 'ups1', by: 'noc' }, T0);
    s.manager.acknowledge(inc.id, 'desk', T0 + 2 * MIN);
    s.watch.tick(T0 + 16 * MIN);
    s.watch.tick(T0 + 31 * MIN);
    expect(s.pages.filter((p) => p.reason === 'repeat')).toEqual([]);
  });

  it('leaves resolved incidents alone: no clock, page or escalation after the fix', () => {
    const db = openDb(':memory:');
    const s = build(db);
    const inc = s.manager.openManual({ title: 'Fan failed', priority: 'P1', device: 'srv9', by: 'noc' }, T0);
    s.manager.resolve(inc.id, 'desk', T0 + 5 * MIN, 'replaced');
    s.watch.tick(T0 + 300 * MIN);
    expect(s.pages).toEqual([]);
    expect(s.store.get(inc.id)?.tier).toBe(0);
  });
});
