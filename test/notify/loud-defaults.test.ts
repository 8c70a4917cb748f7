/**
 * Loud defaults (issue #17): an incident that reaches nobody says so, the
 * collector warns at start when nobody can be paged, and the dead man's
 * switch keeps telling the outside world that roomwatch is alive.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../collector/app.js';
import { DEFAULT_POLICY } from '../../collector/incidents/policy.js';
import { reachability } from '../../collector/incidents/stage.js';
import type { Channel, NotificationContent, Recipient } from '../../collector/notify/types.js';
import { Watchdog } from '../../collector/notify/watchdog.js';
import { authed, AGENT, freePort, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';

const NOW = Date.UTC(2026, 10, 23, 8, 0, 0);

describe('an incident that reaches nobody', () => {
  it('is written to its timeline and counted in roomwatch_notifications_undeliverable_total', async () => {
    const tmp = tempDir();
    const rulesFile = join(tmp.dir, 'ups.yaml');
    writeFileSync(rulesFile, 'group: ups\nrules:\n  - name: UPS on bypass\n    when: ups.output_source == 4\n    priority: P2\n');
    const base = testCollectorConfig(tmp.dir);
    const warnings: string[] = [];
    const c = await buildApp({ config: { ...base, rules: { ...base.rules, paths: [rulesFile] } }, now: () => NOW, logger: false, autoTick: false });
    try {
      expect(reachability(DEFAULT_POLICY, c.incidents.channels).join('\n')).toMatch(/no contacts: incidents will notify nobody/);
      warnings.push(...reachability(DEFAULT_POLICY, new Map()));
      expect(warnings.some((w) => /P1 incidents route to channel\(s\) email, none of which is configured/.test(w))).toBe(true);
      const res = await c.app.inject({
        method: 'POST',
        url: '/api/v1/ingest',
        headers: { authorization: `Bearer ${TOKEN}` },
        payload: { agent: AGENT, seq: 1, batch_id: `${AGENT}:1:x`, samples: [{ measurement: 'ups', tags: { device: 'ups-a' }, fields: { output_source: 4 }, ts: NOW - 1000 }] },
      });
      expect(res.statusCode).toBe(200);
      const id = (await authed(c.app, { url: '/api/v1/incidents' })).json().incidents[0].id as number;
      const detail = (await authed(c.app, { url: `/api/v1/incidents/${id}` })).json();
      const entry = detail.timeline.find((t: { type: string }) => t.type === 'undeliverable');
      expect(entry?.detail).toMatchObject({ kind: 'opened', tiers: ['L1'], reason: expect.stringMatching(/nobody can be notified/) });
      const metrics = (await authed(c.app, { url: '/metrics' })).body;
      expect(metrics).toMatch(/roomwatch_notifications_undeliverable_total\{kind="opened",priority="P2"\} 1/);
    } finally {
      await c.app.close();
      tmp.cleanup();
    }
  });
});

describe("dead man's switch", () => {
  it('pings the heartbeat URL on every interval while healthy, and withholds it while unhealthy', async () => {
    const hits: Array<{ method?: string; url?: string }> = [];
    const server = createServer((req: IncomingMessage, res) => {
      hits.push({ method: req.method, url: req.url });
      res.end('OK');
    });
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    let healthy = true;
    const registry = new Registry();
    const sent: Array<{ content: NotificationContent; to: Recipient }> = [];
    const channel: Channel = { name: 'deadman', kind: 'webhook', canReach: () => true, send: async (content, to) => (sent.push({ content, to }), { ok: true }) };
    const dog = new Watchdog({
      heartbeatUrl: `http://127.0.0.1:${port}/ping/roomwatch?site=dc1`,
      heartbeatMethod: 'GET',
      intervalMs: 60_000,
      timeoutMs: 2_000,
      channel,
      healthy: async () => healthy,
      registry,
      now: () => NOW,
      log: { warn: () => undefined },
    });
    try {
      await dog.beat();
      await dog.beat();
      healthy = false;
      await dog.beat();
      expect(hits).toEqual([
        { method: 'GET', url: '/ping/roomwatch?site=dc1' },
        { method: 'GET', url: '/ping/roomwatch?site=dc1' },
      ]);
      expect(sent).toHaveLength(2);
      expect(sent[0]?.content).toMatchObject({ title: 'Watchdog: roomwatch is alive' });
      const text = await registry.metrics();
      expect(text).toMatch(/roomwatch_watchdog_pings_total\{target="heartbeat",result="ok"\} 2/);
      expect(text).toMatch(/roomwatch_watchdog_pings_total\{target="heartbeat",result="skipped_unhealthy"\} 1/);
      // The receiving side is down: counted as failed, never thrown.
      healthy = true;
      await new Promise<void>((r) => server.close(() => r()));
      await dog.beat();
      expect(await registry.metrics()).toMatch(/roomwatch_watchdog_pings_total\{target="heartbeat",result="failed"\} 1/);
    } finally {
      await dog.stop();
      server.close();
    }
  });
});
