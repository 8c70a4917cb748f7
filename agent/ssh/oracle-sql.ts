/**
 * The SQL*Plus script of the Oracle checks, piped into
 * `sqlplus -S -L / as sysdba` with ORACLE_SID and ORACLE_HOME set. Every query
 * is announced by a `@@ <name>` line and prints `|`-joined rows whose numbers
 * are formatted NLS-independently (and dates as UTC epochs), so the parser
 * (oracle.ts) never depends on the target's NLS_LANG, column widths or date
 * formats. Only views that need no extra licence are used (no ASH, AWR or
 * DBA_HIST_*).
 */

export interface OracleScriptOptions {
  rac?: boolean;
  dataguard?: boolean;
  asm?: boolean;
}

/** Numbers print the same under every NLS_NUMERIC_CHARACTERS; integers end in "." ("5."), which Number() reads. */
const NUM_FORMAT = `'FM99999999999999990.99999', 'NLS_NUMERIC_CHARACTERS=''.,'''`;
const num = (expr: string) => `TO_CHAR(${expr}, ${NUM_FORMAT})`;
/** Text fields cannot contain the separator. */
const text = (expr: string) => `REPLACE(${expr}, '|', '/')`;
/**
 * Epoch seconds (UTC) of a DATE written by the database's own clock: UTC now
 * minus the age measured against SYSDATE, so neither the session time zone
 * nor the probe's clock enter into it.
 */
const epoch = (dateExpr: string) =>
  num(`ROUND((CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) - DATE '1970-01-01') * 86400 - (SYSDATE - (${dateExpr})) * 86400)`);
const row = (...fields: string[]) => fields.join(` || '|' || `);

interface Query {
  name: string;
  /** Fields per row, checked by the parser. */
  fields: number;
  sql: string;
}

const BASE_QUERIES: Query[] = [
  {
    name: 'instance',
    fields: 6,
    sql: `SELECT ${row(text('instance_name'), text('host_name'), text('status'), text('database_status'), text('version'), epoch('startup_time'))}
FROM v$instance`,
  },
  {
    name: 'database',
    fields: 4,
    sql: `SELECT ${row(text('name'), text('database_role'), text('open_mode'), text('log_mode'))}
FROM v$database`,
  },
  {
    // UNDO and TEMP are left out: expired undo extents and sort segments count as
    // used although Oracle reuses them, which would page someone for nothing.
    name: 'tablespaces',
    fields: 4,
    sql: `SELECT ${row(text('df.tablespace_name'), num('df.bytes'), num('df.max_bytes'), num('df.bytes - NVL(fs.bytes, 0)'))}
FROM (SELECT tablespace_name, SUM(bytes) bytes,
             SUM(CASE WHEN autoextensible = 'YES' THEN GREATEST(bytes, maxbytes) ELSE bytes END) max_bytes
        FROM dba_data_files GROUP BY tablespace_name) df
JOIN dba_tablespaces t ON t.tablespace_name = df.tablespace_name
LEFT JOIN (SELECT tablespace_name, SUM(bytes) bytes FROM dba_free_space GROUP BY tablespace_name) fs
  ON fs.tablespace_name = df.tablespace_name
WHERE t.contents = 'PERMANENT'
ORDER BY df.tablespace_name`,
  },
  {
    name: 'resource_limits',
    fields: 3,
    sql: `SELECT ${row(text('resource_name'), num('current_utilization'), text('TRIM(limit_value)'))}
FROM v$resource_limit
WHERE resource_name IN ('sessions', 'processes')`,
  },
  {
    // Without a recovery area the view holds one row with a zero limit.
    name: 'fra',
    fields: 5,
    sql: `SELECT ${row(text('name'), num('space_limit'), num('space_used'), num('space_reclaimable'), num('number_of_files'))}
FROM v$recovery_file_dest
WHERE space_limit > 0`,
  },
  {
    name: 'archive_dests',
    fields: 4,
    sql: `SELECT ${row(text('dest_name'), text('status'), text('NVL(target, \'-\')'), text('NVL(error, \' \')'))}
FROM v$archive_dest
WHERE status <> 'INACTIVE'
ORDER BY dest_id`,
  },
  {
    name: 'blocking_sessions',
    fields: 2,
    sql: `SELECT ${row(num('COUNT(*)'), num('NVL(MAX(seconds_in_wait), 0)'))}
FROM v$session
WHERE blocking_session IS NOT NULL`,
  },
  {
    // Archive-log backups run hourly and would hide a week without a database backup.
    name: 'backup_jobs',
    fields: 1,
    sql: `SELECT ${epoch('MAX(end_time)')}
FROM v$rman_backup_job_details
WHERE status IN ('COMPLETED', 'COMPLETED WITH WARNINGS')
  AND input_type IN ('DB FULL', 'DB INCR', 'DATAFILE FULL', 'DATAFILE INCR')`,
  },
  {
    // The fallback when the RMAN job views are empty (backups older than the controlfile keeps jobs for).
    name: 'backup_sets',
    fields: 1,
    sql: `SELECT ${epoch('MAX(completion_time)')}
FROM v$backup_set
WHERE backup_type IN ('D', 'I')`,
  },
];

