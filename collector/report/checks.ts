/**
 * The daily checklist: per device class, the checks a NOC engineer runs every
 * morning, judged on the day's statistics.
 *
 * How warn and fail are chosen, so the checklist agrees with rules/*.yaml:
 * - The numbers are the rules' numbers; each check names the rules it mirrors
 *   (`rules`), which also supply its runbook and known fixes for risks.
 * - warn: the rule's alerting threshold was crossed during the day. For levels
 *   (usage, temperature, charge) that is the day's peak or current value; for
 *   busy-ness that peaks by nature (CPU, link utilisation) it is the highest
 *   hourly average, because the rules use a window average there too.
 * - fail: the rule's escalation level is crossed, or a condition the rules page
 *   at P1/P2 held for at least an hour or still holds at the end of the day, or
 *   a component has failed and redundancy is gone (disk, drive, port, RAC node).
 * - Where a rule pack has no number, the number chosen is explained next to it.
 * - Capacity checks also warn when the trend (forecast.ts) fills them within the
 *   lead time of the matching predict() rule.
 * A check whose series the device does not report yields no row: an Oracle
 * single instance has no RAC row, a switch without sensors no temperature row.
 */
import type { CheckRow } from './types.js';
import { type CheckContext, type CheckDef, interfacesCheck, row, seriesCheck, stateCheck } from './check-kinds.js';
import {
  acAlarmsCheck,
  acHumidityCheck,
  acTemperatureCheck,
  envHumidityCheck,
  envSafetyCheck,
  firewallHaCheck,
  firewallSessionsCheck,
  memoryCheck,
  oraErrorsCheck,
  reachableCheck,
  upsAlarmsCheck,
  upsBatteryCheck,
  upsOnBatteryCheck,
  upsOutputCheck,
} from './special-checks.js';

export { DOWN_MINUTES_FAIL } from './special-checks.js';
export { aggregate, seriesOf, worst, type CheckContext, type CheckDef } from './check-kinds.js';

// ---------- the catalogue per class ----------

const hostChecks: CheckDef[] = [
  seriesCheck({
    id: 'cpu',
    metric: 'cpu.usage_pct',
    unit: 'pct',
    show: ['max', 'avg'],
    // host/CPU saturated: avg 10m > 95. Fail on the day's average (saturated all day).
    warn: [{ agg: 'hourMax', op: '>', value: 95, bind: 'alert' }],
    fail: [{ agg: 'avg', op: '>', value: 95, bind: 'alert' }],
    rules: ['host/CPU saturated'],
    priority: 'P3',
  }),
  memoryCheck,
  seriesCheck({
    id: 'fs',
    metric: 'disk.used_pct',
    unit: 'pct',
    show: ['last', 'max'],
    perTag: 'mount',
    skipTag: /^\/boot/,
    warn: [{ agg: 'last', op: '>', value: 90, bind: 'alert' }],
    fail: [{ agg: 'last', op: '>', value: 97, bind: 'escalate' }],
    forecastWarnDays: 3, // host/Filesystem full within 3 days
    companions: [{ metric: 'disk.inodes_used_pct', unit: 'pct', show: [], warn: [{ agg: 'last', op: '>', value: 90, bind: 'alert' }] }],
    rules: ['host/Filesystem almost full', 'host/Filesystem full within 3 days', 'host/Inodes almost exhausted'],
    priority: 'P2',
  }),
  interfacesCheck({
    id: 'if',
    tag: 'iface',
    errors: ['net.rx_errors_ps', 'net.tx_errors_ps'],
    errorsPs: 1,
    rules: ['host/Network interface errors'],
    priority: 'P3',
  }),
];

