/**
 * Parsers for HPE 3PAR InForm OS 3.x CLI output (showsys, showpd, showcpg,
 * shownode) as printed over SSH. Columns are found by their header names, not
 * by position, because they move between releases (showpd lost its port
 * columns on newer systems, showcpg's grouped header changed in 3.3).
 * Capacities are printed in "MB" by older releases and "MiB" by newer ones;
 * both are 2^20 bytes.
 */
import { Collector, round2, splitLines, type Line } from './parsers/common.js';
import type { Parser } from './types.js';
import { readCsv, showcpgCsv, showsysCsv } from './hp3par-csv.js';

const MIB = 1024 * 1024;

/** Measurement and field names; names are contracts (docs/architecture.md §3). */
export const STORAGE = {
  m: 'storage',
  poolUsedPct: 'pool_used_pct',
  poolCapacity: 'pool_capacity_bytes',
  poolUsed: 'pool_used_bytes',
  poolFree: 'pool_free_bytes',
  diskFailed: 'disk_failed',
  disks: 'disks',
  disksFailed: 'disks_failed',
  disksDegraded: 'disks_degraded',
  controllerOk: 'controller_ok',
} as const;

interface Table {
  /** Column names, prefixed by the group above them where there is one ("Usr.Total"). */
  columns: string[];
  rows: { line: Line; cells: string[] }[];
  /** The "N total ..." line under the "-----" rule; absent when the output was cut. */
  total: Line | undefined;
}

/** "--Name---" -> "Name": 3PAR pads header names with dashes to the column width. */
const bare = (token: string) => token.replace(/^-+|-+$/g, '');
const isRule = (text: string) => /^-{5,}$/.test(text.trim());

/**
 * Group labels of a header line such as "----- Usr ----- ---- Snp ---- -Usage-",
 * each with the character span it covers.
 */
function groupsOf(text: string): { label: string; from: number; to: number }[] {
  const out: { label: string; from: number; to: number }[] = [];
  const re = /-+ *([A-Za-z0-9_()%/]+) *-+/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push({ label: m[1] as string, from: m.index, to: m.index + m[0].length });
  return out;
}

/**
 * Reads a 3PAR table: the header is the first line whose first word is
 * `first` (after trimming dashes); a group line directly above it names the
 * columns under each group. Data rows must have as many cells as the header;
 * other lines are reported, the totals line is kept apart.
 */
