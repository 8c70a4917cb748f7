/**
 * Disk usage tables: `df -kP` (Linux, AIX, Solaris), `df -iP`, HP-UX `bdf` and
 * AIX's own `df -k`. All of them are "Filesystem, N numeric columns, Mounted on",
 * so one table reader finds the columns by header name and the four commands
 * differ only in which columns they turn into metrics.
 */
import type { Parser } from '../types.js';
import { Collector, type Line, METRIC, isBlank, num, pct, splitLines, tokensWithEnds } from './common.js';

/**
 * Filesystems that hold no disk space worth watching. Linux shows them with 0
 * blocks or "-", Solaris with 0 blocks under names such as `swap` (tmpfs) and
 * `-hosts` (automounter), AIX with "-" for /proc.
 */
const PSEUDO_FS = new Set([
  'proc',
  'sysfs',
  'devtmpfs',
  'tmpfs',
  'devpts',
  'securityfs',
  'cgroup',
  'cgroup2',
  'pstore',
  'bpf',
  'debugfs',
  'tracefs',
  'mqueue',
  'hugetlbfs',
  'configfs',
  'fusectl',
  'binfmt_misc',
  'autofs',
  'rpc_pipefs',
  'nsfs',
  'efivarfs',
  'udev',
  'none',
  'shm',
  'swap',
  'fd',
  'mnttab',
  'ctfs',
  'objfs',
  'sharefs',
  '/proc',
  '/dev',
  '-hosts',
  '-fedfs',
  'auto_home',
  'auto_master',
]);
const PSEUDO_MOUNT = new Set(['/proc', '/dev/fd', '/dev/pts', '/dev/shm', '/sys', '/system/contract', '/system/object', '/etc/mnttab', '/etc/dfs/sharetab']);

/** Bytes per block of the size columns, read from the size column's header. */
const BLOCK_BYTES: Record<string, number> = {
  '1024-blocks': 1024,
  '1k-blocks': 1024,
  kbytes: 1024,
  '512-blocks': 512,
  mb: 1024 ** 2,
  gb: 1024 ** 3,
};

interface DfRow {
  line: Line;
  fs: string;
  mount: string;
  /** Lower-cased header name -> cell text. */
  cells: Map<string, string>;
}

/**
 * Reads a df-like table. Rows whose device name is too long are wrapped by df
 * and bdf (device alone on one line, numbers on the next); they are joined here.
 * Lines before the header are messages (`df: '/x': No such file or directory`).
 */
function readTable(stdout: string, out: Collector): { rows: DfRow[]; blockBytes: number } {
  const rows: DfRow[] = [];
  let columns: string[] | undefined;
  let blockBytes = 1024;
  let pending: Line | undefined;
  for (const line of splitLines(stdout)) {
    if (line.text.trim() === '') continue;
    if (!columns) {
      if (/^Filesystem\s/.test(line.text)) {
        const head = line.text.trim().split(/\s+/);
        // "Mounted on" is two words; "GB blocks" (df -g) too.
        columns = head.slice(1, head[head.length - 2] === 'Mounted' ? -2 : -1).map((c) => c.toLowerCase());
        if (columns[0] === 'gb' || columns[0] === 'mb') columns.splice(1, 1);
        blockBytes = BLOCK_BYTES[columns[0] ?? ''] ?? 1024;
      } else {
        out.lineError(line, 'not df output');
      }
      continue;
    }
    const tokens = tokensWithEnds(line.text);
    if (tokens.length === 1 && !pending) {
      pending = line;
      continue;
    }
    const fs = pending ? pending.text.trim() : (tokens[0]?.token ?? '');
    const values = pending ? tokens : tokens.slice(1);
    const numbersLookRight = values.slice(0, columns.length).every((v) => /^(-|\d+(\.\d+)?%?)$/.test(v.token));
    if (pending && !numbersLookRight) {
      // The lone word was not a wrapped device name after all (truncated output).
      out.lineError(pending, 'device name without figures');
      pending = undefined;
      rows.push(...readRow(line, tokens[0]?.token ?? '', tokens.slice(1), columns, out));
      continue;
    }
    rows.push(...readRow(pending ?? line, fs, values, columns, out, line));
    pending = undefined;
  }
  if (pending) out.lineError(pending, 'device name without figures');
  if (!columns) out.error(isBlank(stdout) ? 'no output' : 'no "Filesystem" header found');
  return { rows, blockBytes };
}

