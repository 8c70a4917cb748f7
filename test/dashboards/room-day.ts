/**
 * A realistic day of a small machine room as line protocol (2 sites, 30
 * devices, every class; alerts, incidents and the NOC snapshot), in the data
 * model dashboards/README.md describes, for the dashboard query suites.
 */
import { mulberry32 } from '../../bench/room.js';
import { DB, inBatches } from './dashboard-queries.js';

const STEP_S = 60;
const DAY_MIN = 1_440;

type FieldValue = number | string | { int: number };
type Fields = Record<string, FieldValue>;

interface Device {
  name: string;
  site: string;
  room: string;
  class: string;
}

interface AlertScenario {
  rule: string;
  device: string;
  priority: 'P1' | 'P2' | 'P3' | 'P4';
  /** Minutes before the end of the day when the alert fires / resolves (undefined: still firing). */
  from: number;
  to?: number;
  summary: string;
  /** Minutes from opening to acknowledgement. */
  ackAfter: number;
}

const SITES = [
  { site: 'dc-north', room: 'hall-1', prefix: 'nor' },
  { site: 'dc-south', room: 'hall-a', prefix: 'sou' },
] as const;

/** The room: 2 sites, 30 devices, every class at each site. */
function roomDevices(): Device[] {
  const layout: Record<string, Record<string, string[]>> = {
    'dc-north': {
      server: ['app01', 'app02', 'web01'],
      minicomputer: ['aix01'],
      network: ['core01', 'acc01'],
      security: ['fw01', 'fw02'],
      storage: ['3par01'],
      san: ['san01'],
      tape: ['tape01'],
      ups: ['ups01', 'ups02'],
      precision_ac: ['crac01', 'crac02'],
      environment: ['env01'],
      database: ['orarac1', 'orarac2'],
    },
    'dc-south': {
      server: ['app01', 'app02'],
      minicomputer: ['hpux01'],
      network: ['core01'],
      security: ['fw01'],
      storage: ['oceanstor01'],
      san: ['san01'],
      tape: ['tape01'],
      ups: ['ups01'],
      precision_ac: ['crac01'],
      environment: ['env01'],
      database: ['oradg1'],
    },
  };
  const out: Device[] = [];
  for (const s of SITES) for (const [cls, names] of Object.entries(layout[s.site] ?? {})) for (const n of names) out.push({ name: `${s.prefix}-${n}`, site: s.site, room: s.room, class: cls });
  return out;
}

const ago = (h: number, m = 0) => h * 60 + m;

export const MUTED = { rule: 'ups/UPS self-test failed', device: 'nor-ups01', priority: 'P2' as const, summary: 'nor-ups01 failed its battery self-test' };

