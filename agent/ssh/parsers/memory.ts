/**
 * Memory and paging space: Linux /proc/meminfo, AIX `svmon -G` and `lsps -s`,
 * HP-UX `swapinfo -tam`, Solaris `swap -s`.
 */
import { parseMeminfo } from '../../probes/host-proc.js';
import type { Parser } from '../types.js';
import { Collector, type Line, METRIC, isBlank, num, pct, round2, splitLines } from './common.js';

function nothing(out: Collector, stdout: string, what: string): void {
  out.error(isBlank(stdout) ? 'no output' : `no ${what} found`);
}

/**
 * `cat /proc/meminfo`. Used memory is MemTotal − MemAvailable (kernels before
 * 3.14 lack MemAvailable; the host probe's reader falls back to free + caches).
 */
export const parseMeminfoLinux: Parser = (stdout) => {
  const out = new Collector('cat /proc/meminfo');
  for (const line of splitLines(stdout)) {
    if (line.text.trim() === '') continue;
    // Every value is in kB except the HugePages_ counts; a missing unit means the line was cut.
    const unitless = /^HugePages_\w+:/.test(line.text);
    if (!(unitless ? /^[\w()]+:\s+\d+\s*$/ : /^[\w()]+:\s+\d+\s+kB\s*$/).test(line.text)) out.lineError(line, 'not a meminfo line');
  }
  const mem = parseMeminfo(stdout);
  if (!mem) {
    nothing(out, stdout, 'MemTotal');
    return out.result();
  }
  out.add(METRIC.mem.m, {
    [METRIC.mem.usedPct]: round2(((mem.totalBytes - mem.availableBytes) / mem.totalBytes) * 100),
    [METRIC.mem.availableBytes]: mem.availableBytes,
  });
  if (/^SwapTotal:/m.test(stdout)) {
    const used = mem.swapTotalBytes - mem.swapFreeBytes;
    out.add(METRIC.swap.m, {
      [METRIC.swap.usedPct]: mem.swapTotalBytes > 0 ? round2((used / mem.swapTotalBytes) * 100) : 0,
      [METRIC.swap.usedBytes]: used,
    });
  }
  return out.result();
};

