/**
 * Who hears about an incident, through which channels (docs/architecture.md §5, routing
 * by priority): on open the route's tiers (e.g. P1: the on-call and L2 at
 * once, by SMS and email); on escalation the new tier; repeats, SLA warnings
 * and breaches go to the tier in charge. A contact that none of the route's
 * channels can reach is written to the timeline — never skipped silently.
 */
import type { IncidentStore } from '../incidents/store.js';
import type { Incident } from '../incidents/types.js';
import type { Priority } from '../rules/types.js';
import { incidentUrl } from '../links/links.js';
import type { Outbox } from './outbox.js';
import type { Channel, NotificationContent, Recipient } from './types.js';

/** A syslog line in a message is cut here: the whole line is in the incident's API view. */
const LOG_LINE_CHARS = 300;

export interface RouteSpec {
  /** Tier indexes paged when an incident opens. */
  tiers: number[];
  /** Channel names used for this priority. */
  channels: string[];
  /** Send nothing now; the daily report carries it. */
  digest: boolean;
}

export interface ContactRecipient extends Recipient {
  /** The channels this contact accepts; undefined: any. */
  channels?: string[];
}

export interface Directory {
  tierName(index: number): string;
  /** Who is paged in a tier at a time: the on-call member if the tier has a schedule, else its contacts. */
  tierRecipients(index: number, at: number): ContactRecipient[];
  route(priority: Priority): RouteSpec;
}

export type NotifyReason = NotificationContent['kind'];

export interface RouterOptions {
  outbox: Outbox;
  store: IncidentStore;
  channels: () => ReadonlyMap<string, Channel>;
  directory: () => Directory;
  /** The console's external URL (ending in '/'), for the incident link in messages. */
  baseUrl?: string;
  timeZone?: string;
  /** The device's recent syslog lines (collector/logs), for messages about an incident opening. */
  logContext?: (device: string, at: number) => Array<{ ts: number; severity: number; host: string | null; text: string }>;
  /** A message that no contact of the route can receive (no contacts, or none reachable): counted, never silent. */
  onUndeliverable?: (incident: Incident, reason: NotifyReason) => void;
}

export class NotificationRouter {
  constructor(private readonly opts: RouterOptions) {}

  /** Queues the messages for one incident event; returns how many were queued. Call inside the event's transaction. */
  notify(incident: Incident, reason: NotifyReason, key: string, detail: Record<string, unknown>, now: number): number {
    const dir = this.opts.directory();
    const route = dir.route(incident.priority);
    if (route.digest && reason !== 'sla_breach' && reason !== 'escalated') return 0;
    const tiers = reason === 'opened' ? route.tiers : [incident.tier];
    const content = this.content(incident, reason, detail, now, dir.tierName(incident.tier));
    const channels = this.opts.channels();
    let queued = 0;
    let reachedAnyone = false;
    for (const tier of tiers) {
      for (const recipient of dir.tierRecipients(tier, now)) {
        let reachable = false;
        for (const name of route.channels) {
          if (recipient.channels && !recipient.channels.includes(name)) continue;
          const channel = channels.get(name);
          if (!channel || !channel.canReach(recipient)) continue;
          reachable = true;
          reachedAnyone = true;
          const dedupeKey = `${incident.id}:${reason}:${key}:${recipient.name}:${name}`;
          if (this.opts.outbox.enqueue({ incidentId: incident.id, channel: name, recipient, content: { ...content, tier: dir.tierName(tier) }, dedupeKey }, now)) queued++;
        }
        // Reported once per contact and tier of an incident, not on every repeat.
        const unreachableKey = `${dir.tierName(tier)}:${recipient.name}`;
        if (!reachable && !this.opts.store.hasTimeline(incident.id, 'unreachable_contact', unreachableKey)) {
          this.opts.store.addTimeline(incident.id, now, 'unreachable_contact', null, {
            key: unreachableKey,
            contact: recipient.name,
            tier: dir.tierName(tier),
            channels: route.channels,
            reason: 'no configured channel of this route can reach the contact (missing email/phone, or the contact does not accept these channels)',
          });
        }
      }
    }
    if (!reachedAnyone)
      this.undeliverable(
        incident,
        reason,
        key,
        tiers.map((t) => dir.tierName(t)),
        route.channels,
        now,
      );
    return queued;
  }

  /** Once per incident event: the timeline says nobody was told, and the counter lets a dashboard alarm on it. */
  private undeliverable(incident: Incident, reason: NotifyReason, key: string, tiers: string[], channels: string[], now: number): void {
    const entryKey = `${reason}:${key}`;
    if (this.opts.store.hasTimeline(incident.id, 'undeliverable', entryKey)) return;
    this.opts.store.addTimeline(incident.id, now, 'undeliverable', null, {
      key: entryKey,
      kind: reason,
      tiers,
      channels,
      reason: 'nobody can be notified: the escalation policy has no contact in these tiers that these channels reach (set incidents.policy and notify.channels in collector.yaml)',
    });
    this.opts.onUndeliverable?.(incident, reason);
  }

  private logLines(device: string, at: number): NonNullable<NotificationContent['logs']> {
    return (this.opts.logContext?.(device, at) ?? []).map((l) => ({ ts: l.ts, severity: l.severity, text: l.text.length > LOG_LINE_CHARS ? `${l.text.slice(0, LOG_LINE_CHARS)}…` : l.text }));
  }

  private content(incident: Incident, reason: NotifyReason, detail: Record<string, unknown>, now: number, tier: string): NotificationContent {
    const alerts = this.opts.store.alerts(incident.id);
    const fixes = this.opts.store.knownFixes(incident.ruleId).filter((f) => f.incidentId !== incident.id);
    // The text of the alert the incident follows now: its title changes with the highest-priority active alert.
    const opened = this.opts.store
      .timeline(incident.id)
      .filter((t) => t.type === 'opened' || t.type === 'title_changed')
      .at(-1);
    const lead = opened?.type === 'title_changed' ? { summary: opened.detail.to, runbook: opened.detail.runbook } : opened?.detail;
    return {
      kind: reason,
      incidentId: incident.id,
      priority: incident.priority,
      title: incident.title,
      device: incident.device,
      summary: (lead?.summary as string | undefined) ?? incident.title,
      runbook: (lead?.runbook as string | undefined) ?? undefined,
      tier,
      knownFixes: fixes.map((f) => ({ incidentId: f.incidentId, cause: f.cause, fix: f.fix, closedAt: f.closedAt })),
      url: this.opts.baseUrl ? incidentUrl(this.opts.baseUrl, incident.id) : undefined,
      at: now,
      deadline: typeof detail.deadline === 'number' ? detail.deadline : undefined,
      timeZone: this.opts.timeZone,
      ...(this.opts.logContext && (reason === 'opened' || reason === 'reopened' || reason === 'test') ? { logs: this.logLines(incident.device, now) } : {}),
      ...(alerts.length > 1 ? { summary: `${(lead?.summary as string | undefined) ?? incident.title} (+${alerts.length - 1} related alerts)` } : {}),
    };
  }
}
