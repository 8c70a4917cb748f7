/**
 * End to end: a UPS goes on battery → the P1 rule fires → an incident opens →
 * the on-call engineers get email (en and zh-CN) from a real SMTP server; an
 * SMTP outage delays mail but loses none.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import type { IngestBatch } from '../../collector/contract/index.js';
import { actorFor, authed, AGENT, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';

interface Mail {
  to: string[];
  raw: string;
}

function smtp(mails: Mail[], port = 0): Promise<{ server: SMTPServer; port: number }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        cb();
      });
    },
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, port: (server.server.address() as { port: number }).port })));
}

const subjectOf = (raw: string) =>
  (/^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(raw)?.[1] ?? '')
    .replace(/\r\n[ \t]/g, ' ')
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?B\?([^?]*)\?=/gi, (_m, b: string) => Buffer.from(b, 'base64').toString('utf8'))
    .replace(/=\?UTF-8\?Q\?([^?]*)\?=/gi, (_m, q: string) =>
      Buffer.from(
        q.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
        'latin1',
      ).toString('utf8'),
    );

async function until<T>(what: string, fn: () => T | undefined | false, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('incident → email', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });

  async function setup(smtpPort: number) {
    const tmp = tempDir();
    cleanups.push(tmp.cleanup);
    writeFileSync(
      join(tmp.dir, 'ups.yaml'),
      'group: ups\nrules:\n  - name: UPS on battery\n    when: ups.on_battery == 1\n    priority: P1\n    summary: "{{device}} is on battery, {{ups.battery_runtime_min}} min left"\n    runbook: "Check the mains feed"\n',
    );
    writeFileSync(
      join(tmp.dir, 'escalation.yaml'),
      [
        'contacts:',
        '  alice: { email: alice@noc.example, lang: en }',
        '  zhang: { email: zhang@noc.example, lang: zh-CN }',
        'tiers:',
        '  - { name: L1, contacts: [alice, zhang] }',
        'routes:',
        '  P1: { tiers: [L1], channels: [email] }',
        '',
      ].join('\n'),
    );
    const config = testCollectorConfig(join(tmp.dir, 'data'));
    config.rules = { ...config.rules, paths: [join(tmp.dir, 'ups.yaml')] };
    config.incidents = { ...config.incidents, policy: join(tmp.dir, 'escalation.yaml'), timeZone: 'Asia/Shanghai' };
    config.notify = { channels: [{ name: 'email', type: 'email', host: '127.0.0.1', port: smtpPort, from: 'roomwatch@noc.example', timeout: '2s' }] };
    const c: Collector = await buildApp({ config, logger: false });
    cleanups.push(() => c.app.close());
    let seq = 0;
    const ingest = (device: string, fields: Record<string, number>) => {
      const batch: IngestBatch = { agent: AGENT, seq: ++seq, batch_id: `${AGENT}:${seq}:mail`, samples: [{ measurement: 'ups', tags: { device }, fields, ts: Date.now() }] };
      return c.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: { authorization: `Bearer ${TOKEN}` }, payload: batch });
    };
    return { c, ingest };
  }

  it('mails the on-call in their language when a P1 fires', async () => {
    const mails: Mail[] = [];
    const { server, port } = await smtp(mails);
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const { c, ingest } = await setup(port);
    expect((await ingest('ups-a', { on_battery: 1, battery_runtime_min: 37 })).statusCode).toBe(200);
    await until('two mails', () => mails.length >= 2);
    const byRcpt = Object.fromEntries(mails.map((m) => [m.to[0], subjectOf(m.raw)]));
    expect(byRcpt).toEqual({
      'alice@noc.example': '[P1] OPEN #1 ups-a: ups-a is on battery, 37 min left',
      'zhang@noc.example': '【P1】新事件 #1 ups-a：ups-a is on battery, 37 min left',
    });
    const detail = (await authed(c.app, { url: '/api/v1/incidents/1' })).json();
    expect(detail.incident).toMatchObject({ status: 'open', priority: 'P1', device: 'ups-a' });
    await until('timeline entries', () => c.incidents.store.timeline(1).filter((t) => t.type === 'notified').length === 2);
    expect(detail.notifications.map((n: { channel: string }) => n.channel)).toEqual(['email', 'email']);
    const ack = await authed(c.app, { method: 'POST', url: '/api/v1/incidents/1/ack', payload: {} }, 'operator');
    expect(ack.json()).toMatchObject({ status: 'acknowledged', acknowledgedBy: actorFor('operator') });
    expect((await authed(c.app, { method: 'POST', url: '/api/v1/incidents/1/ack', payload: {} }, 'operator')).statusCode).toBe(409);
    const stats = (await authed(c.app, { url: '/api/v1/incidents/stats' })).json();
    expect(stats.priorities.P1).toMatchObject({ opened: 1, acknowledged: 1, respond_sla_pct: 100 });
  });

  it('keeps retrying through an SMTP outage and delivers when it returns', async () => {
    const mails: Mail[] = [];
    let { server, port } = await smtp(mails);
    await new Promise<void>((r) => server.close(() => r())); // SMTP is down from the start
    const { c, ingest } = await setup(port);
    await ingest('ups-b', { on_battery: 1, battery_runtime_min: 20 });
    await until('a failed attempt', () => c.incidents.outbox.forIncident(1).some((n) => n.attempts >= 1 && n.status === 'pending'));
    expect(mails).toHaveLength(0);
    ({ server } = await smtp(mails, port));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    await until('both mails after the outage', () => mails.length >= 2, 40_000);
    expect(c.incidents.outbox.forIncident(1).map((n) => n.status)).toEqual(['sent', 'sent']);
    expect(mails.map((m) => m.to[0]).sort()).toEqual(['alice@noc.example', 'zhang@noc.example']);
  }, 60_000);
});
