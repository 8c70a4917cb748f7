/**
 * A synthetic but realistic machine room as a ReportInput: about 50 devices of
 * every class with a day of statistics, a week of history, alerts, incidents,
 * known fixes and runbooks — and a fixed set of KNOWN anomalies
 * (EXPECTED_FINDINGS), so tests can assert that exactly those checks warn or
 * fail. Everything else stays well inside every threshold whatever the seed.
 *
 * buildRoomInput({ devices: 1000, seed: 7 }) scales the room for benchmarks:
 * the 50 base devices (anomalies first) are followed by normal devices of
 * every class; with fewer devices the base list is cut (anomalies kept first).
 */
import { mulberry32 } from '../../bench/room.js';
import { zonedMidnight } from '../../collector/report/gather.js';
import type { AlertInput, DeviceInput, IncidentInput, KnownFix, Priority, ReportInput, SeriesStats, Status } from '../../collector/report/types.js';

export interface RoomOptions {
  /** Number of devices; default 50. */
  devices?: number;
  /** Seed of the noise; statuses do not depend on it. Default 1. */
  seed?: number;
  /** The report's day, default 2026-11-23. */
  date?: string;
  timeZone?: string;
  site?: string;
  /** false: every device healthy, no alerts or incidents. Default true. */
  anomalies?: boolean;
}

/** The rows the fixture's anomalies must produce; every other row passes. */
export const EXPECTED_FINDINGS: Array<{ device: string; check: string; status: Status }> = [
  { device: 'db02', check: 'ora.backup', status: 'warn' },
  { device: 'db03', check: 'fs:/u01', status: 'warn' },
  { device: 'ora-rac1', check: 'ora.rac', status: 'fail' },
  { device: 'web02', check: 'cpu', status: 'fail' },
  { device: 'app04', check: 'reachable', status: 'fail' },
  { device: 'array-1', check: 'storage.disks', status: 'fail' },
  { device: 'san-sw2', check: 'fc', status: 'fail' },
  { device: 'tape-1', check: 'tape.drives', status: 'fail' },
  { device: 'sw-core1', check: 'if', status: 'warn' },
  { device: 'fw-1', check: 'fw.sessions', status: 'warn' },
  { device: 'ups-b', check: 'ups.charge', status: 'warn' },
  { device: 'ups-b', check: 'ups.onbattery', status: 'fail' },
  { device: 'crac-2', check: 'ac.temp', status: 'fail' },
  { device: 'env-2', check: 'env.humidity:row-b', status: 'warn' },
];

/** Completeness verdicts that are not `complete`. */
export const EXPECTED_INCOMPLETE: Record<string, 'gaps' | 'down'> = { app04: 'down', app05: 'gaps' };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PER_DAY = 1440; // one sample a minute

// ---------- time ----------

// zonedMidnight is the collector's own (collector/report/gather.ts); re-exported for the tests.
export { zonedMidnight };

// ---------- noise ----------

// mulberry32 (bench/room.ts): deterministic noise.

// ---------- series ----------

interface Shape {
  base: number;
  /** Amplitude of a daily cycle peaking at 15:00 local. */
  daily?: number;
  /** ± uniform noise on each hourly average. */
  noise?: number;
  /** Linear growth per day (also sets the week's average). */
  growth?: number;
  /** How far the day's peak sample is above the highest hourly average (bursts). */
  spike?: number;
  /** Explicit hourly averages (null: no sample that hour). */
  hours?: Array<number | null>;
  max?: number;
  min?: number;
  last?: number;
  /** The previous week's average; null: no history. Default: the trend line's value 3.5 days back. */
  week?: number | null;
  lo?: number;
  hi?: number;
}

interface Ctx {
  rng: () => number;
  from: number;
  to: number;
}

const r1 = (x: number) => Math.round(x * 1000) / 1000;

