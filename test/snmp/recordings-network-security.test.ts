/**
 * The network and security vendor profiles (cisco-ios, cisco-asa, huawei-vrp,
 * h3c-comware, fortigate, fortigate-ips, hillstone, barracuda-waf, with
 * entity-sensor underneath) against recordings of real switches, routers,
 * firewalls and an IPS/WAF, served by the real snmpsimd.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../../collector/contract/index.js';
import { DevicePoller } from '../../agent/snmp/poller.js';
import { NetSnmpClient } from '../../agent/snmp/session.js';
import { peerAvailable } from '../peers.js';
import { clientOptions, pollRecording, samplesWith, shippedProfiles, startSnmpSim, valueOf, type SnmpSim } from './snmpsim.js';

const run = peerAvailable('snmpsimd', 'snmpsim');

/** The value of a metric in the sample whose tags are exactly `tags` (besides `device`): device-level values have none. */
function exact(samples: Sample[], metric: string, tags: Record<string, string> = {}): number | string | boolean | undefined {
  const dot = metric.indexOf('.');
  const [measurement, field] = [metric.slice(0, dot), metric.slice(dot + 1)];
  const want = Object.entries(tags).sort();
  for (const s of samples) {
    if (s.measurement !== measurement || !(field in s.fields)) continue;
    const have = Object.entries(s.tags)
      .filter(([k]) => k !== 'device')
      .sort();
    if (JSON.stringify(have) === JSON.stringify(want)) return s.fields[field];
  }
  return undefined;
}

/** Rows of a table metric: samples of `metric` that carry `tag`. */
function rows(samples: Sample[], metric: string, tag: string): Sample[] {
  return samplesWith(samples, metric).filter((s) => tag in s.tags);
}