const ALERTS: AlertScenario[] = [
  { rule: 'ups/UPS on battery', device: 'nor-ups01', priority: 'P1', from: ago(14, 2), to: ago(13, 58), summary: 'nor-ups01 is on battery, 38 min left', ackAfter: 3 },
  { rule: 'ups/UPS on battery', device: 'nor-ups02', priority: 'P1', from: ago(14, 2), to: ago(13, 58), summary: 'nor-ups02 is on battery, 41 min left', ackAfter: 3 },
  { rule: 'precision-ac/Precision AC stopped', device: 'nor-crac02', priority: 'P1', from: ago(14, 1), to: ago(13, 50), summary: 'nor-crac02 stopped', ackAfter: 5 },
  { rule: 'precision-ac/Return air too hot', device: 'nor-crac02', priority: 'P2', from: ago(13, 55), to: ago(13, 40), summary: 'nor-crac02 return air 28.4 °C', ackAfter: 6 },
  { rule: 'storage/FC port down', device: 'nor-san01', priority: 'P3', from: ago(22), summary: 'nor-san01 port 6 down', ackAfter: 42 },
  { rule: 'storage/Disk failed', device: 'nor-3par01', priority: 'P2', from: ago(20), summary: 'nor-3par01 disk 0:5:0 failed', ackAfter: 12 },
  { rule: 'network/Interface down', device: 'nor-acc01', priority: 'P3', from: ago(18), summary: 'nor-acc01 Gi1/0/7 down', ackAfter: 25 },
  { rule: 'network/Network device unreachable', device: 'nor-acc01', priority: 'P2', from: ago(16, 30), to: ago(16, 24), summary: 'nor-acc01 unreachable', ackAfter: 4 },
  { rule: 'host/CPU saturated', device: 'sou-app01', priority: 'P3', from: ago(11), to: ago(10, 20), summary: 'sou-app01 CPU 97 % for 10 min', ackAfter: 35 },
  { rule: 'security/Firewall HA state changed', device: 'nor-fw01', priority: 'P2', from: ago(10), to: ago(9, 50), summary: 'nor-fw01 HA role changed', ackAfter: 8 },
  { rule: 'environment/Door open', device: 'nor-env01', priority: 'P4', from: ago(9, 30), to: ago(9, 20), summary: 'nor-env01 door open', ackAfter: 15 },
  { rule: 'storage/FC CRC errors', device: 'nor-san01', priority: 'P3', from: ago(8, 50), to: ago(8), summary: 'nor-san01 port 3 CRC errors 0.3/s', ackAfter: 20 },
  { rule: 'oracle/Data Guard apply lag', device: 'sou-oradg1', priority: 'P2', from: ago(7, 50), to: ago(7), summary: 'sou-oradg1 apply lag 40 min', ackAfter: 9 },
  { rule: 'network/Interface errors rising', device: 'nor-acc01', priority: 'P3', from: ago(6, 50), to: ago(6), summary: 'nor-acc01 Gi1/0/3 input errors 2/s', ackAfter: 31 },
  { rule: 'storage/Tape drive not OK', device: 'nor-tape01', priority: 'P3', from: ago(6), summary: 'nor-tape01 drive 3 not OK', ackAfter: 18 },
  { rule: 'host/Filesystem almost full', device: 'nor-app02', priority: 'P3', from: ago(5), summary: 'nor-app02 /var 90.2 % used', ackAfter: 22 },
  { rule: 'storage/Storage pool almost full', device: 'nor-3par01', priority: 'P3', from: ago(4, 30), summary: 'nor-3par01 pool FC_r6 85.1 % used', ackAfter: 14 },
  { rule: 'oracle/Backup too old', device: 'sou-oradg1', priority: 'P3', from: ago(4), summary: 'sou-oradg1 last backup 26 h ago', ackAfter: 50 },
  { rule: 'oracle/ORA- errors in the alert log', device: 'nor-orarac1', priority: 'P3', from: ago(3), to: ago(2), summary: 'nor-orarac1: 5 new ORA-01555 lines', ackAfter: 11 },
  { rule: 'environment/Door open', device: 'nor-env01', priority: 'P4', from: ago(3, 10), to: ago(3, 5), summary: 'nor-env01 door open', ackAfter: 4 },
];

const RESOLVE_SLA_S: Record<string, number> = { P1: 12 * 3600, P2: 24 * 3600, P3: 48 * 3600, P4: 5 * 86_400 };
const RESPOND_SLA_S = 1_800;

// mulberry32 (bench/room.ts) is a deterministic generator, so that every run seeds the same room.

const escapeTag = (v: string) => v.replace(/[,= \\]/g, '\\$&');
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

function fieldText(v: FieldValue): string {
  if (typeof v === 'string') return `"${v.replace(/["\\]/g, '\\$&')}"`;
  if (typeof v === 'number') return String(round(v, 3));
  return `${Math.round(v.int)}i`;
}

function line(measurement: string, tags: Record<string, string>, fields: Fields, ts: number): string {
  const tagText = Object.keys(tags)
    .sort()
    .map((k) => `${k}=${escapeTag(tags[k] ?? '')}`)
    .join(',');
  const fieldsText = Object.entries(fields)
    .map(([k, v]) => `${k}=${fieldText(v)}`)
    .join(',');
  return `${measurement},${tagText} ${fieldsText} ${ts}`;
}

