/**
 * Every shared recording (../shared/snmprec), polled the way the agent polls a
 * new device: detection first, then the composed plan. Each must come out with
 * the class and key metrics of recordings-expected.ts, and nothing absurd.
 *
 * One snmpsimd serves the whole folder and polls run 6 at a time. The Windows
 * recording holds placeholder OIDs ("xx") that make snmpsimd 0.4.5 exit when a
 * GETNEXT reaches them, which detection's anchors beyond IP-MIB would do, so
 * it is served by a second snmpsimd over its folder and polled with
 * `detect: false` — the option for agents that misbehave outside their MIBs.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevicePoller, type PollOutcome } from '../../agent/snmp/poller.js';
import { NetSnmpClient } from '../../agent/snmp/session.js';
import type { DeviceClass } from '../../collector/contract/index.js';
import { peerAvailable } from '../peers.js';
import { EXPECTED } from './recordings-expected.js';
import { clientOptions, samplesWith, shippedProfiles, SNMPREC_DIR, startSnmpSim, valueOf, type SnmpSim } from './snmpsim.js';

const run = peerAvailable('snmpsimd', 'snmpsim');
const WINDOWS = 'server/windows_svr_2019_1809';

interface Result {
  outcome: PollOutcome;
  class: DeviceClass | undefined;
  detectRequests: number;
}

async function poll(port: number, community: string, detect = true): Promise<Result> {
  const client = new NetSnmpClient(clientOptions(port, community, { timeoutMs: 4000, retries: 1 }));
  try {
    const poller = new DevicePoller(client, shippedProfiles(), { device: community, intervalMs: 60_000, detect });
    const outcome = await poller.poll(Date.now);
    return { outcome, class: poller.detected.decision?.class, detectRequests: poller.detected.requests };
  } finally {
    client.close();
  }
}

function recordings(): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(SNMPREC_DIR, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(join(SNMPREC_DIR, dir.name))) if (f.endsWith('.snmprec')) out.push(`${dir.name}/${f.slice(0, -'.snmprec'.length)}`);
  }
  return out.sort();
}

describe.skipIf(!run)('every shared recording: class and key metrics (snmpsimd)', () => {
  let sim: SnmpSim;
  let winSim: SnmpSim;
  const results = new Map<string, Result>();
  const names = recordings();

  beforeAll(async () => {
    [sim, winSim] = await Promise.all([startSnmpSim('ups/generex-ups_cs141'), startSnmpSim('windows_svr_2019_1809', join(SNMPREC_DIR, 'server'))]);
    const queue = names.filter((n) => n !== WINDOWS);
    const worker = async () => {
      for (let n = queue.shift(); n !== undefined; n = queue.shift()) results.set(n, await poll(sim.port, n));
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    results.set(WINDOWS, await poll(winSim.port, 'windows_svr_2019_1809', false));
  }, 240_000);
  afterAll(async () => {
    await sim?.stop();
    await winSim?.stop();
  });

  it('has an expectation for every recording in the folder', () => {
    expect(names.filter((n) => !(n in EXPECTED))).toEqual([]);
    expect(names.length).toBeGreaterThanOrEqual(80);
  });

  it.each(Object.keys(EXPECTED))('%s', (name) => {
    const want = EXPECTED[name] ?? { class: 'unknown' };
    const got = results.get(name);
    expect(got, `${name} was not polled`).toBeDefined();
    const r = got as Result;
    const s = r.outcome.samples;
    expect(r.class, `class of ${name}`).toBe(want.class);
    expect(valueOf(s, 'device.up')).toBe(1);
    if (want.stalls) return;
    expect(r.outcome.result, r.outcome.errors.join('; ')).toBe('ok');
    for (const [metric, tags, value] of want.values ?? []) expect(valueOf(s, metric, tags), `${metric} ${JSON.stringify(tags)}`).toBe(value);
    for (const metric of want.present ?? []) expect(samplesWith(s, metric).length, `${metric} present`).toBeGreaterThan(0);
    for (const metric of want.absent ?? []) expect(samplesWith(s, metric), `${metric} absent`).toEqual([]);
  });

  it('sends nothing absurd: no sentinel, every percentage 0..100, temperatures -40..150 °C', () => {
    for (const [name, r] of results) {
      for (const sample of r.outcome.samples) {
        for (const [field, v] of Object.entries(sample.fields)) {
          if (typeof v !== 'number') continue;
          const metric = `${sample.measurement}.${field}`;
          expect([65535, 2147483647, 4294967295, -2147483648], `${name} ${metric}`).not.toContain(v);
          if (field.endsWith('_pct') && metric !== 'ups.output_load_pct') expect(v >= 0 && v <= 100, `${name} ${metric}=${v}`).toBe(true);
          if (field.endsWith('temperature_c') || field.endsWith('temp_c')) expect(v >= -40 && v <= 150, `${name} ${metric}=${v}`).toBe(true);
        }
      }
    }
  });

  it('detects in at most two GETNEXT round trips per device at first contact', () => {
    for (const [name, r] of results) if (name !== WINDOWS) expect(r.detectRequests, name).toBeLessThanOrEqual(2);
  });
});
