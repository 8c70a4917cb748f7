/** The SMS reply callback's pure parts: number matching, reply parsing and the signature check. */
import { describe, expect, it } from 'vitest';
import { checkSignature, parseReply, samePhone, signSmsReply } from '../../collector/links/sms-reply.js';

describe('SMS replies', () => {
  it('matches a number with or without country code and punctuation, and nothing looser', () => {
    expect(samePhone('+86 138 0013 8000', '13800138000')).toBe(true);
    expect(samePhone('008613800138000', '+86-138-0013-8000')).toBe(true);
    expect(samePhone('+8613800138000', '13800138001')).toBe(false);
    expect(samePhone('+8613800138000', '38000')).toBe(false); // too short to be anyone
    expect(samePhone('+44 20 7946 0000', '+1 20 7946 0000')).toBe(false);
  });

  it('reads "1", "1 123", "1#123" and full-width digits; anything else is not a command', () => {
    expect(parseReply('1')).toEqual({});
    expect(parseReply(' １ ')).toEqual({});
    expect(parseReply('1 42')).toEqual({ incidentId: 42 });
    expect(parseReply('1#42')).toEqual({ incidentId: 42 });
    for (const t of ['', '11', '2', 'yes', '1 0', '1 abc', 'ok 1']) expect(parseReply(t), t).toBeUndefined();
  });

  it('accepts a fresh signature over timestamp.body (with or without sha256=) and refuses the rest', () => {
    const s = { secret: 'shared-secret-0123456789', windowMs: 300_000 };
    const now = 1_800_000_000_000;
    const ts = String(now / 1000);
    const body = '{"from":"1","text":"1"}';
    const sig = signSmsReply(s.secret, ts, body);
    expect(checkSignature(s, ts, sig, body, now)).toBeUndefined();
    expect(checkSignature(s, ts, `sha256=${sig}`, body, now + 299_000)).toBeUndefined();
    expect(checkSignature(s, ts, sig, `${body} `, now)).toBe('the signature does not match');
    expect(checkSignature(s, ts, sig.slice(2), body, now)).toBe('the signature does not match');
    expect(checkSignature(s, ts, sig, body, now + 301_000)).toMatch(/outside the 300 s replay window/);
    expect(checkSignature(s, undefined, sig, body, now)).toMatch(/^send x-roomwatch-timestamp and x-roomwatch-signature/);
    expect(checkSignature(s, '1.5', sig, body, now)).toBe('x-roomwatch-timestamp must be unix seconds');
  });
});
