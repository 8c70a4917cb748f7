/** SMS gateway and chat robots against a real HTTP receiver on 127.0.0.1. */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpSmsChannel, WebhookChannel } from '../../collector/notify/channels/http.js';
import type { NotificationContent } from '../../collector/notify/types.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const content: NotificationContent = { kind: 'opened', incidentId: 42, priority: 'P1', title: 'UPS on battery', device: 'ups-a', summary: 'ups-a is on battery, 37 min left', at: 0 };
const signal = () => AbortSignal.timeout(10_000);
/** As the sender hands it to a channel once links are added (collector/links). */
const linked: NotificationContent = { ...content, url: 'https://noc.example/incidents/42', ackUrl: 'https://noc.example/a/TOKEN', ackFor: 'alice', ackExpiresAt: 86_400_000 };

describe('HTTP channels', () => {
  const seen: Seen[] = [];
  let server: Server;
  let base = '';
  /** What the receiver answers, by path. */
  const answers: Record<string, { status: number; body: string; hang?: boolean }> = {};

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const a = answers[(req.url ?? '').split('?')[0] as string] ?? { status: 200, body: '{"errcode":0}' };
        if (a.hang) return;
        res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends a GET SMS with the text URL-encoded', async () => {
    const ch = new HttpSmsChannel('sms', { method: 'GET', url: `${base}/sms/send?to={{phone}}&msg={{text}}` });
    expect(await ch.send(content, { name: 'alice', phone: '+8613800000001' }, signal())).toMatchObject({ ok: true });
    const req = seen.at(-1) as Seen;
    const url = new URL(req.url, base);
    expect(req.method).toBe('GET');
    expect(url.searchParams.get('to')).toBe('+8613800000001');
    expect(url.searchParams.get('msg')).toBe('[P1] OPEN #42 ups-a ups-a is on battery, 37 min left');
  });

  it('sends a POST JSON SMS with an HMAC signature the gateway can verify', async () => {
    const secret = 'gateway-secret';
    const ch = new HttpSmsChannel('sms', {
      method: 'POST',
      url: `${base}/sms/v2`,
      headers: { 'content-type': 'application/json', 'x-app': 'roomwatch' },
      body: '{"to":"{{phone}}","text":{{text_json}},"ts":{{timestamp}},"nonce":"{{nonce}}","sign":"{{signature}}"}',
      signing: { algorithm: 'hmac-sha256', secret, input: '{{phone}}{{timestamp}}{{nonce}}' },
      successMatch: '"code"\\s*:\\s*0',
    });
    answers['/sms/v2'] = { status: 200, body: '{"code":0,"id":"m1"}' };
    expect(await ch.send(content, { name: 'zhang', phone: '13800000002', lang: 'zh-CN' }, signal())).toMatchObject({ ok: true });
    const req = seen.at(-1) as Seen;
    const body = JSON.parse(req.body) as { to: string; text: string; ts: number; nonce: string; sign: string };
    expect(req.headers['x-app']).toBe('roomwatch');
    expect(body.text).toBe('[P1] 新事件 #42 ups-a ups-a is on battery, 37 min left');
    expect(body.sign).toBe(createHmac('sha256', secret).update(`${body.to}${body.ts}${body.nonce}`).digest('hex'));
  });

  it('treats a refusal in the body as final, 503 and a silent gateway as retryable', async () => {
    answers['/sms/refuse'] = { status: 200, body: '{"code":1001,"msg":"bad number"}' };
    answers['/sms/busy'] = { status: 503, body: 'maintenance' };
    answers['/sms/hang'] = { status: 200, body: '', hang: true };
    const mk = (path: string, timeoutMs = 10_000) => new HttpSmsChannel('sms', { method: 'POST', url: `${base}${path}`, body: '{{text_json}}', successMatch: '"code"\\s*:\\s*0', timeoutMs });
    const r = { name: 'a', phone: '1' };
    expect(await mk('/sms/refuse').send(content, r, signal())).toEqual({ ok: false, retryable: false, error: 'gateway refused the message: {"code":1001,"msg":"bad number"}' });
    expect(await mk('/sms/busy').send(content, r, signal())).toEqual({ ok: false, retryable: true, error: 'HTTP 503: maintenance' });
    const started = Date.now();
    const hung = await mk('/sms/hang', 300).send(content, r, signal());
    expect(hung).toMatchObject({ ok: false, retryable: true, error: 'no answer within 300 ms' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('posts WeCom markdown with the incident and acknowledge links', async () => {
    const ch = new WebhookChannel('wecom', { url: `${base}/cgi-bin/webhook/send?key=abc`, format: 'wecom' });
    expect(await ch.send({ ...linked, runbook: 'Check mains feed' }, { name: 'alice' }, signal())).toMatchObject({ ok: true });
    expect(JSON.parse((seen.at(-1) as Seen).body)).toEqual({
      msgtype: 'markdown',
      markdown: {
        content: [
          '<font color="warning">**[P1] OPEN #42 ups-a: UPS on battery**</font>',
          '',
          'ups-a is on battery, 37 min left',
          '',
          '> Device: ups-a',
          '> Priority: P1',
          '> Time: 1970-01-01 00:00:00 UTC',
          '',
          'Runbook: Check mains feed',
          '',
          '[Acknowledge as alice](https://noc.example/a/TOKEN)  ·  [Open in the console](https://noc.example/incidents/42)',
          '',
          'The acknowledge link works once, until 1970-01-02 00:00:00 UTC; opening it asks for confirmation first.',
        ].join('\n'),
      },
    });
    // Without links (no incidents.base_url) the message is the text alone.
    await ch.send({ ...content, priority: 'P3' }, { name: 'alice' }, signal());
    expect(JSON.parse((seen.at(-1) as Seen).body).markdown.content).toBe(
      '**[P3] OPEN #42 ups-a: UPS on battery**\n\nups-a is on battery, 37 min left\n\n> Device: ups-a\n> Priority: P3\n> Time: 1970-01-01 00:00:00 UTC',
    );
  });

  it('sends DingTalk an actionCard whose buttons are the two links', async () => {
    answers['/robot/card'] = { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };
    const ch = new WebhookChannel('ding', { url: `${base}/robot/card?access_token=t1`, format: 'dingtalk', lang: 'zh-CN' });
    expect(await ch.send({ ...linked, ackFor: 'zhang' }, { name: 'zhang' }, signal())).toMatchObject({ ok: true });
    const body = JSON.parse((seen.at(-1) as Seen).body) as { msgtype: string; actionCard: { title: string; text: string; btnOrientation: string; btns: Array<{ title: string; actionURL: string }> } };
    expect(body.msgtype).toBe('actionCard');
    expect(body.actionCard.title).toBe('【P1】新事件 #42 ups-a：UPS on battery');
    expect(body.actionCard.btnOrientation).toBe('1');
    expect(body.actionCard.btns).toEqual([
      { title: '以 zhang 身份确认', actionURL: 'https://noc.example/a/TOKEN' },
      { title: '在控制台中查看', actionURL: 'https://noc.example/incidents/42' },
    ]);
    expect(body.actionCard.text).toContain('> 设备: ups-a');
    expect(body.actionCard.text).toContain('确认链接仅可使用一次');
  });

  it('signs DingTalk requests as the robot expects', async () => {
    const secret = 'SECabc123';
    answers['/robot/send'] = { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };
    const ch = new WebhookChannel('ding', { url: `${base}/robot/send?access_token=t1`, format: 'dingtalk', secret });
    expect(await ch.send(content, { name: 'room' }, signal())).toMatchObject({ ok: true });
    const url = new URL((seen.at(-1) as Seen).url, base);
    const ts = url.searchParams.get('timestamp') as string;
    expect(url.searchParams.get('access_token')).toBe('t1');
    expect(url.searchParams.get('sign')).toBe(createHmac('sha256', secret).update(`${ts}\n${secret}`).digest('base64'));
    expect(JSON.parse((seen.at(-1) as Seen).body).msgtype).toBe('markdown');
    answers['/robot/send'] = { status: 200, body: '{"errcode":310000,"errmsg":"sign not match"}' };
    expect(await ch.send(content, { name: 'room' }, signal())).toEqual({ ok: false, retryable: false, error: 'robot refused the message: 310000 sign not match' });
  });

  it('signs Feishu requests as the bot expects', async () => {
    const secret = 'feishu-secret';
    answers['/open-apis/bot/v2/hook/x'] = { status: 200, body: '{"code":0,"msg":"success"}' };
    const ch = new WebhookChannel('feishu', { url: `${base}/open-apis/bot/v2/hook/x`, format: 'feishu', secret });
    expect(await ch.send(content, { name: 'room' }, signal())).toMatchObject({ ok: true });
    const body = JSON.parse((seen.at(-1) as Seen).body) as { timestamp: string; sign: string; msg_type: string };
    expect(body.sign).toBe(createHmac('sha256', `${body.timestamp}\n${secret}`).update('').digest('base64'));
    expect(body).toMatchObject({ msg_type: 'interactive', card: { header: { title: { tag: 'plain_text', content: '[P1] OPEN #42 ups-a: UPS on battery' }, template: 'red' } } });
  });

  it('sends Feishu an interactive card with the links as buttons', async () => {
    answers['/open-apis/bot/v2/hook/y'] = { status: 200, body: '{"code":0,"msg":"success"}' };
    const ch = new WebhookChannel('feishu', { url: `${base}/open-apis/bot/v2/hook/y`, format: 'feishu' });
    expect(await ch.send({ ...linked, priority: 'P3' }, { name: 'alice' }, signal())).toMatchObject({ ok: true });
    const card = (JSON.parse((seen.at(-1) as Seen).body) as { card: { header: { template: string }; elements: Array<{ tag: string; actions?: unknown[]; text?: { content: string } }> } }).card;
    expect(card.header.template).toBe('yellow');
    expect(card.elements.map((e) => e.tag)).toEqual(['div', 'action', 'note']);
    expect(card.elements[0]?.text?.content).toContain('**Device**: ups-a');
    expect(card.elements[1]?.actions).toEqual([
      { tag: 'button', text: { tag: 'plain_text', content: 'Acknowledge as alice' }, type: 'primary', url: 'https://noc.example/a/TOKEN' },
      { tag: 'button', text: { tag: 'plain_text', content: 'Open in the console' }, type: 'default', url: 'https://noc.example/incidents/42' },
    ]);
  });

  it('puts the links into a plain JSON webhook as fields', async () => {
    const ch = new WebhookChannel('hook', { url: `${base}/hook`, format: 'json' });
    await ch.send(linked, { name: 'alice' }, signal());
    expect(JSON.parse((seen.at(-1) as Seen).body)).toMatchObject({ incidentId: 42, url: 'https://noc.example/incidents/42', ackUrl: 'https://noc.example/a/TOKEN', ackFor: 'alice' });
  });
});
