/**
 * The rest of what a DBA looks at first, from the groups `limits`,
 * `recovery`, `health`, `undo_temp` and `objects`: long-running calls, open
 * ADR incidents (ORA-00600/07445), redo log switches and a stuck archiver,
 * UNDO and TEMP use, invalid objects, failed scheduler jobs and accounts about
 * to expire. Per-container rows carry the `pdb` tag on a CDB.
 */
import { round2 } from './parsers/common.js';
import type { Reading } from './oracle-reading.js';

const M = 'oracle';

export function checklist(r: Reading): void {
  sessions(r);
  redo(r);
  const incidents = r.rows.get('incidents')?.[0]?.[0];
  if (incidents !== undefined) {
    const n = r.number('incidents', 'active incident count', incidents);
    if (n !== undefined) r.out.add(M, { active_incidents: n });
  }
  undoTemp(r, 'undo');
  undoTemp(r, 'temp');
  perContainer(r, 'invalid_objects', (row) => ({ invalid_objects: row[0] }));
  perContainer(r, 'failed_jobs', (row) => ({ failed_jobs_24h: row[0] }));
  perContainer(r, 'expiring_accounts', (row) => ({ accounts_expiring: row[0], ...((row[0] ?? 0) > 0 ? { account_expiry_min_days: row[1] } : {}) }));
}

function sessions(r: Reading): void {
  const row = r.rows.get('long_sessions')?.[0];
  if (!row) return;
  const long = row[0] === '' ? 0 : r.number('long_sessions', 'count', row[0]);
  const longest = r.number('long_sessions', 'longest call', row[1]);
  if (long !== undefined) r.out.add(M, { long_sessions: long, ...(longest !== undefined ? { longest_call_s: longest } : {}) });
}

/**
 * The archiver is stuck when every online log of a thread but the current one
 * waits to be archived: the next switch then hangs the database. Only a
 * primary in ARCHIVELOG mode archives its own online logs.
 */
function redo(r: Reading): void {
  const switches = r.rows.get('log_switches')?.[0]?.[0];
  if (switches !== undefined) {
    const n = r.number('log_switches', 'count', switches);
    if (n !== undefined) r.out.add(M, { log_switches_per_h: n });
  }
  const logs = r.rows.get('redo_logs');
  if (!logs || r.role !== 'PRIMARY' || r.logMode !== 'ARCHIVELOG') return;
  let stuck = 0;
  for (const [thread, groups, waiting] of logs) {
    const g = r.number('redo_logs', `thread ${thread} groups`, groups);
    const w = r.number('redo_logs', `thread ${thread} unarchived`, waiting);
    if (g === undefined || w === undefined) continue;
    r.out.add(M, { redo_unarchived: w }, { thread: String(Number(thread)) });
    if (g > 1 && w >= g - 1) stuck = 1;
  }
  r.out.add(M, { archiver_stuck: stuck });
}

function undoTemp(r: Reading, query: 'undo' | 'temp'): void {
  for (const row of r.rows.get(query) ?? []) {
    const [pdb, name] = row as [string, string];
    const used = r.number(query, `${name} used_bytes`, row[2]);
    const size = r.number(query, `${name} size_bytes`, row[3]);
    if (used === undefined || size === undefined) continue;
    const fields: Record<string, number> = { [`${query}_used_bytes`]: used, [`${query}_size_bytes`]: size };
    if (size > 0) fields[`${query}_used_pct`] = round2((used / size) * 100);
    r.out.add(M, fields, r.pdbTags(pdb, { tablespace: name }));
  }
}

/** Rows of `pdb|number|number…`: numbers read, then named by `fields`. */
function perContainer(r: Reading, query: string, fields: (values: number[]) => Record<string, number | undefined>): void {
  for (const row of r.rows.get(query) ?? []) {
    const [pdb, ...rest] = row as [string, ...string[]];
    const values = rest.map((v, i) => r.number(query, `${pdb} field ${i + 2}`, v));
    if (values.some((v) => v === undefined)) continue;
    const out = Object.fromEntries(Object.entries(fields(values as number[])).filter(([, v]) => v !== undefined)) as Record<string, number>;
    r.out.add(M, out, r.pdbTags(pdb));
  }
}
