/**
 * The Oracle checks as query groups, and the SQL*Plus script that runs them.
 * Every query prints `|`-joined rows whose numbers are formatted
 * NLS-independently (and dates as UTC epochs), so the parser (oracle.ts)
 * never depends on the target's NLS_LANG, column widths or date formats. The
 * same SQL runs through sqlplus over SSH (a `prompt @@ <name>` line before
 * each query) and through the oracledb Thin driver (oracle-thin.ts), which
 * gets the same one-column rows. Only views that need no extra licence are
 * used (no ASH, AWR or DBA_HIST_*).
 *
 * A group is the unit of isolation: it has its own time limit, and a group
 * that fails or is slow is reported as oracle.query_error{group}, while the
 * others still count. Only the `instance` group decides oracle.up.
 */
import { dictionary, GROUPS, type GroupName, type QueryGroup } from './oracle-format.js';
import { CONTAINER_QUERIES, FIXED_QUERIES } from './oracle-queries.js';

export { GROUPS, type GroupName, type Query, type QueryGroup } from './oracle-format.js';

export interface OracleScriptOptions {
  rac?: boolean;
  dataguard?: boolean;
  asm?: boolean;
  /**
   * What the instance was last seen to be. `cdb`: a multitenant container
   * database, read through CDB_* views with CON_ID; `open`: false on a mounted
   * instance, whose data dictionary (DBA_*, CDB_*) cannot be queried, so those
   * groups are left out instead of failing with ORA-01219 on every run.
   */
  cdb?: boolean;
  open?: boolean;
}

export const END_MARKER = 'end';

/** The groups to run, in order: `instance` first, as it says whether the rest can mean anything. */
export function oracleGroups(opts: OracleScriptOptions): QueryGroup[] {
  const all = [...FIXED_QUERIES, ...CONTAINER_QUERIES(dictionary(opts.cdb ?? false))];
  const wanted = (g: QueryGroup) =>
    (g.name !== 'asm' || opts.asm === true) && (g.name !== 'rac' || opts.rac === true) && (g.name !== 'dataguard' || opts.dataguard === true) && (!g.dictionary || opts.open !== false);
  return all.filter(wanted).sort((a, b) => GROUPS.indexOf(a.name) - GROUPS.indexOf(b.name));
}

/** Fields per row and group of every query the parser knows, whichever options built the script. */
const KNOWN = [...FIXED_QUERIES, ...CONTAINER_QUERIES(dictionary(false))];
export const QUERY_FIELDS = new Map<string, number>(KNOWN.flatMap((g) => g.queries.map((q) => [q.name, q.fields] as const)));
export const QUERY_GROUP = new Map<string, GroupName>(KNOWN.flatMap((g) => g.queries.map((q) => [q.name, g.name] as const)));
/** Groups that read the data dictionary: skipped on a mounted instance. */
export const DICTIONARY_GROUPS = new Set<GroupName>(KNOWN.filter((g) => g.dictionary).map((g) => g.name));

/** The SQL*Plus input for the given groups; the probe pipes it on stdin with ORACLE_SID and ORACLE_HOME set. */
export function sqlplusScript(groups: QueryGroup[]): string {
  const lines = ['set pagesize 0 feedback off heading off verify off echo off linesize 32767 trimspool on trimout on tab off define off', 'whenever sqlerror continue', 'whenever oserror continue'];
  for (const g of groups) for (const q of g.queries) lines.push(`prompt @@ ${q.name}`, `${q.sql};`);
  lines.push(`prompt @@ ${END_MARKER}`, 'exit', '');
  return lines.join('\n');
}

/** The whole script for the options (every group, no time limits): what the parser tests and fixtures are built from. */
export function oracleScript(opts: OracleScriptOptions): string {
  return sqlplusScript(oracleGroups(opts));
}
