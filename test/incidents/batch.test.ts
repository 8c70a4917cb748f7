/**
 * The collector handles a batch's alert events inside one transaction (the
 * ingest's or the tick's; IncidentManager.handle nests as a savepoint). The
 * incidents, alerts, timelines and changes must be those of handling each
 * event in its own transaction, and an event that fails must roll back alone.
 */
import { describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../collector/db.js';
import { IncidentManager, type IncidentChange } from '../../collector/incidents/manager.js';
import { IncidentStore } from '../../collector/incidents/store.js';
import type { AlertEvent, AlertState } from '../../collector/rules/events.js';
import { alert, MIN, T0 } from './alert-fixture.js';

/** Every kind of event: opens, correlation, suppression, escalation, flapping, resolution, reopening, re-fire. */
function script(): AlertEvent[] {
  const core = alert('network/Core down', 'core1', 'P1');
  const disk = alert('host/Disk busy', 'db01', 'P4');
  const io = alert('host/IO wait high', 'db01', 'P3');
  const ups = alert('ups/On battery', 'ups-a', 'P2');
  const e = (type: AlertEvent['type'], a: AlertState, at: number, damped = false): AlertEvent => ({ type, alert: a, at, damped });
  return [
    e('fired', core, T0),
    ...[1, 2, 3].map((i) => e('suppressed', alert('network/Device unreachable', `acc${i}`, 'P2', { state: 'suppressed', suppressedBy: core.identity }), T0 + 1000)),
    e('fired', disk, T0 + MIN),
    e('fired', io, T0 + 2 * MIN), // same device within the window: correlated, raises the priority
    e('escalated', { ...disk, priority: 'P2', summary: 'disk busy for an hour' }, T0 + 3 * MIN),
    e('fired', ups, T0 + 3 * MIN, true),
    e('flapping', ups, T0 + 4 * MIN, true),
    e('resolved', ups, T0 + 5 * MIN),
    e('fired', ups, T0 + 6 * MIN), // reopens within the reopen window
    e('flapping_ended', ups, T0 + 7 * MIN),
    e('unsuppressed', alert('network/Device unreachable', 'acc2', 'P2'), T0 + 8 * MIN),
    e('resolved', io, T0 + 9 * MIN),
    e('resolved', { ...disk, priority: 'P2' }, T0 + 9 * MIN),
    e('resolved', core, T0 + 10 * MIN), // P1: waits for a human close
    e('fired', disk, T0 + 11 * MIN),
  ];
}

function setup() {
  const db = openDb(':memory:');
  const store = new IncidentStore(db);
  const manager = new IncidentManager(db, store);
  const changes: IncidentChange[] = [];
  const inTransaction: boolean[] = [];
  manager.onChange((c) => {
    changes.push(c);
    inTransaction.push(db.inTransaction);
  });
  return { db, store, manager, changes, inTransaction };
}

function dump(db: Db) {
  const all = (sql: string) => db.prepare(sql).all();
  return {
    incidents: all('SELECT * FROM incidents ORDER BY id'),
    alerts: all('SELECT * FROM incident_alerts ORDER BY incident_id, identity'),
    timeline: all('SELECT * FROM incident_timeline ORDER BY id'),
    held: all('SELECT * FROM held_alerts ORDER BY identity'),
  };
}

describe('alert events of a batch in one transaction', () => {
  it('gives the incidents, timelines and changes of one transaction per event', () => {
    const oneByOne = setup();
    for (const e of script()) oneByOne.manager.handle(e);

    const batched = setup();
    batched.db.transaction(() => {
      for (const e of script()) batched.manager.handle(e);
    })();

    expect(dump(oneByOne.db).incidents.length).toBeGreaterThan(2);
    expect(oneByOne.changes.map((c) => c.type)).toEqual(expect.arrayContaining(['opened', 'priority_raised', 'resolved', 'reopened']));
    expect(dump(batched.db)).toEqual(dump(oneByOne.db));
    expect(batched.changes).toEqual(oneByOne.changes);
    // Listeners heard the batched changes inside the batch's transaction, the others after their own.
    expect(batched.inTransaction.every(Boolean)).toBe(true);
    expect(oneByOne.inTransaction.some(Boolean)).toBe(false);
  });

  it('rolls back only the event that failed, and the batch commits the rest', () => {
    const reference = setup();
    const failing = (e: AlertEvent) => e.type === 'fired' && e.alert.device === 'ups-a' && e.at === T0 + 6 * MIN;
    for (const e of script()) if (!failing(e)) reference.manager.handle(e);

    const batched = setup();
    const realAddTimeline = batched.store.addTimeline.bind(batched.store);
    let armed = false;
    // The failure comes after the event's first writes, so they must be undone.
    batched.store.addTimeline = (...args) => {
      if (armed) throw new Error('disk full');
      realAddTimeline(...args);
    };
    const errors: string[] = [];
    batched.db.transaction(() => {
      for (const e of script()) {
        armed = failing(e);
        try {
          batched.manager.handle(e);
        } catch (err) {
          errors.push((err as Error).message); // the stage logs it and goes on
        }
      }
      armed = false;
    })();

    expect(errors).toEqual(['disk full']);
    expect(dump(batched.db)).toEqual(dump(reference.db));
    expect(batched.changes).toEqual(reference.changes);
  });
});