/** The reachability and service probes' lines for one device and minute (dashboards/json/services.json). */
function* serviceLines(d: Device, emit: (m: string, f: Fields, extra?: Record<string, string>) => string, down: boolean, busy: number, noise: (amp: number) => number): Generator<string> {
  const rtt = 0.4 + busy + noise(0.2);
  yield emit(
    'ping',
    down ? { up: 0, loss_pct: 100, sent: 3, received: 0, result: 'timeout' } : { up: 1, loss_pct: 0, sent: 3, received: 3, rtt_ms: rtt, rtt_min_ms: rtt * 0.8, rtt_max_ms: rtt * 1.4, result: 'ok' },
  );
  if (d.class === 'server') {
    for (const port of ['22', '443']) yield emit('tcp', { up: 1, connect_ms: 0.3 + noise(0.1), result: 'ok' }, { port });
    const url = `https://${d.name}.example.net/health`;
    yield emit('http', { up: 1, status: 200, latency_ms: 40 + 200 * busy + noise(10), redirects: 0, bytes: 512, result: 'ok' }, { url });
    yield emit('tls', { cert_days_left: d.name.endsWith('web01') ? 5.5 : 80, chain_valid: 1 }, { host: `${d.name}.example.net:443` });
    for (const check of ['disk_root', 'load']) yield emit('check', { status: check === 'load' && busy > 0.9 ? 1 : 0, duration_ms: 20 + noise(5), output: 'OK' }, { check });
    for (const severity of ['err', 'warning', 'info']) yield emit('log', { messages_ps: (severity === 'info' ? 20 : 1) * (0.5 + busy) }, { severity });
  }
  if (d.class === 'network' || d.class === 'security') {
    for (const pattern of ['link_down', 'login_failed']) yield emit('log', { matches: noise(1) > 0.9 ? 1 : 0 }, { pattern });
  }
}