function mk(ctx: Ctx, metric: string, tags: Record<string, string>, shape: Shape, nullHours: number[] = []): SeriesStats {
  const hoursN = Math.round((ctx.to - ctx.from) / HOUR);
  const clamp = (v: number) => Math.min(shape.hi ?? Infinity, Math.max(shape.lo ?? -Infinity, v));
  const hourly: Array<number | null> = shape.hours
    ? [...shape.hours]
    : Array.from({ length: hoursN }, (_, h) => {
        const cycle = shape.daily ? shape.daily * Math.sin(((h + 0.5 - 9) / 24) * 2 * Math.PI) : 0;
        const noise = shape.noise ? (ctx.rng() * 2 - 1) * shape.noise : 0;
        const growth = shape.growth ? (shape.growth * (h + 0.5)) / 24 : 0;
        return r1(clamp(shape.base + cycle + noise + growth));
      });
  for (const h of nullHours) hourly[h] = null;
  const vals = hourly.filter((v): v is number => v !== null);
  const avg = vals.reduce((a, b) => a + b, 0) / Math.max(1, vals.length);
  const lastHour = [...hourly].reverse().find((v) => v !== null) ?? shape.base;
  const day = {
    min: shape.min ?? r1(clamp(Math.min(...vals) - (shape.spike ?? 0) / 2)),
    max: shape.max ?? r1(clamp(Math.max(...vals) + (shape.spike ?? 0))),
    avg: r1(avg),
    last: shape.last ?? r1(clamp(lastHour + (shape.growth ?? 0) / 48)),
    count: Math.round((vals.length / hoursN) * PER_DAY),
    firstTs: ctx.from + 30_000,
    lastTs: ctx.to - 30_000,
  };
  const s: SeriesStats = { metric, tags, day, hourly };
  const weekAvg = shape.week === undefined ? shape.base - (shape.growth ?? 0) * 3.5 : shape.week;
  if (weekAvg !== null) {
    s.week = { min: r1(Math.min(weekAvg, day.min)), max: r1(Math.max(weekAvg, day.max)), avg: r1(weekAvg), last: r1(weekAvg), count: PER_DAY * 7, firstTs: ctx.from - 7 * DAY, lastTs: ctx.from };
  }
  return s;
}

const flat = (v: number): Shape => ({ base: v });
const between = (ctx: Ctx, lo: number, hi: number) => lo + ctx.rng() * (hi - lo);

// ---------- devices ----------

interface Spec {
  name: string;
  class: string;
  vendor?: string;
  model?: string;
  build(ctx: Ctx, anomalous: boolean): SeriesStats[];
  downHours?: number[];
  gapHours?: number[];
  limits?: Record<string, number>;
}

function hostSeries(ctx: Ctx, o: { mounts?: string[]; cpu?: Shape; u01?: Shape; nullHours?: number[]; upHours?: Array<number | null> } = {}): SeriesStats[] {
  const nh = o.nullHours ?? [];
  const out: SeriesStats[] = [];
  out.push(mk(ctx, 'device.up', {}, o.upHours ? { base: 1, hours: o.upHours, min: 0, last: 1 } : flat(1)));
  out.push(mk(ctx, 'cpu.usage_pct', {}, o.cpu ?? { base: between(ctx, 15, 40), daily: 10, noise: 3, spike: 20, lo: 0, hi: 100 }, nh));
  out.push(mk(ctx, 'cpu.iowait_pct', {}, { base: between(ctx, 0.5, 3), noise: 0.5, lo: 0 }, nh));
  out.push(mk(ctx, 'mem.used_pct', {}, { base: between(ctx, 55, 75), noise: 1, spike: 3 }, nh));
  out.push(mk(ctx, 'swap.used_pct', {}, { base: between(ctx, 1, 10), noise: 0.5, lo: 0 }, nh));
  for (const mount of o.mounts ?? ['/', '/boot', '/var']) {
    const shape = mount === '/u01' && o.u01 ? o.u01 : { base: between(ctx, 25, 65), noise: 0.1, growth: 0.05 };
    out.push(mk(ctx, 'disk.used_pct', { mount }, shape, nh));
    out.push(mk(ctx, 'disk.inodes_used_pct', { mount }, { base: between(ctx, 1, 8) }, nh));
  }
  for (const iface of ['eth0', 'eth1']) {
    out.push(mk(ctx, 'net.rx_errors_ps', { iface }, flat(0), nh));
    out.push(mk(ctx, 'net.tx_errors_ps', { iface }, flat(0), nh));
  }
  return out;
}

