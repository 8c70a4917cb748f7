/**
 * A synthetic but realistic machine room: servers (cpu, load, mem, swap,
 * system, disk per mount, diskio per disk, net per interface), core and access
 * switches (one `if` sample per port), UPS units and their phases, precision
 * air conditioners, storage volumes, SAN ports and room sensors — about 1,000
 * samples and 3,100 values per scrape, names as docs/architecture.md §3 spells them.
 *
 * Sample k of the endless stream is template k mod S at scrape round
 * floor(k / S), so (series, ts) never repeats and no row overwrites another.
 * Values come from a seeded PRNG: the same run always sends the same bytes.
 */
import type { Sample, SampleTags } from '../collector/contract/index.js';

type Kind = 'pct' | 'bytes' | 'bps' | 'rate' | 'count' | 'temp' | 'volt' | 'ms' | 'bool' | 'load' | 'secs';
interface Template {
  measurement: string;
  tags: SampleTags;
  fields: ReadonlyArray<readonly [string, Kind]>;
  /** Per-device skew inside the scrape round, as real probes do not run in lockstep. */
  offsetMs: number;
}

export interface Room {
  templates: Template[];
  valuesPerScrape: number;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number) => String(n).padStart(2, '0');

export function buildRoom(): Room {
  const t: Template[] = [];
  let dev = 0;
  const add = (measurement: string, tags: SampleTags, fields: ReadonlyArray<readonly [string, Kind]>) => t.push({ measurement, tags, fields, offsetMs: (dev * 137) % 2_000 });
  const room = { site: 'dc1', room: 'A' };
  for (let i = 1; i <= 40; i++, dev++) {
    const device = i <= 8 ? `db${pad(i)}` : i <= 30 ? `app${pad(i - 8)}` : `mini${pad(i - 30)}`;
    add('cpu', { device }, [
      ['usage_pct', 'pct'],
      ['iowait_pct', 'pct'],
      ['user_pct', 'pct'],
      ['system_pct', 'pct'],
      ['steal_pct', 'pct'],
    ]);
    add('load', { device }, [
      ['l1', 'load'],
      ['l5', 'load'],
      ['l15', 'load'],
    ]);
    add('mem', { device }, [
      ['used_pct', 'pct'],
      ['available_bytes', 'bytes'],
      ['cached_bytes', 'bytes'],
      ['total_bytes', 'bytes'],
    ]);
    add('swap', { device }, [['used_pct', 'pct']]);
    add('system', { device }, [
      ['uptime_s', 'secs'],
      ['procs', 'count'],
    ]);
    for (const mount of ['/', '/var', '/u01', '/u02']) {
      add('disk', { device, mount }, [
        ['used_pct', 'pct'],
        ['free_bytes', 'bytes'],
        ['inodes_used_pct', 'pct'],
      ]);
    }
    for (const disk of ['sda', 'dm-0'])
      add('diskio', { device, disk }, [
        ['read_bps', 'bps'],
        ['write_bps', 'bps'],
        ['util_pct', 'pct'],
      ]);
    for (const iface of ['eth0', 'bond0']) {
      add('net', { device, iface }, [
        ['rx_bps', 'bps'],
        ['tx_bps', 'bps'],
        ['rx_errors_ps', 'rate'],
        ['tx_errors_ps', 'rate'],
      ]);
    }
  }
  for (let s = 1; s <= 6; s++, dev++) {
    const device = s <= 2 ? `sw-core-${pad(s)}` : `sw-acc-${pad(s - 2)}`;
    add('device', { device, ...room }, [
      ['up', 'bool'],
      ['response_ms', 'ms'],
    ]);
    add('cpu', { device }, [['usage_pct', 'pct']]);
    for (let p = 1; p <= 48; p++) {
      add('if', { device, ifname: `Gi1/0/${p}`, alias: `rack${pad(((p - 1) >> 2) + 1)}` }, [
        ['in_bps', 'bps'],
        ['out_bps', 'bps'],
        ['in_errors_ps', 'rate'],
        ['out_errors_ps', 'rate'],
        ['oper_up', 'bool'],
      ]);
    }
  }
  for (let u = 1; u <= 4; u++, dev++) {
    const device = `ups-${String.fromCharCode(96 + u)}`;
    add('ups', { device, ...room }, [
      ['load_pct', 'pct'],
      ['battery_pct', 'pct'],
      ['runtime_s', 'secs'],
      ['temp_c', 'temp'],
      ['on_battery', 'bool'],
      ['input_hz', 'volt'],
    ]);
    for (const phase of ['L1', 'L2', 'L3'])
      add('ups_phase', { device, phase }, [
        ['input_v', 'volt'],
        ['output_v', 'volt'],
        ['output_a', 'load'],
      ]);
  }
  for (let a = 1; a <= 4; a++, dev++) {
    add('ac', { device: `pac-${pad(a)}`, ...room }, [
      ['supply_temp_c', 'temp'],
      ['return_temp_c', 'temp'],
      ['humidity_pct', 'pct'],
      ['fan_pct', 'pct'],
      ['compressor_on', 'bool'],
    ]);
  }
  for (let a = 1; a <= 2; a++, dev++) {
    for (let v = 1; v <= 40; v++) {
      add('volume', { device: `stor-${pad(a)}`, volume: `vol_${pad(v)}` }, [
        ['read_iops', 'rate'],
        ['write_iops', 'rate'],
        ['latency_ms', 'ms'],
        ['used_pct', 'pct'],
      ]);
    }
  }
  for (let f = 1; f <= 4; f++, dev++) {
    for (let p = 0; p < 16; p++)
      add('fc_port', { device: `san-sw-${pad(f)}`, port: String(p) }, [
        ['rx_bps', 'bps'],
        ['tx_bps', 'bps'],
        ['crc_errors_ps', 'rate'],
      ]);
  }
  for (let e = 1; e <= 10; e++, dev++)
    add('env', { device: `sensor-${pad(e)}`, ...room }, [
      ['temp_c', 'temp'],
      ['humidity_pct', 'pct'],
    ]);
  return { templates: t, valuesPerScrape: t.reduce((n, x) => n + x.fields.length, 0) };
}

