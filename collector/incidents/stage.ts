/**
 * Assembles the incident stage: alert events → incidents → routing → outbox →
 * sender, plus the SLA watch on a timer. The order of the notification
 * pipeline is written here and nowhere else:
 *   incident change (or SLA step) → router (who, which channels; damped or
 *   digest: nothing) → outbox (dedupe key, same transaction) → sender (retry,
 *   back-off; per-recipient console and acknowledge links added as each
 *   message leaves) → timeline and metrics.
 */
import type { FastifyBaseLogger } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CollectorConfig } from '../config.js';
import type { Db } from '../db.js';
import { METRIC_PREFIX } from '../metrics.js';
import { AckLinks } from '../links/links.js';
import { loadLinkKey } from '../links/key.js';
import { LinkStore } from '../links/store.js';
import { buildChannels } from '../notify/config.js';
import { Outbox } from '../notify/outbox.js';
import { NotificationRouter } from '../notify/router.js';
import { NotificationSender } from '../notify/sender.js';
import type { RuleEngine } from '../rules/engine.js';
import type { MaintenanceCalendar } from '../rules/maintenance.js';
import { PRIORITIES } from '../rules/types.js';
import { EscalationWatch } from './escalation.js';
import { IncidentManager } from './manager.js';
import { DEFAULT_POLICY, directory, escalationRules, loadEscalationPolicy, slaClock, type EscalationPolicy } from './policy.js';
import type { IncidentRouteOptions } from './routes.js';
import type { LogStore } from '../logs/store.js';
import { IncidentStore } from './store.js';
import type { Incident } from './types.js';

export interface IncidentStageOptions {
  db: Db;
  config: CollectorConfig;
  engine: RuleEngine;
  maintenance: MaintenanceCalendar;
  registry: Registry;
  now: () => number;
  log: FastifyBaseLogger;
  autoTick: boolean;
  env?: NodeJS.ProcessEnv;
  /** Raw syslog lines, for the context of incidents and their notifications. */
  logs?: LogStore;
}

/**
 * Says at start what would make incidents silent: no contacts at all, or
 * routes whose channels are not configured. The default policy has no
 * contacts, so a collector started without one says so loudly.
 */
export function reachability(policy: EscalationPolicy, channels: ReadonlyMap<string, unknown>): string[] {
  const out: string[] = [];
  const contacts = policy.tiers.reduce((n, t) => n + t.contacts.length + (t.schedule ? 1 : 0), 0);
  if (policy.contacts.size === 0 || contacts === 0) {
    out.push(
      'the escalation policy has no contacts: incidents will notify nobody (each one records "undeliverable" in its timeline and roomwatch_notifications_undeliverable_total counts them); set incidents.policy in collector.yaml',
    );
  }
  for (const p of PRIORITIES) {
    const route = policy.routes[p];
    if (route.digest) continue;
    const missing = route.channels.filter((c) => !channels.has(c));
    if (missing.length === route.channels.length)
      out.push(`${p} incidents route to channel(s) ${route.channels.join(', ') || '(none)'}, none of which is configured in notify.channels: nobody will be paged for ${p}`);
  }
  return out;
}

/** Syslog lines in a notification: enough to see what the device said, short enough to read on a phone. */
const MESSAGE_LOG_LINES = 10;

