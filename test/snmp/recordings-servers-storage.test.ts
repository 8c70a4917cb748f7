/**
 * Server, storage, SAN and tape profiles (net-snmp-linux with host-resources
 * and ucd-snmp, hpe-ilo, dell-compellent, hp-3par, huawei-oceanstor,
 * brocade-fabos, quantum-scalar) against recordings of real devices served by
 * the real snmpsimd. Values are the recordings' own, after the profiles'
 * scaling; counters need two polls, so only gauges and states are asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerAvailable } from '../peers.js';
import { pollRecording, samplesWith, startSnmpSim, valueOf, type SnmpSim } from './snmpsim.js';

const run = peerAvailable('snmpsimd', 'snmpsim');

describe.skipIf(!run)('server, storage, SAN and tape profiles on recordings (snmpsimd)', () => {
  let sim: SnmpSim;
  beforeAll(async () => {
    sim = await startSnmpSim('server/bison');
  }, 120_000);
  afterAll(async () => sim?.stop());

  it('reads an Ubuntu net-snmp server (bison): HOST-RESOURCES disks and CPU, UCD load, no UCD memory group', async () => {
    const out = await pollRecording(sim.port, 'server/bison');
    expect(out.result).toBe('ok');
    expect(out.profile?.name).toBe('net-snmp-linux');
    expect(out.profile?.chain).toEqual(['if-mib', 'host-resources', 'ucd-snmp', 'net-snmp-linux']);
    expect(out.errors).toEqual([]);
    const s = out.samples;
    expect(valueOf(s, 'device.up')).toBe(1);
    // ssCpuIdle 61 -> 39 % busy; hrProcessorLoad 1,6,100,100,100,1,1,1 -> 38.75.
    expect(valueOf(s, 'cpu.usage_pct')).toBe(39);
    expect(valueOf(s, 'device.cpu_pct')).toBe(38.75);
    // Only laLoadInt (x100) is recorded: 307/306/305.
    expect(valueOf(s, 'load.l1')).toBe(3.07);
    expect(valueOf(s, 'load.l5')).toBe(3.06);
    expect(valueOf(s, 'load.l15')).toBe(3.05);
    // hrStorageRam "Physical memory": 15644436 of 49269992 kB.
    expect(valueOf(s, 'device.mem_used_pct')).toBe(31.75);
    // The recording has no UCD memory group (2021.4): no mem.* / swap.*.
    expect(valueOf(s, 'mem.used_pct')).toBeUndefined();
    expect(valueOf(s, 'swap.used_pct')).toBeUndefined();
    expect(valueOf(s, 'system.procs')).toBe(208);
    // hrSystemUptime 95393001 ticks.
    expect(valueOf(s, 'system.uptime_s')).toBe(953930);
    // "/": 3478222 of 56746109 blocks of 4096 bytes.
    expect(valueOf(s, 'disk.used_pct', { mount: '/' })).toBe(6.13);
    expect(valueOf(s, 'disk.free_bytes', { mount: '/' })).toBe((56746109 - 3478222) * 4096);
    expect(valueOf(s, 'disk.used_pct', { mount: '/boot' })).toBe(12.57);
    // Nine hrStorageFixedDisk rows (net-snmp counts tmpfs mounts as fixed disks).
    expect(samplesWith(s, 'disk.used_pct')).toHaveLength(9);
    expect(valueOf(s, 'device.if_count')).toBe(4);
  });

  it('reads a CentOS 7 net-snmp server (opensips): UCD memory, swap without swap space, disks', async () => {
    const out = await pollRecording(sim.port, 'server/linux_opensips');
    expect(out.result).toBe('ok');
    expect(out.profile?.name).toBe('net-snmp-linux');
    expect(out.errors).toEqual([]);
    const s = out.samples;
    expect(valueOf(s, 'device.up')).toBe(1);
    expect(valueOf(s, 'cpu.usage_pct')).toBe(10);
    expect(valueOf(s, 'device.cpu_pct')).toBe(10);
    expect(valueOf(s, 'load.l1')).toBe(0.23);
    expect(valueOf(s, 'load.l5')).toBe(0.37);
    expect(valueOf(s, 'load.l15')).toBe(0.38);
    // memTotalReal 1880360, memAvailReal 379892, memBuffer 0, memCached 791360 (kB).
    expect(valueOf(s, 'mem.used_pct')).toBe(37.71);
    expect(valueOf(s, 'mem.available_bytes')).toBe((379892 + 0 + 791360) * 1024);
    // memTotalSwap 0: no swap reads as 0 %, like the host probe.
    expect(valueOf(s, 'swap.used_pct')).toBe(0);
    // hrStorageRam counts buffers and cache as used on net-snmp 5.7.
    expect(valueOf(s, 'device.mem_used_pct')).toBe(79.79);
    expect(valueOf(s, 'system.procs')).toBe(128);
    expect(valueOf(s, 'system.uptime_s')).toBe(10019622);
    expect(valueOf(s, 'disk.used_pct', { mount: '/' })).toBe(16.63);
    expect(valueOf(s, 'disk.free_bytes', { mount: '/' })).toBe((26211579 - 4358556) * 4096);
    expect(samplesWith(s, 'disk.used_pct')).toHaveLength(5);
    // Disk I/O is counters only: nothing on a first poll.
    expect(samplesWith(s, 'diskio.read_bps')).toHaveLength(0);
  });

  it('reads an HPE iLO 4 (ProLiant ML350 Gen9): temperatures, fans, PSUs, Smart Array', async () => {
    const out = await pollRecording(sim.port, 'server/hpe-ilo_4');
    expect(out.result).toBe('ok');
    expect(out.profile?.name).toBe('hpe-ilo');
    expect(out.errors).toEqual([]);
    const s = out.samples;
    expect(valueOf(s, 'device.up')).toBe(1);
    // cpqHeMibCondition is not in the recording.
    expect(valueOf(s, 'device.health_ok')).toBeUndefined();
    expect(samplesWith(s, 'sensor.temperature_c')).toHaveLength(28);
    expect(valueOf(s, 'sensor.temperature_c', { sensor: '1', locale: '11' })).toBe(21);
    expect(valueOf(s, 'sensor.temperature_threshold_c', { sensor: '1' })).toBe(42);
    expect(valueOf(s, 'sensor.temperature_c', { sensor: '2' })).toBe(40);
    expect(valueOf(s, 'sensor.temperature_ok', { sensor: '2' })).toBe(1);
    // Sensor 10 (power supply) has threshold 0: display only, no threshold sample.
    expect(valueOf(s, 'sensor.temperature_c', { sensor: '10' })).toBe(40);
    expect(valueOf(s, 'sensor.temperature_threshold_c', { sensor: '10' })).toBeUndefined();
    // Fan bays 1 and 5-8 are empty; 2-4 are present and ok.
    expect(samplesWith(s, 'sensor.fan_ok')).toHaveLength(3);
    expect(valueOf(s, 'sensor.fan_ok', { fan: '2' })).toBe(1);
    expect(samplesWith(s, 'sensor.psu_ok')).toHaveLength(2);
    expect(valueOf(s, 'sensor.psu_ok', { psu: '1' })).toBe(1);
    expect(valueOf(s, 'sensor.psu_power_w', { psu: '1' })).toBe(45);
    expect(valueOf(s, 'sensor.psu_power_w', { psu: '2' })).toBe(42);
    expect(valueOf(s, 'sensor.psu_capacity_w', { psu: '2' })).toBe(500);
    expect(valueOf(s, 'sensor.cpu_ok', { cpu: '0' })).toBe(1);
    expect(valueOf(s, 'storage.controller_ok', { ctrl: 'Slot 0' })).toBe(1);
    expect(valueOf(s, 'storage.volume_ok', { volume: '0.1' })).toBe(1);
    expect(samplesWith(s, 'storage.disk_failed')).toHaveLength(5);
    expect(valueOf(s, 'storage.disk_failed', { slot: 'Port 1I Box 6 Bay 4' })).toBe(0);
    expect(valueOf(s, 'storage.disk_failed', { slot: 'Port 2I Box 6 Bay 5' })).toBe(0);
    expect(valueOf(s, 'storage.disks_failed')).toBe(0);
    expect(valueOf(s, 'device.if_count')).toBe(28);
  });

  it('reads a Dell Compellent SC controller (FreeBSD sysObjectID, matched by its MIB)', async () => {
    const out = await pollRecording(sim.port, 'storage/dell-compellent');
    expect(out.result).toBe('ok');
    expect(out.profile?.name).toBe('dell-compellent');
    expect(out.errors).toEqual([]);
    const s = out.samples;
    expect(valueOf(s, 'device.up')).toBe(1);
    // productIDGlobalStatus 3 = ok.
    expect(valueOf(s, 'device.health_ok')).toBe(1);
    expect(samplesWith(s, 'storage.disk_failed')).toHaveLength(24);
    expect(valueOf(s, 'storage.disk_failed', { slot: '01-05' })).toBe(0);
    expect(valueOf(s, 'storage.disks_failed')).toBe(0);
    // scCtlrTable and scDiskFolderSUTable are not in the recording.
    expect(samplesWith(s, 'storage.controller_ok')).toHaveLength(0);
    expect(samplesWith(s, 'storage.pool_used_pct')).toHaveLength(0);
    expect(samplesWith(s, 'storage.pool_ok')).toHaveLength(3);
    expect(valueOf(s, 'storage.pool_ok', { pool: '2', name: 'Folder2' })).toBe(1);
    expect(samplesWith(s, 'storage.volume_ok')).toHaveLength(3);
    expect(valueOf(s, 'storage.volume_ok', { volume: 'Vol1' })).toBe(1);
    expect(valueOf(s, 'storage.enclosure_ok', { enclosure: 'Enclosure - 1' })).toBe(1);
    expect(valueOf(s, 'storage.host_connectivity_ok', { host: 'Host1' })).toBe(1);
    expect(valueOf(s, 'storage.host_paths', { host: 'Host1' })).toBe(2);
    expect(valueOf(s, 'storage.host_paths', { host: 'Host3' })).toBe(0);
    expect(valueOf(s, 'storage.cache_battery_ok', { ctrl: 'Controller 654321 cache card' })).toBe(1);
    expect(valueOf(s, 'storage.iomodule_ok', { module: 'Encl 1 IOM 2' })).toBe(1);
    // 14 controller sensors and 8 enclosure sensors.
    expect(samplesWith(s, 'sensor.temperature_c')).toHaveLength(22);
    expect(valueOf(s, 'sensor.temperature_c', { sensor: 'Ctlr 1 CPU One' })).toBe(51);
    expect(valueOf(s, 'sensor.temperature_c', { sensor: 'Ctlr 2 BBU' })).toBe(31);
    expect(valueOf(s, 'sensor.temperature_c', { sensor: 'Encl 1 Ambient' })).toBe(18);
    expect(samplesWith(s, 'sensor.fan_ok')).toHaveLength(4);
    expect(valueOf(s, 'sensor.psu_ok', { psu: 'Encl 1 PSU 2' })).toBe(1);
  });

  it('identifies an HP 3PAR StoreServ whose agent answers only the system group', async () => {
    const out = await pollRecording(sim.port, 'storage/informos');
    expect(out.result).toBe('ok');
    expect(out.profile?.name).toBe('hp-3par');
    expect(out.errors).toEqual([]);
    expect(valueOf(out.samples, 'device.up')).toBe(1);
    // device.up and one agent.probe_warnings for the profile, which found nothing to complain about.
    expect(out.samples.filter((s) => s.measurement !== 'agent')).toHaveLength(1);
  });

  it('reads a Huawei OceanStor Dorado 3000 V6: system capacity, pool, LUNs, disks, controllers', async () => {
    const out = await pollRecording(sim.port, 'storage/oceanstor_dorado3k');
    expect(out.result).toBe('ok');
    expect(out.profile?.name).toBe('huawei-oceanstor');
    expect(out.errors).toEqual([]);
    const s = out.samples;
    expect(valueOf(s, 'device.up')).toBe(1);
    // totalCapacity 76546048 MB, usedCapacity 1736334 MB.
    expect(valueOf(s, 'storage.capacity_bytes')).toBe(76546048 * 1048576);
    expect(valueOf(s, 'storage.used_bytes')).toBe(1736334 * 1048576);
    expect(valueOf(s, 'storage.used_pct')).toBe(2.27);
    // Pool-1: total 29531295 MB, free 27794961 MB, full threshold 80 %.
    expect(valueOf(s, 'storage.pool_ok', { pool: 'Pool-1' })).toBe(1);
    expect(valueOf(s, 'storage.pool_used_pct', { pool: 'Pool-1' })).toBe(5.88);
    expect(valueOf(s, 'storage.pool_capacity_bytes', { pool: 'Pool-1' })).toBe(29531295 * 1048576);
    expect(valueOf(s, 'storage.pool_used_bytes', { pool: 'Pool-1' })).toBe((29531295 - 27794961) * 1048576);
    expect(valueOf(s, 'storage.pool_threshold_pct', { pool: 'Pool-1' })).toBe(80);
    expect(samplesWith(s, 'storage.volume_ok')).toHaveLength(4);
    expect(valueOf(s, 'storage.volume_ok', { volume: 'LUN-R640', pool: 'Pool-1' })).toBe(1);
    expect(samplesWith(s, 'storage.disk_failed')).toHaveLength(12);
    expect(valueOf(s, 'storage.disk_failed', { slot: 'CTE0.0' })).toBe(0);
    expect(valueOf(s, 'storage.disk_temperature_c', { slot: 'CTE0.0' })).toBe(43);
    expect(valueOf(s, 'storage.disk_temperature_c', { slot: 'CTE0.11' })).toBe(30);
    expect(valueOf(s, 'storage.disks_failed')).toBe(0);
    expect(samplesWith(s, 'storage.controller_ok')).toHaveLength(2);
    expect(valueOf(s, 'storage.controller_ok', { ctrl: 'CTE0.A' })).toBe(1);
    expect(valueOf(s, 'storage.controller_cpu_pct', { ctrl: 'CTE0.A' })).toBe(22);
    expect(valueOf(s, 'storage.controller_mem_used_pct', { ctrl: 'CTE0.B' })).toBe(98);
    // The system `status` scalar is not in the recording.
    expect(valueOf(s, 'device.health_ok')).toBeUndefined();
  });

  it('reads a Brocade FOS 8.1 FC switch: CPU/memory, sensors, SFP optics, FC ports via IF-MIB', async () => {
    const out = await pollRecording(sim.port, 'san_switch/fabos');
    expect(out.result).toBe('ok');
    expect(out.profile?.name).toBe('brocade-fabos');
    expect(out.errors).toEqual([]);
    const s = out.samples;
    expect(valueOf(s, 'device.up')).toBe(1);
    expect(valueOf(s, 'device.cpu_pct')).toBe(42);
    expect(valueOf(s, 'device.mem_used_pct')).toBe(18);
    expect(samplesWith(s, 'sensor.temperature_c')).toHaveLength(9);
    expect(valueOf(s, 'sensor.temperature_c', { sensor: 'SLOT #0: TEMP #1' })).toBe(42);
    expect(valueOf(s, 'sensor.temperature_ok', { sensor: 'SLOT #0: TEMP #9' })).toBe(1);
    expect(samplesWith(s, 'sensor.fan_ok')).toHaveLength(5);
    expect(valueOf(s, 'sensor.fan_rpm', { fan: 'FAN #1' })).toBe(2165);
    expect(valueOf(s, 'sensor.fan_rpm', { fan: 'FAN #5' })).toBe(12001);
    expect(valueOf(s, 'sensor.psu_ok', { psu: 'Power Supply #2' })).toBe(1);
    // SFP power strings; "NA" (20 rx, 20 tx) and one "-inf" (tx) give no sample.
    expect(samplesWith(s, 'fc.sfp_rx_dbm')).toHaveLength(76);
    expect(valueOf(s, 'fc.sfp_rx_dbm', { port: '1' })).toBe(-25.4);
    expect(valueOf(s, 'fc.sfp_rx_dbm', { port: '10' })).toBe(-40);
    expect(valueOf(s, 'fc.sfp_tx_dbm', { port: '2' })).toBe(-3.2);
    expect(valueOf(s, 'fc.sfp_tx_dbm', { port: '25' })).toBeUndefined();
    expect(valueOf(s, 'fc.sfps')).toBe(76);
    // The recording's swFCPortTable holds only swFCPortName: no fc.port_up rows.
    expect(samplesWith(s, 'fc.port_up')).toHaveLength(0);
    // The FC ports are in IF-MIB (ifType 56) too.
    expect(valueOf(s, 'if.oper_up', { ifname: '0/4' })).toBe(1);
    expect(valueOf(s, 'if.speed_bps', { ifname: '0/4' })).toBe(8_000_000_000);
    expect(valueOf(s, 'device.if_count')).toBe(101);
  });

  it('reads a Quantum Scalar i6000 tape library: RAS groups, drives, temperatures, fans', async () => {
    const out = await pollRecording(sim.port, 'tape/quantum_scalari6000');
    expect(out.result).toBe('ok');
    expect(out.profile?.name).toBe('quantum-scalar');
    expect(out.errors).toEqual([]);
    const s = out.samples;
    expect(valueOf(s, 'device.up')).toBe(1);
    // rasStatusGroupStatus: cooling and drives & media in warning(4), the rest good.
    expect(samplesWith(s, 'tape.subsystem_ok')).toHaveLength(6);
    expect(valueOf(s, 'tape.subsystem_ok', { subsystem: 'connectivity' })).toBe(1);
    expect(valueOf(s, 'tape.subsystem_ok', { subsystem: 'cooling' })).toBe(0);
    expect(valueOf(s, 'tape.subsystem_ok', { subsystem: 'drives_media' })).toBe(0);
    expect(valueOf(s, 'tape.subsystem_ok', { subsystem: 'robotics' })).toBe(1);
    expect(valueOf(s, 'device.health_ok')).toBe(0);
    // Four IBM ULTRIUM-TD6 drives; the first has phDriveRasStatus warning(4).
    expect(samplesWith(s, 'tape.drive_ok')).toHaveLength(4);
    expect(valueOf(s, 'tape.drive_ok', { drive: '10WT009925', model: 'ULTRIUM-TD6' })).toBe(0);
    expect(valueOf(s, 'tape.drive_ok', { drive: '10WT066689' })).toBe(1);
    expect(valueOf(s, 'tape.drive_online', { drive: '90WT806751' })).toBe(1);
    expect(valueOf(s, 'tape.drives_failed')).toBe(1);
    expect(valueOf(s, 'tape.drive_count')).toBe(4);
    expect(samplesWith(s, 'sensor.temperature_c')).toHaveLength(7);
    expect(valueOf(s, 'sensor.temperature_c', { sensor: 'PRP Temperature' })).toBe(33);
    expect(valueOf(s, 'sensor.temperature_threshold_c', { sensor: 'PRP Temperature' })).toBe(70);
    expect(valueOf(s, 'sensor.temperature_ok', { sensor: 'CMB2 External Temperature Sensor' })).toBe(1);
    expect(samplesWith(s, 'sensor.fan_ok')).toHaveLength(4);
    expect(valueOf(s, 'sensor.fan_rpm', { fan: 'RCS FAN1' })).toBe(7500);
    expect(valueOf(s, 'sensor.fan_rpm', { fan: 'CMB2 Cooling fan #2' })).toBe(2613);
  });
});