function deviceCpuMem(cpuPct: number, memPct: number, group: string): CheckDef[] {
  const names = group === 'security' ? ['Firewall CPU high', 'Firewall memory high'] : ['Network device CPU high', 'Network device memory high'];
  return [
    seriesCheck({
      id: 'cpu',
      metric: 'device.cpu_pct',
      unit: 'pct',
      show: ['max', 'avg'],
      warn: [{ agg: 'hourMax', op: '>', value: cpuPct, bind: 'alert' }],
      fail: [{ agg: 'avg', op: '>', value: cpuPct, bind: 'alert' }],
      rules: [`${group}/${names[0]}`],
      priority: group === 'security' ? 'P2' : 'P3',
    }),
    seriesCheck({
      id: 'mem',
      metric: 'device.mem_used_pct',
      unit: 'pct',
      show: ['max', 'avg'],
      warn: [{ agg: 'max', op: '>', value: memPct, bind: 'alert' }],
      fail: [{ agg: 'avg', op: '>', value: memPct, bind: 'alert' }],
      rules: [`${group}/${names[1]}`],
      priority: 'P3',
    }),
  ];
}

const networkInterfaces = interfacesCheck({
  id: 'if',
  tag: 'ifname',
  util: 'if.util_pct',
  errors: ['if.in_errors_ps', 'if.out_errors_ps'],
  errorsPs: 1,
  down: { oper: 'if.oper_up', admin: 'if.admin_up', status: 'warn' }, // network/Interface down is P3
  rules: ['network/Interface saturated', 'network/Interface errors rising', 'network/Interface down'],
  priority: 'P3',
});

const sensorTemperature = seriesCheck({
  id: 'temp',
  metric: 'sensor.temperature_c',
  unit: 'c',
  show: ['max'],
  perTag: 'sensor',
  worstOnly: true,
  warn: [{ agg: 'max', op: '>', value: 70, bind: 'alert' }],
  fail: [{ agg: 'hourMax', op: '>', value: 70, bind: 'alert' }], // network/Device temperature high (P2)
  rules: ['network/Device temperature high'],
  priority: 'P2',
});

const fcPorts = interfacesCheck({
  id: 'fc',
  tag: 'port',
  errors: ['fc.crc_errors_ps'],
  errorsPs: 0.1, // storage/FC CRC errors
  down: { oper: 'fc.port_up', status: 'fail' }, // a path lost: redundancy gone
  rules: ['storage/FC port down', 'storage/FC CRC errors'],
  priority: 'P3',
});

const oracleChecks: CheckDef[] = [
  stateCheck({ id: 'ora.up', metric: 'oracle.up', tag: 'instance', bad: 0, rules: ['oracle/Oracle instance down'], priority: 'P1' }),
  seriesCheck({
    // Per PDB on a CDB: two PDBs' USERS tablespaces are two rows (ts:PDB1/USERS, ts:PDB2/USERS).
    id: 'ts',
    metric: 'oracle.tablespace_used_pct',
    unit: 'pct',
    show: ['last'],
    perTag: ['pdb', 'tablespace'],
    warn: [{ agg: 'last', op: '>', value: 90, bind: 'alert' }],
    fail: [{ agg: 'last', op: '>', value: 97, bind: 'escalate' }],
    forecastWarnDays: 3, // no predict rule; adding a datafile is an online change like extending an LV, so the filesystems' 3 days
    rules: ['oracle/Tablespace almost full'],
    priority: 'P2',
  }),
  seriesCheck({
    id: 'asm',
    metric: 'oracle.asm_used_pct',
    unit: 'pct',
    show: ['last'],
    perTag: 'diskgroup',
    warn: [{ agg: 'last', op: '>', value: 85, bind: 'alert' }],
    fail: [{ agg: 'last', op: '>', value: 95, bind: 'escalate' }],
    forecastWarnDays: 7, // no predict rule; new ASM disks need storage provisioned, the pools' 7 days
    rules: ['oracle/ASM disk group almost full'],
    priority: 'P2',
  }),
  seriesCheck({
    id: 'fra',
    metric: 'oracle.fra_used_pct',
    unit: 'pct',
    show: ['last', 'max'],
    // oracle/FRA almost full: 85. Fail at 95 (no rule number): one busy hour of redo from ORA-00257.
    warn: [{ agg: 'last', op: '>', value: 85, bind: 'alert' }],
    fail: [{ agg: 'last', op: '>', value: 95 }],
    forecastWarnDays: 3,
    rules: ['oracle/FRA almost full'],
    priority: 'P2',
  }),
  oraErrorsCheck,
  seriesCheck({
    id: 'ora.backup',
    metric: 'oracle.backup_age_h',
    unit: 'h',
    show: ['last'],
    warn: [{ agg: 'last', op: '>', value: 26, bind: 'alert' }],
    fail: [{ agg: 'last', op: '>', value: 50, bind: 'escalate' }], // oracle/Backup too old and its P2 escalation
    rules: ['oracle/Backup too old'],
    priority: 'P2',
  }),
  seriesCheck({
    id: 'ora.rac',
    metric: 'oracle.rac_instances_up',
    unit: 'count',
    show: ['last', 'min'],
    // oracle/RAC instance missing: < 2. Still missing at the end of the day: no redundancy; missing earlier: warn.
    warn: [{ agg: 'min', op: '<', value: 2, bind: 'alert' }],
    fail: [{ agg: 'last', op: '<', value: 2, bind: 'alert' }],
    rules: ['oracle/RAC instance missing'],
    priority: 'P2',
  }),
  seriesCheck({
    id: 'ora.dg',
    metric: 'oracle.dg_apply_lag_s',
    unit: 's',
    show: ['last', 'max'],
    // oracle/Data Guard apply lag: 30 min. Peak above: warn; still behind at the end of the day: the RPO is missed now.
    warn: [{ agg: 'max', op: '>', value: 1800, bind: 'alert' }],
    fail: [{ agg: 'last', op: '>', value: 1800, bind: 'alert' }],
    rules: ['oracle/Data Guard apply lag'],
    priority: 'P2',
  }),
];

