/**
 * HPE 3PAR / Primera / Alletra CLI output printed with `-csvtable`: one header
 * row of column names, comma-separated rows, optionally a rule and a totals
 * row. Column names are compared without case, punctuation or a unit suffix
 * ("TotalCap", "Total_Cap(MiB)" and "totalcap" are one column), so the
 * grouped and flat showcpg layouts both read. Capacities are MiB, as in the
 * table layouts (hp3par.ts, which hands CSV output here).
 */
import { Collector, round2, type Line } from './parsers/common.js';

const MIB = 1024 * 1024;

export interface CsvTable {
  columns: string[];
  rows: { line: Line; cells: string[] }[];
}

/** "Total_Cap(MiB)" -> "totalcap": lower case, letters and digits only, no unit suffix. */
export const columnKey = (name: string) =>
  name
    .toLowerCase()
    .replace(/\((mib|mb|gib|gb)\)$/, '')
    .replace(/[^a-z0-9%]/g, '')
    .replace(/(mib|mb)$/, '');

/** The CSV table whose header's first column is `first`, or undefined when the output is not CSV. */
export function readCsv(lines: Line[], first: string, out: Collector): CsvTable | undefined {
  const at = lines.findIndex((l) => l.text.includes(',') && columnKey(l.text.split(',')[0] ?? '') === first);
  if (at < 0) return undefined;
  const columns = (lines[at] as Line).text.trim().split(',').map(columnKey);
  const table: CsvTable = { columns, rows: [] };
  for (const line of lines.slice(at + 1)) {
    const t = line.text.trim();
    if (t === '' || /^-{5,}$/.test(t)) continue;
    const cells = t.split(',').map((c) => c.trim());
    if (cells.length !== columns.length) {
      out.lineError(line, `expected ${columns.length} comma-separated fields, got ${cells.length}`);
      continue;
    }
    if (cells.some((c, i) => c === 'total' && (i === 0 || columns[i] === 'name'))) continue;
    table.rows.push({ line, cells });
  }
  return table;
}

const value = (t: CsvTable, cells: string[], ...names: string[]) => {
  for (const n of names) {
    const i = t.columns.indexOf(n);
    if (i >= 0) return cells[i];
  }
  return undefined;
};
const integer = (v: string | undefined) => (v !== undefined && /^-?\d+$/.test(v) ? Number(v) : undefined);

/** showsys -csvtable: one system row. */
export function showsysCsv(t: CsvTable, out: Collector): void {
  const row = t.rows[0];
  if (!row) {
    out.error('no system row after the CSV header (truncated?)');
    return;
  }
  const n = (...names: string[]) => integer(value(t, row.cells, ...names));
  const [nodes, master, total, alloc, free, failed] = [n('nodes'), n('master'), n('totalcap'), n('alloccap'), n('freecap'), n('failedcap')];
  if ([nodes, master, total, alloc, free, failed].some((x) => x === undefined)) {
    out.lineError(row.line, 'expected Nodes, Master, TotalCap, AllocCap, FreeCap and FailedCap as numbers');
    return;
  }
  out.add('storage', {
    system_name: value(t, row.cells, 'name') ?? '',
    model: value(t, row.cells, 'model') ?? '',
    serial: value(t, row.cells, 'serial') ?? '',
    nodes: nodes as number,
    master_node: master as number,
    capacity_bytes: (total as number) * MIB,
    allocated_bytes: (alloc as number) * MIB,
    free_bytes: (free as number) * MIB,
    failed_bytes: (failed as number) * MIB,
  });
}

/** showcpg -csvtable: user and snapshot space (grouped columns), or Total and Free (3.3+ flat columns). */
export function showcpgCsv(t: CsvTable, out: Collector): void {
  const grouped = t.columns.includes('usrtotal') && t.columns.includes('usrused');
  const flat = t.columns.includes('total') && t.columns.includes('free');
  if (!grouped && !flat) {
    out.error(`unrecognised CSV columns: ${t.columns.join(',')}`);
    return;
  }
  for (const { line, cells } of t.rows) {
    const pool = value(t, cells, 'name');
    const n = (c: string) => integer(value(t, cells, c));
    const total = grouped ? n('usrtotal') : n('total');
    const usedOrFree = grouped ? n('usrused') : n('free');
    if (!pool || total === undefined || usedOrFree === undefined) {
      out.lineError(line, 'capacity columns are not numbers');
      continue;
    }
    const capacity = (grouped ? total + (n('snptotal') ?? 0) : total) * MIB;
    const used = (grouped ? usedOrFree + (n('snpused') ?? 0) : total - usedOrFree) * MIB;
    const fields: Record<string, number> = { pool_capacity_bytes: capacity, pool_used_bytes: used, pool_free_bytes: capacity - used };
    if (capacity > 0) fields.pool_used_pct = round2((used / capacity) * 100);
    out.add('storage', fields, { pool });
  }
}