function oracleSeries(ctx: Ctx, o: { rac?: number; backup?: Shape; dg?: boolean } = {}): SeriesStats[] {
  const out: SeriesStats[] = [];
  const instances = o.rac === undefined ? ['ORCL'] : ['ORCL1', 'ORCL2'];
  for (const instance of instances) out.push(mk(ctx, 'oracle.up', { instance }, flat(1)));
  for (const [tablespace, base] of [
    ['SYSTEM', 72],
    ['SYSAUX', 66],
    ['USERS', 55],
    ['UNDOTBS1', 38],
    ['APP_DATA', 61],
  ] as const) {
    out.push(mk(ctx, 'oracle.tablespace_used_pct', { tablespace }, { base: base + between(ctx, -3, 3), noise: 0.1, growth: 0.02 }));
  }
  out.push(mk(ctx, 'oracle.fra_used_pct', {}, { base: between(ctx, 25, 45), daily: 5, noise: 1, week: undefined }));
  out.push(mk(ctx, 'oracle.alert_errors', { code: 'ORA-00060' }, flat(0)));
  // Nightly RMAN backup at 01:00: the age climbs from 0 after it.
  out.push(mk(ctx, 'oracle.backup_age_h', {}, o.backup ?? { base: 12, hours: Array.from({ length: 24 }, (_, h) => (h < 1 ? 23 + h + 0.5 : h - 0.5)), max: 24, min: 0, last: 23, week: 12 }));
  if (o.rac !== undefined) {
    out.push(mk(ctx, 'oracle.rac_instances_up', {}, { base: o.rac, min: o.rac, max: o.rac, last: o.rac }));
    for (const diskgroup of ['DATA', 'FRA', 'OCR']) out.push(mk(ctx, 'oracle.asm_used_pct', { diskgroup }, { base: between(ctx, 35, 70), noise: 0.1 }));
  }
  if (o.dg) out.push(mk(ctx, 'oracle.dg_apply_lag_s', {}, { base: 20, noise: 10, spike: 60, lo: 0 }));
  return out;
}

function switchSeries(ctx: Ctx, ports: string[], o: { hot?: string; shut?: string; cpuPct?: number } = {}): SeriesStats[] {
  const out: SeriesStats[] = [mk(ctx, 'device.up', {}, flat(1)), mk(ctx, 'device.rtt_ms', {}, { base: 2, noise: 1, lo: 0.3 })];
  out.push(mk(ctx, 'device.cpu_pct', {}, { base: o.cpuPct ?? between(ctx, 10, 30), daily: 5, noise: 3, spike: 15, lo: 0 }));
  out.push(mk(ctx, 'device.mem_used_pct', {}, { base: between(ctx, 35, 60), noise: 0.5 }));
  for (const sensor of ['chassis', 'cpu']) out.push(mk(ctx, 'sensor.temperature_c', { sensor }, { base: between(ctx, 35, 50), noise: 1, spike: 2 }));
  for (const ifname of ports) {
    const shut = ifname === o.shut;
    const util =
      ifname === o.hot
        ? { base: 55, daily: 20, noise: 3, max: 95.2, lo: 0, hi: 100 } // hourly averages stay ≤ 80: bursts only
        : { base: shut ? 0 : between(ctx, 3, 45), daily: shut ? 0 : 8, noise: shut ? 0 : 3, spike: shut ? 0 : 12, lo: 0 };
    out.push(mk(ctx, 'if.util_pct', { ifname }, util));
    out.push(mk(ctx, 'if.in_errors_ps', { ifname }, flat(0)));
    out.push(mk(ctx, 'if.out_errors_ps', { ifname }, flat(0)));
    out.push(mk(ctx, 'if.oper_up', { ifname }, flat(shut ? 0 : 1)));
    out.push(mk(ctx, 'if.admin_up', { ifname }, flat(shut ? 0 : 1)));
  }
  return out;
}

const range = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));
const hoursWhere = (f: (h: number) => number | null) => Array.from({ length: 24 }, (_, h) => f(h));

