/**
 * Restart the collector in the middle of an escalation: it resumes at the
 * right tier and sends no notification twice.
 */
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import type { IngestBatch } from '../../collector/contract/index.js';
import { AGENT, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 23, 1, 0, 0);

describe('restart mid-escalation', () => {
  const hits: Array<{ to: string; kind: string; tier: string }> = [];
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const msg = JSON.parse(body) as { kind: string; tier: string };
        hits.push({ to: req.url ?? '', kind: msg.kind, tier: msg.tier });
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('resumes at the right step without duplicates', async () => {
    const tmp = tempDir();
    writeFileSync(join(tmp.dir, 'r.yaml'), 'group: g\nrules:\n  - name: down\n    when: device.up == 0\n    priority: P1\n');
    writeFileSync(
      join(tmp.dir, 'escalation.yaml'),
      'contacts:\n  desk: { email: d@x.example }\n  ops: { email: o@x.example }\n  vendor: { email: v@x.example }\ntiers:\n  - { name: L1, contacts: [desk] }\n  - { name: L2, contacts: [ops] }\n  - { name: L3, contacts: [vendor] }\nroutes:\n  P1: { tiers: [L1], channels: [hook] }\n',
    );
    let now = T0;
    const start = async (): Promise<Collector> => {
      const config = testCollectorConfig(join(tmp.dir, 'data'));
      config.rules = { ...config.rules, paths: [join(tmp.dir, 'r.yaml')] };
      config.incidents = { ...config.incidents, policy: join(tmp.dir, 'escalation.yaml') };
      config.notify = { channels: [{ name: 'hook', type: 'webhook', format: 'json', url: `${base}/hook` }] };
      return buildApp({ config, now: () => now, logger: false, autoTick: false });
    };
    const settle = async (c: Collector) => {
      for (let i = 0; i < 100 && c.incidents.outbox.counts().pending > 0; i++) {
        c.incidents.sender.kick();
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    let c = await start();
    const batch: IngestBatch = { agent: AGENT, seq: 1, batch_id: `${AGENT}:1:esc`, samples: [{ measurement: 'device', tags: { device: 'core1' }, fields: { up: 0 }, ts: now }] };
    await c.app.inject({ method: 'POST', url: '/api/v1/ingest', headers: { authorization: `Bearer ${TOKEN}` }, payload: batch });
    await settle(c);
    now = T0 + 30 * MIN; // respond SLA breached: L2
    c.incidents.watch.tick(now);
    await settle(c);
    expect(c.incidents.store.get(1)?.tier).toBe(1);
    const before = hits.map((h) => `${h.kind} ${h.tier}`);
    expect(before).toEqual(['opened L1', 'sla_warning L1', 'sla_breach L1', 'escalated L2']);

    await c.app.close(); // the restart
    c = await start();
    c.incidents.watch.tick(now); // the same step again: nothing new
    await settle(c);
    expect(hits.map((h) => `${h.kind} ${h.tier}`)).toEqual(before);
    now = T0 + 60 * MIN; // L2 had its 30 minutes: L3
    c.incidents.watch.tick(now);
    await settle(c);
    expect(c.incidents.store.get(1)?.tier).toBe(2);
    expect(hits.map((h) => `${h.kind} ${h.tier}`).slice(before.length)).toEqual(['escalated L3']);
    await c.app.close();
    tmp.cleanup();
  });
});
