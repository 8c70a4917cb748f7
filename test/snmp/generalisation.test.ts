/**
 * Generalisation: with every vendor profile removed, the standard modules a
 * device answers still give its class and its standard-MIB metrics, equal to
 * what the full profile set reads. This is how roomwatch reads a device it
 * was never tested on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevicePoller, type PollOutcome } from '../../agent/snmp/poller.js';
import { ProfileSet } from '../../agent/snmp/profile.js';
import { NetSnmpClient } from '../../agent/snmp/session.js';
import type { DeviceClass, Sample } from '../../collector/contract/index.js';
import { peerAvailable } from '../peers.js';
import { clientOptions, shippedProfiles, startSnmpSim, type SnmpSim } from './snmpsim.js';

const run = peerAvailable('snmpsimd', 'snmpsim');

/** The profiles that describe standard MIBs (and the BMC markers), none that names a vendor. */
const STANDARD = ['if-mib', 'host-resources', 'ucd-snmp', 'entity-sensor', 'ups-mib', 'fc-mgmt', 'snia-sml', 'bridge-mib', 'ip-forwarding', 'lldp-mib', 'bgp4-mib', 'ospf-mib', 'bmc'];

function standardOnly(): ProfileSet {
  // ups-mib and snia-sml also match by sysObjectID (agents that name the MIB itself); keep them as modules only.
  return new ProfileSet(
    shippedProfiles()
      .all.filter((p) => STANDARD.includes(p.name))
      .map((p) => ({ ...p, match: [] })),
  );
}

async function poll(port: number, community: string, profiles: ProfileSet): Promise<{ out: PollOutcome; cls?: DeviceClass }> {
  const client = new NetSnmpClient(clientOptions(port, community));
  try {
    const p = new DevicePoller(client, profiles, { device: community, intervalMs: 60_000 });
    const out = await p.poll(Date.now);
    return { out, cls: p.detected.decision?.class };
  } finally {
    client.close();
  }
}

/** measurement.field{tags} → value, for the metrics whose measurement is listed. */
function values(samples: Sample[], measurements: string[]): Map<string, number | string | boolean> {
  const m = new Map<string, number | string | boolean>();
  for (const s of samples) {
    if (!measurements.includes(s.measurement)) continue;
    for (const [f, v] of Object.entries(s.fields)) m.set(`${s.measurement}.${f}${JSON.stringify(s.tags)}`, v);
  }
  return m;
}

const CASES: Array<{ name: string; cls: DeviceClass; measurements: string[]; atLeast: number }> = [
  { name: 'ups/eaton-mgeups_93ps', cls: 'ups', measurements: ['ups'], atLeast: 8 },
  { name: 'router/iosxe_isr4321', cls: 'unknown', measurements: ['sensor', 'if'], atLeast: 20 },
  { name: 'router/vrp_ne8000', cls: 'unknown', measurements: ['bgp'], atLeast: 18 },
  { name: 'storage/dell-powervault_me4084', cls: 'storage', measurements: ['sensor'], atLeast: 10 },
  { name: 'server/linux_opensips', cls: 'server', measurements: ['disk', 'cpu', 'mem', 'load', 'swap'], atLeast: 8 },
  { name: 'firewall/panos_440', cls: 'server', measurements: ['disk', 'sensor'], atLeast: 4 },
  { name: 'switch/vrp_5720', cls: 'network', measurements: ['bgp', 'if'], atLeast: 40 },
  { name: 'server/xclarity_lenovoxcc', cls: 'server', measurements: ['if'], atLeast: 2 },
];

describe.skipIf(!run)('standard modules without vendor profiles (snmpsimd)', () => {
  let sim: SnmpSim;
  beforeAll(async () => {
    sim = await startSnmpSim('ups/generex-ups_cs141');
  }, 120_000);
  afterAll(async () => sim?.stop());

  it.each(CASES)('$name: class from evidence and the same standard metrics', async ({ name, cls, measurements, atLeast }) => {
    const standard = standardOnly();
    expect(standard.names.some((n) => n.includes('eaton') || n.includes('cisco') || n.includes('huawei'))).toBe(false);
    const [bare, full] = await Promise.all([poll(sim.port, name, standard), poll(sim.port, name, shippedProfiles())]);
    expect(bare.out.result).toBe('ok');
    expect(bare.out.profile).toBeUndefined();
    expect(bare.cls).toBe(cls);
    const got = values(bare.out.samples, measurements);
    const want = values(full.out.samples, measurements);
    expect(got.size).toBeGreaterThanOrEqual(atLeast);
    // What the bare run reads, the vendor-profile run reads the same (vendor profiles only add).
    for (const [k, v] of got) expect(want.get(k), k).toBe(v);
  });
});
