import { describe, expect, it } from 'vitest';
import { openDb } from '../../collector/db.js';
import { IncidentManager, type IncidentChange } from '../../collector/incidents/manager.js';
import { IncidentStore } from '../../collector/incidents/store.js';
import type { AlertEvent, AlertState } from '../../collector/rules/events.js';
import { alert, MIN, T0 } from './alert-fixture.js';

function setup() {
  const db = openDb(':memory:');
  const store = new IncidentStore(db);
  const manager = new IncidentManager(db, store);
  const changes: IncidentChange[] = [];
  manager.onChange((c) => changes.push(c));
  const ev = (type: AlertEvent['type'], a: AlertState, at: number, damped = false) => manager.handle({ type, alert: a, at, damped });
  return { db, store, manager, changes, ev };
}

describe('incidents from alerts', () => {
  it('opens one incident per alert identity and deduplicates re-fires while open', () => {
    const { store, changes, ev } = setup();
    const a = alert('ups/UPS on battery', 'ups-a', 'P1');
    ev('fired', a, T0);
    ev('resolved', a, T0 + MIN);
    ev('fired', a, T0 + 2 * MIN);
    const incidents = store.list();
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ status: 'open', priority: 'P1', device: 'ups-a', title: 'ups/UPS on battery on ups-a' });
    // P1 does not auto-resolve: the alert cleared and fired again inside the same incident.
    expect(store.timeline(incidents[0]!.id).map((t) => t.type)).toEqual(['opened', 'alert_cleared', 'alert_fired']);
    expect(changes.map((c) => c.type)).toEqual(['opened']);
  });

  it('auto-resolves P2–P4 when all alerts clear, and reopens on a re-fire within the reopen window', () => {
    const { store, changes, ev } = setup();
    const a = alert('host/Disk almost full', 'db01', 'P3');
    ev('fired', a, T0);
    ev('resolved', a, T0 + 10 * MIN);
    expect(store.list()[0]).toMatchObject({ status: 'resolved', resolvedAt: T0 + 10 * MIN });
    ev('fired', a, T0 + 20 * MIN);
    expect(store.list()).toHaveLength(1);
    expect(store.list()[0]).toMatchObject({ status: 'open', resolvedAt: null });
    ev('resolved', a, T0 + 30 * MIN);
    ev('fired', a, T0 + 90 * MIN); // past the 30-minute reopen window: a new incident
    expect(store.list().map((i) => i.status)).toEqual(['open', 'resolved']);
    expect(changes.map((c) => c.type)).toEqual(['opened', 'resolved', 'reopened', 'resolved', 'opened']);
  });

  it('attaches alerts on the same device within the correlation window and raises the priority', () => {
    const { store, changes, ev } = setup();
    ev('fired', alert('host/Disk busy', 'db01', 'P4'), T0);
    ev('fired', alert('host/IO wait high', 'db01', 'P3'), T0 + 2 * MIN);
    ev('fired', alert('host/CPU saturated', 'db01', 'P3'), T0 + 10 * MIN); // outside the 5 min window
    const [third, first] = [store.list()[0]!, store.list()[1]!];
    expect(store.list()).toHaveLength(2);
    expect(first.priority).toBe('P3');
    expect(store.alerts(first.id).map((x) => [x.ruleId, x.role])).toEqual([
      ['host/Disk busy', 'origin'],
      ['host/IO wait high', 'correlated'],
    ]);
    expect(third.ruleId).toBe('host/CPU saturated');
    expect(changes.map((c) => c.type)).toEqual(['opened', 'priority_raised', 'opened']);
  });

  it('puts suppressed children into the parent incident without opening their own', () => {
    const { store, ev } = setup();
    const core = alert('network/Device unreachable', 'core1', 'P2');
    ev('fired', core, T0);
    for (let i = 0; i < 50; i++) {
      ev('suppressed', alert('network/Device unreachable', `acc${i}`, 'P2', { state: 'suppressed', suppressedBy: core.identity }), T0 + 1000);
    }
    expect(store.list()).toHaveLength(1);
    const roles = store.alerts(store.list()[0]!.id).map((x) => x.role);
    expect(roles.filter((r) => r === 'suppressed')).toHaveLength(50);
    // Suppressed children do not keep the incident open: when the core clears, it resolves.
    ev('resolved', core, T0 + 5 * MIN);
    expect(store.list()[0]?.status).toBe('resolved');
  });

  it('escalated alerts raise the incident; acknowledge, comment, close with cause and fix feed the knowledge base', () => {
    const { store, manager, ev } = setup();
    const a = alert('oracle/Tablespace almost full', 'rac1', 'P3');
    ev('fired', a, T0);
    ev('escalated', { ...a, priority: 'P2' }, T0 + MIN);
    const id = store.list()[0]!.id;
    expect(store.get(id)?.priority).toBe('P2');
    manager.acknowledge(id, 'alice', T0 + 5 * MIN);
    manager.comment(id, 'adding a datafile', 'alice', T0 + 6 * MIN, true);
    expect(() => manager.close(id, 'alice', T0 + 7 * MIN, '', 'x')).toThrow(/cause and a fix/);
    ev('resolved', { ...a, priority: 'P2' }, T0 + 29 * MIN); // an incident whose alert still fires is not closed
    manager.close(id, 'alice', T0 + 30 * MIN, 'USERS grew 40 GB from an unpurged audit table', 'Added a 32 GB datafile; purge job fixed');
    expect(store.get(id)).toMatchObject({ status: 'closed', acknowledgedBy: 'alice', plannedAt: T0 + 6 * MIN, assignee: 'alice' });
    expect(() => manager.acknowledge(id, 'bob', T0 + 31 * MIN)).toThrow(/is closed/);
    expect(store.knownFixes('oracle/Tablespace almost full')).toEqual([
      { incidentId: id, ruleId: 'oracle/Tablespace almost full', cause: 'USERS grew 40 GB from an unpurged audit table', fix: 'Added a 32 GB datafile; purge job fixed', closedAt: T0 + 30 * MIN },
    ]);
    expect(store.timeline(id).map((t) => t.type)).toEqual(['opened', 'priority_raised', 'acknowledged', 'planned', 'alert_cleared', 'resolved', 'closed']);
  });
});
