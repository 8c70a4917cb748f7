/**
 * Solaris memory from one command line:
 *   pagesize; /usr/sbin/prtconf 2>/dev/null | grep 'Memory size'; vmstat 1 2
 * prtconf gives the installed memory, the last vmstat sample the free list
 * (KB), the page-ins and page-outs (KB/s, turned into pages with `pagesize`:
 * 8 KB on SPARC, 4 KB on x86) and the scan rate, Solaris's own sign of memory
 * pressure (the page scanner runs only when free memory runs short).
 * Free memory on Solaris leaves out the ZFS ARC, which gives memory back on
 * demand, so mem.used_pct reads high on ZFS hosts; the scan rate does not.
 */
import type { Parser } from '../types.js';
import { Collector, METRIC, isBlank, num, round2, splitLines } from './common.js';

const COMMAND = 'solaris memory';
const MEMORY_SIZE = /^Memory size:\s+(\d+)\s+(Megabytes|Gigabytes|Kilobytes)/i;
const UNIT_BYTES: Record<string, number> = { kilobytes: 1024, megabytes: 1024 ** 2, gigabytes: 1024 ** 3 };

export const parseMemorySolaris: Parser = (stdout) => {
  const out = new Collector(COMMAND);
  if (isBlank(stdout)) {
    out.error('no output');
    return out.result();
  }
  const lines = splitLines(stdout);
  let pageBytes: number | undefined;
  let totalBytes: number | undefined;
  let header: string[] | undefined;
  let last: number[] | undefined;
  let samples = 0;
  for (const line of lines) {
    const text = line.text.trim();
    if (text === '') continue;
    if (pageBytes === undefined && header === undefined && /^\d+$/.test(text)) {
      pageBytes = Number(text);
      continue;
    }
    const mem = MEMORY_SIZE.exec(text);
    if (mem) {
      totalBytes = Number(mem[1]) * (UNIT_BYTES[(mem[2] as string).toLowerCase()] as number);
      continue;
    }
    const tokens = text.split(/\s+/);
    if (tokens.includes('free') && tokens.includes('sr')) {
      header = tokens;
      continue;
    }
    if (header === undefined || /^kthr/.test(text)) continue;
    const values = tokens.map(num);
    if (values.length !== header.length || values.some((v) => v === undefined)) {
      out.lineError(line, `expected ${header.length} numeric vmstat columns`);
      continue;
    }
    last = values as number[];
    samples++;
  }
  const col = (name: string) => (header && last ? last[header.indexOf(name)] : undefined);
  const freeKb = col('free');
  if (totalBytes === undefined) out.error("no 'Memory size:' line from prtconf");
  if (!header) out.error('no vmstat column header found');
  else if (samples < 2) out.error(`expected 2 vmstat samples, found ${samples}`);
  if (samples >= 2 && freeKb !== undefined) {
    const freeBytes = freeKb * 1024;
    out.add(METRIC.mem.m, { [METRIC.mem.availableBytes]: freeBytes });
    if (totalBytes !== undefined && totalBytes > 0) out.add(METRIC.mem.m, { [METRIC.mem.usedPct]: round2(Math.max(0, ((totalBytes - freeBytes) / totalBytes) * 100)) });
    const sr = col('sr');
    if (sr !== undefined) out.add(METRIC.mem.m, { scan_rate_ps: sr });
    const pi = col('pi');
    const po = col('po');
    if (pageBytes !== undefined && pageBytes > 0 && pi !== undefined && po !== undefined) {
      out.add(METRIC.mem.m, { [METRIC.mem.pageIn]: round2((pi * 1024) / pageBytes), [METRIC.mem.pageOut]: round2((po * 1024) / pageBytes) });
    } else if (pageBytes === undefined) out.error('no page size line (pagesize) before the vmstat output');
  }
  return out.result();
};
