/**
 * HP-UX without root: real memory (installed memory from machinfo, the free
 * list from vmstat, in pages of `getconf PAGE_SIZE`) instead of swapinfo's
 * pseudo-swap, and device health from `ioscan -P health` (11i v3).
 */
import type { Parser } from '../types.js';
import { Collector, isBlank, METRIC, round2, splitLines } from './common.js';

/** machinfo prints "Memory: 16353 MB (15.97 GB)" on 11i v3 and "Memory = 8190 MB (7.998 GB)" on 11i v2. */
const MACHINFO_MEMORY = /^\s*Memory\s*[:=]\s*(\d+)\s*MB/i;

/**
 * `getconf PAGE_SIZE; machinfo | grep -i memory; vmstat 1 2`: the page size,
 * the installed memory, and the free list of the last vmstat sample (the
 * first is the average since boot). The file cache counts as used, as HP-UX
 * itself counts it.
 */
export const parseMemoryHpux: Parser = (stdout) => {
  const out = new Collector('memory (machinfo, vmstat)');
  let page: number | undefined;
  let installed: number | undefined;
  let columns: string[] | undefined;
  let last: string[] | undefined;
  for (const line of splitLines(stdout)) {
    const t = line.text.trim();
    if (page === undefined && /^\d+$/.test(t)) page = Number(t);
    const mem = MACHINFO_MEMORY.exec(line.text);
    if (mem) installed = Number(mem[1]) * 1024 * 1024;
    const tokens = t.split(/\s+/);
    if (tokens.includes('avm') && tokens.includes('free')) columns = tokens;
    else if (columns && tokens.length === columns.length && tokens.every((x) => /^\d+$/.test(x))) last = tokens;
  }
  if (page === undefined) out.error('no page size (getconf PAGE_SIZE) line');
  if (installed === undefined) out.error(isBlank(stdout) ? 'empty output' : "no 'Memory:' line from machinfo");
  const free = columns && last ? Number(last[columns.indexOf('free')]) : undefined;
  if (free === undefined) out.error('no vmstat sample with a free column');
  if (page !== undefined && installed !== undefined && free !== undefined && installed > 0) {
    const freeBytes = free * page;
    out.add(METRIC.mem.m, { [METRIC.mem.usedPct]: round2(Math.max(0, ((installed - freeBytes) / installed) * 100)), [METRIC.mem.availableBytes]: freeBytes, [METRIC.mem.totalBytes]: installed });
  }
  return out.result();
};

const HEALTHY = new Set(['online', 'standby', 'n/a', 'na', '-']);

/**
 * `ioscan -P health` (11i v3): "Class I H/W Path health" rows. Counts per
 * class the devices whose health is not online (offline, limited, unusable,
 * testing, disabled): `limited` on a LUN is a multipath LUN that lost paths.
 */
export const parseIoscanHealthHpux: Parser = (stdout) => {
  const out = new Collector('ioscan -P health');
  let header = false;
  const bad = new Map<string, number>();
  for (const line of splitLines(stdout)) {
    const t = line.text.trim();
    if (/^Class\s+I\s+H\/W Path\s+health$/i.test(t)) {
      header = true;
      continue;
    }
    if (!header || t === '' || /^=+$/.test(t)) continue;
    const tokens = t.split(/\s+/);
    if (tokens.length < 3) {
      out.lineError(line, 'expected Class, I, H/W Path and health');
      continue;
    }
    const cls = tokens[0] as string;
    const health = (tokens.length >= 4 ? tokens.at(-1) : '-') as string;
    bad.set(cls, (bad.get(cls) ?? 0) + (HEALTHY.has(health.toLowerCase()) ? 0 : 1));
  }
  if (!header) out.error(isBlank(stdout) ? 'empty output' : "no 'Class I H/W Path health' header (HP-UX 11i v3 ioscan -P health?)");
  for (const [cls, n] of bad) out.add('hw', { unhealthy: n }, { class: cls });
  return out.result();
};
