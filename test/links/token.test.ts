/** Signing of acknowledge links: what a valid token carries, and every way a token is refused. */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../collector/db.js';
import { loadLinkKey } from '../../collector/links/key.js';
import { AckLinks } from '../../collector/links/links.js';
import { LinkStore, SHORT_ID_LENGTH } from '../../collector/links/store.js';
import { newNonce, signAckToken, verifyAckToken, type AckClaims } from '../../collector/links/token.js';
import type { NotificationContent } from '../../collector/notify/types.js';
import { tempDir } from '../helpers.js';

const KEY = Buffer.from('k'.repeat(64));
const T0 = Date.UTC(2026, 0, 1);
const claims = (over: Partial<AckClaims> = {}): AckClaims => ({ incidentId: 42, recipient: '张伟 zhang', expiresAt: T0 + 3_600_000, nonce: newNonce(), lang: 'zh-CN', ...over });

describe('ack tokens', () => {
  it('round-trips the claims, in URL-safe characters', () => {
    const c = claims();
    const token = signAckToken(KEY, c);
    expect(token).toMatch(/^[A-Za-z0-9._-]+$/);
    expect(verifyAckToken(KEY, token, T0)).toEqual({ ok: true, claims: { ...c, expiresAt: Math.floor(c.expiresAt / 1000) * 1000 } });
    const noLang = signAckToken(KEY, claims({ lang: undefined }));
    expect(verifyAckToken(KEY, noLang, T0)).toMatchObject({ ok: true, claims: { lang: undefined } });
  });

  it('refuses a token signed with another key, or with any part changed', () => {
    const token = signAckToken(KEY, claims());
    expect(verifyAckToken(Buffer.from('x'.repeat(64)), token, T0)).toEqual({ ok: false, reason: 'forged' });
    const parts = token.split('.');
    const swap = (i: number, v: string) => parts.map((p, j) => (j === i ? v : p)).join('.');
    expect(verifyAckToken(KEY, swap(1, '43'), T0)).toEqual({ ok: false, reason: 'forged' }); // another incident
    expect(verifyAckToken(KEY, swap(2, String(Number(parts[2]) + 86_400)), T0)).toEqual({ ok: false, reason: 'forged' }); // a later expiry
    expect(verifyAckToken(KEY, swap(5, Buffer.from('mallory').toString('base64url')), T0)).toEqual({ ok: false, reason: 'forged' }); // someone else
    expect(verifyAckToken(KEY, token.slice(0, -2), T0)).toEqual({ ok: false, reason: 'forged' }); // cut short
  });

  it('refuses a malformed token without trying its signature', () => {
    for (const bad of [
      '',
      'abc',
      '1.2.3',
      'x'.repeat(2000),
      '2.1.1.aaaaaaaaaaaaaaaa.e.YQ.sig',
      '1.01.1.aaaaaaaaaaaaaaaa.e.YQ.sig',
      '1.1.1.aaaaaaaaaaaaaaaa.q.YQ.sig',
      '1.1.1.aaaaaaaaaaaaaaaa.constructor.YQ.sig',
      '1.1.1.a<b.e.YQ.sig',
    ]) {
      expect(verifyAckToken(KEY, bad, T0), bad).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('expires at its expiry instant, still naming what it was for', () => {
    const c = claims({ expiresAt: T0 + 60_000 });
    const token = signAckToken(KEY, c);
    expect(verifyAckToken(KEY, token, T0 + 59_999).ok).toBe(true);
    expect(verifyAckToken(KEY, token, T0 + 60_000)).toMatchObject({ ok: false, reason: 'expired', claims: { incidentId: 42, recipient: '张伟 zhang' } });
  });
});

describe('the link key', () => {
  it('is generated once into the data directory with mode 0600, then reused', () => {
    const tmp = tempDir();
    try {
      const a = loadLinkKey({ env: {}, dataDir: tmp.dir });
      expect(a.source).toBe(join(tmp.dir, 'link.key'));
      expect(statSync(a.source).mode & 0o777).toBe(0o600);
      expect(a.warning).toBeUndefined();
      expect(loadLinkKey({ env: {}, dataDir: tmp.dir }).key.equals(a.key)).toBe(true);
    } finally {
      tmp.cleanup();
    }
  });

  it('comes from the file or the environment when given, and refuses a short one', () => {
    const tmp = tempDir();
    try {
      const file = join(tmp.dir, 'k');
      writeFileSync(file, `${'f'.repeat(40)}\n`, { mode: 0o644 });
      const fromFile = loadLinkKey({ file, env: { ROOMWATCH_LINK_KEY: 'e'.repeat(40) }, dataDir: tmp.dir });
      expect(fromFile.key.toString()).toBe('f'.repeat(40));
      expect(fromFile.warning).toMatch(/readable by group or others \(mode 644\); chmod 600/);
      expect(loadLinkKey({ env: { ROOMWATCH_LINK_KEY: 'e'.repeat(40) }, dataDir: tmp.dir }).key.toString()).toBe('e'.repeat(40));
      expect(() => loadLinkKey({ env: { ROOMWATCH_LINK_KEY: 'short' }, dataDir: tmp.dir })).toThrow(/ROOMWATCH_LINK_KEY: the link key must be at least 32 characters/);
    } finally {
      tmp.cleanup();
    }
  });
});

describe('AckLinks', () => {
  const content: NotificationContent = { kind: 'opened', incidentId: 7, priority: 'P1', title: 'UPS on battery', device: 'ups-a', summary: 'on battery', at: T0 };

  function links() {
    const db = openDb(':memory:');
    const store = new LinkStore(db);
    return { db, store, links: new AckLinks({ key: KEY, store, baseUrl: 'https://noc.example/rw/', expiryMs: 3_600_000 }) };
  }

  it('gives every message an incident link, and an ack link only where it asks to act; SMS gets the short form', () => {
    const { links: l } = links();
    const mail = l.decorate(content, { name: 'alice', lang: 'en' }, 'email', T0);
    expect(mail.url).toBe('https://noc.example/rw/incidents/7');
    expect(mail.ackUrl).toMatch(/^https:\/\/noc\.example\/rw\/a\/1\.7\./);
    expect(mail).toMatchObject({ ackFor: 'alice', ackExpiresAt: T0 + 3_600_000 });
    expect(mail.ackShortUrl).toBeUndefined();
    const sms = l.decorate(content, { name: 'alice' }, 'sms', T0);
    expect(sms.ackShortUrl).toMatch(new RegExp(`^https://noc\\.example/rw/a/[A-Za-z0-9]{${SHORT_ID_LENGTH}}$`));
    for (const kind of ['acknowledged', 'resolved', 'closed', 'test'] as const) {
      const d = l.decorate({ ...content, kind }, { name: 'alice' }, 'email', T0);
      expect(d.url).toBe('https://noc.example/rw/incidents/7');
      expect(d.ackUrl, kind).toBeUndefined();
    }
  });

  it('says valid, then used once consumed; a short id reads as its token; unknown ids are unknown', () => {
    const { links: l } = links();
    const sms = l.decorate(content, { name: 'alice' }, 'sms', T0);
    const short = (sms.ackShortUrl as string).split('/').at(-1) as string;
    const token = (sms.ackUrl as string).split('/').at(-1) as string;
    const v = l.check(short, T0 + 1);
    expect(v).toMatchObject({ state: 'valid', token, claims: { incidentId: 7, recipient: 'alice' } });
    if (v.state !== 'valid') throw new Error('unreachable');
    expect(l.consume(v.claims, T0 + 2, '127.0.0.1')).toBe(true);
    expect(l.consume(v.claims, T0 + 3, '127.0.0.1')).toBe(false);
    expect(l.check(token, T0 + 4)).toMatchObject({ state: 'used', use: { usedAt: T0 + 2, ip: '127.0.0.1', recipient: 'alice' } });
    expect(l.check(short, T0 + 4).state).toBe('used');
    expect(l.check('ABCDEFGHJK', T0).state).toBe('unknown');
    expect(l.check(token, T0 + 3_600_000).state).toBe('expired');
  });
});
