/**
 * End to end: a P1 fires → the on-call get email from a real SMTP server
 * (npm smtp-server on 127.0.0.1) → the acknowledge link in the mail, opened
 * over HTTP on the collector's real port, shows a confirmation page that
 * changes nothing, acknowledges exactly once when confirmed, and is refused
 * when reused, forged, expired, or when the incident was acknowledged already.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import type { IngestBatch } from '../../collector/contract/index.js';
import { AGENT, authHeaders, freePort, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';
import { launchChromium } from '../console/browser.js';
import { peerAvailable } from '../peers.js';

const chromium = peerAvailable('chromium', 'chromium');

interface Mail {
  to: string;
  raw: string;
}

/** The decoded text/plain (or text/html) part of a message (nodemailer: quoted-printable or base64). */
function textPart(raw: string, type = 'plain'): string {
  const m = new RegExp(`Content-Type: text/${type}[^\\r]*\\r\\n(?:[^\\r]+\\r\\n)*?Content-Transfer-Encoding: (\\S+)\\r\\n\\r\\n([\\s\\S]*?)\\r\\n--`, 'i').exec(raw);
  if (!m) return '';
  const [, enc, body] = m as unknown as [string, string, string];
  if (enc.toLowerCase() === 'base64') return Buffer.from(body.replace(/\s/g, ''), 'base64').toString('utf8');
  if (enc.toLowerCase() === 'quoted-printable')
    return Buffer.from(
      body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    ).toString('utf8');
  return body;
}

