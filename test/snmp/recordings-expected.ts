/**
 * What every shared recording (../shared/snmprec) must read as: its class and
 * its key metrics. Values are taken from the recordings and scaled as their
 * MIBs define; `present` lists metrics that must come out (and pass the
 * plausibility ranges) without pinning a value; `absent` lists metrics that
 * must not (sentinels, a BMC's own HOST-RESOURCES).
 */
import type { DeviceClass } from '../../collector/contract/index.js';

export interface Expected {
  class: DeviceClass;
  values?: Array<[metric: string, tags: Record<string, string>, value: number]>;
  present?: string[];
  absent?: string[];
  /** Recordings whose agent stops answering mid-walk (see SOURCES.md): only class and device.up are checked. */
  stalls?: boolean;
}

export const EXPECTED: Record<string, Expected> = {
  'environment/akcp_securityprobe': { class: 'environment' },
  'environment/akcp_sp2plus': { class: 'environment' },
  'environment/apc_environmental-manager': {
    class: 'environment',
    values: [
      ['env.temperature_c', { sensor: 'ENVMONS1' }, 20],
      ['env.humidity_pct', { sensor: 'ENVMONS3' }, 48],
    ],
  },
  'environment/huawei-smu': { class: 'environment', absent: ['cpu.usage_pct', 'device.cpu_pct'] },
  'environment/netbotz_2016': { class: 'environment' },
  'environment/rittal-cmc-iii-pu': {
    class: 'environment',
    values: [
      ['env.temperature_c', { sensor: '1:Temperature.Value' }, 20.9],
      ['env.door_open', { sensor: '1:Access.Status' }, 0],
      ['env.smoke', { sensor: '3:Smoke.Status' }, 0],
    ],
    absent: ['device.cpu_pct', 'system.procs'],
  },
  'firewall/asa': { class: 'security', values: [['fw.vpn_tunnels', {}, 2]], present: ['fw.sessions', 'device.mem_used_pct', 'sensor.temperature_c', 'if.oper_up', 'vpn.tunnel_up'] },
  // 72 phase-2 tunnels, 35 up (fgVpnTunEntStatus 2); their names are redacted in the recording.
  'firewall/fortigate_1500d-sensors': {
    class: 'security',
    values: [
      ['fw.vpn_tunnels', {}, 72],
      ['fw.vpn_tunnels_up', {}, 35],
    ],
    present: ['device.cpu_pct', 'fw.sessions', 'sensor.temperature_c', 'vpn.tunnel_up'],
  },
  'firewall/fortigate_60f': { class: 'security', present: ['device.cpu_pct', 'device.mem_used_pct', 'fw.sessions', 'if.oper_up'] },
  'firewall/junos_srx340': { class: 'security' },
  'firewall/panos_440': {
    class: 'security',
    values: [
      ['fw.sessions', {}, 241],
      ['fw.sessions_max', {}, 199998],
      ['fw.ha_state', {}, 0],
    ],
    present: ['device.cpu_pct', 'sensor.temperature_c', 'if.oper_up'],
  },
  'firewall/stoneos': { class: 'security', present: ['device.cpu_pct', 'device.mem_used_pct'] },
  'firewall/zywall_usg110': { class: 'security' },
  'ids_ips_waf/barracudawafirewall': { class: 'security', present: ['device.cpu_pct', 'mem.used_pct', 'if.oper_up'] },
  'ids_ips_waf/fortigate_ips': { class: 'security' },
  'power/apc_ats': { class: 'ups', present: ['if.oper_up'] },
  'power/liebert': { class: 'ups' },
  'power/sentry4': { class: 'ups' },
  'precision_ac/apc_airfm': { class: 'precision_ac' },
  'precision_ac/apc_inrow-dx': {
    class: 'precision_ac',
    values: [
      ['ac.return_temp_c', {}, 28],
      ['ac.supply_temp_c', {}, 19.4],
      ['ac.return_humidity_pct', {}, 30.6],
    ],
  },
  'precision_ac/liebert_weblbds': {
    class: 'precision_ac',
    values: [
      ['ac.return_temp_c', {}, 24],
      ['ac.supply_temp_c', {}, 25],
      ['ac.return_humidity_pct', {}, 34],
    ],
  },
  'precision_ac/pcoweb': { class: 'precision_ac', absent: ['cpu.usage_pct'] },
  'precision_ac/rittal-lcp': { class: 'precision_ac' },
  'precision_ac/stulz_wib8000': {
    class: 'precision_ac',
    values: [
      ['ac.return_temp_c', { unit: '1' }, 26.5],
      ['ac.return_humidity_pct', { unit: '1' }, 40.6],
    ],
  },
  'router/iosxe_asr1000': { class: 'network' },
  'router/iosxe_isr4321': { class: 'network', present: ['sensor.temperature_c', 'if.oper_up'] },
  'router/vrp_ne8000': {
    class: 'network',
    values: [
      ['bgp.peer_up', { peer: '10.45.1.1' }, 1],
      ['bgp.peers_established', {}, 18],
    ],
  },
  'san_switch/fabos': { class: 'san', present: ['device.cpu_pct', 'sensor.temperature_c', 'if.oper_up'] },
  'san_switch/fabos_1': { class: 'san' },
  'san_switch/fabos_2': { class: 'san' },
  'server/aix': {
    class: 'server',
    values: [
      ['system.procs', {}, 649],
      ['disk.used_pct', { mount: '/dev/hd4' }, 20.04],
    ],
    present: ['device.cpu_pct', 'device.mem_used_pct'],
  },
  'server/bison': { class: 'server', present: ['cpu.usage_pct', 'load.l1', 'disk.used_pct'] },
  'server/drac_c6525': { class: 'server', present: ['sensor.temperature_c'], absent: ['device.cpu_pct'] },
  // temperatureProbeReading 220 (tenths of °C), three disks online.
  'server/drac_idrac7': {
    class: 'server',
    values: [
      ['sensor.temperature_c', { sensor: 'System Board Inlet Temp' }, 22],
      ['sensor.temperature_ok', { sensor: 'CPU1 Temp' }, 1],
      ['storage.disk_failed', { slot: 'Physical Disk 0:1:0' }, 0],
    ],
    absent: ['device.cpu_pct'],
  },
  'server/hpe-ilo_4': { class: 'server', present: ['sensor.temperature_c', 'sensor.fan_ok', 'storage.disk_failed'] },
  'server/hpe-ilo_5': { class: 'server' },
  'server/ibm-imm_x3550m3': { class: 'server', absent: ['device.cpu_pct', 'cpu.usage_pct', 'mem.used_pct', 'device.mem_used_pct'] },
  'server/ibmc': { class: 'server', absent: ['device.cpu_pct', 'cpu.usage_pct', 'mem.used_pct', 'device.mem_used_pct'] },
  'server/linux_opensips': { class: 'server', present: ['cpu.usage_pct', 'mem.used_pct', 'disk.used_pct', 'load.l5'] },
  'server/msl': { class: 'server' },
  'server/oracle-ilom': { class: 'server' },
  'server/solaris_11': { class: 'server' },
  'server/supermicro-bmc_x11': { class: 'server', absent: ['device.cpu_pct', 'cpu.usage_pct', 'disk.used_pct', 'device.mem_used_pct'] },
  'server/vmware-esxi': { class: 'server', values: [['system.procs', {}, 95]], present: ['device.cpu_pct', 'device.mem_used_pct', 'disk.used_pct'] },
  'server/xclarity_lenovoxcc': { class: 'server', absent: ['device.cpu_pct', 'cpu.usage_pct', 'disk.used_pct'] },
  // fileSystemSpaceTable: /data: post-comp 4836.0 of 21247.7 GiB, 23 %; /data: pre-comp (size 0.0) is left out.
  'storage/datadomain': {
    class: 'storage',
    values: [
      ['storage.pool_used_pct', { pool: '/data: post-comp' }, 23],
      ['storage.pool_used_bytes', { pool: '/data: post-comp' }, 4836 * 2 ** 30],
      ['storage.pool_used_pct', { pool: '/ddvar' }, 9],
    ],
    present: ['disk.used_pct', 'storage.pool_capacity_bytes', 'storage.pool_free_bytes'],
  },
  'storage/dell-compellent': { class: 'storage', present: ['storage.disk_failed'], absent: ['mem.used_pct', 'swap.used_pct'] },
  'storage/dell-powervault_me4084': { class: 'storage', present: ['sensor.temperature_c', 'if.oper_up'] },
  'storage/hpe-msa': { class: 'storage' },
  'storage/informos': { class: 'storage' },
  'storage/lenovoemc': { class: 'storage' },
  'storage/netapp': { class: 'storage' },
  'storage/netapp_e2700': { class: 'storage' },
  'storage/oceanstor': { class: 'storage' },
  'storage/oceanstor_dorado3k': { class: 'storage', present: ['storage.pool_used_pct', 'storage.disk_failed', 'storage.controller_ok'] },
  'storage/qnap': { class: 'storage', values: [['disk.used_pct', { mount: '/share/CACHEDEV1_DATA' }, 70.22]], present: ['device.cpu_pct'] },
  'switch/comware_a5500': { class: 'network', present: ['device.cpu_pct', 'if.oper_up'] },
  'switch/comware_h3c': { class: 'network' },
  'switch/comware_hpe5900': { class: 'network', present: ['device.cpu_pct', 'sensor.temperature_c'] },
  'switch/ios_4506': { class: 'network', present: ['sensor.temperature_c'] },
  'switch/ios_c3560': { class: 'network', present: ['device.cpu_pct', 'if.oper_up'] },
  'switch/iosxe_c9300': { class: 'network', present: ['if.oper_up'] },
  'switch/junos_ex': {
    class: 'network',
    values: [
      ['bgp.peer_up', { peer: '192.168.1.4' }, 1],
      ['bgp.peers_established', {}, 3],
      ['sensor.temperature_c', { sensor: 'Routing Engine 0' }, 35],
    ],
  },
  'switch/nxos_n5548-7.3.3': { class: 'network' },
  'switch/nxos_n9000-9.3.9': { class: 'network' },
  'switch/raisecom': { class: 'network' },
  'switch/vrp_5720': { class: 'network', present: ['device.cpu_pct', 'bgp.peer_up', 'if.oper_up', 'device.lldp_neighbors'] },
  'switch/vrp_ce12804-withvrf': { class: 'network', present: ['if.oper_up'] },
  'switch/vrp_s5328c-ei': { class: 'network', stalls: true },
  'switch/zxr10_5928': { class: 'network', present: ['if.oper_up'] },
  'tape/ibmtl': { class: 'tape' },
  'tape/quantum_scalari6000': { class: 'tape', present: ['tape.drive_ok'] },
  'ups/apc_smtl1000-nmc3': {
    class: 'ups',
    values: [
      ['ups.battery_charge_pct', {}, 100],
      ['ups.input_voltage_v', { line: '1' }, 118],
    ],
  },
  'ups/dell-ups_rack3750w': { class: 'ups' },
  'ups/deltaups_1': { class: 'ups' },
  'ups/eaton-mgeups_93ps': {
    class: 'ups',
    values: [
      ['ups.battery_runtime_min', {}, 137],
      ['ups.input_voltage_v', { line: '3' }, 240],
      ['ups.output_load_pct', { line: '3' }, 29],
    ],
  },
  'ups/generex-ups_cs141': {
    class: 'ups',
    values: [
      ['ups.battery_runtime_min', {}, 544],
      ['ups.output_source', {}, 4],
      ['ups.on_battery', {}, 0],
    ],
  },
  'ups/hpe-rtups': { class: 'ups' },
  'ups/huaweiups': { class: 'ups' },
  // 65535 in upsEstimatedMinutesRemaining is the card's "not available": no sample.
  'ups/socomec-ups': {
    class: 'ups',
    values: [
      ['ups.battery_charge_pct', {}, 100],
      ['ups.input_voltage_v', { line: '1' }, 240],
      ['ups.output_voltage_v', { line: '1' }, 230],
    ],
    absent: ['ups.battery_runtime_min'],
  },
  'server/windows_svr_2019_1809': { class: 'server', present: ['device.cpu_pct', 'device.mem_used_pct', 'disk.used_pct', 'if.oper_up'] },
};