function baseSpecs(): Spec[] {
  const server = (name: string, cls = 'server'): Spec => ({
    name,
    class: cls,
    vendor: cls === 'minicomputer' ? 'IBM' : 'Dell',
    model: cls === 'minicomputer' ? 'Power S922' : 'PowerEdge R750',
    build: (ctx) => hostSeries(ctx),
  });
  const db = (name: string, o: Parameters<typeof oracleSeries>[1] = {}, host: Parameters<typeof hostSeries>[1] = {}): Spec => ({
    name,
    class: 'database',
    vendor: 'Oracle',
    model: '19c',
    build: (ctx, bad) => [
      ...hostSeries(ctx, { mounts: ['/', '/boot', '/u01', '/u02'], ...(bad ? host : {}) }),
      ...oracleSeries(ctx, bad ? o : { ...o, backup: undefined, rac: o.rac === undefined ? undefined : 2 }),
    ],
  });
  const sw = (name: string, ports: string[], o: Parameters<typeof switchSeries>[2] = {}): Spec => ({
    name,
    class: 'network',
    vendor: 'Huawei',
    model: 'CE6881',
    build: (ctx, bad) => switchSeries(ctx, ports, bad ? o : { shut: o.shut }),
  });
  const fw = (name: string, peak: number): Spec => ({
    name,
    class: 'security',
    vendor: 'Fortinet',
    model: 'FortiGate 1800F',
    limits: { 'fw.sessions': 2_000_000 },
    build: (ctx, bad) => [
      ...switchSeries(ctx, ['port1', 'port2', 'port3', 'port4'], { cpuPct: between(ctx, 15, 35) }),
      mk(ctx, 'fw.sessions', {}, bad ? { base: 1_400_000, daily: 250_000, noise: 20_000, max: 1_762_000 } : { base: 450_000, daily: 120_000, noise: 15_000, spike: 40_000 }),
      mk(ctx, 'fw.session_rate_ps', {}, { base: 3_000, daily: 1_000, noise: 200, spike: 2_000 }),
      mk(ctx, 'fw.ha_state', {}, flat(peak)),
    ],
  });
  const ups = (name: string): Spec => ({
    name,
    class: 'ups',
    vendor: 'Vertiv',
    model: 'Liebert EXL S1',
    build: (ctx, bad) => [
      mk(ctx, 'device.up', {}, flat(1)),
      // ups-b: 4 minutes on battery at 03:10 (a generator transfer that stalled), recharging since.
      mk(ctx, 'ups.on_battery', {}, bad ? { base: 0, hours: hoursWhere((h) => (h === 3 ? 4 / 60 : 0)), max: 1, min: 0, last: 0, week: 0 } : flat(0)),
      mk(ctx, 'ups.battery_status', {}, flat(2)),
      mk(
        ctx,
        'ups.battery_charge_pct',
        {},
        bad ? { base: 70, hours: hoursWhere((h) => (h < 3 ? 100 : h === 3 ? 80 : Math.min(72, 60 + h * 0.6))), min: 58, last: 72, max: 100, week: 100 } : flat(100),
      ),
      mk(ctx, 'ups.battery_runtime_min', {}, bad ? { base: 28, min: 24, last: 26, week: 38 } : { base: 38, noise: 1 }),
      mk(ctx, 'ups.battery_temperature_c', {}, { base: 24, noise: 0.5 }),
      ...['1', '2', '3'].map((line) => mk(ctx, 'ups.output_load_pct', { line }, { base: between(ctx, 35, 55), daily: 4, noise: 1, spike: 3 })),
      mk(ctx, 'ups.self_test_ok', {}, flat(1)),
      mk(ctx, 'ups.alarms', {}, flat(0)),
    ],
  });
  const crac = (name: string): Spec => ({
    name,
    class: 'precision_ac',
    vendor: 'Vertiv',
    model: 'Liebert PEX4',
    build: (ctx, bad) => [
      mk(ctx, 'device.up', {}, flat(1)),
      mk(ctx, 'ac.return_temp_c', {}, bad ? { base: 29, noise: 0.3, spike: 0.4, week: 24.5 } : { base: 24, daily: 0.6, noise: 0.3, spike: 0.4 }),
      mk(ctx, 'ac.supply_temp_c', {}, bad ? { base: 19.5, noise: 0.3 } : { base: 17, noise: 0.4, spike: 0.5 }),
      mk(ctx, 'ac.return_humidity_pct', {}, { base: 50, noise: 1.5, spike: 1 }),
      mk(ctx, 'ac.temp_setpoint_c', {}, flat(24)),
      mk(ctx, 'ac.humidity_setpoint_pct', {}, flat(50)),
      mk(ctx, 'ac.running', {}, flat(1)),
      mk(ctx, 'ac.cooling_pct', {}, { base: bad ? 100 : 55, noise: bad ? 0 : 5, hi: 100 }),
      mk(ctx, 'ac.fan_pct', {}, { base: bad ? 100 : 70, noise: bad ? 0 : 3, hi: 100 }),
      mk(ctx, 'ac.alarms', {}, flat(0)),
    ],
  });
  const env = (name: string): Spec => ({
    name,
    class: 'environment',
    vendor: 'Vertiv',
    model: 'Geist Watchdog 100',
    build: (ctx, bad) => [
      mk(ctx, 'device.up', {}, flat(1)),
      ...['row-a', 'row-b'].map((sensor) => mk(ctx, 'env.temperature_c', { sensor }, { base: between(ctx, 22, 24), daily: 0.5, noise: 0.3, spike: 0.3 })),
      ...['row-a', 'row-b'].map((sensor) =>
        mk(ctx, 'env.humidity_pct', { sensor }, bad && sensor === 'row-b' ? { base: 74, daily: 0.5, noise: 0.4, spike: 0.5, week: 58 } : { base: between(ctx, 42, 55), noise: 1.5, spike: 1 }),
      ),
      mk(ctx, 'env.water_leak', {}, flat(0)),
      mk(ctx, 'env.smoke', {}, flat(0)),
      // env-1's door stood open three minutes (a walk-through): below the 10-minute rule.
      mk(ctx, 'env.door_open', {}, name === 'env-1' ? { base: 0, hours: hoursWhere((h) => (h === 9 ? 0.05 : 0)), max: 1, min: 0, last: 0, week: 0 } : flat(0)),
    ],
  });
  const array = (name: string): Spec => ({
    name,
    class: 'storage',
    vendor: 'Huawei',
    model: 'OceanStor 5310',
    build: (ctx, bad) => [
      mk(ctx, 'device.up', {}, flat(1)),
      ...['pool0', 'pool1'].map((pool) => mk(ctx, 'storage.pool_used_pct', { pool }, { base: between(ctx, 50, 75), noise: 0.1, growth: 0.1 })),
      ...range(24, (i) => `0:${i}`).map((slot) =>
        mk(ctx, 'storage.disk_failed', { slot }, bad && slot === '0:12' ? { base: 1, hours: hoursWhere((h) => (h < 9 ? 0 : h === 9 ? 0.8 : 1)), min: 0, max: 1, last: 1, week: 0 } : flat(0)),
      ),
      ...['A', 'B'].map((ctrl) => mk(ctx, 'storage.controller_ok', { ctrl }, flat(1))),
      ...range(4, (i) => `fc${i}`).map((port) => mk(ctx, 'fc.port_up', { port }, flat(1))),
      ...range(4, (i) => `fc${i}`).map((port) => mk(ctx, 'fc.crc_errors_ps', { port }, flat(0))),
    ],
  });
  const sanSwitch = (name: string): Spec => ({
    name,
    class: 'san',
    vendor: 'Brocade',
    model: 'G620',
    build: (ctx, bad) => [
      mk(ctx, 'device.up', {}, flat(1)),
      // san-sw2 port 7 (a host HBA) went down at 14:03.
      ...range(16, String).map((port) =>
        mk(ctx, 'fc.port_up', { port }, bad && port === '7' ? { base: 1, hours: hoursWhere((h) => (h < 14 ? 1 : h === 14 ? 0.05 : 0)), min: 0, max: 1, last: 0, week: 1 } : flat(1)),
      ),
      ...range(16, String).map((port) => mk(ctx, 'fc.crc_errors_ps', { port }, flat(0))),
    ],
  });
  const tape = (name: string): Spec => ({
    name,
    class: 'tape',
    vendor: 'IBM',
    model: 'TS4300',
    build: (ctx, bad) => [
      mk(ctx, 'device.up', {}, flat(1)),
      ...['1', '2', '3', '4'].map((drive) => mk(ctx, 'tape.drive_ok', { drive }, bad && drive === '3' ? { base: 0, min: 0, max: 0, last: 0, week: 0.4 } : flat(1))),
    ],
  });

  const access = range(6, (i) => `GE1/0/${i + 1}`);
  const core = range(8, (i) => `10GE1/0/${i + 1}`);
  return [
    // Anomalies first (kept when the room is cut down).
    db('db02', { backup: { base: 18, hours: hoursWhere((h) => 6.5 + h), max: 30, min: 6, last: 30, week: 12 } }),
    db('db03', {}, { u01: { base: 90.5, growth: 1, week: 87 } }),
    db('ora-rac1', { rac: 1 }),
    { ...server('web02'), build: (ctx, bad) => hostSeries(ctx, bad ? { cpu: { base: 97, noise: 1, spike: 2.5, hi: 100 } } : {}) },
    { ...server('app04'), downHours: [10, 11], build: (ctx, bad) => hostSeries(ctx, bad ? { nullHours: [10, 11], upHours: hoursWhere((h) => (h === 10 || h === 11 ? 0 : 1)) } : {}) },
    { ...server('app05'), gapHours: [5], build: (ctx, bad) => hostSeries(ctx, bad ? { nullHours: [5] } : {}) },
    array('array-1'),
    sanSwitch('san-sw2'),
    tape('tape-1'),
    sw('sw-core1', core, { hot: '10GE1/0/1' }),
    fw('fw-1', 1),
    ups('ups-b'),
    crac('crac-2'),
    env('env-2'),
    // Healthy devices.
    db('db01', { dg: true }),
    db('ora-rac2', { rac: 2 }),
    ...['web01', 'web03', 'web04', 'web05', 'web06', 'app01', 'app02', 'app03', 'app06', 'batch01', 'batch02', 'mon01', 'bastion01', 'ftp01'].map((n) => server(n)),
    server('aix01', 'minicomputer'),
    server('aix02', 'minicomputer'),
    array('array-2'),
    sanSwitch('san-sw1'),
    tape('tape-2'),
    sw('sw-core2', core),
    ...range(5, (i) => `sw-acc${i + 1}`).map((n) => sw(n, access, { shut: n === 'sw-acc1' ? 'GE1/0/6' : undefined })),
    sw('rt-1', ['GE0/0/0', 'GE0/0/1']),
    fw('fw-2', 2),
    { name: 'ips-1', class: 'security', vendor: 'Fortinet', model: 'FortiGate IPS', build: (ctx) => switchSeries(ctx, ['port1', 'port2'], { cpuPct: between(ctx, 10, 30) }) },
    ups('ups-a'),
    crac('crac-1'),
    crac('crac-3'),
    crac('crac-4'),
    env('env-1'),
    env('env-3'),
  ];
}

