/**
 * Truncated and garbage recordings (written here, not shared ones) served by the
 * real snmpsimd: each poll ends with samples and warnings, never an exception,
 * and nothing absurd is sent.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevicePoller } from '../../agent/snmp/poller.js';
import { NetSnmpClient } from '../../agent/snmp/session.js';
import { peerAvailable } from '../peers.js';
import { clientOptions, samplesWith, shippedProfiles, startSnmpSim, valueOf, type SnmpSim } from './snmpsim.js';

const run = peerAvailable('snmpsimd', 'snmpsim');

const RECORDINGS: Record<string, string[]> = {
  // A walk cut off mid-table: the last row lost its value, the file its final newline.
  truncated: [
    '1.3.6.1.2.1.1.1.0|4|UPS card (walk cut short)',
    '1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.99999.10',
    '1.3.6.1.2.1.1.3.0|67|12345',
    '1.3.6.1.2.1.33.1.2.1.0|2|2',
    '1.3.6.1.2.1.33.1.2.3.0|2|55',
    '1.3.6.1.2.1.33.1.3.3.1.3.1|2|230',
    '1.3.6.1.2.1.33.1.3.3.1.3.2|2|',
  ],
  // Values of the wrong kind and absurd numbers under standard MIBs.
  junk: [
    '1.3.6.1.2.1.1.1.0|4|Junk agent',
    '1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.99999.11',
    '1.3.6.1.2.1.1.3.0|67|500',
    '1.3.6.1.2.1.15.3.1.2.10.0.0.1|4|established',
    '1.3.6.1.2.1.25.2.3.1.2.1|6|1.3.6.1.2.1.25.2.1.4',
    '1.3.6.1.2.1.25.2.3.1.3.1|4|/',
    '1.3.6.1.2.1.25.2.3.1.4.1|2|4096',
    '1.3.6.1.2.1.25.2.3.1.5.1|2|100',
    '1.3.6.1.2.1.25.2.3.1.6.1|2|250',
    '1.3.6.1.2.1.25.3.3.1.2.1|4x|deadbeef',
    '1.3.6.1.2.1.47.1.1.1.1.7.5|4|Inlet',
    '1.3.6.1.2.1.99.1.1.1.1.5|2|8',
    '1.3.6.1.2.1.99.1.1.1.2.5|2|9',
    '1.3.6.1.2.1.99.1.1.1.3.5|2|0',
    '1.3.6.1.2.1.99.1.1.1.4.5|2|9999',
    '1.3.6.1.2.1.99.1.1.1.5.5|2|1',
    '',
  ],
};

describe.skipIf(!run)('truncated and garbage recordings (snmpsimd)', () => {
  let sim: SnmpSim;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rw-junk-'));
    chmodSync(dir, 0o755);
    for (const [name, lines] of Object.entries(RECORDINGS)) writeFileSync(join(dir, `${name}.snmprec`), lines.join('\n'));
    sim = await startSnmpSim('junk', dir);
  }, 120_000);
  afterAll(async () => {
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function poll(community: string) {
    const client = new NetSnmpClient(clientOptions(sim.port, community, { timeoutMs: 1500, retries: 0 }));
    try {
      const p = new DevicePoller(client, shippedProfiles(), { device: community, intervalMs: 60_000 });
      return { out: await p.poll(Date.now), p };
    } finally {
      client.close();
    }
  }

  it('reads what a truncated recording holds and says what it lacks', async () => {
    const { out, p } = await poll('truncated');
    expect(valueOf(out.samples, 'device.up')).toBe(1);
    expect(p.detected.decision?.class).toBe('ups');
    expect(valueOf(out.samples, 'ups.battery_runtime_min')).toBe(55);
    expect(valueOf(out.samples, 'ups.input_voltage_v', { line: '1' })).toBe(230);
    expect(valueOf(out.samples, 'ups.input_voltage_v', { line: '2' })).toBeUndefined();
    expect(out.warnings.map((w) => w.message)).toContain('table output: absent subtree 1.3.6.1.2.1.33.1.4.4.1.5 (no rows)');
  });

  it('turns junk into warnings, never into samples or an exception', async () => {
    const { out, p } = await poll('junk');
    expect(valueOf(out.samples, 'device.up')).toBe(1);
    expect(p.detected.decision?.class).toBe('server');
    const messages = out.warnings.map((w) => `${w.module}: ${w.message}`);
    // 250 of 100 units used is no disk; a 9999 °C sensor is no sensor; the CPU load is bytes.
    expect(samplesWith(out.samples, 'disk.used_pct')).toEqual([]);
    expect(messages).toContain('host-resources: disk.used_pct{mount=/}: 250 is outside the plausible range 0..100; not sent');
    expect(samplesWith(out.samples, 'sensor.temperature_c')).toEqual([]);
    expect(messages.some((m) => m.startsWith('entity-sensor: sensor.temperature_c{sensor=Inlet}: 9999 is outside'))).toBe(true);
    expect(samplesWith(out.samples, 'device.cpu_pct')).toEqual([]);
    expect(messages.some((m) => m.startsWith('host-resources: device.cpu_pct: expected a number'))).toBe(true);
    expect(samplesWith(out.samples, 'bgp.peer_up')).toEqual([]);
    expect(messages).toContain("bgp4-mib: bgp.peer_up{peer=10.0.0.1}: state 'established' is not in the profile's map");
  });

  it('answers a community that is not there (a recording snmpsimd refused) with device.up=0', async () => {
    const { out } = await poll('no-such-recording');
    expect(valueOf(out.samples, 'device.up')).toBe(0);
    expect(out.result).toBe('timeout');
  });
});
