/**
 * Topology suppression reaches every descendant, not only a device's direct
 * children (README "Topology"): a server under an access switch under a downed
 * core switch, and a server fed by a PDU fed by a failed UPS. The middle link
 * reports nothing (an access switch nobody polls, a PDU without a management
 * card), so only a walk of the whole chain can find the down ancestor.
 */
import { describe, expect, it } from 'vitest';
import { Harness, rulesFrom } from './engine-harness.js';

const MIN = 60_000;

const rules = rulesFrom(`
group: network
rules:
  - name: Device unreachable
    when: device.up == 0
    priority: P2
`);

const inventory = {
  core1: {},
  acc1: { parent: 'core1' },
  srv1: { parent: 'acc1' },
  ups1: {},
  pdu1: { parent: 'ups1' },
  srv2: { parent: 'pdu1' },
};

describe('topology suppression three levels deep', () => {
  it('core → access → server: the server is suppressed by the core switch two levels up', () => {
    const h = new Harness(rules, inventory);
    h.sample('device', 'core1', { up: 0 });
    h.sample('device', 'srv1', { up: 0 });
    h.advance(30_000);
    expect(h.firing()).toEqual(['network/Device unreachable core1 P2']);
    const srv = h.engine.alerts().find((a) => a.device === 'srv1');
    expect(srv?.state).toBe('suppressed');
    expect(srv?.suppressedBy).toBe('network/Device unreachable|device="core1"');
    expect(h.events.filter((e) => e.type === 'fired').map((e) => e.alert.device)).toEqual(['core1']);
  });

  it('UPS → PDU → server: a power failure suppresses the server fed through the PDU', () => {
    const h = new Harness(rules, inventory);
    h.sample('device', 'ups1', { up: 0 });
    h.advance(5_000);
    h.sample('device', 'srv2', { up: 0 });
    h.advance(30_000);
    expect(h.firing()).toEqual(['network/Device unreachable ups1 P2']);
    expect(h.engine.alerts().find((a) => a.device === 'srv2')).toMatchObject({ state: 'suppressed', suppressedBy: 'network/Device unreachable|device="ups1"' });
  });

  it('all three down: one alert, the nearest down ancestor is named, and an unrelated chain still fires', () => {
    const h = new Harness(rules, inventory);
    for (const d of ['core1', 'acc1', 'srv1', 'srv2']) h.sample('device', d, { up: 0 });
    h.advance(30_000);
    // srv2's chain (pdu1, ups1) is up: it fires on its own.
    expect(h.firing()).toEqual(['network/Device unreachable core1 P2', 'network/Device unreachable srv2 P2']);
    const by = Object.fromEntries(
      h.engine
        .alerts()
        .filter((a) => a.state === 'suppressed')
        .map((a) => [a.device, a.suppressedBy]),
    );
    expect(by).toEqual({ acc1: 'network/Device unreachable|device="core1"', srv1: 'network/Device unreachable|device="acc1"' });

    // The core recovers, the server stays down: it fires only after the grace period.
    h.events.length = 0;
    h.sample('device', 'core1', { up: 1 });
    h.sample('device', 'acc1', { up: 1 });
    h.advance(30_000);
    expect(h.events.filter((e) => e.type === 'fired')).toEqual([]);
    h.advance(2 * MIN);
    h.sample('device', 'srv1', { up: 0 });
    expect(h.events.filter((e) => e.type === 'fired').map((e) => e.alert.device)).toEqual(['srv1']);
  });
});