const ANOMALOUS = new Set(EXPECTED_FINDINGS.map((f) => f.device).concat(Object.keys(EXPECTED_INCOMPLETE)));

function extraSpec(i: number, base: Spec[]): Spec {
  // Normal copies of the base room's classes, cycled, with their own names.
  const healthy = base.filter((s) => !ANOMALOUS.has(s.name));
  const template = healthy[i % healthy.length]!;
  return { ...template, name: `${template.name}-x${String(i + 1).padStart(4, '0')}`, downHours: undefined, gapHours: undefined };
}

// ---------- alerts, incidents, knowledge base ----------

/** Runbooks of the rules the fixture's alerts and checks use (copied from rules/*.yaml). */
export const FIXTURE_RUNBOOKS: Record<string, string> = {
  'host/Host unreachable': 'Check power and the access switch port; console in through the iLO/IPMI.',
  'host/CPU saturated': 'Find the top consumers (top, ps -eo pcpu); check for runaway batch jobs.',
  'host/Filesystem almost full': 'Find large files (du -xsh /mount/*); rotate or archive logs; extend the LV.',
  'host/Filesystem full within 3 days': 'Plan capacity now: extend the volume or move data before the weekend.',
  'oracle/Backup too old': "Check the backup job's log and the tape library.",
  'oracle/RAC instance missing': "The cluster runs without redundancy: check the down node's CRS and interconnect.",
  'ups/UPS on battery': 'Check the mains feed and generator; prepare orderly shutdown below 10 min.',
  'precision-ac/Return air too hot': "Check the unit's alarms and the other units' load; open cold-aisle blanking.",
  'storage/Disk failed': 'Open a vendor case; confirm the rebuild started onto a spare.',
  'storage/FC port down': "Check the host's HBA and multipath state; replace the SFP if it flaps.",
  'storage/Tape drive not OK': 'Run a cleaning cartridge; open a vendor case if the drive stays offline.',
  'network/Interface saturated': 'Find the top talkers; consider a port channel or moving traffic.',
  'agent/Probe failing': "Read the agent log for the probe's error; check credentials and reachability.",
};

