/**
 * A machine room's raw samples for the daily report: every device class, a
 * week of history before the report's day and the day itself, one sample per
 * device and series every `stepMs`. Values are smooth and healthy except for
 * the known anomalies listed in ANOMALIES, so a report on this room must flag
 * exactly those. Used by the report's end-to-end test (about 50 devices) and
 * by the report benchmark (1,000 devices).
 */
import type { DeviceMeta, Sample, SampleTags } from '../collector/contract/index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface ReportRoomOptions {
  /** Start of the report's day (epoch ms); the history starts `historyDays` before it. */
  dayStart: number;
  historyDays?: number;
  stepMs?: number;
  /** Devices of each class (scaled up for the benchmark); the anomalous devices come on top when `anomalies`. */
  perClass?: number;
  anomalies?: boolean;
}

type Series = { measurement: string; tags: SampleTags; field: string; value(ts: number): number | undefined };

const CLASSES = ['server', 'database', 'network', 'security', 'storage', 'san', 'tape', 'ups', 'precision_ac', 'environment'] as const;

/** The devices with known anomalies and what the report must say about them. */
export const ANOMALIES: Record<string, { class: string; expect: Array<{ check: string; status: 'warn' | 'fail' }> }> = {
  'srv-db03': { class: 'server', expect: [{ check: 'fs:/u01', status: 'warn' }] },
  'srv-web02': { class: 'server', expect: [{ check: 'cpu', status: 'fail' }] },
  'srv-gap1': { class: 'server', expect: [] },
  'ora-rac1': {
    class: 'database',
    expect: [
      { check: 'ora.rac', status: 'fail' },
      { check: 'ora.backup', status: 'warn' },
    ],
  },
  'sw-core1': { class: 'network', expect: [{ check: 'if', status: 'fail' }] },
  'sw-down1': { class: 'network', expect: [{ check: 'reachable', status: 'fail' }] },
  'fw-edge1': { class: 'security', expect: [{ check: 'fw.ha', status: 'warn' }] },
  'array-01': { class: 'storage', expect: [{ check: 'storage.disks', status: 'fail' }] },
  'san-02': { class: 'san', expect: [{ check: 'fc', status: 'fail' }] },
  'tape-01': { class: 'tape', expect: [{ check: 'tape.drives', status: 'fail' }] },
  'ups-02': {
    class: 'ups',
    expect: [
      { check: 'ups.onbattery', status: 'fail' },
      { check: 'ups.charge', status: 'warn' },
    ],
  },
  'crac-02': { class: 'precision_ac', expect: [{ check: 'ac.temp', status: 'fail' }] },
  'env-hall2': { class: 'environment', expect: [{ check: 'env.humidity:hall', status: 'warn' }] },
};

/** A smooth daily curve: `base` ± `swing`, peaking in the afternoon. */
const daily = (base: number, swing: number) => (ts: number) => base + swing * Math.sin(((ts % DAY) / DAY) * 2 * Math.PI - Math.PI / 2);
const constant = (v: number) => () => v;

