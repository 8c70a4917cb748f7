/**
 * Signed acknowledge tokens (docs/auth.md §6): HMAC-SHA256 over the incident
 * id, the recipient, the expiry and a nonce. The token is self-contained, so
 * checking a signature needs no database; only a token that was used leaves
 * its nonce behind (links/store.ts), which is what makes it single-use.
 *
 * Shape: `1.<incident>.<expiry s>.<nonce>.<lang>.<recipient b64url>.<mac b64url>`,
 * only URL-safe characters, ~100 characters: fine for email and chat; SMS
 * gets a short id that maps to the token server-side.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Lang } from '../notify/types.js';

export interface AckClaims {
  incidentId: number;
  recipient: string;
  /** Epoch ms; the token is refused from this instant on. */
  expiresAt: number;
  nonce: string;
  /** The recipient's language when the policy names one; else the page follows Accept-Language. */
  lang?: Lang;
}

export type TokenCheck = { ok: true; claims: AckClaims } | { ok: false; reason: 'malformed' | 'forged' | 'expired'; claims?: AckClaims };

const VERSION = '1';
// A domain tag: a MAC made for another purpose with the same key is never a valid ack token.
const DOMAIN = 'roomwatch-ack-link\n';
const LANG_CODE: Record<Lang, string> = { en: 'e', 'zh-CN': 'z' };
const CODE_LANG: Record<string, Lang | undefined> = { e: 'en', z: 'zh-CN', x: undefined };

function mac(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key)
    .update(DOMAIN + payload)
    .digest();
}

export function newNonce(): string {
  return randomBytes(12).toString('base64url');
}

export function signAckToken(key: Buffer, claims: AckClaims): string {
  const payload = [
    VERSION,
    String(claims.incidentId),
    String(Math.floor(claims.expiresAt / 1000)),
    claims.nonce,
    claims.lang ? LANG_CODE[claims.lang] : 'x',
    Buffer.from(claims.recipient, 'utf8').toString('base64url'),
  ].join('.');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/** Parses without trusting: the claims of a token whose structure is right, or undefined. */
function parse(token: string): { payload: string; sig: string; claims: AckClaims } | undefined {
  if (token.length > 1024 || !/^[A-Za-z0-9._-]+$/.test(token)) return undefined;
  const parts = token.split('.');
  if (parts.length !== 7 || parts[0] !== VERSION) return undefined;
  const [, id, exp, nonce, lang, who, sig] = parts as [string, string, string, string, string, string, string];
  if (!/^[1-9][0-9]{0,14}$/.test(id) || !/^[0-9]{1,12}$/.test(exp) || !/^[A-Za-z0-9_-]{16}$/.test(nonce) || !Object.hasOwn(CODE_LANG, lang) || !who) return undefined;
  const recipient = Buffer.from(who, 'base64url').toString('utf8');
  if (!recipient || recipient.length > 256) return undefined;
  return { payload: parts.slice(0, 6).join('.'), sig, claims: { incidentId: Number(id), recipient, expiresAt: Number(exp) * 1000, nonce, lang: CODE_LANG[lang] } };
}

/** Signature first (constant time), then expiry; whether it was used is the store's question. */
export function verifyAckToken(key: Buffer, token: string, now: number): TokenCheck {
  const p = parse(token);
  if (!p) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(p.sig, 'base64url');
  const expected = mac(key, p.payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
  if (now >= p.claims.expiresAt) return { ok: false, reason: 'expired', claims: p.claims };
  return { ok: true, claims: p.claims };
}
