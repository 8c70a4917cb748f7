/**
 * Turns an OracleAnswer (the rows of each query, and which groups failed) into
 * the catalog's oracle.* metrics. Both access paths build the answer: sqlplus
 * over SSH (oracle.ts) and the oracledb Thin driver (oracle-thin.ts), so the
 * meaning of every metric is written once, here and in oracle-checklist.ts.
 */
import { Collector, round2 } from './parsers/common.js';
import type { ParseResult } from './types.js';
import type { GroupName } from './oracle-sql.js';
import { checklist } from './oracle-checklist.js';
import { dataguard } from './oracle-dataguard.js';

export { intervalSeconds } from './oracle-dataguard.js';

export interface OracleAnswer {
  /** Rows per query name, each a list of `|`-separated fields. */
  rows: Map<string, string[][]>;
  /** Groups that ran (or were asked for and cut off). */
  ran: Set<GroupName>;
  /** Failed groups and why: 'timeout', 'truncated', or the first ORA-/SP2- code. */
  failed: Map<GroupName, string>;
  /** Dictionary groups a mounted instance refused as expected (ORA-01219): neither data nor error. */
  skipped?: GroupName[];
  /** Set when the instance did not answer: the ORA- code, 'refused', 'timeout' or 'no_output'. */
  down?: string;
  /** Problems to report, each naming its query. */
  errors: string[];
}

/** Field names of the oracle measurement added with query groups (docs/architecture.md §3 "database"). */
export const ORACLE = {
  m: 'oracle',
  up: 'up',
  result: 'result',
  queryError: 'query_error',
  queryResult: 'query_result',
} as const;

const MIB = 1024 * 1024;

/** What the readers share: the rows, the output, number reading and the database's role. */
export class Reading {
  constructor(
    readonly rows: Map<string, string[][]>,
    readonly out: Collector,
    readonly nowMs: number,
  ) {}

  /** A number field, or undefined after an error naming the query and field. */
  number(query: string, field: string, value: string | undefined): number | undefined {
    const n = value === undefined || value === '' ? NaN : Number(value);
    if (Number.isFinite(n)) return n;
    this.out.errors.push(`oracle query '${query}': ${field} is not a number: ${JSON.stringify(value ?? '')}`);
    return undefined;
  }

  get role(): string | undefined {
    return this.rows.get('database')?.[0]?.[1];
  }

  get logMode(): string | undefined {
    return this.rows.get('database')?.[0]?.[3];
  }

  /** The `pdb` tag of a per-container row: none on a non-CDB, which prints '-'. */
  pdbTags(pdb: string | undefined, tags: Record<string, string> = {}): Record<string, string> {
    return pdb && pdb !== '-' ? { ...tags, pdb } : tags;
  }

  /** OPEN, or MOUNTED on a standby (a mounted physical standby is doing its job). */
  isUp(status: string): boolean {
    return status === 'OPEN' || (status === 'MOUNTED' && this.role !== undefined && this.role !== 'PRIMARY');
  }
}

/**
 * The metrics of one answer. A down instance yields oracle.up=0 with its
 * reason in `result`, and nothing else; otherwise every group that ran
 * reports oracle.query_error{group} (1 when it failed, with `query_result`
 * naming why) next to what the groups that answered say.
 */
export interface OracleReadOptions {
  /**
   * This database's backups are taken on its standby: the primary's controlfile
   * never records them, so the primary reports no backup_age_h (the standby does).
   */
  backupsOnStandby?: boolean;
}