describe.skipIf(!run)('network and security vendor profiles on recordings (snmpsimd)', () => {
  let sim: SnmpSim;
  beforeAll(async () => {
    sim = await startSnmpSim('firewall/asa');
  }, 120_000);
  afterAll(async () => sim?.stop());

  it('reads a Catalyst 3560 (IOS 12.2) with cisco-ios: CPU, classic memory pools, fan and PSU', async () => {
    const out = await pollRecording(sim.port, 'switch/ios_c3560');
    expect(out.result).toBe('ok');
    expect(out.profile?.name).toBe('cisco-ios');
    expect(out.errors).toEqual([]);
    const s = out.samples;
    // cpmCPUTotal5minRev.1 = 7
    expect(exact(s, 'device.cpu_pct')).toBe(7);
    expect(exact(s, 'device.cpu_pct', { cpu: '1' })).toBe(7);
    // ciscoMemoryPoolUsed / (Used + Free): Processor 20103300/75351900, I/O 3594112/8388608, Driver text 40/1048576
    expect(rows(s, 'device.mem_used_pct', 'pool')).toHaveLength(3);
    expect(exact(s, 'device.mem_used_pct', { pool: 'Processor' })).toBe(26.68);
    expect(exact(s, 'device.mem_used_pct', { pool: 'I/O' })).toBe(42.85);
    expect(exact(s, 'device.mem_used_pct', { pool: 'Driver text' })).toBe(0);
    expect(exact(s, 'device.mem_used_pct')).toBe(42.85);
    // CISCO-ENVMON-MIB: one fan, one PSU, both normal(1); no temperature rows
    expect(exact(s, 'sensor.fan_ok', { sensor: 'Switch#1, Fan#1' })).toBe(1);
    expect(exact(s, 'sensor.psu_ok', { sensor: 'Sw1, PS1 Normal, RPS NotExist' })).toBe(1);
    expect(samplesWith(s, 'sensor.temperature_c')).toHaveLength(0);
    expect(valueOf(s, 'device.if_count')).toBe(58);
    expect(valueOf(s, 'if.oper_up', { ifname: 'Fa0/1' })).toBe(0);
  });

  it('reads an ISR 4321 (IOS-XE 17.6) with cisco-ios: CISCO-ENTITY-SENSOR-MIB sensors, scaled', async () => {
    const out = await pollRecording(sim.port, 'router/iosxe_isr4321');
    expect(out.result).toBe('ok');
    expect(out.profile?.name).toBe('cisco-ios');
    expect(out.profile?.chain).toEqual(['if-mib', 'entity-sensor', 'cisco-ios']);
    expect(out.errors).toEqual([]);
    const s = out.samples;
    // entSensorType 8 (celsius): three board sensors (scale units) and an SFP at precision 3
    expect(rows(s, 'sensor.temperature_c', 'sensor')).toHaveLength(4);
    expect(exact(s, 'sensor.temperature_c', { sensor: 'Slot 6 - Temp: Internal' })).toBe(28);
    expect(exact(s, 'sensor.temperature_c', { sensor: 'Slot 6 - Temp: CPU' })).toBe(33);
    expect(exact(s, 'sensor.temperature_c', { sensor: 'subslot 0/0 transceiver 0 Temperature Sensor' })).toBe(34.558);
    expect(exact(s, 'sensor.fan_rpm', { sensor: 'Slot 11 - RPM: fan0' })).toBe(1560);
    // voltsDC at scale milli (8): 12059 mV; the SFP supply 33088 at milli and precision 1
    expect(rows(s, 'sensor.voltage_v', 'sensor')).toHaveLength(19);
    expect(exact(s, 'sensor.voltage_v', { sensor: 'Slot 6 - V: 12v' })).toBe(12.059);
    expect(exact(s, 'sensor.voltage_v', { sensor: 'subslot 0/0 transceiver 0 Supply Voltage Sensor' })).toBe(3.3088);
    // amperes: 21966 at micro (7) is 0.021966 A
    expect(exact(s, 'sensor.current_a', { sensor: 'subslot 0/0 transceiver 0 Bias Current Sensor' })).toBe(0.021966);
    expect(exact(s, 'sensor.power_w', { sensor: 'Slot 6 - P: pwr' })).toBe(24);
    // The recording has no CISCO-PROCESS-MIB and no memory-pool MIB.
    expect(exact(s, 'device.cpu_pct')).toBeUndefined();
    expect(exact(s, 'device.mem_used_pct')).toBeUndefined();
    expect(valueOf(s, 'device.if_count')).toBe(11);
  });

  it('reads an ASA 5555-X with cisco-asa: connections, failover state, memory pools, entity sensors', async () => {
    const out = await pollRecording(sim.port, 'firewall/asa');
    expect(out.result).toBe('ok');
    expect(out.profile?.name).toBe('cisco-asa');
    expect(out.errors).toEqual([]);
    const s = out.samples;
    // cfwConnectionStatValue.protoIp.currentInUse / .high
    expect(exact(s, 'fw.sessions')).toBe(7756);
    expect(exact(s, 'fw.sessions_max')).toBe(72363);
    // cfwHardwareStatusValue: primaryUnit (this device) active(9), secondaryUnit standby(10)
    expect(exact(s, 'fw.ha_state')).toBe(1);
    expect(exact(s, 'fw.ha_state', { unit: 'primary' })).toBe(1);
    expect(exact(s, 'fw.ha_state', { unit: 'secondary' })).toBe(2);
    // cempMemPoolHCUsed / (HCUsed + HCFree), 9 valid pools on two entities
    expect(rows(s, 'device.mem_used_pct', 'pool')).toHaveLength(9);
    expect(exact(s, 'device.mem_used_pct', { pool: 'System memory', module: '1' })).toBe(27.16);
    expect(exact(s, 'device.mem_used_pct', { pool: 'System memory', module: '2' })).toBe(16.1);
    expect(exact(s, 'device.mem_used_pct', { pool: 'MEMPOOL_GLOBAL_SHARED', module: '1' })).toBe(75.28);
    // device level: the fullest "System memory" pool, not the carved-out ones
    expect(exact(s, 'device.mem_used_pct')).toBe(27.16);
    // ENTITY-SENSOR-MIB: 6 celsius and 5 rpm sensors; truthvalue sensors are not emitted
    expect(rows(s, 'sensor.temperature_c', 'sensor')).toHaveLength(6);
    expect(exact(s, 'sensor.temperature_c', { sensor: 'CPU Temperature Sensor 0/0' })).toBe(67);
    expect(exact(s, 'sensor.temperature_c', { sensor: 'Chassis Ambient Temperature Sensor 1' })).toBe(37);
    expect(rows(s, 'sensor.fan_rpm', 'sensor')).toHaveLength(5);
    expect(exact(s, 'sensor.fan_rpm', { sensor: 'Power Supply 1 Fan Sensor' })).toBe(8704);
    // No CISCO-PROCESS-MIB in this recording.
    expect(exact(s, 'device.cpu_pct')).toBeUndefined();
    expect(valueOf(s, 'device.if_count')).toBe(48);
  });

  it('matches a CloudEngine CE12804 (VRP 8) with huawei-vrp; the recording has no entity-state rows', async () => {
    const out = await pollRecording(sim.port, 'switch/vrp_ce12804-withvrf');
    expect(out.result).toBe('ok');
    expect(out.profile?.name).toBe('huawei-vrp');
    expect(out.errors).toEqual([]);
    const s = out.samples;
    expect(valueOf(s, 'device.if_count')).toBe(117);
    expect(valueOf(s, 'device.if_up_count')).toBe(16);
    expect(exact(s, 'device.cpu_pct')).toBeUndefined();
    expect(samplesWith(s, 'sensor.temperature_c')).toHaveLength(0);
  });

  it('does not give Huawei storage (OceanStor, same 2011.2 subtree) to huawei-vrp', async () => {
    const out = await pollRecording(sim.port, 'storage/oceanstor_dorado3k');
    expect(out.result).toBe('ok');
    expect(out.profile?.name).not.toBe('huawei-vrp');
  });

  it('reads an HP A5500 (Comware 5) with h3c-comware: the board CPU/memory, the one real temperature, fan and PSU', async () => {
    const out = await pollRecording(sim.port, 'switch/comware_a5500');
    expect(out.result).toBe('ok');
    expect(out.profile?.name).toBe('h3c-comware');
    expect(out.errors).toEqual([]);
    const s = out.samples;
    // hh3cEntityExtCpuUsage.65 = 8, hh3cEntityExtMemUsage.65 = 47 (entPhysicalName "Board")
    expect(exact(s, 'device.cpu_pct')).toBe(8);
    expect(exact(s, 'device.cpu_pct', { cpu: 'Board' })).toBe(8);
    expect(rows(s, 'device.cpu_pct', 'cpu')).toHaveLength(1);
    expect(exact(s, 'device.mem_used_pct')).toBe(47);
    expect(exact(s, 'device.mem_used_pct', { pool: 'Board' })).toBe(47);
    // 38 °C is copied into all 44 entities; only the sensor entity (threshold 55) is kept
    expect(rows(s, 'sensor.temperature_c', 'sensor')).toHaveLength(1);
    expect(exact(s, 'sensor.temperature_c', { sensor: 'Sensor1' })).toBe(38);
    // hh3cDevMFanStatus.1 active; hh3cDevMPowerStatus.1 active, .2 not-install (no reading)
    expect(exact(s, 'sensor.fan_ok', { sensor: 'Fan 1' })).toBe(1);
    expect(exact(s, 'sensor.psu_ok', { sensor: 'PSU 1' })).toBe(1);
    expect(rows(s, 'sensor.psu_ok', 'sensor')).toHaveLength(1);
    expect(valueOf(s, 'device.if_count')).toBe(30);
  });

  it('reads a FortiGate-60F with fortigate: CPU, memory, sessions, session rate, HA roles, sensors', async () => {
    const out = await pollRecording(sim.port, 'firewall/fortigate_60f');
    expect(out.result).toBe('ok');
    expect(out.profile?.name).toBe('fortigate');
    expect(out.errors).toEqual([]);
    const s = out.samples;
    expect(exact(s, 'device.cpu_pct')).toBe(0); // fgSysCpuUsage
    expect(exact(s, 'device.mem_used_pct')).toBe(33); // fgSysMemUsage
    expect(exact(s, 'fw.sessions')).toBe(174); // fgSysSesCount
    expect(exact(s, 'fw.session_rate_ps')).toBe(2); // fgSysSesRate1
    // fgProcessorUsage per CPU
    expect(rows(s, 'device.cpu_pct', 'cpu')).toHaveLength(9);
    expect(exact(s, 'device.cpu_pct', { cpu: '1' })).toBe(2);
    // fgHaStatsTable: row 1 (the polled unit) is the master, in sync
    expect(exact(s, 'fw.ha_state')).toBe(1);
    expect(exact(s, 'fw.ha_state', { member: 'rogforti1' })).toBe(1);
    expect(exact(s, 'fw.ha_state', { member: 'rogforti2' })).toBe(2);
    expect(exact(s, 'fw.sessions', { member: 'rogforti1' })).toBe(437);
    // fgHwSensorEntValue is a decimal string
    expect(rows(s, 'sensor.temperature_c', 'sensor')).toHaveLength(4);
    expect(exact(s, 'sensor.temperature_c', { sensor: 'CPU ON-DIE Temperature' })).toBe(51.569);
    expect(exact(s, 'sensor.temperature_c', { sensor: 'B50182 Temperature' })).toBe(46.381199);
    expect(exact(s, 'sensor.alarm', { sensor: 'CPU ON-DIE Temperature' })).toBe(0);
    expect(valueOf(s, 'device.if_count')).toBe(16);
  });

  it('reads the FortiGate IPS counters with fortigate-ips: per-VDOM rates over two polls', async () => {
    const client = new NetSnmpClient(clientOptions(sim.port, 'ids_ips_waf/fortigate_ips'));
    try {
      const poller = new DevicePoller(client, shippedProfiles(), { device: 'ips', intervalMs: 60_000 });
      const first = await poller.poll(Date.now);
      expect(first.result).toBe('ok');
      expect(first.profile?.name).toBe('fortigate-ips');
      expect(first.errors).toEqual([]);
      // Counters: nothing on the first poll.
      expect(samplesWith(first.samples, 'ips.intrusions_ps')).toHaveLength(0);
      await new Promise((r) => setTimeout(r, 50));
      const second = await poller.poll(Date.now);
      expect(second.errors).toEqual([]);
      const s = second.samples;
      // Two VDOM rows (indexes 1 and 5). Their names (fgVdEntName) sit out of OID order at the
      // end of the recording, where GETNEXT never reaches them, so the tag falls back to the index.
      expect(rows(s, 'ips.intrusions_ps', 'vdom')).toHaveLength(2);
      // The recording is static: every counter stands still.
      for (const metric of ['ips.intrusions_ps', 'ips.blocked_ps', 'ips.critical_ps', 'ips.high_ps', 'ips.medium_ps', 'ips.low_ps', 'ips.info_ps', 'ips.signature_ps', 'ips.anomaly_ps']) {
        expect(exact(s, metric, { vdom: '1' })).toBe(0);
        expect(exact(s, metric, { vdom: '5' })).toBe(0);
      }
      // Nothing of the plain FortiGate objects is in this recording.
      expect(exact(s, 'device.cpu_pct')).toBeUndefined();
      expect(exact(s, 'fw.sessions')).toBeUndefined();
    } finally {
      client.close();
    }
  });

  it('reads a Hillstone SG-6000 with hillstone: CPU, memory, temperatures, PSUs', async () => {
    const out = await pollRecording(sim.port, 'firewall/stoneos');
    expect(out.result).toBe('ok');
    expect(out.profile?.name).toBe('hillstone');
    expect(out.errors).toEqual([]);
    const s = out.samples;
    expect(exact(s, 'device.cpu_pct')).toBe(55); // sysCPU
    // sysCurMemory / sysTotalMemory = 1444687 / 8388608 KB
    expect(exact(s, 'device.mem_used_pct')).toBe(17.22);
    expect(exact(s, 'device.mem_total_bytes')).toBe(8388608 * 1024);
    expect(rows(s, 'sensor.temperature_c', 'sensor')).toHaveLength(5);
    expect(exact(s, 'sensor.temperature_c', { sensor: 'Switch' })).toBe(68);
    expect(exact(s, 'sensor.temperature_c', { sensor: 'Chassis_Inlet' })).toBe(24);
    // hillstonePowerState fine(0)
    expect(exact(s, 'sensor.psu_ok', { sensor: 'PS0' })).toBe(1);
    expect(exact(s, 'sensor.psu_ok', { sensor: 'PS1' })).toBe(1);
    // No sysCurSession / sysHAStatus in the recording.
    expect(exact(s, 'fw.sessions')).toBeUndefined();
    expect(exact(s, 'fw.ha_state')).toBeUndefined();
    expect(valueOf(s, 'device.if_count')).toBe(18);
  });

  it('reads a Barracuda WAF with barracuda-waf: UCD CPU, memory and load', async () => {
    const out = await pollRecording(sim.port, 'ids_ips_waf/barracudawafirewall');
    expect(out.result).toBe('ok');
    expect(out.profile?.name).toBe('barracuda-waf');
    expect(out.errors).toEqual([]);
    const s = out.samples;
    expect(exact(s, 'device.cpu_pct')).toBe(3); // 100 - ssCpuIdle 97
    // (4021920 - 814888 - 21280 - 1344372) / 4021920 KB
    expect(exact(s, 'device.mem_used_pct')).toBe(45.78);
    expect(exact(s, 'load.l1')).toBe(0.34);
    expect(exact(s, 'load.l5')).toBe(0.65);
    expect(exact(s, 'load.l15')).toBe(0.53);
    expect(valueOf(s, 'device.if_count')).toBe(4);
  });

  it('leaves plain net-snmp Linux servers to other profiles', async () => {
    for (const community of ['server/bison', 'server/linux_opensips']) {
      const out = await pollRecording(sim.port, community);
      expect(out.result).toBe('ok');
      expect(out.profile?.name).not.toBe('barracuda-waf');
    }
  });
});
