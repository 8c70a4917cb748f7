/**
 * Shared pieces of the Unix command parsers: line splitting with line numbers,
 * a collector that groups fields into samples and words errors the same way
 * everywhere, and number reading that treats "-" as "no value".
 */
import type { ParsedMetric, ParseResult } from '../types.js';

/** Measurement and field names; names are contracts (docs/architecture.md §3). */
export const METRIC = {
  cpu: { m: 'cpu', usage: 'usage_pct', iowait: 'iowait_pct' },
  load: { m: 'load', l1: 'l1', l5: 'l5', l15: 'l15' },
  mem: { m: 'mem', usedPct: 'used_pct', availableBytes: 'available_bytes', totalBytes: 'total_bytes', pageIn: 'page_in_ps', pageOut: 'page_out_ps' },
  swap: { m: 'swap', usedPct: 'used_pct', usedBytes: 'used_bytes' },
  disk: { m: 'disk', usedPct: 'used_pct', freeBytes: 'free_bytes', inodesUsedPct: 'inodes_used_pct' },
  system: { m: 'system', uptime: 'uptime_s' },
  errlog: { m: 'errlog', newEntries: 'new_entries', entry: 'entry' },
  mpath: { m: 'mpath', total: 'paths_total', active: 'paths_active', failed: 'paths_failed', pathOk: 'path_ok' },
} as const;

export interface Line {
  /** 1-based, as an operator counts lines in the command's output. */
  no: number;
  text: string;
}

export function splitLines(stdout: string): Line[] {
  return stdout.split(/\r?\n/).map((text, i) => ({ no: i + 1, text }));
}

/** Rounds percentages so that fixtures and alerts compare exact, readable values. */
export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** A number, or undefined for "-", "", "12%"-less garbage and anything not finite. */
export function num(text: string | undefined): number | undefined {
  if (text === undefined || text === '' || text === '-') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** "58%" -> 58; "-" and anything else -> undefined. */
export function pct(text: string | undefined): number | undefined {
  if (text === undefined || !text.endsWith('%')) return undefined;
  return num(text.slice(0, -1));
}

/**
 * Collects the result of one parse. Fields added with the same measurement and
 * tags merge into one sample, so a mount's used_pct and free_bytes travel together.
 */
export class Collector {
  readonly metrics: ParsedMetric[] = [];
  readonly errors: string[] = [];
  private readonly byKey = new Map<string, ParsedMetric>();

  /** `command` is what the probe ran, so an error names it for the operator. */
  constructor(readonly command: string) {}

  add(measurement: string, fields: Record<string, number | string>, tags: Record<string, string> = {}): void {
    const key = `${measurement}\0${JSON.stringify(tags)}`;
    let metric = this.byKey.get(key);
    if (!metric) {
      metric = Object.keys(tags).length > 0 ? { measurement, tags, fields: {} } : { measurement, fields: {} };
      this.byKey.set(key, metric);
      this.metrics.push(metric);
    }
    Object.assign(metric.fields, fields);
  }

  lineError(line: Line, reason: string): void {
    const shown = line.text.length > 120 ? `${line.text.slice(0, 120)}…` : line.text;
    this.errors.push(`${this.command}: line ${line.no}: ${reason}: ${JSON.stringify(shown)}`);
  }

  error(reason: string): void {
    this.errors.push(`${this.command}: ${reason}`);
  }

  result(): ParseResult {
    return { metrics: this.metrics, errors: this.errors };
  }
}

/** True when the output holds nothing but whitespace. */
export function isBlank(stdout: string): boolean {
  return stdout.trim() === '';
}

/** Tokens of a line together with where each ends, so a trailing column can keep its inner spaces. */
export function tokensWithEnds(text: string): { token: string; end: number }[] {
  const out: { token: string; end: number }[] = [];
  const re = /\S+/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push({ token: m[0], end: m.index + m[0].length });
  return out;
}