const upsChecks: CheckDef[] = [
  upsBatteryCheck,
  seriesCheck({
    id: 'ups.charge',
    metric: 'ups.battery_charge_pct',
    unit: 'pct',
    show: ['last', 'min'],
    // ups/UPS battery charge low: < 80 on mains. Judged on the last value: the charge dips during any discharge.
    // Fail below 50 (no rule number): half the rated runtime is gone.
    warn: [{ agg: 'last', op: '<', value: 80, bind: 'alert' }],
    fail: [{ agg: 'last', op: '<', value: 50 }],
    rules: ['ups/UPS battery charge low'],
    priority: 'P3',
  }),
  seriesCheck({
    id: 'ups.runtime',
    metric: 'ups.battery_runtime_min',
    unit: 'min',
    show: ['last', 'min'],
    // ups/UPS runtime low: < 10 (P1). Warn below 15 (no rule number): 5 minutes' margin over an orderly shutdown.
    warn: [{ agg: 'last', op: '<', value: 15 }],
    fail: [{ agg: 'last', op: '<', value: 10, bind: 'alert' }],
    rules: ['ups/UPS runtime low'],
    priority: 'P1',
  }),
  seriesCheck({
    id: 'ups.load',
    metric: 'ups.output_load_pct',
    unit: 'pct',
    show: ['max', 'avg'],
    perTag: 'line',
    worstOnly: true,
    // ups/UPS load high: > 80. Fail above 95 (no rule number): the inverter goes to bypass on overload at 100–105 %.
    warn: [{ agg: 'max', op: '>', value: 80, bind: 'alert' }],
    fail: [{ agg: 'max', op: '>', value: 95 }],
    rules: ['ups/UPS load high'],
    priority: 'P3',
  }),
  stateCheck({ id: 'ups.selftest', metric: 'ups.self_test_ok', bad: 0, rules: ['ups/UPS self-test failed'], priority: 'P2' }),
  upsOnBatteryCheck,
  upsOutputCheck,
  upsAlarmsCheck,
];

