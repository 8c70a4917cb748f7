/**
 * The snmp probe's warnings: counted on every poll as agent.probe_warnings
 * {device,module}, logged once per device; and the registry class of a device
 * nothing identifies is `unknown`. A fake agent sits at the client seam.
 */
import { describe, expect, it } from 'vitest';
import { compileSnmpOptions, SnmpProbe } from '../../agent/probes/snmp.js';
import type { ProbeEnv } from '../../agent/probes/types.js';
import { SYS } from '../../agent/snmp/poller.js';
import { shippedProfilesDir } from '../../agent/snmp/shared.js';
import { FakeAgent, INT, OIDT, STR, TICKS } from './fake-agent.js';
import { shippedProfiles, valueOf } from './snmpsim.js';

function env(warned: string[]): ProbeEnv {
  return {
    agentName: 't',
    hostname: 't',
    intervalMs: 60_000,
    collectorClockOffset: () => undefined,
    log: { debug() {}, info() {}, warn: (m: string) => void warned.push(m), error() {} },
    snmp: { concurrency: 4, profileDirs: [shippedProfilesDir()] },
  };
}

describe('snmp probe warnings', () => {
  it('counts warnings every poll and logs each once per device', async () => {
    const agent = FakeAgent.of({
      [SYS.descr]: [STR, 'ups card'],
      [SYS.objectID]: [OIDT, '1.3.6.1.2.1.33'],
      [SYS.upTime]: [TICKS, 100],
      '1.3.6.1.2.1.33.1.2.4.0': [INT, 250], // 250 % charge
    });
    const warned: string[] = [];
    const target = compileSnmpOptions({ host: '10.0.0.5' }, shippedProfiles());
    const probe = new SnmpProbe('ups-x', target, shippedProfiles(), env(warned), () => agent);
    let t = 1_800_000_000_000;
    const ctx = () => ({ signal: AbortSignal.timeout(5000), now: () => (t += 60_000) });
    const first = await probe.gather(ctx());
    agent.set(SYS.upTime, TICKS, 6100);
    const second = await probe.gather(ctx());
    for (const s of [first, second]) expect(valueOf(s, 'agent.probe_warnings', { device: 'ups-x', module: 'ups-mib' })).toBe(3);
    expect(warned.filter((w) => w.includes('ups.battery_charge_pct: 250 is outside the plausible range 0..100'))).toHaveLength(1);
    expect(warned).toHaveLength(3);
    expect(probe.devices()[0]?.class).toBe('ups');
  });

  it('registers a device nothing identifies as unknown', async () => {
    const agent = FakeAgent.of({ [SYS.descr]: [STR, 'mystery box'], [SYS.objectID]: [OIDT, '1.3.6.1.4.1.99999.42'], [SYS.upTime]: [TICKS, 100] });
    const probe = new SnmpProbe('box', compileSnmpOptions({ host: '10.0.0.6' }, shippedProfiles()), shippedProfiles(), env([]), () => agent);
    await probe.gather({ signal: AbortSignal.timeout(5000), now: () => 1_800_000_000_000 });
    expect(probe.devices()[0]?.class).toBe('unknown');
  });
});
