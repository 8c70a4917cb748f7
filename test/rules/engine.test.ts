import { describe, expect, it } from 'vitest';
import { Harness, rulesFrom, T0 } from './engine-harness.js';

const MIN = 60_000;

describe('alert lifecycle', () => {
  const disk = rulesFrom(`
group: host
rules:
  - name: Disk almost full
    when: disk.used_pct > 90
    for: 5m
    clear: "< 85"
    clear_for: 2m
    priority: P3
    escalate: [{ when: "> 97", priority: P2 }]
    summary: "{{device}}:{{mount}} {{value}} %"
`);

  it('goes pending, fires after for, holds through hysteresis, and resolves after clear_for', () => {
    const h = new Harness(disk);
    const used = (v: number) => h.sample('disk', 'db01', { used_pct: v }, { mount: '/u01' });
    used(92);
    expect(h.engine.alerts()[0]?.state).toBe('pending');
    h.advance(4 * MIN);
    used(93);
    expect(h.firing()).toEqual([]);
    h.advance(MIN);
    used(93);
    expect(h.firing()).toEqual(['host/Disk almost full db01 P3']);
    expect(h.engine.alerts()[0]?.summary).toBe('db01:/u01 93 %');
    used(86); // below 90, not below 85: still firing
    h.advance(5 * MIN);
    expect(h.firing()).toHaveLength(1);
    used(84); // clear condition starts; clear_for 2m
    h.advance(MIN);
    expect(h.firing()).toHaveLength(1);
    h.advance(MIN);
    expect(h.firing()).toEqual([]);
    expect(h.eventTypes()).toEqual(['fired db01', 'resolved db01']);
    expect(h.events[0]?.at).toBe(T0 + 5 * MIN);
  });

  it('cancels a pending alert when the condition stops before for', () => {
    const h = new Harness(disk);
    h.sample('disk', 'db01', { used_pct: 95 }, { mount: '/' });
    h.advance(2 * MIN);
    h.sample('disk', 'db01', { used_pct: 50 }, { mount: '/' });
    h.advance(10 * MIN);
    expect(h.events).toEqual([]);
    expect(h.engine.alerts()).toEqual([]);
  });

  it('escalates while firing and never lowers the priority before it resolves', () => {
    const h = new Harness(disk);
    h.sample('disk', 'db01', { used_pct: 95 }, { mount: '/' });
    h.advance(5 * MIN);
    h.sample('disk', 'db01', { used_pct: 96 }, { mount: '/' });
    h.sample('disk', 'db01', { used_pct: 98 }, { mount: '/' });
    h.sample('disk', 'db01', { used_pct: 92 }, { mount: '/' });
    expect(h.firing()).toEqual(['host/Disk almost full db01 P2']);
    expect(h.eventTypes()).toEqual(['fired db01', 'escalated db01 P2']);
    expect(h.events[1]?.previousPriority).toBe('P3');
  });

  it('marks a flapping alert and damps its events', () => {
    const rules = rulesFrom(`
group: net
rules:
  - name: Link down
    when: if.oper_up == 0
    priority: P3
    flap: { window: 10m, max_changes: 4 }
`);
    const h = new Harness(rules);
    for (let i = 0; i < 4; i++) {
      h.sample('if', 'sw1', { oper_up: 0 }, { ifname: 'Gi0/1' });
      h.advance(30_000);
      h.sample('if', 'sw1', { oper_up: 1 }, { ifname: 'Gi0/1' });
      h.advance(30_000);
    }
    expect(h.eventTypes()).toEqual(['fired sw1', 'resolved sw1', 'fired sw1', 'resolved sw1', 'flapping sw1', 'fired sw1', 'resolved sw1', 'fired sw1', 'resolved sw1']);
    expect(h.events.filter((e) => e.damped).map((e) => e.type)).toEqual(['flapping', 'fired', 'resolved', 'fired', 'resolved']);
    // Quiet for the flap window: flapping ends.
    h.advance(11 * MIN);
    expect(h.eventTypes().at(-1)).toBe('flapping_ended sw1');
  });

  it('fires absence rules from the tick when a series goes silent', () => {
    const rules = rulesFrom(`
group: agent
rules:
  - name: Agent silent
    when: absent(agent.heartbeat, 3m)
    priority: P2
`);
    const h = new Harness(rules);
    h.sample('agent', 'db01', { heartbeat: 1 });
    h.advance(2 * MIN);
    h.sample('agent', 'db01', { heartbeat: 1 });
    h.advance(3 * MIN - 1_000);
    expect(h.firing()).toEqual([]);
    h.advance(1_000);
    expect(h.firing()).toEqual(['agent/Agent silent db01 P2']);
    h.sample('agent', 'db01', { heartbeat: 1 });
    expect(h.firing()).toEqual([]);
    expect(h.eventTypes()).toEqual(['fired db01', 'resolved db01']);
  });

  it('reads other metrics of the same device and series in templates and conditions', () => {
    const rules = rulesFrom(`
group: ups
rules:
  - name: UPS on battery
    when: ups.on_battery == 1 and ups.battery_charge_pct < 90
    priority: P1
    summary: "{{device}} on battery, {{ups.battery_runtime_min}} min left"
`);
    const h = new Harness(rules);
    h.sample('ups', 'ups-a', { battery_runtime_min: 41, battery_charge_pct: 85 });
    h.sample('ups', 'ups-a', { on_battery: 1 });
    expect(h.engine.alerts()[0]?.summary).toBe('ups-a on battery, 41 min left');
    expect(h.firing()).toEqual(['ups/UPS on battery ups-a P1']);
  });
});

