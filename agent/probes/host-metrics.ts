/**
 * The host probe's metric names (docs/architecture.md §3; names are contracts) and the
 * sample set that groups one gather's fields by measurement and tags. Field
 * names are checked against HOST_METRICS at compile time.
 */
import type { Sample } from '../../collector/contract/index.js';

/** Every measurement and field the host probe emits; names are contracts (docs/architecture.md §3). */
export const HOST_METRICS = {
  cpu: ['usage_pct', 'iowait_pct'],
  load: ['l1', 'l5', 'l15'],
  mem: ['used_pct', 'available_bytes'],
  swap: ['used_pct'],
  disk: ['used_pct', 'free_bytes', 'inodes_used_pct'],
  /** Bytes per second, as disk throughput is quoted. */
  diskio: ['read_bps', 'write_bps', 'util_pct'],
  /** Bits per second, as link speeds are quoted and like the SNMP probe's if.*_bps. */
  net: ['rx_bps', 'tx_bps', 'rx_errors_ps', 'tx_errors_ps'],
  system: ['uptime_s', 'procs'],
  /** `count` goes beyond the catalog's proc.up so rules can expect e.g. 4 workers. */
  proc: ['up', 'count'],
  /** Reference clock minus local clock, NTP's sign: positive means this host is behind. */
  time: ['offset_s'],
} as const;

export type HostMeasurement = keyof typeof HOST_METRICS;
export type HostFields<M extends HostMeasurement> = { [F in (typeof HOST_METRICS)[M][number]]?: number };

export const HOST_TAGS = {
  device: 'device',
  mount: 'mount',
  disk: 'disk',
  iface: 'iface',
  name: 'name',
  source: 'source',
} as const;

/** Values of the `source` tag of time.offset_s. */
export const CLOCK_SOURCES = { ntp: 'ntp', collector: 'collector' } as const;

/** The wire contract's limit; a longer mount path is cut rather than getting the batch refused. */
const MAX_TAG_CHARS = 256;

/** Samples of one gather; fields of the same measurement and tags merge into one sample. */
export class SampleSet {
  private readonly byKey = new Map<string, Sample>();

  constructor(
    private readonly device: string,
    private readonly ts: number,
  ) {}

  get size(): number {
    return this.byKey.size;
  }

  add<M extends HostMeasurement>(measurement: M, fields: HostFields<M>, tags: Record<string, string> = {}): void {
    const values = Object.entries(fields).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]));
    if (values.length === 0) return;
    const key = `${measurement}\0${JSON.stringify(tags)}`;
    let sample = this.byKey.get(key);
    if (!sample) {
      const extra = Object.entries(tags).map(([k, v]) => [k, v.slice(0, MAX_TAG_CHARS)]);
      sample = { measurement, tags: { [HOST_TAGS.device]: this.device, ...Object.fromEntries(extra) }, fields: {}, ts: this.ts };
      this.byKey.set(key, sample);
    }
    for (const [field, value] of values) sample.fields[field] = value;
  }

  list(): Sample[] {
    return [...this.byKey.values()];
  }
}
