/**
 * SMS end to end against a real HTTP gateway on 127.0.0.1: the page carries
 * the short acknowledge link within the SMS limit, the short link opens the
 * confirmation page, and the gateway's signed "reply 1" callback acknowledges
 * the incident the sender was paged about; unsigned, stale, unknown-number
 * and repeated callbacks are refused.
 */
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import type { IngestBatch } from '../../collector/contract/index.js';
import { signSmsReply } from '../../collector/links/sms-reply.js';
import { AGENT, authHeaders, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';

const SECRET = 'gateway-callback-secret-0123';

async function until<T>(what: string, fn: () => T | undefined | false, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('SMS: short link and signed reply', () => {
  const texts: Array<{ to: string; text: string }> = [];
  let gateway: Server;
  let c: Collector;
  let seq = 0;
  const tmp = tempDir();

  const reply = (body: object, opts: { ts?: number; secret?: string; sign?: boolean } = {}) => {
    const raw = JSON.stringify(body);
    const ts = String(Math.floor((opts.ts ?? Date.now()) / 1000));
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (opts.sign !== false) Object.assign(headers, { 'x-roomwatch-timestamp': ts, 'x-roomwatch-signature': signSmsReply(opts.secret ?? SECRET, ts, raw) });
    return c.app.inject({ method: 'POST', url: '/api/v1/sms/reply', headers, payload: raw });
  };
  const open = async (device: string) => {
    const batch: IngestBatch = { agent: AGENT, seq: ++seq, batch_id: `${AGENT}:${seq}:sms`, samples: [{ measurement: 'ups', tags: { device }, fields: { on_battery: 1 }, ts: Date.now() }] };
    expect((await c.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: { authorization: `Bearer ${TOKEN}` }, payload: batch })).statusCode).toBe(200);
    const id = (await until(`incident for ${device}`, () => c.incidents.store.list({ device }).at(0))).id;
    await until(`SMS about #${id}`, () => c.incidents.outbox.forIncident(id).some((n) => n.status === 'sent'));
    return id;
  };

  beforeAll(async () => {
    gateway = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (x: Buffer) => chunks.push(x));
      req.on('end', () => {
        texts.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { to: string; text: string });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"code":0}');
      });
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', () => r()));
    const gw = `http://127.0.0.1:${(gateway.address() as { port: number }).port}/send`;
    writeFileSync(
      join(tmp.dir, 'ups.yaml'),
      'group: ups\nrules:\n  - name: UPS on battery\n    when: ups.on_battery == 1\n    priority: P1\n    summary: "{{device}} is on battery; the room runs on UPS power and will shut down when the batteries are empty"\n',
    );
    writeFileSync(
      join(tmp.dir, 'escalation.yaml'),
      ['contacts:', '  wang: { phone: "+86 138 0013 8000", lang: zh-CN }', 'tiers:', '  - { name: L1, contacts: [wang] }', 'routes:', '  P1: { tiers: [L1], channels: [sms] }', ''].join('\n'),
    );
    const config = testCollectorConfig(join(tmp.dir, 'data'));
    config.rules = { ...config.rules, paths: [join(tmp.dir, 'ups.yaml')] };
    config.incidents = { ...config.incidents, policy: join(tmp.dir, 'escalation.yaml'), baseUrl: 'https://noc.example/' };
    config.notify = {
      channels: [
        { name: 'sms', type: 'sms_http', method: 'POST', url: gw, headers: { 'content-type': 'application/json' }, body: '{"to":"{{phone}}","text":{{text_json}}}', success_match: '"code"\\s*:\\s*0' },
      ],
      smsReply: { secret: SECRET, windowMs: 300_000 },
    };
    c = await buildApp({ config, logger: false });
  });
  afterAll(async () => {
    await c?.app.close();
    gateway.closeAllConnections();
    await new Promise<void>((r) => gateway.close(() => r()));
    tmp.cleanup();
  });

  it('sends the short link within 70 characters, and the link opens the confirmation page', async () => {
    const id = await open('ups-sms-a');
    const sms = await until('the SMS', () => texts.find((t) => t.text.includes(`#${id} `)));
    expect(sms.to).toBe('+86 138 0013 8000');
    expect([...sms.text].length).toBeLessThanOrEqual(70);
    const short = /https:\/\/noc\.example\/a\/([A-Za-z0-9]{10})$/.exec(sms.text)?.[1];
    expect(short, sms.text).toBeDefined();
    const page = await c.app.inject({ url: `/a/${short}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('确认此事件？');
    expect(page.body).toContain(`action="${short}"`);
    expect(c.incidents.store.get(id)?.status).toBe('open');
  });

  it('acknowledges the latest page on a signed "1" from the number in another format, once', async () => {
    const id = await open('ups-sms-b');
    const r = await reply({ from: '13800138000', text: ' １ ' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ result: 'acknowledged', incident: id, by: 'wang' });
    expect(c.incidents.store.get(id)).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'wang' });
    const audit = (await c.app.inject({ url: '/api/v1/audit?action=incident.ack', headers: authHeaders('admin') })).json() as {
      entries: Array<{ actor: string; via: string; target: string; detail: Record<string, unknown> }>;
    };
    expect(audit.entries.filter((e) => e.target === `incident:${id}`)).toEqual([expect.objectContaining({ actor: 'wang', via: 'link', detail: { channel: 'sms_reply', phone: '13800138000' } })]);
    const again = await reply({ from: '13800138000', text: `1 ${id}` });
    expect(again.statusCode).toBe(409);
    expect(again.json().result).toBe('nothing_to_acknowledge');
  });

  it('refuses unsigned, wrongly signed and stale callbacks, unknown numbers, and ignores other text', async () => {
    const id = await open('ups-sms-c');
    expect((await reply({ from: '13800138000', text: '1' }, { sign: false })).statusCode).toBe(401);
    expect((await reply({ from: '13800138000', text: '1' }, { secret: 'another-secret-of-length' })).json()).toMatchObject({ error: 'unauthenticated', message: 'the signature does not match' });
    const stale = await reply({ from: '13800138000', text: '1' }, { ts: Date.now() - 10 * 60_000 });
    expect(stale.statusCode).toBe(401);
    expect(stale.json().message).toMatch(/outside the 300 s replay window/);
    const stranger = await reply({ from: '+8613900000000', text: '1' });
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json().result).toBe('unknown_sender');
    expect((await reply({ from: '13800138000', text: 'who is this?' })).json().result).toBe('ignored');
    expect((await reply({ from: '13800138000', text: '1 999999' })).json()).toMatchObject({ result: 'nothing_to_acknowledge', message: 'wang was not paged about incident 999999' });
    expect(c.incidents.store.get(id)?.status).toBe('open');
  });
});
