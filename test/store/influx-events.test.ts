/** What the collector writes for Grafana's "Alerts firing now" (issue #17): current state, muted apart. */
import { describe, expect, it } from 'vitest';
import { alertStatePoint, nocSnapshot, type NocSources } from '../../collector/store/influx/events.js';
import type { AlertState } from '../../collector/rules/events.js';

const T = Date.UTC(2026, 10, 23, 8, 0, 0);
const alert = (device: string, priority: AlertState['priority'], muted: boolean): AlertState =>
  ({ identity: `r|${device}`, ruleId: 'ups/UPS on bypass', device, tags: { device }, state: 'firing', priority, muted, summary: `${device} on bypass` }) as unknown as AlertState;

describe('alert state for Grafana', () => {
  it('carries every firing alert forward in each snapshot, muted ones tagged apart and not counted as firing', () => {
    const src = {
      engine: { alerts: () => [alert('ups-a', 'P2', false), alert('ups-b', 'P2', true), { ...alert('ups-c', 'P2', false), state: 'pending' }] },
      incidents: { list: () => [] },
      registry: { list: () => [], get: (name: string) => ({ site: name === 'ups-a' ? 'dc1' : null }) },
      devicesDown: () => 0,
    } as unknown as NocSources;
    const points = nocSnapshot(src, T);
    const p2 = points.find((p) => p.measurement === 'noc' && p.tags.priority === 'P2');
    expect(p2?.fields).toMatchObject({ alerts_firing: 1, alerts_muted: 1 });
    expect(points.filter((p) => p.measurement === 'alert_state').map((p) => [p.tags.device, p.tags.muted, p.tags.site, p.fields.firing])).toEqual([
      ['ups-a', '0', 'dc1', 1],
      ['ups-b', '1', undefined, 1],
    ]);
  });

  it('a resolved alert writes firing 0, so its last state is not firing', () => {
    expect(alertStatePoint(alert('ups-a', 'P2', false), false, 'dc1', T)).toEqual({
      measurement: 'alert_state',
      tags: { device: 'ups-a', rule: 'ups/UPS on bypass', priority: 'P2', muted: '0', site: 'dc1' },
      fields: { firing: 0, summary: 'ups-a on bypass' },
      ts: T,
    });
  });
});
