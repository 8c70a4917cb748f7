/**
 * Email against a real SMTP server (npm smtp-server, in-process on 127.0.0.1):
 * a P1 notification arrives with the right subject and both parts, in zh-CN
 * and in en; SMTP 4xx is retryable, 5xx is not, a dead server is retryable.
 */
import { createServer } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmailChannel, EmailToSmsChannel } from '../../collector/notify/channels/email.js';
import type { NotificationContent } from '../../collector/notify/types.js';

interface Received {
  from: string;
  to: string[];
  raw: string;
}

/** RFC 2047 encoded words (=?UTF-8?B?…?= and =?UTF-8?Q?…?=) in a header, decoded. */
function decodeHeader(value: string): string {
  return value.replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?([BQ])\?([^?]*)\?=/gi, (_m, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(
          text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
          'latin1',
        ).toString('utf8'),
  );
}

function header(raw: string, name: string): string {
  const m = new RegExp(`^${name}: (.*(?:\\r\\n[ \\t].*)*)`, 'mi').exec(raw);
  return decodeHeader((m?.[1] ?? '').replace(/\r\n[ \t]/g, ' '));
}

/** The decoded body of the MIME part with this content type. */
function part(raw: string, type: string): string {
  const re = new RegExp(`Content-Type: ${type}[^\\r]*\\r\\n(?:[^\\r]+\\r\\n)*?Content-Transfer-Encoding: (\\S+)\\r\\n\\r\\n([\\s\\S]*?)\\r\\n--`, 'i');
  const m = re.exec(raw);
  if (!m) return '';
  const [, enc, body] = m as unknown as [string, string, string];
  if (enc.toLowerCase() === 'base64') return Buffer.from(body.replace(/\s/g, ''), 'base64').toString('utf8');
  if (enc.toLowerCase() === 'quoted-printable') {
    return Buffer.from(
      body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    ).toString('utf8');
  }
  return body;
}

const content: NotificationContent = {
  kind: 'opened',
  incidentId: 42,
  priority: 'P1',
  title: 'UPS on battery',
  device: 'ups-a',
  summary: 'ups-a is on battery, 37 min left',
  runbook: 'Check mains feed; prepare orderly shutdown below 10 min',
  knownFixes: [{ incidentId: 7, cause: 'Utility feed A tripped', fix: 'Reset breaker Q3', closedAt: Date.UTC(2026, 9, 1) }],
  at: Date.UTC(2026, 10, 22, 16, 30, 0),
  timeZone: 'Asia/Shanghai',
};

describe('email channel against a real SMTP server', () => {
  const received: Received[] = [];
  let server: SMTPServer;
  let port = 0;

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, cb) {
        if (address.address.startsWith('nobody@')) return cb(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
        if (address.address.startsWith('busy@')) return cb(Object.assign(new Error('try again later'), { responseCode: 451 }));
        cb();
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const channel = () => new EmailChannel('email', { host: '127.0.0.1', port, from: 'roomwatch@noc.example', timeoutMs: 5_000 });
  const signal = () => AbortSignal.timeout(10_000);

  it('delivers a P1 in English with text and HTML parts', async () => {
    const ch = channel();
    const r = await ch.send(content, { name: 'alice', email: 'alice@noc.example', lang: 'en' }, signal());
    await ch.close();
    expect(r).toMatchObject({ ok: true });
    const mail = received.at(-1) as Received;
    expect(mail.to).toEqual(['alice@noc.example']);
    expect(header(mail.raw, 'Subject')).toBe('[P1] OPEN #42 ups-a: UPS on battery');
    expect(header(mail.raw, 'Content-Type')).toMatch(/multipart\/alternative/);
    const text = part(mail.raw, 'text/plain');
    expect(text).toContain('ups-a is on battery, 37 min left');
    expect(text).toContain('Time: 2026-11-23 00:30:00 Asia/Shanghai'); // 16:30 UTC is past midnight in Shanghai
    expect(text).toContain('- #7: Cause: Utility feed A tripped; Fix: Reset breaker Q3');
    const html = part(mail.raw, 'text/html');
    expect(html).toContain('<td');
    expect(html).toContain('Check mains feed; prepare orderly shutdown below 10 min');
  });

  it('delivers a P1 in Chinese', async () => {
    const ch = channel();
    const r = await ch.send(content, { name: '张伟', email: 'zhang@noc.example', lang: 'zh-CN' }, signal());
    await ch.close();
    expect(r.ok).toBe(true);
    const mail = received.at(-1) as Received;
    expect(header(mail.raw, 'Subject')).toBe('【P1】新事件 #42 ups-a：UPS on battery');
    const text = part(mail.raw, 'text/plain');
    expect(text).toContain('设备: ups-a');
    expect(text).toContain('此问题以往的原因与处理');
    expect(part(mail.raw, 'text/html')).toContain('请确认事件');
  });

  it('classifies 5xx as final, 4xx and a dead server as retryable', async () => {
    const ch = channel();
    const gone = await ch.send(content, { name: 'x', email: 'nobody@noc.example' }, signal());
    const busy = await ch.send(content, { name: 'y', email: 'busy@noc.example' }, signal());
    await ch.close();
    expect(gone).toMatchObject({ ok: false, retryable: false });
    expect(busy).toMatchObject({ ok: false, retryable: true });
    const closed = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const dead = new EmailChannel('email', { host: '127.0.0.1', port: closed, from: 'roomwatch@noc.example', timeoutMs: 2_000 });
    expect(await dead.send(content, { name: 'z', email: 'z@noc.example' }, signal())).toMatchObject({ ok: false, retryable: true });
    await dead.close();
    expect(ch.canReach({ name: 'no-mail' })).toBe(false);
  });

  it('sends SMS text through an email-to-SMS gateway address', async () => {
    const ch = new EmailToSmsChannel('email-sms', { host: '127.0.0.1', port, from: 'roomwatch@noc.example', addressTemplate: '{{phone}}@sms.example.net' });
    const r = await ch.send(content, { name: 'alice', phone: '+86 138 0000 0001' }, signal());
    await ch.close();
    expect(r.ok).toBe(true);
    const mail = received.at(-1) as Received;
    expect(mail.to).toEqual(['8613800000001@sms.example.net']);
    expect(header(mail.raw, 'Subject')).toBe('[P1] OPEN #42 ups-a ups-a is on battery, 37 min left');
  });
});
