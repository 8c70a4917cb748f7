/**
 * What Grafana shows besides samples: alert state changes and incident events
 * as points, and a NOC snapshot (firing alerts and open incidents by priority,
 * devices down) every minute. They travel through the same durable outbox.
 */
import type { Sample } from '../../contract/index.js';
import type { AlertEvent } from '../../rules/events.js';
import type { RuleEngine } from '../../rules/engine.js';
import type { IncidentChange, IncidentManager } from '../../incidents/manager.js';
import type { IncidentStore } from '../../incidents/store.js';
import type { SlaJudge } from '../../incidents/stats.js';
import type { Incident } from '../../incidents/types.js';
import type { DeviceRegistry } from '../../registry/devices.js';

/** Where event points go: the InfluxDB store's outbox, or the embedded store (which /query reads). */
export interface EventSink {
  writeEvents(points: Sample[]): void;
}

/** Measurements of events and snapshots, not of devices: the daily report leaves them out. */
export const EVENT_MEASUREMENTS: ReadonlySet<string> = new Set(['alert', 'incident', 'noc']);

const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export const NOC_SNAPSHOT_MS = 60_000;

/**
 * The current state of one alert: written when it changes (firing 1, or 0
 * when it resolves) and again for every firing alert at each snapshot, so
 * "firing now" is the last point of the last few minutes whatever the
 * dashboard's time range, and a muted alert is told apart by its tag.
 */
export function alertStatePoint(a: Pick<AlertEvent['alert'], 'device' | 'ruleId' | 'priority' | 'summary' | 'muted'>, firing: boolean, site: string | undefined, ts: number): Sample {
  return {
    measurement: 'alert_state',
    tags: { device: a.device, rule: a.ruleId, priority: a.priority, muted: a.muted ? '1' : '0', ...(site ? { site } : {}) },
    fields: { firing: firing ? 1 : 0, summary: a.summary.slice(0, 1024) },
    ts,
  };
}

export function alertPoint(e: AlertEvent): Sample | undefined {
  if (e.type !== 'fired' && e.type !== 'resolved' && e.type !== 'escalated') return undefined;
  const a = e.alert;
  const resolved = e.type === 'resolved';
  return {
    measurement: 'alert',
    tags: { device: a.device, rule: a.ruleId, priority: a.priority, state: resolved ? 'resolved' : 'firing' },
    fields: { value: resolved ? 0 : 1, summary: a.summary.slice(0, 1024), ...(a.value !== null ? { metric_value: a.value } : {}) },
    ts: e.at,
  };
}

const EVENT: Record<IncidentChange['type'], string> = {
  opened: 'opened',
  reopened: 'reopened',
  priority_raised: 'escalated',
  acknowledged: 'acknowledged',
  resolved: 'resolved',
  closed: 'closed',
};

export function incidentPoint(c: IncidentChange, judge: SlaJudge, targets: Record<string, { respond: number; resolve: number }>): Sample {
  const i: Incident = c.incident;
  const fields: Record<string, number | string> = { id: i.id, tier: i.tier + 1, title: i.title.slice(0, 256) };
  const t = targets[i.priority];
  if (t) {
    fields.respond_sla_s = Math.round(t.respond / 1000);
    fields.resolve_sla_s = Math.round(t.resolve / 1000);
  }
  if (i.acknowledgedAt !== null) fields.tta_s = Math.round((i.acknowledgedAt - i.openedAt) / 1000);
  if (i.resolvedAt !== null) fields.ttr_s = Math.round((i.resolvedAt - i.openedAt) / 1000);
  const missed = judge.met(i, 'respond', c.at) === false || judge.met(i, 'resolve', c.at) === false;
  fields.breached = missed ? 1 : 0;
  return { measurement: 'incident', tags: { device: i.device, priority: i.priority, event: EVENT[c.type], rule: i.ruleId }, fields, ts: c.at };
}

export interface NocSources {
  engine: RuleEngine;
  incidents: IncidentStore;
  registry: DeviceRegistry;
  /** Devices whose latest device.up (or agent heartbeat) says they are down. */
  devicesDown(): number;
}

export function nocSnapshot(src: NocSources, now: number): Sample[] {
  const active = src.engine.alerts().filter((a) => a.state === 'firing');
  // A muted alert (inside a maintenance window) is not "firing" on the NOC wall; it is counted apart.
  const firing = active.filter((a) => !a.muted);
  const muted = active.filter((a) => a.muted);
  const open = src.incidents.list({ status: ['open', 'acknowledged'] as never });
  const points: Sample[] = PRIORITIES.map((p) => ({
    measurement: 'noc',
    tags: { device: 'roomwatch', priority: p },
    fields: { alerts_firing: firing.filter((a) => a.priority === p).length, alerts_muted: muted.filter((a) => a.priority === p).length, incidents_open: open.filter((i) => i.priority === p).length },
    ts: now,
  }));
  for (const a of active) points.push(alertStatePoint(a, true, src.registry.get(a.device)?.site ?? undefined, now));
  points.push({ measurement: 'noc', tags: { device: 'roomwatch' }, fields: { devices_down: src.devicesDown(), devices_total: src.registry.list().length }, ts: now });
  return points;
}

/** Subscribes the store to alert and incident events and starts the snapshot timer; returns a stop function. */
export function wireInfluxEvents(
  store: EventSink,
  o: {
    engine: RuleEngine;
    manager: IncidentManager;
    incidents: IncidentStore;
    judge: SlaJudge;
    targets: Record<string, { respond: number; resolve: number }>;
    registry: DeviceRegistry;
    devicesDown(): number;
    now(): number;
    snapshots?: boolean;
  },
): () => void {
  o.engine.onEvent((e) => {
    const p = alertPoint(e);
    if (p) store.writeEvents([p, alertStatePoint(e.alert, e.type !== 'resolved', o.registry.get(e.alert.device)?.site ?? undefined, e.at)]);
  });
  o.manager.onChange((c) => store.writeEvents([incidentPoint(c, o.judge, o.targets)]));
  if (o.snapshots === false) return () => undefined;
  const snapshot = () => store.writeEvents(nocSnapshot(o, o.now()));
  // One at start, so the NOC overview has a value before the first minute passes.
  snapshot();
  const timer = setInterval(snapshot, NOC_SNAPSHOT_MS);
  timer.unref();
  return () => clearInterval(timer);
}