const ASM_QUERIES: Query[] = [
  {
    name: 'asm_diskgroups',
    fields: 6,
    sql: `SELECT ${row(text('name'), text('state'), text('type'), num('total_mb'), num('free_mb'), num('usable_file_mb'))}
FROM v$asm_diskgroup
ORDER BY name`,
  },
];

const RAC_QUERIES: Query[] = [
  {
    name: 'rac_instances',
    fields: 4,
    sql: `SELECT ${row(num('inst_id'), text('instance_name'), text('host_name'), text('status'))}
FROM gv$instance
ORDER BY inst_id`,
  },
  {
    // gv$instance lists only running instances; the enabled redo threads say which ones should run.
    name: 'rac_threads',
    fields: 4,
    sql: `SELECT ${row(num('thread#'), text("NVL(instance, '-')"), text('status'), text('enabled'))}
FROM v$thread
WHERE enabled <> 'DISABLED'
ORDER BY thread#`,
  },
];

const DATAGUARD_QUERIES: Query[] = [
  {
    // A primary has no rows here; a standby has 'apply lag' as an interval string such as '+00 00:00:05'.
    name: 'dataguard_stats',
    fields: 3,
    sql: `SELECT ${row(text('name'), text("NVL(value, ' ')"), text("NVL(unit, ' ')"))}
FROM v$dataguard_stats
WHERE name IN ('apply lag', 'transport lag')`,
  },
];

export const END_MARKER = 'end';

function queriesFor(opts: OracleScriptOptions): Query[] {
  return [...BASE_QUERIES, ...(opts.asm ? ASM_QUERIES : []), ...(opts.rac ? RAC_QUERIES : []), ...(opts.dataguard ? DATAGUARD_QUERIES : [])];
}

/** Fields per row of every query the parser knows, whichever options built the script. */
export const QUERY_FIELDS = new Map<string, number>([...BASE_QUERIES, ...ASM_QUERIES, ...RAC_QUERIES, ...DATAGUARD_QUERIES].map((q) => [q.name, q.fields]));

/** The SQL*Plus input for one instance; the probe pipes it on stdin with ORACLE_SID and ORACLE_HOME set. */
export function oracleScript(opts: OracleScriptOptions): string {
  const lines = [
    'set pagesize 0 feedback off heading off verify off echo off linesize 32767 trimspool on trimout on tab off define off',
    'whenever sqlerror continue',
    'whenever oserror continue',
  ];
  for (const q of queriesFor(opts)) lines.push(`prompt @@ ${q.name}`, `${q.sql};`);
  lines.push(`prompt @@ ${END_MARKER}`, 'exit', '');
  return lines.join('\n');
}