function normalSeries(cls: string, device: string): Series[] {
  const s = (measurement: string, field: string, value: Series['value'], tags: Record<string, string> = {}): Series => ({ measurement, field, tags: { device, ...tags }, value });
  const host = [
    s('cpu', 'usage_pct', daily(30, 10)),
    s('mem', 'used_pct', daily(55, 5)),
    s('swap', 'used_pct', constant(4)),
    s('disk', 'used_pct', constant(42), { mount: '/' }),
    s('disk', 'used_pct', constant(61), { mount: '/u01' }),
    s('net', 'rx_errors_ps', constant(0), { iface: 'eth0' }),
  ];
  const up = s('device', 'up', constant(1));
  const iface = (name: string, util: number) => [
    s('if', 'util_pct', daily(util, util / 3), { ifname: name }),
    s('if', 'in_errors_ps', constant(0), { ifname: name }),
    s('if', 'oper_up', constant(1), { ifname: name }),
    s('if', 'admin_up', constant(1), { ifname: name }),
  ];
  switch (cls) {
    case 'server':
      return host;
    case 'database':
      return [
        ...host,
        s('oracle', 'up', constant(1), { instance: 'ORCL1' }),
        s('oracle', 'tablespace_used_pct', constant(52), { tablespace: 'USERS' }),
        s('oracle', 'asm_used_pct', constant(63), { diskgroup: 'DATA' }),
        s('oracle', 'fra_used_pct', daily(40, 5)),
        s('oracle', 'backup_age_h', (ts) => ((ts % DAY) / HOUR + 2) % 24),
        s('oracle', 'rac_instances_up', constant(2)),
        s('oracle', 'dg_apply_lag_s', constant(4)),
      ];
    case 'network':
      return [
        up,
        s('device', 'cpu_pct', daily(20, 5)),
        s('device', 'mem_used_pct', constant(41)),
        s('sensor', 'temperature_c', daily(36, 2), { sensor: 'inlet' }),
        ...iface('Gi0/1', 30),
        ...iface('Gi0/2', 12),
      ];
    case 'security':
      return [
        up,
        s('device', 'cpu_pct', daily(25, 8)),
        s('device', 'mem_used_pct', constant(44)),
        s('fw', 'sessions', daily(30_000, 10_000)),
        s('fw', 'session_rate_ps', daily(300, 100)),
        s('fw', 'ha_state', constant(1)),
        ...iface('outside', 25),
      ];
    case 'storage':
      return [
        up,
        s('storage', 'pool_used_pct', constant(58), { pool: 'P1' }),
        ...[0, 1, 2, 3, 4, 5, 6, 7].map((slot) => s('storage', 'disk_failed', constant(0), { slot: String(slot) })),
        s('storage', 'controller_ok', constant(1), { ctrl: 'A' }),
        s('storage', 'controller_ok', constant(1), { ctrl: 'B' }),
      ];
    case 'san':
      return [up, ...[1, 2, 3, 4, 5, 6].flatMap((p) => [s('fc', 'port_up', constant(1), { port: String(p) }), s('fc', 'crc_errors_ps', constant(0), { port: String(p) })])];
    case 'tape':
      return [up, s('tape', 'drive_ok', constant(1), { drive: '1' }), s('tape', 'drive_ok', constant(1), { drive: '2' })];
    case 'ups':
      return [
        up,
        s('ups', 'battery_status', constant(2)),
        s('ups', 'battery_charge_pct', constant(100)),
        s('ups', 'battery_runtime_min', constant(42)),
        s('ups', 'output_load_pct', daily(38, 6), { line: '1' }),
        s('ups', 'self_test_ok', constant(1)),
        s('ups', 'on_battery', constant(0)),
      ];
    case 'precision_ac':
      return [
        up,
        s('ac', 'return_temp_c', daily(24, 1)),
        s('ac', 'supply_temp_c', daily(18, 0.5)),
        s('ac', 'temp_setpoint_c', constant(24)),
        s('ac', 'return_humidity_pct', daily(45, 3)),
        s('ac', 'humidity_setpoint_pct', constant(45)),
        s('ac', 'alarms', constant(0)),
        s('ac', 'running', constant(1)),
      ];
    default:
      return [
        s('env', 'temperature_c', daily(23, 1), { sensor: 'hall' }),
        s('env', 'humidity_pct', daily(45, 3), { sensor: 'hall' }),
        s('env', 'water_leak', constant(0)),
        s('env', 'smoke', constant(0)),
        s('env', 'door_open', constant(0)),
      ];
  }
}

/** Replaces one normal series' value function (matched by measurement, field and tags). */
function override(list: Series[], measurement: string, field: string, tags: Record<string, string>, value: Series['value']): void {
  const s = list.find((x) => x.measurement === measurement && x.field === field && Object.entries(tags).every(([k, v]) => x.tags[k] === v));
  if (!s) throw new Error(`no series ${measurement}.${field} ${JSON.stringify(tags)}`);
  s.value = value;
}

