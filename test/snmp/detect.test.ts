/**
 * Capability detection, class precedence and value hygiene, with an in-memory
 * agent at the SnmpClient seam (recordings-all.test.ts covers real devices).
 */
import { describe, expect, it } from 'vitest';
import { DevicePoller, SYS } from '../../agent/snmp/poller.js';
import { checkRange, parseTextNumber } from '../../agent/snmp/plausible.js';
import { FakeAgent, GAUGE, INT, OIDT, STR, TICKS } from './fake-agent.js';
import { samplesWith, shippedProfiles, valueOf } from './snmpsim.js';

const UPS = '1.3.6.1.2.1.33.1';
const HR_STORAGE = '1.3.6.1.2.1.25.2.3.1';
const HR_CPU = '1.3.6.1.2.1.25.3.3.1.2';

function system(sysObjectID: string | undefined, descr = 'test agent', uptime = 1000): Record<string, [number, number | string]> {
  return {
    [SYS.descr]: [STR, descr],
    ...(sysObjectID ? { [SYS.objectID]: [OIDT, sysObjectID] as [number, string] } : {}),
    [SYS.upTime]: [TICKS, uptime],
  };
}

/** A host's HOST-RESOURCES: one CPU at 37 %, RAM and one disk. */
const hostResources: Record<string, [number, number | string]> = {
  [`${HR_STORAGE}.2.1`]: [OIDT, '1.3.6.1.2.1.25.2.1.2'],
  [`${HR_STORAGE}.3.1`]: [STR, 'Physical memory'],
  [`${HR_STORAGE}.4.1`]: [INT, 1024],
  [`${HR_STORAGE}.5.1`]: [INT, 1000],
  [`${HR_STORAGE}.6.1`]: [INT, 500],
  [`${HR_CPU}.196608`]: [INT, 37],
};

function poller(agent: FakeAgent, opts: { redetectMs?: number; profile?: string } = {}) {
  return new DevicePoller(agent, shippedProfiles(), { device: 'd1', intervalMs: 60_000, ...opts });
}

