/**
 * Issue #18 leftover, end to end on 127.0.0.1: util-linux `logger` sends
 * syslog over UDP to the real agent's syslog receiver; the agent forwards the
 * raw lines (spooled) to the real collector, which keeps them, serves them at
 * GET /api/v1/logs (filters, search, pagination), and puts the device's lines
 * into the context of the incident its rule opened.
 */
import { execFileSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.js';
import { AGENT_DEFAULTS, type AgentConfig } from '../../agent/config.js';
import { startCollector } from '../../collector/server.js';
import type { StoredLogLine } from '../../collector/logs/store.js';
import { createLogger } from '../../lib/log.js';
import { packageRoot } from '../../lib/paths.js';
import { authHeaders, freePort, tempDir, testCollectorConfig, TOKEN, AGENT } from '../helpers.js';
import { peerAvailable } from '../peers.js';

const HAVE_LOGGER = peerAvailable('logger', 'bsdutils');
const silent = createLogger('silent');
const DEVICE = 'lab-sw1';

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!HAVE_LOGGER)('syslog lines from logger → agent → collector', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanups.reverse()) await fn();
    cleanups.length = 0;
  });

  it('keeps the raw lines, serves them at /api/v1/logs and puts them into the incident', async () => {
    const tmp = tempDir();
    const config = testCollectorConfig(join(tmp.dir, 'collector'));
    config.rules.paths = [join(packageRoot(), 'rules', 'logs.yaml')];
    const collector = await startCollector(config);
    cleanups.push(tmp.cleanup, () => collector.close());
    const port = await freePort();
    const agentConfig: AgentConfig = {
      name: AGENT,
      device: hostname(),
      collector: { url: collector.url, token: TOKEN, timeoutMs: 2_000 },
      intervalMs: 500,
      jitterMs: 50,
      batch: { maxSamples: AGENT_DEFAULTS.batch.maxSamples, maxWaitMs: 100 },
      spool: { dir: join(tmp.dir, 'spool'), maxBytes: 8 * 1024 * 1024 },
      targets: [{ name: 'syslog', probe: 'syslog', intervalMs: 500, timeoutMs: 500, options: { listen: { udp: `127.0.0.1:${port}` }, devices: { '127.0.0.1': DEVICE } } }],
    };
    const agent = new Agent(agentConfig, { logger: silent, drainMs: 2_000 });
    cleanups.push(() => agent.stop());
    agent.start();
    // The listener opens on the probe's first round.
    await new Promise((r) => setTimeout(r, 1_000));

    const send = (priority: string, tag: string, text: string) => execFileSync('logger', ['--server', '127.0.0.1', '--port', String(port), '--udp', '-p', priority, '-t', tag, text]);
    send('local7.info', 'ios', 'fan tray 1 speed normal');
    send('local7.err', 'ios', '%LINK-3-UPDOWN: Interface Gi0/7, changed state to down');
    send('local7.warning', 'ios', 'power supply 2 temperature 51% of limit');

    const logs = async (query: string) => (await (await fetch(`${collector.url}/api/v1/logs?${query}`, { headers: authHeaders('viewer') })).json()) as { lines: StoredLogLine[]; next?: number };
    const all = await waitFor('three lines at the collector', async () => {
      const r = await logs(`device=${DEVICE}`);
      return r.lines.length >= 3 ? r.lines : undefined;
    });
    // Newest first, with device, host, facility, severity and time.
    expect(all.map((l) => l.text)).toEqual(['power supply 2 temperature 51% of limit', '%LINK-3-UPDOWN: Interface Gi0/7, changed state to down', 'fan tray 1 speed normal']);
    const down = all[1] as StoredLogLine;
    expect(down).toMatchObject({ device: DEVICE, agent: AGENT, source: '127.0.0.1', facility: 23, severity: 3, mnemonic: 'LINK-3-UPDOWN' });
    expect(Math.abs(down.ts - Date.now())).toBeLessThan(60_000);

    // Search is a substring, case-insensitive; `%` and `_` are characters, not wildcards.
    expect((await logs(`device=${DEVICE}&q=gi0%2F7`)).lines.map((l) => l.id)).toEqual([down.id]);
    expect((await logs(`device=${DEVICE}&q=${encodeURIComponent('51%')}`)).lines).toHaveLength(1);
    expect((await logs(`device=${DEVICE}&q=${encodeURIComponent('2_t')}`)).lines).toHaveLength(0);
    expect((await logs(`device=${DEVICE}&q=${encodeURIComponent('1%_of')}`)).lines).toHaveLength(0);
    expect((await logs('device=other-device')).lines).toHaveLength(0);
    expect((await logs(`device=${DEVICE}&until=${(all[2] as StoredLogLine).ts - 1}`)).lines).toHaveLength(0);
    // Pages of one, following `next`.
    const page1 = await logs(`device=${DEVICE}&limit=1`);
    const page2 = await logs(`device=${DEVICE}&limit=1&before=${page1.next}`);
    const page3 = await logs(`device=${DEVICE}&limit=1&before=${page2.next}`);
    expect([...page1.lines, ...page2.lines, ...page3.lines].map((l) => l.id)).toEqual(all.map((l) => l.id));
    expect(page3.next).toBeUndefined();
    // Bad parameters are a 400 naming them.
    const bad = await fetch(`${collector.url}/api/v1/logs?limit=5000`, { headers: authHeaders('viewer') });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/limit/);
    expect((await fetch(`${collector.url}/api/v1/logs?since=yesterday-ish`, { headers: authHeaders('viewer') })).status).toBe(400);

    // The link-down line matched a pattern, its rule fired, and the incident shows the device's lines.
    const incident = await waitFor('an incident for the device', async () => {
      const r = (await (await fetch(`${collector.url}/api/v1/incidents?device=${DEVICE}`, { headers: authHeaders('viewer') })).json()) as { incidents: Array<{ id: number }> };
      return r.incidents[0];
    });
    const detail = (await (await fetch(`${collector.url}/api/v1/incidents/${incident.id}`, { headers: authHeaders('viewer') })).json()) as { logs: StoredLogLine[] };
    expect(detail.logs.map((l) => l.text)).toContain('%LINK-3-UPDOWN: Interface Gi0/7, changed state to down');
    // Oldest first in the context.
    expect(detail.logs.map((l) => l.id)).toEqual([...detail.logs.map((l) => l.id)].sort((a, b) => a - b));

    await waitFor('agent counted the shipped lines', () => ((agent as unknown as { logShipper?: { stats: { linesSent: number } } }).logShipper?.stats.linesSent === 3 ? true : undefined));
    const metrics = await (await fetch(`${collector.url}/metrics`, { headers: authHeaders('viewer') })).text();
    expect(metrics).toMatch(/^roomwatch_syslog_lines_total 3$/m);
  }, 90_000);
});
