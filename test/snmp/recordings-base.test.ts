/**
 * The standard-MIB profiles (generic / IF-MIB, UPS-MIB) against recordings of
 * real devices served by the real snmpsimd.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerAvailable } from '../peers.js';
import { pollRecording, samplesWith, startSnmpSim, valueOf, type SnmpSim } from './snmpsim.js';

const run = peerAvailable('snmpsimd', 'snmpsim');

describe.skipIf(!run)('standard MIB profiles on recordings (snmpsimd)', () => {
  let sim: SnmpSim;
  beforeAll(async () => {
    sim = await startSnmpSim('ups/generex-ups_cs141');
  }, 120_000);
  afterAll(async () => sim?.stop());

  it('reads a pure RFC 1628 UPS (Generex CS141) with the ups-mib profile', async () => {
    const out = await pollRecording(sim.port, 'ups/generex-ups_cs141');
    expect(out.result).toBe('ok');
    expect(out.profile?.name).toBe('ups-mib');
    const s = out.samples;
    expect(valueOf(s, 'device.up')).toBe(1);
    expect(valueOf(s, 'ups.battery_status')).toBe(2);
    expect(valueOf(s, 'ups.battery_charge_pct')).toBe(100);
    expect(valueOf(s, 'ups.battery_runtime_min')).toBe(544);
    // upsOutputSource 4 is bypass: not on battery.
    expect(valueOf(s, 'ups.output_source')).toBe(4);
    expect(valueOf(s, 'ups.on_battery')).toBe(0);
    expect(valueOf(s, 'ups.input_frequency_hz', { line: '1' })).toBe(50);
    expect(samplesWith(s, 'ups.output_load_pct')).toHaveLength(3);
    expect(valueOf(s, 'ups.output_load_pct', { line: '2' })).toBe(14);
    expect(out.errors).toEqual([]);
  });

  it('counts interfaces and their states on a switch with only the generic profile', async () => {
    const out = await pollRecording(sim.port, 'switch/ios_c3560', 'generic');
    expect(out.result).toBe('ok');
    const s = out.samples;
    expect(valueOf(s, 'device.if_count')).toBe(58);
    expect(valueOf(s, 'device.if_up_count')).toBe(4);
    expect(valueOf(s, 'if.oper_up', { ifname: 'Vl1' })).toBe(1);
    expect(valueOf(s, 'if.oper_up', { ifname: 'Fa0/1' })).toBe(0);
    expect(samplesWith(s, 'if.oper_up')).toHaveLength(58);
  });
});