describe('capability detection and class from evidence', () => {
  it("reads a UPS card running net-snmp as a ups, without the card's own CPU and memory", async () => {
    const agent = FakeAgent.of({
      ...system('1.3.6.1.4.1.8072.3.2.10', 'Linux ups-card 2.6.32'),
      ...hostResources,
      [`${UPS}.1.1.0`]: [STR, 'ACME'],
      [`${UPS}.2.1.0`]: [INT, 2],
      [`${UPS}.2.3.0`]: [INT, 42],
      [`${UPS}.2.4.0`]: [INT, 96],
      [`${UPS}.3.3.1.3.1`]: [INT, 229],
      [`${UPS}.4.1.0`]: [INT, 3],
    });
    const p = poller(agent);
    const out = await p.poll(() => 1_800_000_000_000);
    expect(p.detected.decision).toMatchObject({ class: 'ups', reason: 'module ups-mib (ups evidence)' });
    expect(p.detected.detection?.modules.map((m) => m.name)).toEqual(expect.arrayContaining(['host-resources', 'ups-mib']));
    expect(valueOf(out.samples, 'ups.battery_runtime_min')).toBe(42);
    expect(valueOf(out.samples, 'ups.input_voltage_v', { line: '1' })).toBe(229);
    expect(samplesWith(out.samples, 'device.cpu_pct')).toEqual([]);
    expect(samplesWith(out.samples, 'device.mem_used_pct')).toEqual([]);
    expect(p.deviceMeta.class).toBe('ups');
    // Detection cost two GETNEXT PDUs (every module's anchors, 32 per PDU).
    expect(p.detected.requests).toBe(2);
    expect(agent.requests.getNext).toBe(2);
  });

  it('reads HOST-RESOURCES of a host no profile knows, as a server', async () => {
    const agent = FakeAgent.of({ ...system('1.3.6.1.4.1.99999.1'), ...hostResources });
    const p = poller(agent);
    const out = await p.poll(() => 1_800_000_000_000);
    expect(p.detected.decision?.class).toBe('server');
    expect(valueOf(out.samples, 'device.cpu_pct')).toBe(37);
    expect(valueOf(out.samples, 'device.mem_used_pct')).toBe(50);
  });

  it("never reports a BMC's HOST-RESOURCES as the server's CPU or memory", async () => {
    const agent = FakeAgent.of({ ...system('1.3.6.1.4.1.99999.7'), ...hostResources, '1.3.6.1.4.1.674.10892.5.1.1.1.0': [STR, 'iDRAC'] });
    const p = poller(agent);
    const out = await p.poll(() => 1_800_000_000_000);
    expect(p.detected.decision).toMatchObject({ class: 'server', reason: 'module bmc (bmc evidence)' });
    expect(samplesWith(out.samples, 'device.cpu_pct')).toEqual([]);
    expect(out.plan?.excludes).toEqual(expect.arrayContaining(['host-resources', 'ucd-snmp']));
  });

  it('takes a firewall MIB over HOST-RESOURCES on a Linux-based gateway', async () => {
    const agent = FakeAgent.of({ ...system('1.3.6.1.4.1.8072.3.2.10', 'Linux gw-01 3.10.0'), ...hostResources, '1.3.6.1.4.1.2620.1.1.1.0': [STR, 'installed'] });
    const p = poller(agent);
    const out = await p.poll(() => 1_800_000_000_000);
    expect(p.detected.decision).toMatchObject({ class: 'security', reason: 'module firewall-mibs (security evidence)' });
    // The gateway's HOST-RESOURCES describe the gateway itself: they stay.
    expect(valueOf(out.samples, 'device.cpu_pct')).toBe(37);
  });

  it('calls a device nothing identifies unknown, listing the evidence, never network', async () => {
    const agent = FakeAgent.of({ ...system('1.3.6.1.4.1.99999.3'), '1.3.6.1.2.1.2.2.1.8.1': [INT, 1], '1.3.6.1.2.1.2.2.1.3.1': [INT, 6] });
    const p = poller(agent);
    await p.poll(() => 1_800_000_000_000);
    expect(p.detected.decision).toMatchObject({ class: 'unknown', reason: 'nothing identified it' });
    expect(p.detected.decision?.evidence).toEqual(['if-mib (1.3.6.1.2.1.2.2.1.3.1)']);
  });

  it('detects again after a restart, a sysObjectID change and the re-detection interval, not on every poll', async () => {
    const agent = FakeAgent.of({ ...system('1.3.6.1.4.1.99999.3', 'x', 5000) });
    const p = poller(agent, { redetectMs: 3_600_000 });
    let t = 1_800_000_000_000;
    await p.poll(() => t);
    const once = p.detected.requests;
    expect(once).toBeGreaterThan(0);
    t += 60_000;
    agent.set(SYS.upTime, TICKS, 11_000);
    await p.poll(() => t);
    expect(p.detected.requests).toBe(once);
    // sysUpTime went backwards: the device restarted (new firmware may serve new MIBs).
    t += 60_000;
    agent.set(SYS.upTime, TICKS, 100);
    agent.set(`${UPS}.2.4.0`, INT, 80);
    await p.poll(() => t);
    expect(p.detected.requests).toBe(2 * once);
    expect(p.detected.decision?.class).toBe('ups');
    t += 60_000;
    agent.set(SYS.upTime, TICKS, 6100);
    agent.set(SYS.objectID, OIDT, '1.3.6.1.4.1.99999.4');
    await p.poll(() => t);
    expect(p.detected.requests).toBe(3 * once);
    t += 3_600_000;
    agent.set(SYS.upTime, TICKS, 400_000);
    await p.poll(() => t);
    expect(p.detected.requests).toBe(4 * once);
  });
});