function readTable(lines: Line[], first: string, out: Collector): Table | undefined {
  const at = lines.findIndex((l) => bare(l.text.trim().split(/\s+/)[0] ?? '') === first);
  if (at < 0) return undefined;
  const header = lines[at] as Line;
  const above = at > 0 ? groupsOf((lines[at - 1] as Line).text) : [];
  const columns: string[] = [];
  const re = /\S+/g;
  for (let m = re.exec(header.text); m; m = re.exec(header.text)) {
    const from = m.index;
    const to = from + m[0].length;
    const group = above.find((g) => g.from < to && from < g.to && !/^\(/.test(g.label));
    columns.push(group ? `${group.label}.${bare(m[0])}` : bare(m[0]));
  }
  const table: Table = { columns, rows: [], total: undefined };
  let afterRule = false;
  for (const line of lines.slice(at + 1)) {
    const t = line.text.trim();
    if (t === '') continue;
    if (isRule(t)) {
      afterRule = true;
      continue;
    }
    const cells = t.split(/\s+/);
    if (cells[1] === 'total' || (afterRule && /^\d+$/.test(t))) {
      table.total = line;
      continue;
    }
    if (cells.length === columns.length) table.rows.push({ line, cells });
    else out.lineError(line, `expected ${columns.length} columns, got ${cells.length}`);
  }
  return table;
}

/** The unit printed above a capacity header: "(MB)" or "(MiB)"; both are MiB on 3PAR. */
function capacityGroup(lines: Line[]): boolean {
  return lines.some((l) => /\((MB|MiB)\)/.test(l.text));
}

const cell = (table: Table, cells: string[], column: string): string | undefined => {
  const i = table.columns.indexOf(column);
  return i < 0 ? undefined : cells[i];
};

function integer(value: string | undefined): number | undefined {
  return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : undefined;
}

function missingHeader(out: Collector, lines: Line[], expected: string): void {
  const first = lines.find((l) => l.text.trim() !== '');
  out.error(`no '${expected}' header${first ? `; output starts ${JSON.stringify(first.text.trim().slice(0, 120))}` : ' (empty output)'}`);
}

/**
 * showsys: one row under "ID --Name--- ---Model---- -Serial- Nodes Master TotalCap AllocCap FreeCap FailedCap".
 * The model can hold a space ("HP_3PAR 7200c"), so the row is read from both ends.
 */
export const parseShowsys: Parser = (stdout) => {
  const out = new Collector('showsys');
  const lines = splitLines(stdout);
  const csv = readCsv(lines, 'id', out);
  if (csv) {
    showsysCsv(csv, out);
    return out.result();
  }
  const at = lines.findIndex((l) => /^\s*ID\s+-*Name-*\s+-*Model-*\s+-*Serial-*\s+Nodes\b/.test(l.text));
  if (at < 0) {
    missingHeader(out, lines, 'ID Name Model Serial Nodes');
    return out.result();
  }
  const line = lines.slice(at + 1).find((l) => l.text.trim() !== '');
  const cells = line?.text.trim().split(/\s+/) ?? [];
  const numbers = cells.slice(-6).map(integer);
  if (!line || cells.length < 10 || numbers.some((n) => n === undefined)) {
    if (line) out.lineError(line, 'expected ID, name, model, serial and six numbers');
    else out.error('no system row after the header (truncated?)');
    return out.result();
  }
  const [nodes, master, total, alloc, free, failed] = numbers as number[];
  out.add(STORAGE.m, {
    system_name: cells[1] as string,
    model: cells.slice(2, -7).join(' '),
    serial: cells.at(-7) as string,
    nodes: nodes as number,
    master_node: master as number,
    capacity_bytes: (total as number) * MIB,
    allocated_bytes: (alloc as number) * MIB,
    free_bytes: (free as number) * MIB,
    failed_bytes: (failed as number) * MIB,
  });
  return out.result();
};

const PD_STATES = new Set(['normal', 'degraded', 'failed', 'new']);

/**
 * showpd: storage.disk_failed {slot = CagePos} per disk (1 only for "failed";
 * "degraded" still serves I/O and is counted apart), and device-level counts.
 */
export const parseShowpd: Parser = (stdout) => {
  const out = new Collector('showpd');
  const lines = splitLines(stdout);
  if (lines.some((l) => l.text.trim() === 'No PDs listed')) {
    out.add(STORAGE.m, { [STORAGE.disks]: 0, [STORAGE.disksFailed]: 0, [STORAGE.disksDegraded]: 0 });
    return out.result();
  }
  const table = readTable(lines, 'Id', out);
  if (!table || !table.columns.includes('CagePos') || !table.columns.includes('State')) {
    missingHeader(out, lines, 'Id CagePos Type RPM State');
    return out.result();
  }
  let failed = 0;
  let degraded = 0;
  let disks = 0;
  for (const { line, cells } of table.rows) {
    const slot = cell(table, cells, 'CagePos') as string;
    const state = (cell(table, cells, 'State') as string).toLowerCase();
    if (!PD_STATES.has(state)) {
      out.lineError(line, `unknown disk state '${state}'`);
      continue;
    }
    disks++;
    if (state === 'failed') failed++;
    if (state === 'degraded') degraded++;
    out.add(STORAGE.m, { [STORAGE.diskFailed]: state === 'failed' ? 1 : 0 }, { slot });
  }
  if (!table.total) out.error('no totals line after the disk table (output truncated?)');
  out.add(STORAGE.m, { [STORAGE.disks]: disks, [STORAGE.disksFailed]: failed, [STORAGE.disksDegraded]: degraded });
  return out.result();
};

/**
 * showcpg: storage.pool_used_pct {pool} per CPG. Up to 3.2 the header groups
 * Total/Used under "Usr", "Snp" and "Adm"; a CPG's pool is its user and
 * snapshot space (admin space is metadata). From 3.3 the MiB group holds
 * Base, Snp, Free and Total, and used is Total - Free.
 */
export const parseShowcpg: Parser = (stdout) => {
  const out = new Collector('showcpg');
  const lines = splitLines(stdout);
  const csv = readCsv(lines, 'id', out);
  if (csv) {
    showcpgCsv(csv, out);
    return out.result();
  }
  const table = readTable(lines, 'Id', out);
  if (!table || !table.columns.includes('Name')) {
    missingHeader(out, lines, 'Id Name Warn%');
    return out.result();
  }
  const grouped = table.columns.includes('Usr.Total') && table.columns.includes('Usr.Used');
  const flat = table.columns.includes('Total') && table.columns.includes('Free');
  if (!(grouped || flat) || !capacityGroup(lines)) {
    out.error(`unrecognised column layout: ${table.columns.join(' ')}`);
    return out.result();
  }
  for (const { line, cells } of table.rows) {
    const pool = cell(table, cells, 'Name') as string;
    const get = (c: string) => integer(cell(table, cells, c));
    let capacity: number | undefined;
    let used: number | undefined;
    if (grouped) {
      const parts = [get('Usr.Total'), get('Usr.Used'), get('Snp.Total') ?? 0, get('Snp.Used') ?? 0];
      if (parts[0] !== undefined && parts[1] !== undefined) {
        capacity = (parts[0] + (parts[2] as number)) * MIB;
        used = (parts[1] + (parts[3] as number)) * MIB;
      }
    } else {
      const total = get('Total');
      const free = get('Free');
      if (total !== undefined && free !== undefined) {
        capacity = total * MIB;
        used = (total - free) * MIB;
      }
    }
    if (capacity === undefined || used === undefined) {
      out.lineError(line, 'capacity columns are not numbers');
      continue;
    }
    const fields: Record<string, number> = { [STORAGE.poolCapacity]: capacity, [STORAGE.poolUsed]: used, [STORAGE.poolFree]: capacity - used };
    // A CPG without logical disks yet has no capacity to be a percentage of.
    if (capacity > 0) fields[STORAGE.poolUsedPct] = round2((used / capacity) * 100);
    out.add(STORAGE.m, fields, { pool });
  }
  if (!table.total) out.error('no totals line after the CPG table (output truncated?)');
  return out.result();
};

/**
 * shownode: storage.controller_ok {ctrl = node id} is 1 when the node's state
 * is OK and it is in the cluster. Older releases abbreviate InCluster as IC.
 */
export const parseShownode: Parser = (stdout) => {
  const out = new Collector('shownode');
  const lines = splitLines(stdout);
  const table = readTable(lines, 'Node', out);
  if (!table || !table.columns.includes('State')) {
    missingHeader(out, lines, 'Node Name State Master InCluster');
    return out.result();
  }
  const inClusterColumn = table.columns.includes('InCluster') ? 'InCluster' : 'IC';
  for (const { line, cells } of table.rows) {
    const ctrl = cells[0] as string;
    if (!/^\d+$/.test(ctrl)) {
      out.lineError(line, 'node id is not a number');
      continue;
    }
    const state = cell(table, cells, 'State') as string;
    const inCluster = cell(table, cells, inClusterColumn);
    const master = cell(table, cells, 'Master');
    const fields: Record<string, number> = { [STORAGE.controllerOk]: state.toLowerCase() === 'ok' && inCluster !== 'No' ? 1 : 0 };
    if (master === 'Yes' || master === 'No') fields.controller_master = master === 'Yes' ? 1 : 0;
    if (inCluster === 'Yes' || inCluster === 'No') fields.controller_in_cluster = inCluster === 'Yes' ? 1 : 0;
    out.add(STORAGE.m, fields, { ctrl });
  }
  if (table.rows.length === 0) out.error('no node rows after the header (truncated?)');
  return out.result();
};

/** The 3PAR parsers by the command that produces their input. */
export const HP3PAR_PARSERS: Record<string, Parser> = {
  showsys: parseShowsys,
  showpd: parseShowpd,
  showcpg: parseShowcpg,
  shownode: parseShownode,
};