describe('restart persistence', () => {
  const rules = rulesFrom(`
group: host
rules:
  - name: Disk almost full
    when: disk.used_pct > 90
    for: 10m
    priority: P3
`);

  it('keeps a pending for-timer across a restart and does not re-page a firing alert', () => {
    const h = new Harness(rules);
    h.sample('disk', 'db01', { used_pct: 95 }, { mount: '/a' });
    h.advance(6 * MIN);
    h.restart(); // pending since T0, restored
    h.advance(4 * MIN);
    h.sample('disk', 'db01', { used_pct: 95 }, { mount: '/a' });
    expect(h.firing()).toEqual(['host/Disk almost full db01 P3']);
    expect(h.events.map((e) => [e.type, e.at])).toEqual([['fired', T0 + 10 * MIN]]);
    h.restart();
    h.sample('disk', 'db01', { used_pct: 96 }, { mount: '/a' });
    h.advance(MIN);
    expect(h.firing()).toEqual(['host/Disk almost full db01 P3']);
    expect(h.events).toHaveLength(1); // no second page after the restart
  });
});

describe('topology', () => {
  const rules = rulesFrom(`
group: network
rules:
  - name: Device unreachable
    when: device.up == 0
    priority: P2
`);
  const children = Array.from({ length: 50 }, (_, i) => `acc${String(i).padStart(2, '0')}`);
  const inventory = Object.fromEntries([['core1', {}], ...children.map((c) => [c, { parent: 'core1' }])]);

  it('storm: a core switch with 50 children down raises one alert and suppresses 50', () => {
    const h = new Harness(rules, inventory);
    h.sample('device', 'core1', { up: 0 });
    for (const c of children) h.sample('device', c, { up: 0 });
    h.advance(30_000);
    expect(h.firing()).toEqual(['network/Device unreachable core1 P2']);
    const suppressed = h.engine.alerts().filter((a) => a.state === 'suppressed');
    expect(suppressed).toHaveLength(50);
    expect(new Set(suppressed.map((a) => a.suppressedBy))).toEqual(new Set(['network/Device unreachable|device="core1"']));
    expect(h.events.filter((e) => e.type === 'fired').map((e) => e.alert.device)).toEqual(['core1']);

    // Recovery: the core comes back; 49 children answer again within the grace period, one stays down.
    h.events.length = 0;
    h.sample('device', 'core1', { up: 1 });
    h.advance(2_000);
    for (const c of children.slice(0, 49)) h.sample('device', c, { up: 1 });
    h.advance(2 * MIN);
    h.sample('device', 'acc49', { up: 0 });
    const fired = h.events.filter((e) => e.type === 'fired').map((e) => e.alert.device);
    expect(fired).toEqual(['acc49']);
    expect(h.firing()).toEqual(['network/Device unreachable acc49 P2']);
  });

  it('suppresses a child even when it is noticed before its parent fires', () => {
    const slow = rulesFrom(`
group: network
rules:
  - name: Device unreachable
    when: device.up == 0
    for: 1m
    priority: P2
`);
    const h = new Harness(slow, { core1: {}, acc1: { parent: 'core1' } });
    h.sample('device', 'acc1', { up: 0 });
    h.advance(10_000);
    h.sample('device', 'core1', { up: 0 });
    h.advance(2 * MIN);
    expect(h.firing()).toEqual(['network/Device unreachable core1 P2']);
    expect(h.engine.alerts().find((a) => a.device === 'acc1')?.state).toBe('suppressed');
  });
});

describe('maintenance windows', () => {
  const rules = rulesFrom(`
group: host
rules:
  - name: Process down
    when: proc.up == 0
    priority: P2
`);

  it('records alerts inside a window without raising them, and raises what still fires after it', () => {
    const h = new Harness(rules);
    h.maintenance.add({ name: 'patching', start: T0, end: T0 + 30 * MIN, scope: { devices: ['db*'] } }, T0);
    h.sample('proc', 'db01', { up: 0 }, { name: 'sshd' });
    h.sample('proc', 'app01', { up: 0 }, { name: 'sshd' });
    expect(h.events.map((e) => `${e.type} ${e.alert.device}`)).toEqual(['fired app01']);
    expect(h.engine.alerts().find((a) => a.device === 'db01')).toMatchObject({ state: 'firing', muted: true });
    h.advance(31 * MIN, 60_000);
    expect(h.events.map((e) => `${e.type} ${e.alert.device}`)).toEqual(['fired app01', 'fired db01']);
  });

  it('raises nothing for an alert that clears inside the window', () => {
    const h = new Harness(rules);
    h.maintenance.add({ name: 'nightly', cron: '0 2 * * *', durationMs: 60 * MIN, scope: { rules: ['host/*'] } }, T0);
    h.now = T0 + 2 * 60 * MIN + 5 * MIN; // 02:05 UTC, inside the recurring window
    h.sample('proc', 'db01', { up: 0 }, { name: 'sshd' });
    h.advance(10 * MIN, 60_000);
    h.sample('proc', 'db01', { up: 1 }, { name: 'sshd' });
    h.advance(60 * MIN, 60_000);
    expect(h.events).toEqual([]);
  });
});