function value(kind: Kind, rnd: () => number): number | boolean {
  const x = rnd();
  switch (kind) {
    case 'pct':
      return Math.round(x * 10_000) / 100;
    case 'bytes':
      return Math.round(x * 2 ** 40);
    case 'bps':
      return Math.round(x * 1e9);
    case 'rate':
      return Math.round(x * x * 1_000) / 100;
    case 'count':
      return Math.round(100 + x * 900);
    case 'temp':
      return Math.round((18 + x * 10) * 10) / 10;
    case 'volt':
      return Math.round((228 + x * 6) * 10) / 10;
    case 'ms':
      return Math.round(x * 5_000) / 1_000;
    case 'bool':
      return x > 0.02;
    case 'load':
      return Math.round(x * 800) / 100;
    case 'secs':
      return Math.round(86_400 + x * 3e7);
  }
}

/**
 * A room at rest, for the rules bench: each series holds near a level of its
 * own (well inside every shipped threshold), links stay up and uptimes grow,
 * so alerts change state as rarely as in a healthy room and the bench
 * measures evaluation rather than a storm of incidents. Uniform noise over the
 * whole range (value()) would cross a 90 % threshold on one disk in ten every
 * round once time moves at the real scrape interval.
 */
function calmValue(kind: Kind, rnd: () => number, level: number, ts: number): number | boolean {
  const x = level + (rnd() - 0.5) * 0.04;
  switch (kind) {
    case 'pct':
      return Math.round((10 + x * 40) * 100) / 100;
    case 'bool':
      return true;
    case 'rate':
      return Math.round(x * 10) / 100;
    case 'temp':
      return Math.round((20 + x * 4) * 10) / 10;
    case 'secs':
      return Math.round(86_400 + level * 1e6 + ts / 1000);
    case 'ms':
      return Math.round(x * 50) / 1_000;
    default:
      return value(kind, rnd);
  }
}

/** Samples [first, first + count) of the stream; `values` counts their fields. */
export function samplesAt(room: Room, first: number, count: number, baseTs: number, intervalMs: number, rnd: () => number, calm = false) {
  const S = room.templates.length;
  const samples: Sample[] = new Array(count);
  let values = 0;
  for (let i = 0; i < count; i++) {
    const k = first + i;
    const tpl = room.templates[k % S] as Template;
    const fields: Sample['fields'] = {};
    const ts = baseTs + Math.floor(k / S) * intervalMs + tpl.offsetMs;
    tpl.fields.forEach(([name, kind], f) => {
      fields[name] = calm ? calmValue(kind, rnd, (((k % S) * 31 + f * 17) % 97) / 97, ts) : value(kind, rnd);
    });
    values += tpl.fields.length;
    samples[i] = { measurement: tpl.measurement, tags: tpl.tags, fields, ts };
  }
  return { samples, values };
}

const escTag = (s: string) => s.replace(/[,= \\]/g, (c) => `\\${c}`);

/** InfluxDB line protocol, millisecond timestamps, tags sorted as InfluxDB clients write them. */
export function toLineProtocol(samples: readonly Sample[]): string {
  let out = '';
  for (const s of samples) {
    let line = s.measurement.replace(/[, \\]/g, (c) => `\\${c}`);
    for (const k of Object.keys(s.tags).sort()) line += `,${escTag(k)}=${escTag(s.tags[k] as string)}`;
    let sep = ' ';
    for (const [k, v] of Object.entries(s.fields)) {
      line += `${sep}${escTag(k)}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`;
      sep = ',';
    }
    out += `${line} ${s.ts}\n`;
  }
  return out;
}