/** Lines of one day at 60 s resolution ending at `endS`, in minute order. */
export function* roomDay(endS: number): Generator<string> {
  const devices = roomDevices();
  const rand = mulberry32(20_251_123);
  const noise = (amp: number) => (rand() - 0.5) * 2 * amp;
  const startS = endS - DAY_MIN * STEP_S;
  const byName = new Map(devices.map((d) => [d.name, d]));
  const between = (minutesLeft: number, from: number, to: number) => minutesLeft <= from && minutesLeft > to;

  for (let m = 1; m <= DAY_MIN; m++) {
    const ts = startS + m * STEP_S;
    const left = DAY_MIN - m; // minutes before the end of the day
    const hour = (ts / 3600) % 24;
    // Business load: lowest at 04:00, highest at 16:00 (UTC).
    const busy = 0.5 - 0.5 * Math.cos((2 * Math.PI * (hour - 4)) / 24);
    const mainsOut = between(left, ago(14, 2), ago(13, 58));

    for (const d of devices) {
      const tags = { device: d.name, site: d.site, room: d.room, class: d.class };
      const emit = (measurement: string, fields: Fields, extra: Record<string, string> = {}) => line(measurement, { ...tags, ...extra }, fields, ts);
      const snmp = !['server', 'minicomputer', 'database'].includes(d.class);
      const down = d.name === 'nor-acc01' && between(left, ago(16, 30), ago(16, 24));
      const deviceFields: Fields = { up: down ? 0 : 1 };
      if (snmp && !down) Object.assign(deviceFields, { rtt_ms: 1.5 + noise(0.8), uptime_s: 90 * 86_400 + m * 60 });
      if ((d.class === 'network' || d.class === 'security') && !down) Object.assign(deviceFields, { cpu_pct: 12 + 25 * busy + noise(4), mem_used_pct: 48 + noise(1) });
      yield emit('device', deviceFields);
      yield* serviceLines(d, emit, down, busy, noise);
      if (down) continue;

      switch (d.class) {
        case 'server':
        case 'minicomputer': {
          const hot = d.name === 'sou-app01' && between(left, ago(11, 10), ago(10, 20));
          const cpu = hot ? 97 + noise(2) : 8 + 55 * busy + noise(6);
          yield emit('cpu', { usage_pct: Math.min(100, Math.max(0, cpu)), iowait_pct: Math.max(0, 2 + 4 * busy + noise(1.5)) });
          yield emit('load', { l1: (cpu / 100) * 8 + noise(0.3), l5: (cpu / 100) * 7.5, l15: (cpu / 100) * 7 });
          yield emit('mem', { used_pct: 62 + 15 * busy + noise(2), available_bytes: (0.35 - 0.15 * busy) * 64 * 2 ** 30 });
          yield emit('swap', { used_pct: 3 + noise(0.5) });
          const varUsed = d.name === 'nor-app02' ? 84 + (8 * m) / DAY_MIN : 41;
          for (const [mount, used] of [
            ['/', 38],
            ['/var', varUsed],
            ['/u01', 71],
          ] as const) {
            yield emit('disk', { used_pct: used + noise(0.05), free_bytes: ((100 - used) / 100) * 200 * 2 ** 30, inodes_used_pct: 4 + used / 20 }, { mount });
          }
          for (const disk of ['sda', 'sdb']) {
            yield emit('diskio', { read_bps: 4e6 + 30e6 * busy + noise(2e6), write_bps: 2e6 + 12e6 * busy + noise(1e6), util_pct: 6 + 30 * busy + noise(3) }, { disk });
          }
          yield emit('net', { rx_bps: 40e6 + 300e6 * busy + noise(10e6), tx_bps: 20e6 + 200e6 * busy + noise(5e6), rx_errors_ps: 0, tx_errors_ps: 0 }, { iface: 'eth0' });
          yield emit('system', { uptime_s: 40 * 86_400 + m * 60, procs: 310 + Math.round(noise(20)) });
          for (const name of ['sshd', 'java']) yield emit('proc', { up: 1, count: name === 'java' ? 4 : 1 }, { name });
          yield emit('time', { offset_s: noise(0.004) }, { source: 'ntp' });
          break;
        }
        case 'network':
        case 'security': {
          const ports =
            d.class === 'security'
              ? ['port1', 'port2']
              : d.name.includes('core')
                ? ['Te1/1/1', 'Te1/1/2', 'Te1/1/3', 'Te1/1/4']
                : ['Gi1/0/1', 'Gi1/0/2', 'Gi1/0/3', 'Gi1/0/4', 'Gi1/0/5', 'Gi1/0/6', 'Gi1/0/7'];
          const speed = ports[0]?.startsWith('Te') ? 10e9 : 1e9;
          for (const [i, ifname] of ports.entries()) {
            const broken = d.name === 'nor-acc01' && ifname === 'Gi1/0/7' && left <= ago(18);
            const share = ((i + 1) / ports.length) * 0.6;
            const inBps = broken ? 0 : speed * share * (0.1 + 0.8 * busy) * (1 + noise(0.05));
            const outBps = broken ? 0 : inBps * 0.6;
            const errors = d.name === 'nor-acc01' && ifname === 'Gi1/0/3' && between(left, ago(7), ago(6)) ? 2 + noise(0.5) : 0;
            yield emit(
              'if',
              {
                oper_up: broken ? 0 : 1,
                admin_up: 1,
                in_bps: inBps,
                out_bps: outBps,
                util_pct: (Math.max(inBps, outBps) / speed) * 100,
                in_errors_ps: errors,
                out_errors_ps: 0,
                in_discards_ps: Math.max(0, busy * 2 + noise(1)),
              },
              { ifname },
            );
          }
          yield emit('sensor', { temperature_c: 38 + 6 * busy + noise(0.5) }, { sensor: 'chassis' });
          if (d.class === 'security') {
            const standalone = d.name === 'sou-fw01';
            const primaryNow = left <= ago(10) ? 'nor-fw02' : 'nor-fw01';
            const haState = standalone ? 0 : d.name === primaryNow ? 1 : 2;
            const active = standalone || haState === 1;
            yield emit('fw', { sessions: active ? 60_000 + 340_000 * busy + noise(5_000) : 1_200, session_rate_ps: active ? 800 + 5_200 * busy + noise(200) : 5, ha_state: haState });
            const det = active ? 0.4 + 2 * busy + noise(0.2) : 0;
            yield emit('ips', { intrusions_ps: det, blocked_ps: det * 0.92, critical_ps: det * 0.04, high_ps: det * 0.16, medium_ps: det * 0.3, low_ps: det * 0.5 }, { vdom: 'root' });
          }
          break;
        }
        case 'storage': {
          const threePar = d.name === 'nor-3par01';
          const pools = threePar ? ['FC_r6', 'SSD_r5', 'NL_r6'] : ['StoragePool001', 'StoragePool002'];
          for (const [i, pool] of pools.entries()) {
            const used = i === 0 && threePar ? 83.5 + (3 * m) / DAY_MIN : 55 + i * 9;
            yield emit('storage', { pool_used_pct: used + noise(0.02) }, { pool });
          }
          for (let s = 0; s < 12; s++) {
            const slot = threePar ? `0:${s >> 1}:${s & 1}` : `CTE0.${s}`;
            yield emit('storage', { disk_failed: threePar && slot === '0:5:0' && left <= ago(20) ? 1 : 0 }, { slot });
          }
          for (const ctrl of threePar ? ['node0', 'node1'] : ['CTE0.A', 'CTE0.B']) yield emit('storage', { controller_ok: 1 }, { ctrl });
          break;
        }
        case 'san':
          for (let p = 1; p <= 8; p++) {
            const port = String(p);
            const dead = d.name === 'nor-san01' && p === 6 && left <= ago(22);
            const crc = d.name === 'nor-san01' && p === 3 && between(left, ago(9), ago(8)) ? 0.3 + noise(0.1) : 0;
            const rate = dead ? 0 : (1e9 + 5e9 * busy) * (p / 8) * (1 + noise(0.1));
            yield emit('fc', { port_up: dead ? 0 : 1, crc_errors_ps: crc, tx_bps: rate, rx_bps: rate * 0.8 }, { port });
          }
          break;
        case 'tape':
          for (let drive = 1; drive <= 4; drive++) yield emit('tape', { drive_ok: d.name === 'nor-tape01' && drive === 3 && left <= ago(6) ? 0 : 1 }, { drive: String(drive) });
          break;
        case 'ups': {
          const onBattery = mainsOut && d.site === 'dc-north';
          const sinceOutage = ago(13, 58) - left; // minutes since mains returned
          const charge = onBattery ? 100 - (ago(14, 2) - left) * 1.8 : sinceOutage > 0 && sinceOutage < 120 ? Math.min(100, 92.8 + sinceOutage * 0.06) : 100;
          yield emit('ups', {
            on_battery: onBattery ? 1 : 0,
            output_source: onBattery ? 5 : 3,
            battery_status: 2,
            battery_charge_pct: charge,
            battery_runtime_min: 42 * (charge / 100) - (onBattery ? 4 : 0),
            battery_temperature_c: 24 + noise(0.3),
            alarms: onBattery ? 1 : 0,
            self_test_ok: 1,
          });
          for (let l = 1; l <= 3; l++) {
            yield emit(
              'ups',
              { input_voltage_v: onBattery ? 0 : 230 + noise(2), input_frequency_hz: onBattery ? 0 : 50 + noise(0.05), output_load_pct: 38 + 12 * busy + l * 2 + noise(1) },
              { line: String(l) },
            );
          }
          break;
        }
        case 'precision_ac': {
          const stopped = d.name === 'nor-crac02' && between(left, ago(14, 1), ago(13, 50));
          const heat = d.name === 'nor-crac02' && between(left, ago(14), ago(13, 40)) ? Math.min(4.4, (ago(14) - left) * 0.35) : 0;
          yield emit('ac', {
            return_temp_c: 24 + 1.2 * busy + heat + noise(0.2),
            supply_temp_c: stopped ? 24 + noise(0.2) : 17.5 + noise(0.2),
            return_humidity_pct: 46 + noise(1.5),
            temp_setpoint_c: 24,
            humidity_setpoint_pct: 50,
            running: stopped ? 0 : 1,
            cooling_pct: stopped ? 0 : 35 + 40 * busy + noise(3),
            fan_pct: stopped ? 0 : 70 + noise(1),
            alarms: stopped ? 1 : 0,
          });
          break;
        }
        case 'environment': {
          const sensors = d.site === 'dc-north' ? ['cold-aisle-a', 'cold-aisle-b'] : ['room'];
          const heat = d.site === 'dc-north' && between(left, ago(14), ago(13, 30)) ? 2.5 : 0;
          for (const [i, sensor] of sensors.entries()) yield emit('env', { temperature_c: 22 + i * 0.8 + 1.0 * busy + heat + noise(0.2), humidity_pct: 45 + noise(1.5) }, { sensor });
          const door = d.name === 'nor-env01' && (between(left, ago(9, 30), ago(9, 20)) || between(left, ago(3, 10), ago(3, 5)));
          yield emit('env', { water_leak: 0, smoke: 0, door_open: door ? 1 : 0 });
          break;
        }
        case 'database': {
          const rac = d.name.includes('rac');
          const instance = rac ? `ORCL${d.name.slice(-1)}` : 'ORCLDG';
          const inst = { instance };
          const lag = !rac ? (between(left, ago(8), ago(7)) ? Math.min(2_700, (ago(8) - left) * 60) : 8 + noise(5)) : undefined;
          const backupAge = rac ? ((m + 300) % DAY_MIN) / 60 : 6 + m / 60;
          yield emit(
            'oracle',
            {
              up: 1,
              sessions_pct: 30 + 45 * busy + noise(3),
              processes_pct: 25 + 40 * busy + noise(3),
              fra_used_pct: 40 + 20 * ((m % 360) / 360),
              blocking_sessions: rac && busy > 0.9 && rand() < 0.05 ? 1 : 0,
              backup_age_h: backupAge,
              rac_instances_up: rac ? 2 : 1,
              ...(lag !== undefined ? { dg_apply_lag_s: Math.max(0, lag) } : {}),
            },
            inst,
          );
          const spaces: Array<[string, number]> = [
            ['SYSTEM', 71],
            ['SYSAUX', 64],
            ['UNDOTBS1', 38 + 30 * busy],
            ['USERS', 12],
            ['APP_DATA', 86 + (4 * m) / DAY_MIN],
            ['APP_IDX', 77],
          ];
          for (const [tablespace, used] of spaces) yield emit('oracle', { tablespace_used_pct: used, tablespace_used_bytes: used * 2 ** 30 }, { ...inst, tablespace });
          if (rac)
            for (const [diskgroup, used] of [
              ['DATA', 72],
              ['FRA', 48],
              ['OCR', 9],
            ] as const)
              yield emit('oracle', { asm_used_pct: used + noise(0.1) }, { ...inst, diskgroup });
          for (const dest of rac ? ['LOG_ARCHIVE_DEST_1', 'LOG_ARCHIVE_DEST_2'] : ['LOG_ARCHIVE_DEST_1']) yield emit('oracle', { archive_dest_ok: 1 }, { ...inst, dest });
          if (d.name === 'nor-orarac1' && left === ago(3)) yield emit('oracle', { alert_errors: 5 }, { ...inst, code: 'ORA-01555' });
          if (rac && m % 240 === 17) yield emit('oracle', { alert_errors: 1 }, { ...inst, code: 'ORA-00060' });
          break;
        }
      }
    }

    yield* eventsAt(left, ts, byName);
  }
}