export function buildIncidentStage(o: IncidentStageOptions) {
  const policy: EscalationPolicy = o.config.incidents.policy ? loadEscalationPolicy(o.config.incidents.policy) : DEFAULT_POLICY;
  const store = new IncidentStore(o.db);
  const outbox = new Outbox(o.db);
  const { channels } = buildChannels(o.config.notify.channels);
  const manager = new IncidentManager(o.db, store, policy.incidents);
  const baseUrl = o.config.incidents.baseUrl?.replace(/\/*$/, '/');
  // The acknowledge-link key: auth.link_key_file, else ROOMWATCH_LINK_KEY, else generated into the data directory.
  const linkKey = loadLinkKey({ file: o.config.auth.linkKeyFile, env: o.env ?? process.env, dataDir: o.config.dataDir });
  if (linkKey.warning) o.log.warn(linkKey.warning);
  const linkStore = new LinkStore(o.db);
  const links = new AckLinks({ key: linkKey.key, store: linkStore, baseUrl: baseUrl ?? '/', expiryMs: o.config.incidents.linkExpiryMs });
  if (!baseUrl) o.log.warn("incidents.base_url is not set: messages carry no link to the console and no acknowledge link; set it to the console's external URL, e.g. https://noc.example/");
  const undeliverable = new Counter({
    name: `${METRIC_PREFIX}notifications_undeliverable_total`,
    help: 'Incident notifications that reached nobody (no contact in the tier that a route channel can reach), by kind and priority.',
    labelNames: ['kind', 'priority'] as const,
    registers: [o.registry],
  });
  const router = new NotificationRouter({
    outbox,
    store,
    channels: () => channels,
    directory: () => directory(policy),
    baseUrl,
    timeZone: o.config.incidents.timeZone,
    // A message can only carry what arrived before it is sent: the lines up to now, in the window before.
    logContext: o.logs ? (device, at) => (o.logs as LogStore).before(device, at, MESSAGE_LOG_LINES) : undefined,
    onUndeliverable: (incident, kind) => {
      undeliverable.inc({ kind, priority: incident.priority });
      o.log.warn({ incident: incident.id, kind }, 'incident notification reaches nobody');
    },
  });
  for (const problem of reachability(policy, channels)) o.log.warn(problem);

  const sent = new Counter({
    name: `${METRIC_PREFIX}notifications_total`,
    help: 'Notification attempts by channel and result (sent, retry, failed).',
    labelNames: ['channel', 'result'] as const,
    registers: [o.registry],
  });
  const breaches = new Counter({
    name: `${METRIC_PREFIX}sla_breaches_total`,
    help: 'SLA breaches recorded, by priority and clock.',
    labelNames: ['priority', 'clock'] as const,
    registers: [o.registry],
  });
  new Gauge({
    name: `${METRIC_PREFIX}incidents_open`,
    help: 'Open or acknowledged incidents by priority.',
    labelNames: ['priority'] as const,
    registers: [o.registry],
    collect() {
      const open = store.list({ status: ['open', 'acknowledged'], limit: 1_000_000 });
      for (const p of PRIORITIES) this.set({ priority: p }, open.filter((i) => i.priority === p).length);
    },
  });

  const sender = new NotificationSender({
    outbox,
    channels,
    now: o.now,
    // Per-recipient links are minted as each message leaves, never stored in the outbox.
    prepare: (entry, channel) => (baseUrl ? links.decorate(entry.content, entry.recipient, channel.kind, o.now()) : entry.content),
    onAttempt: (entry, result, final) => {
      sent.inc({ channel: entry.channel, result: result.ok ? 'sent' : final ? 'failed' : 'retry' });
      if (result.ok) store.addTimeline(entry.incidentId, o.now(), 'notified', null, { channel: entry.channel, to: entry.recipient.name, kind: entry.kind });
      else if (final) {
        store.addTimeline(entry.incidentId, o.now(), 'notify_failed', null, { channel: entry.channel, to: entry.recipient.name, kind: entry.kind, error: result.error });
        o.log.warn({ channel: entry.channel, to: entry.recipient.name, error: result.error }, 'notification failed for good');
      }
    },
  });

  const watch = new EscalationWatch(
    o.db,
    store,
    () => escalationRules(policy),
    (incident, reason, key, detail, now) => {
      if (reason === 'sla_breach') breaches.inc({ priority: incident.priority, clock: String(detail.clock) });
      router.notify(incident, reason, key, detail, now);
    },
    { paused: (incident, now) => o.maintenance.covering({ ruleId: incident.ruleId, device: incident.device, tags: { device: incident.device } }, now) !== undefined },
  );

  manager.onChange((c) => {
    if (c.damped) return;
    // A reopened incident says so: the on-call saw it resolve and must not take it for a new one.
    const kind = c.type === 'priority_raised' ? 'escalated' : c.type;
    const key = c.type === 'opened' ? 'open' : `${c.type}:${c.at}`;
    if (c.type === 'acknowledged' || c.type === 'closed') return; // people who act know already
    o.db.transaction(() => router.notify(c.incident, kind, key, {}, c.at))();
    sender.kick();
  });
  o.engine.onEvent((e) => {
    try {
      manager.handle(e);
    } catch (err) {
      o.log.error({ err }, 'incident handling failed');
    }
  });

  const judge = {
    met(incident: Incident, clock: 'respond' | 'plan' | 'resolve', now: number) {
      // An incident that resolved (by itself or by hand) before anyone acknowledged it stops the respond
      // clock at resolution: resolving within 30 min met the respond SLA; later, the breach stands.
      // Likewise a plan recorded, or a resolution, stops the plan clock.
      const stoppedAt = clock === 'respond' ? (incident.acknowledgedAt ?? incident.resolvedAt) : clock === 'plan' ? (incident.plannedAt ?? incident.resolvedAt) : incident.resolvedAt;
      const s = slaClock(policy, incident.priority, clock, incident.openedAt, store.pauses(incident.id), now, stoppedAt ?? undefined);
      return stoppedAt !== null ? s.elapsedMs <= s.targetMs : s.breached ? false : undefined;
    },
  };
  const routeOptions: IncidentRouteOptions = {
    manager,
    store,
    outbox,
    judge,
    now: o.now,
    logContext: o.logs ? (device, at) => (o.logs as LogStore).around(device, at) : undefined,
    slaView: (incident, now) => Object.fromEntries((['respond', 'plan', 'resolve'] as const).map((clock) => [clock, watch.status(incident, clock, now)])),
  };

  let timer: NodeJS.Timeout | undefined;
  return {
    store,
    manager,
    outbox,
    sender,
    watch,
    routeOptions,
    judge,
    targets: policy.targets,
    channels,
    links,
    linkStore,
    baseUrl,
    contacts: policy.contacts,
    start() {
      sender.start();
      if (o.autoTick) {
        timer = setInterval(() => {
          try {
            watch.tick(o.now());
            sender.kick();
          } catch (err) {
            o.log.error({ err }, 'SLA watch failed');
          }
        }, o.config.incidents.tickMs);
        timer.unref();
      }
    },
    async stop() {
      clearInterval(timer);
      await sender.stop();
      await Promise.all([...channels.values()].map((c) => c.close?.()));
    },
  };
}
