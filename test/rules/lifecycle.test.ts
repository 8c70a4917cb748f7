/**
 * Alert lifecycle details the mutation check (docs/mutation.md) found
 * unguarded: an interrupted clear starts over, a false condition creates nothing, resolved
 * alerts are forgotten after an hour, a removed rule takes its alerts along,
 * rule labels travel with the alert, and a child fires exactly when its grace
 * period ends.
 */
import { describe, expect, it } from 'vitest';
import { Harness, rulesFrom, T0 } from './engine-harness.js';

const MIN = 60_000;

const disk = rulesFrom(`
group: host
rules:
  - name: Disk almost full
    when: disk.used_pct > 90
    clear: "< 85"
    clear_for: 2m
    priority: P4
    escalate: [{ when: "> 95", priority: P3 }, { when: "> 97", priority: P2 }]
    labels: { team: storage }
`);

describe('alert lifecycle details', () => {
  const used = (h: Harness, v: number) => h.sample('disk', 'db01', { used_pct: v }, { mount: '/u01' });

  it('starts clear_for over when the value rises again before it ends', () => {
    const h = new Harness(disk);
    used(h, 93);
    used(h, 80); // clearing starts
    h.advance(MIN + 30_000);
    used(h, 88); // between clear and when: clearing interrupted, still firing
    used(h, 80); // clearing starts again
    h.advance(MIN);
    expect(h.firing()).toEqual(['host/Disk almost full db01 P4']); // 2.5 min since the first clear, 1 min since the second
    h.advance(MIN);
    expect(h.firing()).toEqual([]);
    expect(h.events.find((e) => e.type === 'resolved')?.at).toBe(T0 + 3.5 * MIN);
  });

  it('creates nothing for a value that does not meet the condition', () => {
    const h = new Harness(disk);
    used(h, 50);
    h.advance(MIN);
    expect(h.engine.alerts()).toEqual([]);
    expect(h.events).toEqual([]);
  });

  it('keeps a resolved alert visible for an hour, then forgets it', () => {
    const h = new Harness(disk);
    used(h, 93);
    used(h, 80);
    h.advance(2 * MIN);
    expect(h.engine.alerts().map((a) => a.state)).toEqual(['resolved']);
    h.advance(60 * MIN - 1_000, 60_000);
    expect(h.engine.alerts()).toHaveLength(1);
    h.advance(2_000);
    expect(h.engine.alerts()).toEqual([]);
  });

  it('carries the rule labels, and forgets the alerts of a rule that is removed', () => {
    const h = new Harness(disk);
    used(h, 93);
    expect(h.engine.alerts()[0]?.labels).toEqual({ team: 'storage' });
    h.engine.setRules([]);
    expect(h.engine.alerts()).toEqual([]);
  });
});

describe('flap history', () => {
  const link = rulesFrom(`
group: net
rules:
  - name: Link down
    when: if.oper_up == 0
    for: 1m
    priority: P3
    flap: { window: 30m, max_changes: 3 }
`);

  it('a pending alert that is cancelled keeps the flap history of its earlier firings', () => {
    const h = new Harness(link);
    const oper = (v: number) => h.sample('if', 'sw1', { oper_up: v }, { ifname: 'Gi0/1' });
    oper(0);
    h.advance(MIN);
    oper(1); // fired and resolved: two changes
    oper(0);
    h.advance(30_000);
    oper(1); // pending, cancelled before `for`: not a change, but the history stays
    expect(h.engine.alerts().map((a) => [a.state, a.changes.length])).toEqual([['inactive', 2]]);
    oper(0);
    h.advance(MIN);
    oper(1); // the fourth change in 30 minutes: flapping (more than 3)
    expect(h.eventTypes()).toEqual(['fired sw1', 'resolved sw1', 'fired sw1', 'flapping sw1', 'resolved sw1']);
  });
});

describe('topology grace', () => {
  const rules = rulesFrom(`
group: network
rules:
  - name: Device unreachable
    when: device.up == 0
    priority: P2
`);

  it('fires a still-down child exactly when the grace period after its parent recovered ends', () => {
    const h = new Harness(rules, { core1: {}, acc1: { parent: 'core1' } });
    h.sample('device', 'core1', { up: 0 });
    h.sample('device', 'acc1', { up: 0 });
    h.advance(10_000);
    h.sample('device', 'core1', { up: 1 });
    h.advance(1_000); // the next tick notices the parent is back: the child goes pending for the grace period
    const unsuppressed = h.events.find((e) => e.type === 'unsuppressed' && e.alert.device === 'acc1');
    expect(unsuppressed?.alert.graceUntil).toBe((unsuppressed?.at ?? 0) + 60_000); // the harness's grace is 60 s
    h.events.length = 0;
    h.advance(59_000);
    h.sample('device', 'acc1', { up: 0 });
    expect(h.events.filter((e) => e.type === 'fired')).toEqual([]);
    h.advance(1_000);
    h.sample('device', 'acc1', { up: 0 });
    expect(h.events.filter((e) => e.type === 'fired').map((e) => [e.alert.device, e.at])).toEqual([['acc1', (unsuppressed?.at ?? 0) + 60_000]]);
  });
});