/** alert and incident events happening at this minute, and the noc snapshot. */
function* eventsAt(left: number, ts: number, byName: Map<string, Device>): Generator<string> {
  const firing = { P1: 0, P2: 0, P3: 0, P4: 0 };
  const open = { P1: 0, P2: 0, P3: 0, P4: 0 };
  for (const [index, a] of ALERTS.entries()) {
    const dev = byName.get(a.device);
    if (!dev) throw new Error(`scenario device ${a.device} is not in the room`);
    const id = { int: 101 + index };
    const alertTags = (state: string) => ({ rule: a.rule, device: a.device, priority: a.priority, state, site: dev.site, class: dev.class });
    const incTags = (event: string) => ({ device: a.device, priority: a.priority, event, site: dev.site });
    const sla = { respond_sla_s: RESPOND_SLA_S, resolve_sla_s: RESOLVE_SLA_S[a.priority] ?? 0 };
    const late = a.ackAfter * 60 > RESPOND_SLA_S;
    const ackAt = a.from - a.ackAfter;
    if (left === a.from) {
      yield line('alert', alertTags('firing'), { value: 1, summary: a.summary }, ts);
      yield line('incident', incTags('opened'), { id, tier: { int: 1 }, ...sla, breached: 0 }, ts);
    }
    if (late && left === a.from - RESPOND_SLA_S / 60) yield line('incident', incTags('escalated'), { id, tier: { int: 2 }, ...sla, breached: 1 }, ts);
    if (left === ackAt) yield line('incident', incTags('acknowledged'), { id, tier: { int: late ? 2 : 1 }, ...sla, breached: late ? 1 : 0, tta_s: a.ackAfter * 60 }, ts);
    if (a.to !== undefined && left === a.to) {
      yield line('alert', alertTags('resolved'), { value: 0, summary: a.summary }, ts);
      yield line('incident', incTags('resolved'), { id, tier: { int: late ? 2 : 1 }, ...sla, breached: late ? 1 : 0, ttr_s: (a.from - a.to) * 60 }, ts);
    }
    if (a.to !== undefined && left === a.to - 30) yield line('incident', incTags('closed'), { id, tier: { int: late ? 2 : 1 }, ...sla, breached: late ? 1 : 0 }, ts);
    const active = left <= a.from && (a.to === undefined || left > a.to);
    // Current alert state as the collector writes it: on each change, and carried forward every minute.
    const stateTags = { rule: a.rule, device: a.device, priority: a.priority, muted: '0', site: dev.site };
    if (active) yield line('alert_state', stateTags, { firing: 1, summary: a.summary }, ts);
    if (a.to !== undefined && left === a.to) yield line('alert_state', stateTags, { firing: 0, summary: a.summary }, ts);
    if (active) {
      firing[a.priority]++;
      open[a.priority]++;
    }
  }
  // One alert firing inside a maintenance window for the last two hours: muted, shown apart, not counted as firing.
  const mutedDev = byName.get(MUTED.device);
  if (mutedDev && left <= ago(2))
    yield line('alert_state', { rule: MUTED.rule, device: MUTED.device, priority: MUTED.priority, muted: '1', site: mutedDev.site }, { firing: 1, summary: MUTED.summary }, ts);
  for (const priority of ['P1', 'P2', 'P3', 'P4'] as const)
    yield line('noc', { priority }, { alerts_firing: firing[priority], alerts_muted: priority === MUTED.priority && left <= ago(2) ? 1 : 0, incidents_open: open[priority] }, ts);
  const down = left <= ago(16, 30) && left > ago(16, 24) ? 1 : 0;
  yield `noc devices_down=${down},devices_total=${byName.size} ${ts}`;
}

/** Writes the day ending at `endS` (default: this minute) to `url`'s `/write`. */
export async function seed(url: string, headers: Record<string, string> = {}, endS = Math.floor(Date.now() / 1000 / STEP_S) * STEP_S): Promise<{ lines: number; ms: number }> {
  const started = Date.now();
  const chunks: string[][] = [];
  let chunk: string[] = [];
  let lines = 0;
  for (const l of roomDay(endS)) {
    chunk.push(l);
    lines++;
    if (chunk.length === 10_000) {
      chunks.push(chunk);
      chunk = [];
    }
  }
  if (chunk.length > 0) chunks.push(chunk);
  await inBatches(chunks, 3, async (c) => {
    const res = await fetch(`${url}/write?db=${DB}&precision=s`, { method: 'POST', headers, body: c.join('\n') });
    if (res.status !== 204) throw new Error(`write failed: HTTP ${res.status} ${await res.text()}`);
  });
  return { lines, ms: Date.now() - started };
}