function readRow(first: Line, fs: string, values: { token: string; end: number }[], columns: string[], out: Collector, last: Line = first): DfRow[] {
  const lastValue = values[columns.length - 1];
  const mount = lastValue ? last.text.slice(lastValue.end).trim() : '';
  const figures = values.slice(0, columns.length);
  if (!lastValue || mount === '' || !figures.every((v) => /^(-|\d+(\.\d+)?%?)$/.test(v.token))) {
    out.lineError(last, 'unreadable row');
    return [];
  }
  const cells = new Map(columns.map((c, i) => [c, figures[i]?.token ?? '']));
  return [{ line: first, fs, mount, cells }];
}

function isPseudo(row: DfRow, sizeColumn: string): boolean {
  if (PSEUDO_FS.has(row.fs) || PSEUDO_MOUNT.has(row.mount)) return true;
  const size = num(row.cells.get(sizeColumn));
  return size === undefined || size === 0;
}

function pick(row: DfRow, names: string[]): string | undefined {
  for (const n of names) if (row.cells.has(n)) return row.cells.get(n);
  return undefined;
}

const SPACE_PCT = ['capacity', 'use%', '%used'];
const AVAIL = ['available', 'avail', 'free'];
const INODE_PCT = ['iuse%', '%iused', '%iuse'];

/**
 * Space columns to disk.used_pct and disk.free_bytes. The percentage is the one
 * the tool prints, because it already accounts for root-reserved blocks the way
 * the admin sees it; free_bytes is what an unprivileged writer can still use.
 * Inode percentages are added when the table has them (AIX df -k, bdf -i).
 */
function spaceParser(command: string): Parser {
  return (stdout) => {
    const out = new Collector(command);
    const { rows, blockBytes } = readTable(stdout, out);
    for (const row of rows) {
      const sizeColumn = [...row.cells.keys()][0] ?? '';
      if (isPseudo(row, sizeColumn)) continue;
      const usedPct = pct(pick(row, SPACE_PCT));
      const free = num(pick(row, AVAIL));
      const inodesPct = pct(pick(row, INODE_PCT));
      const fields: Record<string, number> = {};
      if (usedPct !== undefined) fields[METRIC.disk.usedPct] = usedPct;
      if (free !== undefined) fields[METRIC.disk.freeBytes] = free * blockBytes;
      if (inodesPct !== undefined) fields[METRIC.disk.inodesUsedPct] = inodesPct;
      if (Object.keys(fields).length === 0) {
        out.lineError(row.line, 'no usable figures');
        continue;
      }
      out.add(METRIC.disk.m, fields, { mount: row.mount });
    }
    return out.result();
  };
}

/** `df -iP`: only the inode percentage; filesystems without inodes (vfat, btrfs) show 0 or "-". */
export const parseDfInodesLinux: Parser = (stdout) => {
  const out = new Collector('df -iP');
  const { rows } = readTable(stdout, out);
  for (const row of rows) {
    if (isPseudo(row, 'inodes')) continue;
    const used = pct(pick(row, INODE_PCT));
    if (used === undefined) {
      out.lineError(row.line, 'no inode percentage');
      continue;
    }
    out.add(METRIC.disk.m, { [METRIC.disk.inodesUsedPct]: used }, { mount: row.mount });
  }
  return out.result();
};

export const parseDfPosix: Parser = spaceParser('df -kP');
export const parseBdfHpux: Parser = spaceParser('bdf');
export const parseDfAix: Parser = spaceParser('df -k');