const CHECKS: Record<string, CheckDef[]> = {
  server: [reachableCheck(['host/Host unreachable', 'agent/Agent silent'], 'P2'), ...hostChecks],
  minicomputer: [reachableCheck(['host/Host unreachable', 'agent/Agent silent'], 'P2'), ...hostChecks],
  database: [reachableCheck(['agent/Agent silent'], 'P1'), ...hostChecks, ...oracleChecks],
  network: [reachableCheck(['network/Network device unreachable'], 'P2'), ...deviceCpuMem(85, 90, 'network'), sensorTemperature, networkInterfaces],
  security: [reachableCheck(['security/Security device unreachable'], 'P1'), ...deviceCpuMem(80, 85, 'security'), sensorTemperature, networkInterfaces, firewallSessionsCheck, firewallHaCheck],
  storage: [
    reachableCheck(['storage/Storage device unreachable'], 'P2'),
    seriesCheck({
      id: 'pool',
      metric: 'storage.pool_used_pct',
      unit: 'pct',
      show: ['last'],
      perTag: 'pool',
      warn: [{ agg: 'last', op: '>', value: 85, bind: 'alert' }],
      fail: [{ agg: 'last', op: '>', value: 95, bind: 'escalate' }], // storage/Storage pool almost full + escalation
      forecastWarnDays: 7, // storage/Storage pool full within 7 days
      rules: ['storage/Storage pool almost full', 'storage/Storage pool full within 7 days'],
      priority: 'P2',
    }),
    stateCheck({ id: 'storage.disks', metric: 'storage.disk_failed', tag: 'slot', bad: 1, rules: ['storage/Disk failed'], priority: 'P2' }),
    stateCheck({ id: 'storage.ctrl', metric: 'storage.controller_ok', tag: 'ctrl', bad: 0, rules: ['storage/Controller not OK'], priority: 'P1' }),
    fcPorts,
  ],
  san: [reachableCheck(['storage/Storage device unreachable'], 'P2'), fcPorts],
  tape: [
    reachableCheck(['storage/Storage device unreachable'], 'P2'),
    // storage/Tape drive not OK is P3, but a failed drive is a failed component: fail.
    stateCheck({ id: 'tape.drives', metric: 'tape.drive_ok', tag: 'drive', bad: 0, rules: ['storage/Tape drive not OK'], priority: 'P3' }),
    fcPorts,
  ],
  ups: [reachableCheck(['ups/UPS unreachable'], 'P3'), ...upsChecks],
  precision_ac: [reachableCheck(['precision-ac/Precision AC unreachable'], 'P3'), acTemperatureCheck, acHumidityCheck, acAlarmsCheck],
  environment: [
    reachableCheck(['agent/Agent silent'], 'P3'),
    seriesCheck({
      id: 'env.temp',
      metric: 'env.temperature_c',
      unit: 'c',
      show: ['max', 'avg'],
      perTag: 'sensor',
      // environment/Room too hot: 27 (P2), escalating at 32 (P1).
      warn: [{ agg: 'max', op: '>', value: 27, bind: 'alert' }],
      fail: [
        { agg: 'hourMax', op: '>', value: 27, bind: 'alert' },
        { agg: 'max', op: '>', value: 32, bind: 'escalate' },
      ],
      rules: ['environment/Room too hot'],
      priority: 'P2',
    }),
    envHumidityCheck,
    envSafetyCheck,
  ],
};

/** Classes in report order: the services first, then what they stand on. */
export const CLASS_ORDER = ['database', 'server', 'minicomputer', 'storage', 'san', 'tape', 'network', 'security', 'ups', 'precision_ac', 'environment'];

const FALLBACK: CheckDef[] = [reachableCheck(['agent/Agent silent'], 'P3')];

export function checksFor(cls: string): CheckDef[] {
  return CHECKS[cls] ?? FALLBACK;
}

/** The kind of a row's check id: `fs:/u01` → `fs`. */
export function checkKind(check: string): string {
  const i = check.indexOf(':');
  return i < 0 ? check : check.slice(0, i);
}

export function checkDefFor(cls: string, check: string): CheckDef | undefined {
  const kind = checkKind(check);
  return checksFor(cls).find((c) => c.id === kind);
}

export function runChecks(ctx: CheckContext): CheckRow[] {
  return checksFor(ctx.device.class).flatMap((c) => c.run(ctx));
}
