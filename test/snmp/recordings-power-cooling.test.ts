/**
 * Vendor profiles for power and cooling (apc-ups, eaton-ups, liebert-ac,
 * apc-inrow, stulz-wib8000) against recordings of real devices served by the
 * real snmpsimd. Expected values are read from the recordings and scaled as the
 * vendor MIBs define.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerAvailable } from '../peers.js';
import { pollRecording, samplesWith, shippedProfiles, startSnmpSim, valueOf, type SnmpSim } from './snmpsim.js';

const run = peerAvailable('snmpsimd', 'snmpsim');

describe.skipIf(!run)('power and cooling vendor profiles on recordings (snmpsimd)', () => {
  let sim: SnmpSim;
  beforeAll(async () => {
    sim = await startSnmpSim('ups/apc_smtl1000-nmc3');
  }, 120_000);
  afterAll(async () => sim?.stop());

  it('reads an APC Smart-UPS on an NMC3 through PowerNet-MIB only (apc-ups)', async () => {
    const out = await pollRecording(sim.port, 'ups/apc_smtl1000-nmc3');
    expect(out.result).toBe('ok');
    expect(out.profile?.name).toBe('apc-ups');
    expect(out.errors).toEqual([]);
    const s = out.samples;
    // upsHighPrecBatteryCapacity 1000 (0.1 %), upsHighPrecBatteryTemperature 280 (0.1 °C).
    expect(valueOf(s, 'ups.battery_charge_pct')).toBe(100);
    expect(valueOf(s, 'ups.battery_temperature_c')).toBe(28);
    // upsAdvBatteryRunTimeRemaining 152200 TimeTicks = 25.37 min.
    expect(valueOf(s, 'ups.battery_runtime_min')).toBe(25.4);
    // upsBasicOutputStatus 2 onLine → RFC 1628 normal(3), not on battery.
    expect(valueOf(s, 'ups.output_source')).toBe(3);
    expect(valueOf(s, 'ups.on_battery')).toBe(0);
    expect(valueOf(s, 'ups.battery_replace')).toBe(0);
    // HighPrec input 1180 / 600 and load 378, all tenths.
    expect(valueOf(s, 'ups.input_voltage_v', { line: '1' })).toBe(118);
    expect(valueOf(s, 'ups.input_frequency_hz', { line: '1' })).toBe(60);
    expect(valueOf(s, 'ups.output_load_pct', { line: '1' })).toBe(37.8);
    expect(valueOf(s, 'ups.output_voltage_v', { line: '1' })).toBe(118);
    // The recording has neither upsBasicBatteryStatus nor upsAdvTestDiagnosticsResults.
    expect(valueOf(s, 'ups.battery_status')).toBeUndefined();
    expect(valueOf(s, 'ups.self_test_ok')).toBeUndefined();
    // Universal I/O probes: the cabinet probe has no humidity sensor (-1).
    expect(samplesWith(s, 'env.temperature_c')).toHaveLength(2);
    expect(valueOf(s, 'env.temperature_c', { sensor: 'Equipment Room' })).toBe(27);
    expect(valueOf(s, 'env.temperature_c', { sensor: 'Equipment Cabinet' })).toBe(28);
    expect(samplesWith(s, 'env.humidity_pct')).toHaveLength(1);
    expect(valueOf(s, 'env.humidity_pct', { sensor: 'Equipment Room' })).toBe(32);

    // PowerNet v1 traps, identified as enterprise.0.specific.
    const profiles = shippedProfiles();
    expect(profiles.trap('1.3.6.1.4.1.318.0.5')?.event).toBe('ups_on_battery');
    expect(profiles.trap('1.3.6.1.4.1.318.0.9')).toMatchObject({ event: 'ups_power_restored', clears: ['ups_on_battery'] });
    expect(profiles.trap('1.3.6.1.4.1.318.0.7')?.event).toBe('ups_low_battery');
  });

  it('reads an Eaton 93PS through UPS-MIB plus the MGE flags (eaton-ups)', async () => {
    const out = await pollRecording(sim.port, 'ups/eaton-mgeups_93ps');
    expect(out.result).toBe('ok');
    expect(out.profile?.name).toBe('eaton-ups');
    expect(out.errors).toEqual([]);
    const s = out.samples;
    expect(valueOf(s, 'ups.battery_status')).toBe(2);
    expect(valueOf(s, 'ups.battery_charge_pct')).toBe(100);
    expect(valueOf(s, 'ups.battery_runtime_min')).toBe(137);
    expect(valueOf(s, 'ups.battery_temperature_c')).toBe(25);
    expect(valueOf(s, 'ups.output_source')).toBe(3);
    expect(valueOf(s, 'ups.on_battery')).toBe(0);
    expect(samplesWith(s, 'ups.input_voltage_v')).toHaveLength(3);
    expect(valueOf(s, 'ups.input_voltage_v', { line: '3' })).toBe(240);
    expect(valueOf(s, 'ups.input_frequency_hz', { line: '1' })).toBe(50.2);
    expect(samplesWith(s, 'ups.output_load_pct')).toHaveLength(3);
    expect(valueOf(s, 'ups.output_load_pct', { line: '1' })).toBe(7);
    expect(valueOf(s, 'ups.output_load_pct', { line: '3' })).toBe(29);
    // No upsAlarmsPresent in the recording: the MGE yes/no flags (all "no") are counted.
    expect(valueOf(s, 'ups.alarms')).toBe(0);
    expect(valueOf(s, 'ups.battery_replace')).toBe(0);
    // xupsEnvAmbientTemp 19 °C.
    expect(valueOf(s, 'env.temperature_c', { sensor: 'ambient' })).toBe(19);
  });

  it('reads a Liebert cooling unit on an IntelliSlot card (liebert-ac)', async () => {
    const out = await pollRecording(sim.port, 'precision_ac/liebert_weblbds');
    expect(out.result).toBe('ok');
    expect(out.profile?.name).toBe('liebert-ac');
    expect(out.errors).toEqual([]);
    const s = out.samples;
    // lgpEnvTemperatureTableDegC: row 3 is return air (24 °C, 30/15, set point 24), row 2 supply air (25 °C, set point 18).
    expect(valueOf(s, 'ac.return_temp_c')).toBe(24);
    expect(valueOf(s, 'ac.supply_temp_c')).toBe(25);
    expect(valueOf(s, 'ac.temp_setpoint_c')).toBe(24);
    expect(valueOf(s, 'ac.supply_setpoint_c')).toBe(18);
    expect(valueOf(s, 'ac.temp_high_threshold_c')).toBe(30);
    expect(valueOf(s, 'ac.temp_low_threshold_c')).toBe(15);
    // lgpEnvHumidityTableRel: row 2 is return air (34 %RH, 80/1, set point 35).
    expect(valueOf(s, 'ac.return_humidity_pct')).toBe(34);
    expect(valueOf(s, 'ac.humidity_setpoint_pct')).toBe(35);
    expect(valueOf(s, 'ac.humidity_high_threshold_pct')).toBe(80);
    expect(valueOf(s, 'ac.humidity_low_threshold_pct')).toBe(1);
    // lgpEnvState: system on, cooling 13 %, fan 50 %, general alarm output off.
    expect(valueOf(s, 'ac.running')).toBe(1);
    expect(valueOf(s, 'ac.cooling_pct')).toBe(13);
    expect(valueOf(s, 'ac.fan_pct')).toBe(50);
    expect(valueOf(s, 'ac.alarms')).toBe(0);
    // The card's UPS-MIB groups come through ups-mib.
    expect(valueOf(s, 'ups.battery_runtime_min')).toBe(52);
    expect(samplesWith(s, 'ups.input_voltage_v')).toHaveLength(3);

    const profiles = shippedProfiles();
    expect(profiles.trap('1.3.6.1.4.1.476.1.42.3.3.0.1')?.event).toBe('ac_alarm');
    expect(profiles.trap('1.3.6.1.4.1.476.1.42.3.3.0.2')).toMatchObject({ event: 'ac_alarm_cleared', clears: ['ac_alarm'] });
  });

  it('reads an APC InRow DX through the generic cooling tables (apc-inrow)', async () => {
    const out = await pollRecording(sim.port, 'precision_ac/apc_inrow-dx');
    expect(out.result).toBe('ok');
    expect(out.profile?.name).toBe('apc-inrow');
    expect(out.errors).toEqual([]);
    const s = out.samples;
    // coolingUnitStatusAnalogValue / Scale, the "C" rows.
    expect(valueOf(s, 'ac.return_temp_c')).toBe(28);
    expect(valueOf(s, 'ac.supply_temp_c')).toBe(19.4);
    expect(valueOf(s, 'ac.return_humidity_pct')).toBe(30.6);
    expect(valueOf(s, 'ac.rack_inlet_temp_c')).toBe(20.9);
    expect(valueOf(s, 'ac.cool_output_kw')).toBe(10.8);
    expect(valueOf(s, 'ac.cool_demand_kw')).toBe(11);
    // Discrete "Mode" = Active(6).
    expect(valueOf(s, 'ac.running')).toBe(1);
    expect(samplesWith(s, 'ac.fan_rpm')).toHaveLength(8);
    expect(valueOf(s, 'ac.fan_rpm', { fan: 'Fan 1' })).toBe(3510);
    expect(valueOf(s, 'ac.fan_rpm', { fan: 'Fan 5' })).toBe(3455);
    // The APC UPS profile must not claim the InRow (it lives under the same 318.1.3 tree).
    expect(valueOf(s, 'ups.on_battery')).toBeUndefined();
  });

  it('reads eight Stulz CRAC units behind a WIB 8000, one row per unit (stulz-wib8000)', async () => {
    const out = await pollRecording(sim.port, 'precision_ac/stulz_wib8000');
    expect(out.result).toBe('ok');
    expect(out.profile?.name).toBe('stulz-wib8000');
    expect(out.errors).toEqual([]);
    const s = out.samples;
    expect(samplesWith(s, 'ac.return_temp_c')).toHaveLength(8);
    expect(samplesWith(s, 'ac.running')).toHaveLength(8);
    // Unit 1: return 265, supply 200, set point 220 (0.1 °C); humidity 406 / set point 350 (0.1 %RH).
    const u1 = { bus: '1', unit: '1' };
    expect(valueOf(s, 'ac.return_temp_c', u1)).toBe(26.5);
    expect(valueOf(s, 'ac.supply_temp_c', u1)).toBe(20);
    expect(valueOf(s, 'ac.temp_setpoint_c', u1)).toBe(22);
    expect(valueOf(s, 'ac.return_humidity_pct', u1)).toBe(40.6);
    expect(valueOf(s, 'ac.humidity_setpoint_pct', u1)).toBe(35);
    expect(valueOf(s, 'ac.running', u1)).toBe(1);
    expect(valueOf(s, 'ac.fan_pct', u1)).toBe(85);
    expect(valueOf(s, 'ac.alarms', u1)).toBe(0);
    // Unit 3 is switched off (unitOnOff 0, fan 0 %); unit 5 runs on an 18 °C set point.
    expect(valueOf(s, 'ac.running', { unit: '3' })).toBe(0);
    expect(valueOf(s, 'ac.fan_pct', { unit: '3' })).toBe(0);
    expect(valueOf(s, 'ac.temp_setpoint_c', { unit: '5' })).toBe(18);
    expect(valueOf(s, 'ac.return_temp_c', { unit: '7' })).toBe(28.2);
    expect(valueOf(s, 'ac.supply_humidity_pct', { unit: '5' })).toBe(70.2);
  });
});