async function until<T>(what: string, fn: () => T | undefined | false, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('acknowledging from the emailed link', () => {
  const mails: Mail[] = [];
  let server: SMTPServer;
  let c: Collector;
  let base = '';
  let clock = Date.now();
  let seq = 0;
  const tmp = tempDir();

  const ingest = (device: string, on: number) => {
    const batch: IngestBatch = { agent: AGENT, seq: ++seq, batch_id: `${AGENT}:${seq}:ack`, samples: [{ measurement: 'ups', tags: { device }, fields: { on_battery: on }, ts: clock }] };
    return c.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: { authorization: `Bearer ${TOKEN}` }, payload: batch });
  };
  /** The acknowledge link in the mail to `to` about incident `id`. */
  const linkIn = async (to: string, id: number) => {
    const mail = await until(`mail to ${to} about #${id}`, () => mails.find((m) => m.to === to && textPart(m.raw).includes(`/incidents/${id}`)));
    const text = textPart(mail.raw);
    const url = new RegExp(`(${base.replace(/[.]/g, '\\.')}a/[A-Za-z0-9._-]+)`).exec(text)?.[1];
    expect(url, text).toBeDefined();
    return { url: url as string, text, raw: mail.raw };
  };
  /** Puts a UPS on battery and returns the id of the incident that opens (each test its own device: any order works). */
  const openIncident = async (device: string) => {
    expect((await ingest(device, 1)).statusCode).toBe(200);
    return (await until(`an incident for ${device}`, () => c.incidents.store.list({ device }).at(0))).id;
  };
  const status = (id: number) => c.incidents.store.get(id)?.status;
  const post = (url: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'confirm=1' });

  beforeAll(async () => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (x: Buffer) => chunks.push(x));
        stream.on('end', () => {
          for (const r of session.envelope.rcptTo) mails.push({ to: r.address, raw: Buffer.concat(chunks).toString('utf8') });
          cb();
        });
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const smtpPort = (server.server.address() as { port: number }).port;
    writeFileSync(join(tmp.dir, 'ups.yaml'), 'group: ups\nrules:\n  - name: UPS on battery\n    when: ups.on_battery == 1\n    priority: P1\n    summary: "{{device}} is on battery"\n');
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
    const port = await freePort();
    base = `http://127.0.0.1:${port}/`;
    const config = testCollectorConfig(join(tmp.dir, 'data'));
    config.rules = { ...config.rules, paths: [join(tmp.dir, 'ups.yaml')] };
    config.incidents = { ...config.incidents, policy: join(tmp.dir, 'escalation.yaml'), baseUrl: base };
    config.notify = { channels: [{ name: 'email', type: 'email', host: '127.0.0.1', port: smtpPort, from: 'roomwatch@noc.example', timeout: '2s' }] };
    c = await buildApp({ config, logger: false, now: () => clock });
    await c.app.listen({ port, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await c?.app.close();
    await new Promise<void>((r) => server.close(() => r()));
    tmp.cleanup();
  });

  it('shows a confirmation page that changes nothing, then acknowledges once as the recipient', async () => {
    const id = await openIncident('ups-a');
    const alice = await linkIn('alice@noc.example', id);
    expect(alice.text).toContain(`Incident: ${base}incidents/${id}`);
    expect(alice.text).toMatch(/Acknowledge as alice: http/);
    expect(textPart(alice.raw, 'html')).toContain(`<a href="${alice.url}"`);

    // Mail scanners and previews open links: any number of GETs leaves the incident open.
    for (let i = 0; i < 3; i++) {
      const page = await fetch(alice.url);
      expect(page.status).toBe(200);
      expect(page.headers.get('cache-control')).toBe('no-store');
      const html = await page.text();
      expect(html).toContain('Acknowledge this incident?');
      expect(html).toContain('<form method="post"');
      expect(html).not.toMatch(/<script|<link |src=/);
    }
    expect((await fetch(alice.url, { method: 'HEAD' })).status).toBe(200);
    expect(status(id)).toBe('open');

    const done = await post(alice.url);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Acknowledged by <b>alice</b>');
    expect(c.incidents.store.get(id)).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'alice' });
    expect(
      c.incidents.store
        .timeline(id)
        .filter((t) => t.type === 'acknowledged')
        .map((t) => t.actor),
    ).toEqual(['alice']);
    const audit = (await c.app.inject({ url: '/api/v1/audit?action=incident.ack', headers: authHeaders('admin') })).json() as {
      entries: Array<{ actor: string; via: string; target: string; ip: string }>;
    };
    expect(audit.entries.filter((e) => e.target === `incident:${id}`)).toEqual([expect.objectContaining({ actor: 'alice', via: 'link', ip: '127.0.0.1' })]);

    // The same link again: refused as used, by POST and by GET; nothing more in the timeline.
    const again = await post(alice.url);
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('This link was used already');
    expect((await fetch(alice.url)).status).toBe(410);
    expect(c.incidents.store.timeline(id).filter((t) => t.type === 'acknowledged')).toHaveLength(1);

    // zhang's own link still verifies, but the incident is acknowledged: 409, in Chinese, naming alice.
    const zhang = await linkIn('zhang@noc.example', id);
    const late = await post(zhang.url);
    expect(late.status).toBe(409);
    const html = await late.text();
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('此事件已由 <b>alice</b>');
    expect(c.incidents.store.get(id)?.acknowledgedBy).toBe('alice');
  });

  it('refuses a forged or cut link with 403 and an unknown one with 404, changing nothing', async () => {
    const id = await openIncident('ups-b');
    const { url } = await linkIn('alice@noc.example', id);
    const token = url.slice(url.lastIndexOf('/') + 1);
    const parts = token.split('.');
    parts[1] = String(id + 100); // this link's signature over another incident
    for (const forged of [parts.join('.'), url.slice(0, -3)].map((t) => (t.startsWith('http') ? t : `${base}a/${t}`))) {
      const r = await post(forged);
      expect(r.status, forged).toBe(403);
      expect(await r.text()).toContain('This link is not valid');
    }
    const unknown = await fetch(`${base}a/ABCDEFGHJK`, { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('未知链接');
    expect(status(id)).toBe('open');
  });

  it('refuses an expired link with 410 and leaves the incident open', async () => {
    const id = await openIncident('ups-c');
    const { url } = await linkIn('alice@noc.example', id);
    clock += 25 * 3_600_000;
    const page = await fetch(url);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('This link has expired');
    expect((await post(url)).status).toBe(410);
    expect(status(id)).toBe('open');
  });

  it.skipIf(!chromium)(
    'in Chromium: the emailed link opens the confirmation page, and its button acknowledges as the recipient',
    async () => {
      const id = await openIncident('ups-d');
      const { url } = await linkIn('alice@noc.example', id);
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const shown = await page.goto(url, { waitUntil: 'load' });
        expect(shown?.status()).toBe(200);
        expect(await page.$eval('body', (b) => b.textContent ?? '')).toContain('Acknowledge this incident?');
        expect(status(id)).toBe('open'); // opening the page changed nothing
        const [answer] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('form button[type=submit]')]);
        expect(answer?.status()).toBe(200);
        expect(await page.$eval('body', (b) => b.textContent ?? '')).toContain('Acknowledged by alice');
        expect(c.incidents.store.get(id)).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'alice' });
        // Back and submit again: the link was used.
        await page.goto(url, { waitUntil: 'load' });
        expect(await page.$eval('body', (b) => b.textContent ?? '')).toContain('This link was used already');
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