export function oracleMetrics(answer: OracleAnswer, nowMs: number, opts: OracleReadOptions = {}): ParseResult {
  const out = new Collector(ORACLE.m);
  out.errors.push(...answer.errors);
  if (answer.down !== undefined) {
    const local = answer.rows.get('instance')?.[0]?.[0];
    out.add(ORACLE.m, { [ORACLE.up]: 0, [ORACLE.result]: answer.down }, local ? { instance: local } : {});
    return out.result();
  }
  for (const group of answer.ran) {
    const why = answer.failed.get(group);
    out.add(ORACLE.m, { [ORACLE.queryError]: why === undefined ? 0 : 1, [ORACLE.queryResult]: why ?? 'ok' }, { group });
  }
  const r = new Reading(answer.rows, out, nowMs);
  instances(r, answer);
  tablespaces(r);
  resourceLimits(r);
  fra(r);
  archiveDests(r);
  blocking(r);
  if (!(opts.backupsOnStandby && r.role === 'PRIMARY')) backup(r);
  asm(r);
  dataguard(r);
  checklist(r);
  return out.result();
}

function instances(r: Reading, answer: OracleAnswer): void {
  const local = r.rows.get('instance')?.[0];
  if (local) {
    const [name, , status] = local as [string, string, string, string, string, string];
    const up = r.isUp(status);
    r.out.add(ORACLE.m, { [ORACLE.up]: up ? 1 : 0, [ORACLE.result]: up ? 'ok' : status.toLowerCase() }, { instance: name });
    const started = r.number('instance', 'startup_time', local[5]);
    if (started !== undefined) r.out.add(ORACLE.m, { uptime_s: Math.max(0, Math.round(r.nowMs / 1000 - started)) });
  } else if (answer.failed.has('instance')) {
    // The login was refused or the group timed out: whether the instance runs is unknown, which is not "down".
    r.out.add(ORACLE.m, { [ORACLE.result]: answer.failed.get('instance') as string });
  }

  const rac = r.rows.get('rac_instances');
  if (!rac) return;
  const running = new Set<string>();
  let up = 0;
  for (const row of rac) {
    const [, name, , status] = row as [string, string, string, string];
    running.add(name);
    const isUp = r.isUp(status);
    if (isUp) up++;
    r.out.add(ORACLE.m, { [ORACLE.up]: isUp ? 1 : 0 }, { instance: name });
  }
  r.out.add(ORACLE.m, { rac_instances_up: up });
  // V$THREAD "does not return meaningful results on a physical standby" (Database Reference): read it on the primary only.
  const threads = r.rows.get('rac_threads');
  if (!threads || r.role !== 'PRIMARY') return;
  r.out.add(ORACLE.m, { rac_instances_configured: threads.length });
  for (const [, name] of threads) {
    if (name && name !== '-' && !running.has(name)) r.out.add(ORACLE.m, { [ORACLE.up]: 0, [ORACLE.result]: 'not_running' }, { instance: name });
  }
}

/** Used against the autoextend maximum: a 90 % full file that may grow to 32 GB is not an emergency. */
function tablespaces(r: Reading): void {
  const q = 'tablespaces';
  for (const row of r.rows.get(q) ?? []) {
    const [pdb, name] = row as [string, string];
    const size = r.number(q, `${name} bytes`, row[2]);
    const max = r.number(q, `${name} max_bytes`, row[3]);
    const used = r.number(q, `${name} used_bytes`, row[4]);
    if (size === undefined || max === undefined || used === undefined) continue;
    const capacity = Math.max(size, max);
    const fields: Record<string, number> = { tablespace_used_bytes: used, tablespace_size_bytes: size, tablespace_max_bytes: capacity };
    if (capacity > 0) fields.tablespace_used_pct = round2((used / capacity) * 100);
    r.out.add(ORACLE.m, fields, r.pdbTags(pdb, { tablespace: name }));
  }
}

function resourceLimits(r: Reading): void {
  for (const [resource, current, limit] of r.rows.get('resource_limits') ?? []) {
    if (resource !== 'sessions' && resource !== 'processes') continue;
    const used = r.number('resource_limits', `${resource} current_utilization`, current);
    if (used === undefined) continue;
    const fields: Record<string, number> = { [resource]: used };
    const max = limit === 'UNLIMITED' ? undefined : r.number('resource_limits', `${resource} limit_value`, limit);
    if (max !== undefined && max > 0) fields[`${resource}_pct`] = round2((used / max) * 100);
    r.out.add(ORACLE.m, fields);
  }
}

