/**
 * End to end: a real agent polls a UPS recording in snmpsimd and listens for
 * traps; the real collector stores the samples, registers the device, and
 * pages on the on-battery trap sent with snmptrap.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.js';
import { AGENT_DEFAULTS, type AgentConfig } from '../../agent/config.js';
import { shippedProfilesDir } from '../../agent/snmp/shared.js';
import { buildApp, type Collector } from '../../collector/app.js';
import { createLogger } from '../../lib/log.js';
import { packageRoot } from '../../lib/paths.js';
import { authHeaders, AGENT, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';
import { peerAvailable } from '../peers.js';
import { freeUdpPort, startSnmpSim, type SnmpSim } from './snmpsim.js';

const exec = promisify(execFile);
const run = peerAvailable('snmpsimd', 'snmpsim') && peerAvailable('snmptrap', 'snmp');

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!run)('agent SNMP polling and traps → collector', () => {
  let sim: SnmpSim;
  let collector: Collector & { url: string };
  // The collector's clock runs ahead by this much: the bypass rule's `for: 1m` passes without a minute's wait.
  let skewMs = 0;
  let agent: Agent;
  let tmp: ReturnType<typeof tempDir>;
  let trapPort: number;

  beforeAll(async () => {
    tmp = tempDir();
    sim = await startSnmpSim('ups/generex-ups_cs141');
    const config = testCollectorConfig(join(tmp.dir, 'collector'));
    config.rules.paths = [join(packageRoot(), 'rules', 'ups.yaml'), join(packageRoot(), 'rules', 'traps.yaml')];
    const app = await buildApp({ config, now: () => Date.now() + skewMs });
    await app.app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.app.server.address();
    collector = { ...app, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
    trapPort = await freeUdpPort();
    const agentConfig: AgentConfig = {
      name: AGENT,
      device: 'agent-host',
      collector: { url: collector.url, token: TOKEN, timeoutMs: 2_000 },
      intervalMs: 2_000,
      jitterMs: 100,
      batch: { maxSamples: AGENT_DEFAULTS.batch.maxSamples, maxWaitMs: 200 },
      spool: { dir: join(tmp.dir, 'spool'), maxBytes: 64 * 1024 * 1024 },
      snmp: {
        concurrency: 8,
        profileDirs: [shippedProfilesDir()],
        traps: { host: '127.0.0.1', port: trapPort, communities: ['public'], dedupWindowMs: 60_000, holdMs: 300_000, perSourcePerSec: 50, totalPerSec: 500 },
      },
      targets: [
        {
          name: 'ups-a1',
          probe: 'snmp',
          device: 'ups-a1',
          intervalMs: 2_000,
          timeoutMs: 2_000,
          options: { host: `127.0.0.1:${sim.port}`, community: 'ups/generex-ups_cs141' },
        },
      ],
    };
    agent = new Agent(agentConfig, { logger: createLogger('silent'), drainMs: 2_000 });
    agent.start();
  }, 120_000);

  afterAll(async () => {
    await agent?.stop();
    await collector?.app.close();
    await sim?.stop();
    tmp?.cleanup();
  });

  it('stores polled UPS metrics and registers the device with its class', async () => {
    const runtime = await waitFor('ups.battery_runtime_min', async () => {
      const res = await fetch(`${collector.url}/api/v1/query?metric=ups.battery_runtime_min&device=ups-a1&from=-5m&step=raw`, { headers: authHeaders() });
      const body = (await res.json()) as { series: Array<{ points: Array<[number, number]> }> };
      return body.series[0]?.points.at(-1)?.[1];
    });
    expect(runtime).toBe(544);
    const devices = (await (await fetch(`${collector.url}/api/v1/devices`, { headers: authHeaders() })).json()) as { devices: Array<{ name: string; class: string; address?: string }> };
    expect(devices.devices.find((d) => d.name === 'ups-a1')).toMatchObject({ class: 'ups', address: '127.0.0.1' });
    // The recording's UPS is on bypass (upsOutputSource 4): the shipped rule fires on polled data alone.
    const bypass = async (state: string) => {
      const a = (await (await fetch(`${collector.url}/api/v1/alerts?device=ups-a1&state=${state}`, { headers: authHeaders() })).json()) as {
        alerts: Array<{ ruleId: string; state: string; priority: string }>;
      };
      return a.alerts.find((x) => x.ruleId === 'ups/UPS on bypass');
    };
    expect(await waitFor('pending bypass alert', () => bypass('pending'))).toMatchObject({ state: 'pending' });
    // The rule holds for 1 minute: move the collector's clock past it; the next poll or tick fires the alert.
    skewMs = 61_000;
    expect(await waitFor('firing bypass alert', () => bypass('firing'))).toMatchObject({ state: 'firing', priority: 'P2' });
  });

  it('turns an on-battery trap from the polled address into a P1 alert on the same device', async () => {
    await exec('snmptrap', ['-v2c', '-c', 'public', `127.0.0.1:${trapPort}`, '', '1.3.6.1.2.1.33.2.0.1', '1.3.6.1.2.1.33.1.2.2.0', 'i', '5']);
    const alert = await waitFor('trap alert', async () => {
      const a = (await (await fetch(`${collector.url}/api/v1/alerts?device=ups-a1`, { headers: authHeaders() })).json()) as { alerts: Array<{ ruleId: string; state: string; priority: string }> };
      return a.alerts.find((x) => x.ruleId === 'traps/UPS on battery (trap)');
    });
    expect(alert).toMatchObject({ state: 'firing', priority: 'P1' });
    expect(agent.traps?.stats.mapped).toBe(1);
  });
});