describe('value hygiene', () => {
  it('drops MIB sentinels quietly and implausible values with a warning; parses numbers sent as text', async () => {
    const agent = FakeAgent.of({
      ...system('1.3.6.1.2.1.33'),
      [`${UPS}.2.3.0`]: [GAUGE, 4294967295], // upsEstimatedMinutesRemaining: 2^32-1, i.e. -1 sent as Gauge32
      [`${UPS}.2.4.0`]: [STR, '87 %'], // a number sent as text
      [`${UPS}.2.7.0`]: [INT, 65535],
      [`${UPS}.3.3.1.3.1`]: [INT, 2], // 2 V is no mains voltage
      [`${UPS}.3.3.1.3.2`]: [INT, 0], // a dead line is real
      [`${UPS}.3.3.1.3.3`]: [GAUGE, 231], // Gauge32 where the MIB says INTEGER
      [`${UPS}.4.4.1.5.1`]: [INT, 140], // 140 % load: overloaded but real
      [`${UPS}.4.4.1.5.2`]: [INT, 999],
    });
    const out = await poller(agent).poll(() => 1_800_000_000_000);
    const s = out.samples;
    expect(valueOf(s, 'ups.battery_runtime_min')).toBeUndefined();
    expect(valueOf(s, 'ups.battery_temperature_c')).toBeUndefined();
    expect(valueOf(s, 'ups.battery_charge_pct')).toBe(87);
    expect(valueOf(s, 'ups.input_voltage_v', { line: '1' })).toBeUndefined();
    expect(valueOf(s, 'ups.input_voltage_v', { line: '2' })).toBe(0);
    expect(valueOf(s, 'ups.input_voltage_v', { line: '3' })).toBe(231);
    expect(valueOf(s, 'ups.output_load_pct', { line: '1' })).toBe(140);
    expect(valueOf(s, 'ups.output_load_pct', { line: '2' })).toBeUndefined();
    const messages = out.warnings.map((w) => `${w.module}: ${w.message}`);
    expect(messages).toContain('ups-mib: ups.input_voltage_v{line=1}: 2 V is no mains voltage (0 when the line is dead, else 40..500); not sent');
    expect(messages).toContain('ups-mib: ups.output_load_pct{line=2}: 999 is outside the plausible range 0..200; not sent');
    expect(messages.filter((m) => /runtime|temperature/.test(m))).toEqual([]);
    expect(valueOf(s, 'agent.probe_warnings', { module: 'ups-mib' })).toBe(2);
  });

  it('knows the catalog ranges and reads text numbers', () => {
    expect(checkRange('sensor.temperature_c', 151)).toMatchObject({ ok: false, range: [-40, 150] });
    expect(checkRange('env.humidity_pct', 100)).toEqual({ ok: true });
    expect(checkRange('device.cpu_pct', 101).ok).toBe(false);
    expect(checkRange('ups.input_voltage_v', 501).ok).toBe(false);
    expect(checkRange('bgp.peer_up', 2).ok).toBe(false);
    expect(parseTextNumber('24.8 C')).toBe(24.8);
    expect(parseTextNumber('20.90 degree C')).toBe(20.9);
    expect(parseTextNumber('CPU Temperature-Ctlr B: 61 C 141.80F')).toBe(61);
    expect(parseTextNumber('-3.5')).toBe(-3.5);
    expect(parseTextNumber('Closed')).toBeUndefined();
    expect(parseTextNumber('PSU 2 failed')).toBeUndefined();
  });
});

describe('saying what was not read', () => {
  const ANALOG = '1.3.6.1.4.1.318.1.1.27.1.4.1.2.1';
  it('names the rows a profile expected and the names that were there, and uses a fallback row', async () => {
    // A Uniflair-like unit: "Room Temperature" (the return air), no supply row.
    const agent = FakeAgent.of({
      ...system('1.3.6.1.4.1.318.1.3.14.99'),
      [`${ANALOG}.2.1.1`]: [STR, 'Room Temperature'],
      [`${ANALOG}.3.1.1`]: [INT, 243],
      [`${ANALOG}.4.1.1`]: [STR, 'C'],
      [`${ANALOG}.5.1.1`]: [INT, 10],
      [`${ANALOG}.2.1.2`]: [STR, 'Room Humidity'],
      [`${ANALOG}.3.1.2`]: [INT, 455],
      [`${ANALOG}.4.1.2`]: [STR, '%RH'],
      [`${ANALOG}.5.1.2`]: [INT, 10],
    });
    const out = await poller(agent).poll(() => 1_800_000_000_000);
    expect(out.profile?.name).toBe('apc-inrow');
    expect(valueOf(out.samples, 'ac.return_temp_c')).toBe(24.3);
    expect(valueOf(out.samples, 'ac.return_humidity_pct')).toBe(45.5);
    const messages = out.warnings.map((w) => w.message);
    expect(messages).toContain('table supply-temperature: no row named "^(supply|discharge)( air)? temperature$" or "^°?C$" (2 rows; names there: "Room Temperature", "C", "Room Humidity", "%RH")');
    // Return Temperature is missing too, but the Room row filled ac.return_temp_c: no warning.
    expect(messages.some((m) => m.startsWith('table return-temperature'))).toBe(false);
    expect(messages).toContain('table mode: absent subtree 1.3.6.1.4.1.318.1.1.27.1.4.2.2.1.4 (no rows)');
  });
});