function alertsAndIncidents(from: number): { alerts: AlertInput[]; incidents: IncidentInput[]; knownFixes: KnownFix[] } {
  const at = (h: number, m = 0) => from + h * HOUR + m * 60_000;
  let n = 0;
  const alert = (ruleId: string, device: string, priority: Priority, firedAt: number, resolvedAt: number | null, summary: string, withRunbook = true): AlertInput => {
    n++;
    const a: AlertInput = { ruleId, ruleName: ruleId.split('/')[1]!, device, priority, firedAt, resolvedAt, summary };
    if (withRunbook && FIXTURE_RUNBOOKS[ruleId]) a.runbook = FIXTURE_RUNBOOKS[ruleId];
    return a;
  };
  const alerts: AlertInput[] = [
    // 00:30 on the report's day in Asia/Shanghai is 16:30 UTC the day before.
    alert('precision-ac/Return air too hot', 'crac-2', 'P2', at(0, 30), null, 'crac-2 return air at 29.1 °C (set point 24 °C)'),
    alert('host/CPU saturated', 'web02', 'P3', at(0, 12), null, 'web02 CPU at 97.3 % for 10 minutes'),
    alert('oracle/RAC instance missing', 'ora-rac1', 'P2', at(-3), null, 'ora-rac1: only 1 RAC instances are up'),
    alert('ups/UPS on battery', 'ups-b', 'P1', at(3, 10), at(3, 14), 'ups-b is on battery, 24 min left'),
    alert('ups/UPS battery charge low', 'ups-b', 'P3', at(3, 45), null, 'ups-b battery charged to 64 % only'),
    alert('storage/Disk failed', 'array-1', 'P2', at(9, 12), null, 'array-1 disk in slot 0:12 failed'),
    alert('host/Host unreachable', 'app04', 'P2', at(10, 1), at(12, 0), 'app04 does not answer'),
    alert('network/Interface saturated', 'sw-core1', 'P3', at(15, 5), at(15, 25), 'sw-core1 10GE1/0/1 at 92.4 % utilisation'),
    // No runbook on the alert itself: the report falls back to the rule's runbook from input.runbooks.
    alert('host/Filesystem almost full', 'db03', 'P3', at(6, 40), null, 'db03:/u01 is 90.8 % full', false),
    alert('oracle/Backup too old', 'db02', 'P3', at(20, 0), null, 'db02 last good RMAN backup is 26.5 hours old'),
    alert('storage/FC port down', 'san-sw2', 'P3', at(14, 4), null, 'san-sw2 FC port 7 is down'),
    alert('environment/Room humidity out of range', 'env-2', 'P3', at(7, 20), null, 'env-2 row-b reads 74.6 %RH'),
    alert('agent/Probe failing', 'app05', 'P3', at(5, 2), at(6, 1), 'Probe ssh on app05 fails most of its runs'),
    // Yesterday's alert, resolved before the day: not counted.
    alert('host/Clock offset', 'web04', 'P3', at(-10), at(-9), 'web04 clock is off by 1.4 s'),
  ];
  void n;
  const inc = (
    id: number,
    priority: Priority,
    device: string,
    title: string,
    ruleId: string,
    openedAt: number,
    acknowledgedAt: number | null,
    resolvedAt: number | null,
    respondMet: boolean | undefined,
    resolveMet: boolean | undefined,
  ): IncidentInput => ({ id, priority, device, title, ruleId, openedAt, acknowledgedAt, resolvedAt, respondMet, resolveMet });
  const incidents: IncidentInput[] = [
    inc(880, 'P2', 'ora-rac1', 'RAC instance missing', 'oracle/RAC instance missing', at(-3), at(-3, 10), null, true, undefined),
    inc(901, 'P1', 'ups-b', 'UPS on battery', 'ups/UPS on battery', at(3, 11), at(3, 20), at(3, 30), true, true),
    inc(902, 'P2', 'crac-2', 'Return air too hot', 'precision-ac/Return air too hot', at(0, 31), at(0, 50), null, true, undefined),
    inc(903, 'P2', 'array-1', 'Disk failed', 'storage/Disk failed', at(9, 13), at(10, 0), null, false, undefined),
    inc(904, 'P2', 'app04', 'Host unreachable', 'host/Host unreachable', at(10, 2), at(10, 10), at(12, 1), true, true),
    inc(905, 'P3', 'web02', 'CPU saturated', 'host/CPU saturated', at(0, 13), at(0, 28), null, true, undefined),
    inc(906, 'P3', 'db02', 'Backup too old', 'oracle/Backup too old', at(20, 1), null, null, false, undefined),
    inc(907, 'P3', 'sw-core1', 'Interface saturated', 'network/Interface saturated', at(15, 6), at(15, 11), at(15, 26), true, true),
  ];
  const knownFixes: KnownFix[] = [
    { ruleId: 'storage/Tape drive not OK', cause: 'Dirty head after 400 loads', fix: 'Loaded a cleaning cartridge and re-ran the failed backup job', incidentId: 812 },
    { ruleId: 'storage/Tape drive not OK', cause: 'Firmware hang', fix: 'Power-cycled the drive sled', incidentId: 640 },
    { ruleId: 'host/CPU saturated', cause: 'Runaway report job', fix: 'Killed the report job and rescheduled it to 02:00', incidentId: 777 },
  ];
  return { alerts, incidents, knownFixes };
}

