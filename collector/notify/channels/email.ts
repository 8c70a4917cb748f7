/**
 * Email over SMTP (nodemailer): multipart text + HTML in the recipient's
 * language. It only says whether a failure is worth retrying: SMTP 4xx and
 * connection problems are; a 5xx answer (550 no such mailbox) is not.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import { renderEmail, renderSms } from '../templates.js';
import type { Channel, Lang, NotificationContent, Recipient, SendResult } from '../types.js';

export interface SmtpOptions {
  host: string;
  port: number;
  /** Implicit TLS (port 465). */
  secure?: boolean;
  /** Refuse to send without STARTTLS. */
  requireTls?: boolean;
  user?: string;
  password?: string;
  from: string;
  timeoutMs?: number;
}

export function smtpTransport(o: SmtpOptions): Transporter {
  // A small pool keeps SMTP sessions open between messages: a burst of pages
  // does not pay the connection, greeting and EHLO for every one.
  return nodemailer.createTransport({
    pool: true,
    maxConnections: 2,
    host: o.host,
    port: o.port,
    secure: o.secure ?? false,
    requireTLS: o.requireTls ?? false,
    auth: o.user ? { user: o.user, pass: o.password ?? '' } : undefined,
    connectionTimeout: o.timeoutMs ?? 10_000,
    greetingTimeout: o.timeoutMs ?? 10_000,
    socketTimeout: o.timeoutMs ?? 30_000,
  });
}

/** SMTP and socket errors → retryable or not (RFC 5321: 4yz transient, 5yz permanent). */
export function classifySmtpError(err: unknown): SendResult {
  const e = err as { responseCode?: number; code?: string; message?: string };
  const message = e.message ?? String(err);
  if (typeof e.responseCode === 'number') return { ok: false, retryable: e.responseCode < 500, error: message };
  return { ok: false, retryable: true, error: e.code ? `${e.code}: ${message}` : message };
}

async function deliver(transport: Transporter, from: string, to: string, subject: string, text: string, html: string | undefined, signal: AbortSignal): Promise<SendResult> {
  if (signal.aborted) return { ok: false, retryable: true, error: 'aborted' };
  try {
    const info = await transport.sendMail({ from, to, subject, text, ...(html ? { html } : {}) });
    return { ok: true, detail: String((info as { response?: string }).response ?? '') };
  } catch (err) {
    return classifySmtpError(err);
  }
}

export class EmailChannel implements Channel {
  readonly kind = 'email' as const;
  private readonly transport: Transporter;

  constructor(
    readonly name: string,
    private readonly opts: SmtpOptions & { lang?: Lang },
  ) {
    this.transport = smtpTransport(opts);
  }

  canReach(r: Recipient): boolean {
    return Boolean(r.email);
  }

  async send(content: NotificationContent, r: Recipient, signal: AbortSignal): Promise<SendResult> {
    if (!r.email) return { ok: false, retryable: false, error: `contact ${r.name} has no email address` };
    const m = renderEmail(content, r.lang ?? this.opts.lang ?? 'en');
    return deliver(this.transport, this.opts.from, r.email, m.subject, m.text, m.html, signal);
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

/** SMS through an operator's email gateway: the SMS text to an address built from the phone number. */
export class EmailToSmsChannel implements Channel {
  readonly kind = 'email_sms' as const;
  private readonly transport: Transporter;

  /** @param addressTemplate e.g. `{{phone}}@sms.example.net`; `+` and spaces are stripped from the number. */
  constructor(
    readonly name: string,
    private readonly opts: SmtpOptions & { lang?: Lang; addressTemplate: string },
  ) {
    this.transport = smtpTransport(opts);
  }

  canReach(r: Recipient): boolean {
    return Boolean(r.phone);
  }

  async send(content: NotificationContent, r: Recipient, signal: AbortSignal): Promise<SendResult> {
    if (!r.phone) return { ok: false, retryable: false, error: `contact ${r.name} has no phone number` };
    const to = this.opts.addressTemplate.replace('{{phone}}', r.phone.replace(/[^0-9]/g, ''));
    const m = renderSms(content, r.lang ?? this.opts.lang ?? 'en');
    return deliver(this.transport, this.opts.from, to, m.subject, m.text, undefined, signal);
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