function anomalousSeries(device: string, dayStart: number): Series[] {
  const a = ANOMALIES[device] as { class: string };
  const list = normalSeries(a.class, device);
  const inDay = (ts: number, fromH: number, toH: number) => ts >= dayStart + fromH * HOUR && ts < dayStart + toH * HOUR;
  switch (device) {
    case 'srv-db03':
      // /u01 grows 1 % a day: 84 % seven days ago, 91 % at the end of the report's day.
      override(list, 'disk', 'used_pct', { mount: '/u01' }, (ts) => 91 - (dayStart + DAY - ts) / DAY);
      break;
    case 'srv-web02':
      override(list, 'cpu', 'usage_pct', {}, (ts) => (ts >= dayStart ? 97 + Math.sin(ts / 600_000) : 30));
      break;
    case 'srv-gap1':
      // The agent sent nothing from 02:00 to 05:00 (a collection gap, the host was fine).
      for (const s of list) {
        const v = s.value;
        s.value = (ts) => (inDay(ts, 2, 5) ? undefined : v(ts));
      }
      break;
    case 'ora-rac1':
      override(list, 'oracle', 'rac_instances_up', {}, (ts) => (inDay(ts, 20, 24) ? 1 : 2));
      override(list, 'oracle', 'backup_age_h', {}, (ts) => (ts >= dayStart ? 6 + (ts - dayStart) / HOUR : ((ts % DAY) / HOUR + 2) % 24));
      break;
    case 'sw-core1':
      override(list, 'if', 'util_pct', { ifname: 'Gi0/1' }, (ts) => (ts >= dayStart ? 95 : 40));
      break;
    case 'sw-down1':
      override(list, 'device', 'up', {}, (ts) => (inDay(ts, 9, 11) ? 0 : 1));
      for (const s of list) {
        if (s.measurement === 'device' && s.field === 'up') continue;
        const v = s.value;
        s.value = (ts) => (inDay(ts, 9, 11) ? undefined : v(ts));
      }
      break;
    case 'fw-edge1':
      override(list, 'fw', 'ha_state', {}, (ts) => (inDay(ts, 14, 15) ? 2 : 1));
      break;
    case 'array-01':
      override(list, 'storage', 'disk_failed', { slot: '7' }, (ts) => (ts >= dayStart + 6 * HOUR ? 1 : 0));
      break;
    case 'san-02':
      override(list, 'fc', 'port_up', { port: '5' }, (ts) => (ts >= dayStart + 13 * HOUR ? 0 : 1));
      break;
    case 'tape-01':
      override(list, 'tape', 'drive_ok', { drive: '2' }, (ts) => (ts >= dayStart + 3 * HOUR ? 0 : 1));
      break;
    case 'ups-02':
      override(list, 'ups', 'on_battery', {}, (ts) => (ts >= dayStart + 3 * HOUR && ts < dayStart + 3 * HOUR + 4 * 60_000 ? 1 : 0));
      override(list, 'ups', 'battery_charge_pct', {}, (ts) => (ts >= dayStart + 3 * HOUR ? 72 : 100));
      break;
    case 'crac-02':
      override(list, 'ac', 'return_temp_c', {}, (ts) => (inDay(ts, 12, 16) ? 29 : 24));
      break;
    case 'env-hall2':
      override(list, 'env', 'humidity_pct', { sensor: 'hall' }, (ts) => (inDay(ts, 10, 12) ? 75 : 45));
      break;
  }
  return list;
}

export interface ReportRoom {
  devices: DeviceMeta[];
  /** Samples in time order, `batch` timestamps at a time (all devices and series), so memory stays small. */
  batches(batch?: number): Generator<Sample[]>;
  sampleCount: number;
}

export function buildReportRoom(o: ReportRoomOptions): ReportRoom {
  const perClass = o.perClass ?? 3;
  const stepMs = o.stepMs ?? 60_000;
  const from = o.dayStart - (o.historyDays ?? 7) * DAY;
  const to = o.dayStart + DAY;
  const devices: DeviceMeta[] = [];
  const series: Series[] = [];
  const prefix: Record<string, string> = {
    server: 'srv',
    database: 'ora',
    network: 'sw',
    security: 'fw',
    storage: 'array',
    san: 'san',
    tape: 'tape',
    ups: 'ups',
    precision_ac: 'crac',
    environment: 'env',
  };
  CLASSES.forEach((cls, ci) => {
    for (let i = 1; i <= perClass; i++) {
      const name = `${prefix[cls]}-n${String(i).padStart(4, '0')}`;
      devices.push({ name, class: cls, site: ci % 2 === 0 ? 'dc-north' : 'dc-south', room: 'hall-1' });
      series.push(...normalSeries(cls, name));
    }
  });
  if (o.anomalies ?? true) {
    for (const [name, a] of Object.entries(ANOMALIES)) {
      devices.push({ name, class: a.class as DeviceMeta['class'], site: 'dc-north', room: 'hall-2' });
      series.push(...anomalousSeries(name, o.dayStart));
    }
  }
  const steps = Math.floor((to - from) / stepMs);
  return {
    devices,
    sampleCount: steps * series.length,
    *batches(batch = 60) {
      for (let i = 0; i < steps; i += batch) {
        const out: Sample[] = [];
        for (let j = i; j < Math.min(steps, i + batch); j++) {
          const ts = from + j * stepMs;
          for (const s of series) {
            const v = s.value(ts);
            if (v === undefined) continue;
            out.push({ measurement: s.measurement, tags: s.tags, fields: { [s.field]: Math.round(v * 1000) / 1000 }, ts });
          }
        }
        yield out;
      }
    },
  };
}
