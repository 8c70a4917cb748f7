/**
 * Notification contracts (docs/architecture.md §5, STYLE.md after Alertmanager): a
 * channel only delivers one message to one recipient and says whether a
 * failure is worth retrying; the pipeline owns queueing, back-off, repeats
 * and the notification log.
 */

export type Lang = 'zh-CN' | 'en';

export const CHANNEL_KINDS = ['email', 'sms', 'email_sms', 'webhook'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** Who receives a message: a contact of the escalation policy, or a robot/webhook. */
export interface Recipient {
  /** Contact name or channel name, for the log. */
  name: string;
  email?: string;
  /** E.164 where possible, e.g. +8613800138000. */
  phone?: string;
  lang?: Lang;
}

/** What an incident notification says, before a channel renders it. */
export interface NotificationContent {
  /** Why this message is sent. */
  kind: 'opened' | 'reopened' | 'escalated' | 'repeat' | 'sla_warning' | 'sla_breach' | 'acknowledged' | 'resolved' | 'closed' | 'test';
  incidentId: number;
  priority: 'P1' | 'P2' | 'P3' | 'P4';
  title: string;
  device: string;
  summary: string;
  runbook?: string;
  /** Escalation tier when relevant: L1, L2, L3. */
  tier?: string;
  /** Earlier causes and fixes of the same rule (knowledge base), newest first. */
  knownFixes?: Array<{ incidentId: number; cause: string; fix: string; closedAt: number }>;
  /** Link to the incident in the console: `${incidents.base_url}incidents/${id}`. */
  url?: string;
  /** The recipient's signed, single-use acknowledge link (collector/links), added when the message is sent. */
  ackUrl?: string;
  /** The same link's short form, for SMS. */
  ackShortUrl?: string;
  /** Epoch ms the acknowledge link expires. */
  ackExpiresAt?: number;
  /** Whom the acknowledge link acknowledges as (the contact's name). */
  ackFor?: string;
  /** The device's syslog lines just before the message (opened, reopened), oldest first. */
  logs?: Array<{ ts: number; severity: number; text: string }>;
  /** Epoch ms of the event the message reports. */
  at: number;
  /** The SLA deadline concerned (warning/breach), epoch ms. */
  deadline?: number;
  /** Time zone for rendering times, e.g. Asia/Shanghai. */
  timeZone?: string;
}

export interface RenderedMessage {
  subject: string;
  text: string;
  html?: string;
}

export type SendResult = { ok: true; detail?: string } | { ok: false; retryable: boolean; error: string };

export interface Channel {
  readonly name: string;
  readonly kind: ChannelKind;
  /** Whether this channel can reach the recipient at all (e.g. email needs an address). */
  canReach(recipient: Recipient): boolean;
  send(content: NotificationContent, recipient: Recipient, signal: AbortSignal): Promise<SendResult>;
  close?(): Promise<void>;
}
