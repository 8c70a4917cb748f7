/**
 * `vmstat 1 2` on Linux, AIX, HP-UX and Solaris. The first sample is the
 * average since boot, so only the last one is read. Columns are found by
 * header name: AIX LPARs append pc and ec, Solaris has one column per disk,
 * and AIX and HP-UX print `sy` twice (system calls, then system CPU).
 */
import type { Parser } from '../types.js';
import { Collector, type Line, METRIC, isBlank, num, round2, splitLines } from './common.js';

interface VmstatFlavour {
  command: string;
  /** Header names of the paging columns, or undefined where they are not in pages. */
  pageIn?: string;
  pageOut?: string;
  /** Multiplier from the column's unit to pages. */
  pagesPerUnit: number;
}

/** Group titles and banners that precede the column header. */
const BANNER = /^\s*(procs|kthr|System configuration:|-{3,}|-+\s)/;

function findHeader(lines: Line[]): number {
  return lines.findIndex((l) => {
    const t = l.text.trim().split(/\s+/);
    return t.includes('id') && t.includes('us') && t.includes('r');
  });
}

function vmstatParser(flavour: VmstatFlavour): Parser {
  return (stdout) => {
    const out = new Collector(flavour.command);
    const lines = splitLines(stdout);
    const headerAt = findHeader(lines);
    if (headerAt < 0) {
      if (isBlank(stdout)) out.error('no output');
      else {
        out.error('no vmstat column header found');
        const first = lines.find((l) => l.text.trim() !== '');
        if (first) out.lineError(first, 'not vmstat output');
      }
      return out.result();
    }
    const header = (lines[headerAt] as Line).text.trim().split(/\s+/);
    const samples: number[][] = [];
    for (const line of lines.slice(headerAt + 1)) {
      if (line.text.trim() === '' || BANNER.test(line.text)) continue;
      const values = line.text.trim().split(/\s+/).map(num);
      if (values.length !== header.length || values.some((v) => v === undefined)) {
        out.lineError(line, `expected ${header.length} numeric columns`);
        continue;
      }
      samples.push(values as number[]);
    }
    if (samples.length < 2) {
      // A lone sample is the since-boot average; reporting it as current load would mislead.
      out.error(`expected 2 samples, found ${samples.length}`);
      return out.result();
    }
    const last = samples[samples.length - 1] as number[];
    const col = (name: string, fromEnd = false): number | undefined => {
      const i = fromEnd ? header.lastIndexOf(name) : header.indexOf(name);
      return i < 0 ? undefined : last[i];
    };
    const idle = col('id', true);
    const cpu: Record<string, number> = {};
    if (idle !== undefined) cpu[METRIC.cpu.usage] = round2(100 - idle);
    const wait = col('wa', true);
    if (wait !== undefined) cpu[METRIC.cpu.iowait] = wait;
    out.add(METRIC.cpu.m, cpu);
    if (flavour.pageIn && flavour.pageOut) {
      const pin = col(flavour.pageIn);
      const pout = col(flavour.pageOut);
      if (pin !== undefined && pout !== undefined) {
        out.add(METRIC.mem.m, {
          [METRIC.mem.pageIn]: round2(pin * flavour.pagesPerUnit),
          [METRIC.mem.pageOut]: round2(pout * flavour.pagesPerUnit),
        });
      }
    }
    return out.result();
  };
}

/**
 * Linux has no pi/po; si/so are swap-ins and swap-outs in KiB/s, turned into
 * 4 KiB pages (the page size of x86 and most arm64 kernels).
 */
export const parseVmstatLinux = vmstatParser({ command: 'vmstat 1 2', pageIn: 'si', pageOut: 'so', pagesPerUnit: 1 / 4 });
/** AIX pi/po are 4 KB pages per second from and to paging space. */
export const parseVmstatAix = vmstatParser({ command: 'vmstat 1 2', pageIn: 'pi', pageOut: 'po', pagesPerUnit: 1 });
/** HP-UX pi/po are pages per second; HP-UX reports no I/O wait column. */
export const parseVmstatHpux = vmstatParser({ command: 'vmstat 1 2', pageIn: 'pi', pageOut: 'po', pagesPerUnit: 1 });
/**
 * Solaris pi/po are kilobytes per second and the page size differs between SPARC
 * (8 KB) and x86 (4 KB), which the output does not say, so paging is left out;
 * Solaris vmstat has no wa column either.
 */
export const parseVmstatSolaris = vmstatParser({ command: 'vmstat 1 2', pagesPerUnit: 1 });