/** Reclaimable space (obsolete backups, applied logs) is freed by Oracle on demand, so it does not count as used. */
function fra(r: Reading): void {
  const row = r.rows.get('fra')?.[0];
  if (!row) return;
  const limit = r.number('fra', 'space_limit', row[1]);
  const used = r.number('fra', 'space_used', row[2]);
  const reclaimable = r.number('fra', 'space_reclaimable', row[3]);
  if (limit === undefined || used === undefined || reclaimable === undefined || limit <= 0) return;
  const net = Math.max(0, used - reclaimable);
  r.out.add(ORACLE.m, { fra_used_pct: round2((net / limit) * 100), fra_used_bytes: net, fra_limit_bytes: limit });
}

/** A DEFERRED destination was switched off on purpose (maintenance, a retired standby): not in error. */
function archiveDests(r: Reading): void {
  for (const [dest, status, , error] of r.rows.get('archive_dests') ?? []) {
    const deferred = status === 'DEFERRED';
    const ok = (status === 'VALID' || status === 'ALTERNATE' || deferred) && (error ?? '') === '';
    r.out.add(ORACLE.m, { archive_dest_ok: ok ? 1 : 0, archive_dest_deferred: deferred ? 1 : 0 }, { dest: dest as string });
  }
}

function blocking(r: Reading): void {
  const row = r.rows.get('blocking_sessions')?.[0];
  if (!row) return;
  const count = r.number('blocking_sessions', 'count', row[0]);
  const wait = r.number('blocking_sessions', 'max_seconds_in_wait', row[1]);
  if (count !== undefined) r.out.add(ORACLE.m, { blocking_sessions: count, ...(wait !== undefined ? { blocking_max_wait_s: wait } : {}) });
}

/** The latest RMAN database backup, else the latest backup set; nothing when no backup was ever recorded. */
function backup(r: Reading): void {
  const latest = (query: string) => {
    const v = r.rows.get(query)?.[0]?.[0];
    return v === undefined || v === '' ? undefined : r.number(query, 'end_time', v);
  };
  const end = latest('backup_jobs') ?? latest('backup_sets');
  if (end === undefined) return;
  // A backup "in the future" is clock skew between the probe and the database, not a fresh backup.
  r.out.add(ORACLE.m, { backup_age_h: Math.max(0, Math.round(((r.nowMs / 1000 - end) / 3600) * 1000) / 1000) });
}

function asm(r: Reading): void {
  const q = 'asm_diskgroups';
  for (const row of r.rows.get(q) ?? []) {
    const [name, state] = row as [string, string];
    const mounted = state === 'MOUNTED' || state === 'CONNECTED';
    const total = r.number(q, `${name} total_mb`, row[3]);
    const free = r.number(q, `${name} free_mb`, row[4]);
    const usable = r.number(q, `${name} usable_file_mb`, row[5]);
    const offline = row[6] === undefined ? undefined : r.number(q, `${name} offline_disks`, row[6]);
    const fields: Record<string, number> = { asm_mounted: mounted ? 1 : 0 };
    if (total !== undefined && free !== undefined && total > 0) {
      Object.assign(fields, { asm_used_pct: round2(((total - free) / total) * 100), asm_total_bytes: total * MIB, asm_free_bytes: free * MIB });
    }
    // Negative when a failed disk's data could no longer be re-mirrored: worth its own alert.
    if (usable !== undefined && total !== undefined && total > 0) fields.asm_usable_file_bytes = usable * MIB;
    if (offline !== undefined) fields.asm_offline_disks = offline;
    r.out.add(ORACLE.m, fields, { diskgroup: name });
  }
}