const SVMON_UNIT: Record<string, number> = { KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
/** Lines of `svmon -G` that carry nothing this parser needs. */
const SVMON_OTHER = /^(pin\s|in use\s|PageSize\s|[smLS]\s+\d+\s+[KMG]B\s|-{5,})/;

/**
 * `svmon -G`, in 4 KB pages unless `-O unit=` printed a "Unit:" line.
 * mem.used_pct is virtual/size: computational memory, which is what AIX admins
 * watch, because AIX fills the rest with file cache and "inuse" is always near
 * 100%. Available memory is the "available" column where AIX prints it, else
 * size − virtual (free frames plus file pages the VMM can steal).
 */
export const parseSvmonAix: Parser = (stdout) => {
  const out = new Collector('svmon -G');
  let unit = 4096;
  let columns: string[] | undefined;
  let memory: Line | undefined;
  let pgSpace: Line | undefined;
  for (const line of splitLines(stdout)) {
    const text = line.text;
    if (text.trim() === '') continue;
    const unitMatch = /^Unit:\s*(\w+)/.exec(text);
    if (unitMatch) {
      const factor = SVMON_UNIT[unitMatch[1] as string];
      if (factor) unit = factor;
      else out.lineError(line, 'unit not supported');
    } else if (/^\s/.test(text) && /\bsize\b/.test(text) && /\bvirtual\b/.test(text)) columns = text.trim().split(/\s+/);
    else if (/^memory\s/.test(text)) memory = line;
    else if (/^pg space\s/.test(text)) pgSpace = line;
    else if (!(/^\s/.test(text) || SVMON_OTHER.test(text))) out.lineError(line, 'not svmon -G output');
  }
  if (!columns || !memory) {
    nothing(out, stdout, '"memory" line');
    return out.result();
  }
  const values = memory.text.trim().split(/\s+/).slice(1);
  const cell = (name: string): number | undefined => {
    const i = columns?.indexOf(name) ?? -1;
    return i < 0 ? undefined : num(values[i]);
  };
  const size = cell('size');
  const virtual = cell('virtual');
  if (size === undefined || virtual === undefined || size <= 0) {
    out.lineError(memory, 'no size or virtual');
  } else {
    const available = cell('available') ?? size - virtual;
    out.add(METRIC.mem.m, {
      [METRIC.mem.usedPct]: round2((virtual / size) * 100),
      [METRIC.mem.availableBytes]: available * unit,
    });
  }
  if (pgSpace) {
    // "pg space" is two words, then size and inuse.
    const [pgSize, pgUsed] = pgSpace.text.trim().split(/\s+/).slice(2).map(num);
    if (pgSize === undefined || pgUsed === undefined || pgSize <= 0) out.lineError(pgSpace, 'no paging space size or inuse');
    else out.add(METRIC.swap.m, { [METRIC.swap.usedPct]: round2((pgUsed / pgSize) * 100), [METRIC.swap.usedBytes]: pgUsed * unit });
  }
  return out.result();
};

/** `lsps -s`: "Total Paging Space   Percent Used" then e.g. "      512MB               1%". */
export const parseLspsAix: Parser = (stdout) => {
  const out = new Collector('lsps -s');
  const lines = splitLines(stdout).filter((l) => l.text.trim() !== '');
  const headerAt = lines.findIndex((l) => /Total Paging Space\s+Percent Used/.test(l.text));
  const row = headerAt < 0 ? undefined : lines[headerAt + 1];
  if (!row) {
    nothing(out, stdout, '"Total Paging Space" table');
    for (const l of lines) out.lineError(l, 'not lsps -s output');
    return out.result();
  }
  const m = /^\s*(\d+)([MG])B\s+(\d+)%\s*$/.exec(row.text);
  if (!m) out.lineError(row, 'expected size and percentage');
  else out.add(METRIC.swap.m, { [METRIC.swap.usedPct]: Number(m[3]) });
  return out.result();
};

const SWAPINFO_TYPES = new Set(['dev', 'fs', 'localfs', 'network', 'reserve', 'memory', 'total']);

/**
 * HP-UX `swapinfo -tam` (megabytes). swap.* come from the "total" line, which
 * includes pseudo-swap. The "memory" line is not read as memory use.
 */
export const parseSwapinfoHpux: Parser = (stdout) => {
  const out = new Collector('swapinfo -tam');
  let sawHeader = false;
  let total = false;
  for (const line of splitLines(stdout)) {
    const t = line.text.trim().split(/\s+/);
    const type = t[0] ?? '';
    if (line.text.trim() === '') continue;
    if (/^(Mb|TYPE)$/.test(type)) {
      sawHeader = true;
      continue;
    }
    if (!sawHeader || !SWAPINFO_TYPES.has(type)) {
      out.lineError(line, 'not swapinfo output');
      continue;
    }
    if (type !== 'total' && type !== 'memory') continue;
    const used = num(t[2]);
    const usedPct = pct(t[4]);
    if (used === undefined || usedPct === undefined) {
      out.lineError(line, 'no USED or PCT USED');
      continue;
    }
    // The "memory" line is pseudo-swap (swap space reserved in RAM), which HP calls misleading as a memory
    // figure: mem.* come from the memory_hpux check (machinfo and vmstat) instead.
    if (type === 'memory') continue;
    total = true;
    out.add(METRIC.swap.m, { [METRIC.swap.usedPct]: usedPct, [METRIC.swap.usedBytes]: used * 1024 ** 2 });
  }
  if (!total) nothing(out, stdout, '"total" line (was -t given?)');
  return out.result();
};

/**
 * Solaris `swap -s`: "total: 1041800k bytes allocated + 214180k reserved =
 * 1255980k used, 6059348k available". Used includes reservations, as the
 * kernel counts them against the swap that is left.
 */
export const parseSwapSolaris: Parser = (stdout) => {
  const out = new Collector('swap -s');
  const lines = splitLines(stdout).filter((l) => l.text.trim() !== '');
  const re = /total:\s*\d+k bytes allocated \+ \d+k reserved = (\d+)k used, (\d+)k available/;
  let found = false;
  for (const line of lines) {
    const m = re.exec(line.text);
    if (!m) {
      out.lineError(line, 'not swap -s output');
      continue;
    }
    const used = Number(m[1]);
    const available = Number(m[2]);
    found = true;
    out.add(METRIC.swap.m, {
      [METRIC.swap.usedPct]: used + available > 0 ? round2((used / (used + available)) * 100) : 0,
      [METRIC.swap.usedBytes]: used * 1024,
    });
  }
  if (!found) nothing(out, stdout, '"total:" line');
  return out.result();
};