// ---------- the room ----------

export function buildRoomInput(opts: RoomOptions = {}): ReportInput {
  const count = opts.devices ?? 50;
  const date = opts.date ?? '2026-11-23';
  const timeZone = opts.timeZone ?? 'Asia/Shanghai';
  const anomalies = opts.anomalies ?? true;
  const from = zonedMidnight(date, timeZone);
  const to = from + DAY;
  const ctx: Ctx = { rng: mulberry32(opts.seed ?? 1), from, to };
  const base = baseSpecs();
  const specs = count <= base.length ? base.slice(0, count) : [...base, ...Array.from({ length: count - base.length }, (_, i) => extraSpec(i, base))];

  const devices: DeviceInput[] = specs.map((spec) => {
    const bad = anomalies && ANOMALOUS.has(spec.name);
    const series = spec.build(ctx, bad);
    const expectedSamples = series.length * PER_DAY;
    const missingHours = bad ? [...(spec.downHours ?? []), ...(spec.gapHours ?? [])].length : 0;
    const d: DeviceInput = {
      name: spec.name,
      class: spec.class,
      site: opts.site ?? 'SH-IDC1',
      room: 'M1',
      series,
      expectedSamples,
      // A missing hour loses every series' samples except device.up's (the poller still records the failure).
      receivedSamples: expectedSamples - missingHours * 60 * (series.length - 1),
      downMinutes: bad ? (spec.downHours?.length ?? 0) * 60 : 0,
      gapMinutes: bad ? (spec.gapHours?.length ?? 0) * 60 + (spec.gapHours ? 30 : 0) : 0,
    };
    if (spec.vendor) d.vendor = spec.vendor;
    if (spec.model) d.model = spec.model;
    if (spec.limits) d.limits = spec.limits;
    return d;
  });

  const names = new Set(devices.map((d) => d.name));
  const extras = anomalies ? alertsAndIncidents(from) : { alerts: [], incidents: [], knownFixes: [] };
  return {
    date,
    timeZone,
    from,
    to,
    generatedAt: to + 8 * HOUR,
    site: opts.site ?? 'SH-IDC1',
    devices,
    alerts: extras.alerts.filter((a) => names.has(a.device)),
    incidents: extras.incidents.filter((i) => names.has(i.device)),
    knownFixes: extras.knownFixes,
    runbooks: { ...FIXTURE_RUNBOOKS },
  };
}