describe('routing and security state from standard and vendor MIBs', () => {
  it('reads OSPF neighbours (full and 2-Way up, ExStart down) and Juniper BGP peers of every instance', async () => {
    const NBR = '1.3.6.1.2.1.14.10.1';
    const JBGP = '1.3.6.1.4.1.2636.5.1.1.2.1.1.1';
    const agent = FakeAgent.of({
      ...system('1.3.6.1.4.1.2636.1.1.1.2.29', 'Juniper Networks, Inc. mx480 internet router'),
      [`${NBR}.3.10.0.0.2.0`]: [STR, '10.255.0.2'],
      [`${NBR}.3.10.0.0.3.0`]: [STR, '10.255.0.3'],
      [`${NBR}.3.10.0.0.4.0`]: [STR, '10.255.0.4'],
      [`${NBR}.6.10.0.0.2.0`]: [INT, 8],
      [`${NBR}.6.10.0.0.3.0`]: [INT, 4],
      [`${NBR}.6.10.0.0.4.0`]: [INT, 5],
      [`${JBGP}.2.0.1.10.0.0.1.1.10.0.0.9`]: [INT, 6],
      [`${JBGP}.2.5.1.10.1.0.1.1.10.1.0.9`]: [INT, 3],
      [`${JBGP}.2.6.1.10.2.0.1.1.10.2.0.9`]: [INT, 1],
      [`${JBGP}.3.0.1.10.0.0.1.1.10.0.0.9`]: [INT, 2],
      [`${JBGP}.3.5.1.10.1.0.1.1.10.1.0.9`]: [INT, 2],
      [`${JBGP}.3.6.1.10.2.0.1.1.10.2.0.9`]: [INT, 1], // halted by the operator: not reported
    });
    const p = poller(agent);
    const out = await p.poll(() => 1_800_000_000_000);
    expect(p.detected.decision?.class).toBe('network');
    expect(valueOf(out.samples, 'ospf.neighbor_up', { neighbor: '10.255.0.2' })).toBe(1);
    expect(valueOf(out.samples, 'ospf.neighbor_up', { neighbor: '10.255.0.3' })).toBe(1);
    expect(valueOf(out.samples, 'ospf.neighbor_up', { neighbor: '10.255.0.4' })).toBe(0);
    expect(valueOf(out.samples, 'bgp.peer_up', { peer: '0.1.10.0.0.1.1.10.0.0.9' })).toBe(1);
    expect(valueOf(out.samples, 'bgp.peer_up', { peer: '5.1.10.1.0.1.1.10.1.0.9' })).toBe(0);
    expect(samplesWith(out.samples, 'bgp.peer_up')).toHaveLength(2);
  });

  it('reads a Palo Alto HA state sent as text into the common encoding', async () => {
    const base = { ...system('1.3.6.1.4.1.25461.2.3.36', 'Palo Alto Networks PA-3200 series firewall'), '1.3.6.1.4.1.25461.2.1.2.3.3.0': [INT, 1200] as [number, number] };
    for (const [text, code] of [
      ['active', 1],
      ['passive', 2],
      ['disabled', 0],
      ['non-functional', 3],
    ] as const) {
      const out = await poller(FakeAgent.of({ ...base, '1.3.6.1.4.1.25461.2.1.2.1.11.0': [STR, text] })).poll(() => 1_800_000_000_000);
      expect(valueOf(out.samples, 'fw.ha_state'), text).toBe(code);
    }
  });
});
