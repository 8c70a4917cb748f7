/**
 * Acknowledge links: minted per recipient when a message is sent (not when it
 * is queued, so a message retried for hours still carries a full lifetime and
 * no usable token sits in the outbox), and checked when someone opens one.
 */
import type { ChannelKind, Lang, NotificationContent, Recipient } from '../notify/types.js';
import { looksLikeShortId, type LinkStore, type LinkUse } from './store.js';
import { newNonce, signAckToken, verifyAckToken, type AckClaims } from './token.js';

export const DEFAULT_LINK_EXPIRY_MS = 24 * 3_600_000;

/** Messages that ask someone to act; "acknowledged", "resolved", "closed" and tests carry no ack link. */
const ACKABLE: ReadonlySet<NotificationContent['kind']> = new Set(['opened', 'reopened', 'escalated', 'repeat', 'sla_warning', 'sla_breach']);
/** Channels whose text is one short line. */
const SHORT: ReadonlySet<ChannelKind> = new Set(['sms', 'email_sms']);

export type LinkVerdict =
  | { state: 'valid'; token: string; claims: AckClaims }
  | { state: 'used'; token: string; claims: AckClaims; use: LinkUse }
  | { state: 'expired'; claims: AckClaims }
  | { state: 'forged' }
  | { state: 'unknown' };

export interface AckLinksOptions {
  key: Buffer;
  store: LinkStore;
  /** The console's external URL, ending in '/'. */
  baseUrl: string;
  expiryMs?: number;
}

/** `${base}incidents/${id}`: where the console shows an incident. */
export function incidentUrl(baseUrl: string, id: number): string {
  return `${baseUrl}incidents/${id}`;
}

export class AckLinks {
  constructor(private readonly o: AckLinksOptions) {}

  get expiryMs(): number {
    return this.o.expiryMs ?? DEFAULT_LINK_EXPIRY_MS;
  }

  mint(incidentId: number, recipient: string, lang: Lang | undefined, now: number): { token: string; claims: AckClaims } {
    const claims: AckClaims = { incidentId, recipient, expiresAt: now + this.expiryMs, nonce: newNonce(), lang };
    return { token: signAckToken(this.o.key, claims), claims };
  }

  /** The message content for one recipient on one channel: the incident link, and an ack link where the message asks to act. */
  decorate(content: NotificationContent, recipient: Recipient, kind: ChannelKind, now: number): NotificationContent {
    const out: NotificationContent = { ...content, url: incidentUrl(this.o.baseUrl, content.incidentId) };
    if (!ACKABLE.has(content.kind)) return out;
    const { token, claims } = this.mint(content.incidentId, recipient.name, recipient.lang, now);
    out.ackUrl = `${this.o.baseUrl}a/${token}`;
    out.ackExpiresAt = claims.expiresAt;
    out.ackFor = recipient.name;
    if (SHORT.has(kind)) out.ackShortUrl = `${this.o.baseUrl}a/${this.o.store.shorten(token, claims.expiresAt)}`;
    return out;
  }

  /** What a link is now: valid, used (with when and by whom), expired, forged, or a short id we never issued. */
  check(tokenOrShortId: string, now: number): LinkVerdict {
    let token = tokenOrShortId;
    if (looksLikeShortId(tokenOrShortId)) {
      const full = this.o.store.expand(tokenOrShortId);
      if (!full) return { state: 'unknown' };
      token = full;
    }
    const v = verifyAckToken(this.o.key, token, now);
    if (!v.ok) return v.reason === 'expired' && v.claims ? { state: 'expired', claims: v.claims } : v.reason === 'forged' ? { state: 'forged' } : { state: 'unknown' };
    const use = this.o.store.used(v.claims.nonce);
    return use ? { state: 'used', token, claims: v.claims, use } : { state: 'valid', token, claims: v.claims };
  }

  /** Records the use of a valid link; false when another request used it first. */
  consume(claims: AckClaims, now: number, ip: string | null): boolean {
    return this.o.store.markUsed({ nonce: claims.nonce, incidentId: claims.incidentId, recipient: claims.recipient, usedAt: now, ip, expiresAt: claims.expiresAt });
  }
}
