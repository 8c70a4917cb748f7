/**
 * The queries of the Oracle checks, by group (see oracle-sql.ts). FIXED_QUERIES
 * read only V$ views, which a mounted instance answers too; CONTAINER_QUERIES
 * read the data dictionary, per container on a CDB. Every view here exists in
 * 11.2 unless a comment says otherwise, and is readable with
 * SELECT_CATALOG_ROLE (README "Oracle").
 */
import { epoch, num, row, text, type Dictionary, type QueryGroup } from './oracle-format.js';

/** A call running longer than this counts as a long-running session. */
export const LONG_CALL_S = 3600;
/** Accounts whose password expires within this many days are counted. */
export const EXPIRY_WARN_DAYS = 14;

const S = 1000;

export const FIXED_QUERIES: QueryGroup[] = [
  {
    name: 'instance',
    dictionary: false,
    timeoutMs: 15 * S,
    queries: [
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
        // v$database.cdb exists only from 12c; the parameter is absent on 11.2, which then counts 0.
        name: 'container',
        fields: 1,
        sql: `SELECT ${num('COUNT(*)')}
FROM v$parameter
WHERE name = 'enable_pluggable_database' AND UPPER(value) = 'TRUE'`,
      },
    ],
  },
  {
    name: 'limits',
    dictionary: false,
    timeoutMs: 15 * S,
    queries: [
      {
        name: 'resource_limits',
        fields: 3,
        sql: `SELECT ${row(text('resource_name'), num('current_utilization'), text('TRIM(limit_value)'))}
FROM v$resource_limit
WHERE resource_name IN ('sessions', 'processes')`,
      },
      {
        // Only lock waits: blocking_session is also set for latch, buffer and log-file waits, which are not a stuck transaction.
        name: 'blocking_sessions',
        fields: 2,
        sql: `SELECT ${row(num('COUNT(*)'), num('NVL(MAX(seconds_in_wait), 0)'))}
FROM v$session
WHERE blocking_session IS NOT NULL AND (wait_class = 'Application' OR event LIKE 'enq:%')`,
      },
      {
        name: 'long_sessions',
        fields: 2,
        sql: `SELECT ${row(num(`SUM(CASE WHEN last_call_et > ${LONG_CALL_S} THEN 1 ELSE 0 END)`), num('NVL(MAX(last_call_et), 0)'))}
FROM v$session
WHERE type = 'USER' AND status = 'ACTIVE' AND sid <> SYS_CONTEXT('USERENV', 'SID')`,
      },
    ],
  },
  {
    name: 'recovery',
    dictionary: false,
    timeoutMs: 15 * S,
    queries: [
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
        sql: `SELECT ${row(text('dest_name'), text('status'), text("NVL(target, '-')"), text("NVL(error, ' ')"))}
FROM v$archive_dest
WHERE status <> 'INACTIVE'
ORDER BY dest_id`,
      },
      {
        // Archive-log backups run hourly and would hide a week without a database backup.
        // These views come from the controlfile, so a standby counts the backups taken on it.
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
      {
        name: 'log_switches',
        fields: 1,
        sql: `SELECT ${num('COUNT(*)')}
FROM v$log_history
WHERE first_time > SYSDATE - 1/24`,
      },
      {
        // Per redo thread: groups, and groups that are neither current nor archived (all of them: the archiver is stuck).
        name: 'redo_logs',
        fields: 3,
        sql: `SELECT ${row(num('thread#'), num('COUNT(*)'), num("SUM(CASE WHEN archived = 'NO' AND status <> 'CURRENT' THEN 1 ELSE 0 END)"))}
FROM v$log
GROUP BY thread#
ORDER BY thread#`,
      },
    ],
  },
  {
    name: 'health',
    dictionary: false,
    timeoutMs: 15 * S,
    queries: [
      {
        // ORA-00600, ORA-07445 and other critical errors open an incident in the ADR; this counts the open ones.
        name: 'incidents',
        fields: 1,
        sql: `SELECT ${num('NVL(MAX(TO_NUMBER(value)), 0)')}
FROM v$diag_info
WHERE name = 'Active Incident Count'`,
      },
    ],
  },
  {
    name: 'asm',
    dictionary: false,
    timeoutMs: 15 * S,
    queries: [
      {
        // The _STAT view answers from the ASM instance's cache without a disk discovery, and is current on a
        // database instance too (v$asm_diskgroup there is refreshed only when a group is mounted).
        name: 'asm_diskgroups',
        fields: 7,
        sql: `SELECT ${row(text('name'), text('state'), text('type'), num('total_mb'), num('free_mb'), num('usable_file_mb'), num('offline_disks'))}
FROM v$asm_diskgroup_stat
ORDER BY name`,
      },
    ],
  },
  {
    name: 'rac',
    dictionary: false,
    timeoutMs: 15 * S,
    queries: [
      {
        name: 'rac_instances',
        fields: 4,
        sql: `SELECT ${row(num('inst_id'), text('instance_name'), text('host_name'), text('status'))}
FROM gv$instance
ORDER BY inst_id`,
      },
      {
        // gv$instance lists only running instances; the enabled redo threads say which ones should run (on a primary).
        name: 'rac_threads',
        fields: 4,
        sql: `SELECT ${row(num('thread#'), text("NVL(instance, '-')"), text('status'), text('enabled'))}
FROM v$thread
WHERE enabled <> 'DISABLED'
ORDER BY thread#`,
      },
    ],
  },
  {
    name: 'dataguard',
    dictionary: false,
    timeoutMs: 15 * S,
    queries: [
      {
        // A primary has no rows. DATUM_TIME is when the standby last received data from the primary: a value
        // that stops changing while the lags still read small means transport stopped (Oracle's own advice).
        name: 'dataguard_stats',
        fields: 3,
        sql: `SELECT ${row(text('name'), text("NVL(value, ' ')"), num("ROUND((SYSDATE - TO_DATE(datum_time, 'MM/DD/YYYY HH24:MI:SS')) * 86400)"))}
FROM v$dataguard_stats
WHERE name IN ('apply lag', 'transport lag')`,
      },
      {
        // The managed recovery process runs on one instance of a RAC standby: count it there and everywhere.
        name: 'dataguard_mrp',
        fields: 2,
        sql: `SELECT ${row(num("SUM(CASE WHEN inst_id = SYS_CONTEXT('USERENV', 'INSTANCE') THEN 1 ELSE 0 END)"), num('COUNT(*)'))}
FROM gv$managed_standby
WHERE process LIKE 'MRP%'`,
      },
      {
        // The primary's side: each standby destination's gap as the primary sees it (NO GAP, RESOLVABLE GAP, ...).
        name: 'dataguard_dests',
        fields: 2,
        sql: `SELECT ${row(text('dest_name'), text('gap_status'))}
FROM v$archive_dest_status
WHERE status <> 'INACTIVE' AND gap_status IS NOT NULL
ORDER BY dest_id`,
      },
      {
        name: 'dataguard_gap',
        fields: 1,
        sql: `SELECT ${num('NVL(SUM(high_sequence# - low_sequence# + 1), 0)')}
FROM v$archive_gap`,
      },
    ],
  },
];

/**
 * One row per open container (a count of 0 included), or one row for a
 * non-CDB: aggregates over view `name` (alias `a`) where `cond` holds.
 */
function perContainer(d: Dictionary, a: string, name: string, cond: string, aggregates: string[]): string {
  if (!d.cdb) return `SELECT ${row(text("'-'"), ...aggregates)}\nFROM ${d.view(name)} ${a}\nWHERE ${cond}`;
  return `SELECT ${row(text('c.name'), ...aggregates)}
FROM v$containers c
LEFT JOIN ${d.view(name)} ${a} ON ${a}.con_id = c.con_id AND ${cond}
WHERE c.con_id <> 2 AND c.open_mode <> 'MOUNTED'
GROUP BY c.name
ORDER BY 1`;
}

/** Per-container groups: the dictionary of every open container on a CDB, of the database otherwise. */
export const CONTAINER_QUERIES = (d: Dictionary): QueryGroup[] => [
  {
    name: 'undo_temp',
    dictionary: true,
    timeoutMs: 30 * S,
    queries: [
      {
        // Only ACTIVE undo is in use: unexpired and expired extents are reused on demand.
        name: 'undo',
        fields: 4,
        sql: `SELECT ${row(d.pdb('t'), text('t.tablespace_name'), num(`NVL((SELECT SUM(e.bytes) FROM ${d.view('undo_extents')} e WHERE ${d.same('e', 't')}e.tablespace_name = t.tablespace_name AND e.status = 'ACTIVE'), 0)`), num(`NVL((SELECT SUM(CASE WHEN f.autoextensible = 'YES' THEN GREATEST(f.bytes, f.maxbytes) ELSE f.bytes END) FROM ${d.view('data_files')} f WHERE ${d.same('f', 't')}f.tablespace_name = t.tablespace_name), 0)`))}
FROM ${d.view('tablespaces')} t
WHERE t.contents = 'UNDO' AND ${d.notSeed('t')}
ORDER BY 1`,
      },
      {
        // FREE_SPACE counts allocated sort extents that are free again as free.
        name: 'temp',
        fields: 4,
        sql: `SELECT ${row(d.pdb('t'), text('t.tablespace_name'), num('t.tablespace_size - t.free_space'), num('t.tablespace_size'))}
FROM ${d.view('temp_free_space')} t
WHERE ${d.notSeed('t')}
ORDER BY 1`,
      },
    ],
  },
  {
    name: 'objects',
    dictionary: true,
    timeoutMs: 30 * S,
    queries: [
      {
        name: 'invalid_objects',
        fields: 2,
        sql: perContainer(d, 'o', 'objects', "o.status = 'INVALID'", [num('COUNT(o.object_id)')]),
      },
      {
        name: 'failed_jobs',
        fields: 2,
        sql: perContainer(d, 'j', 'scheduler_job_run_details', "j.status = 'FAILED' AND j.log_date > SYSTIMESTAMP - INTERVAL '1' DAY", [num('COUNT(j.log_id)')]),
      },
      {
        // Open accounts whose password expires soon, and the days left for the first of them.
        name: 'expiring_accounts',
        fields: 3,
        sql: perContainer(d, 'u', 'users', `u.account_status = 'OPEN' AND u.expiry_date < SYSDATE + ${EXPIRY_WARN_DAYS}`, [
          num('COUNT(u.username)'),
          num('NVL(ROUND(MIN(u.expiry_date - SYSDATE), 1), 0)'),
        ]),
      },
    ],
  },
  {
    // Last: dba_free_space can take minutes with a large recycle bin, and a group that overruns ends its session.
    name: 'space',
    dictionary: true,
    timeoutMs: 60 * S,
    queries: [
      {
        // UNDO and TEMP have their own query: expired undo extents and sort segments count as used although
        // Oracle reuses them, which would page someone for nothing.
        name: 'tablespaces',
        fields: 5,
        sql: `SELECT ${row(d.pdb('df'), text('df.tablespace_name'), num('df.bytes'), num('df.max_bytes'), num('df.bytes - NVL(fs.bytes, 0)'))}
FROM (SELECT ${d.cdb ? 'con_id, ' : ''}tablespace_name, SUM(bytes) bytes,
             SUM(CASE WHEN autoextensible = 'YES' THEN GREATEST(bytes, maxbytes) ELSE bytes END) max_bytes
        FROM ${d.view('data_files')} GROUP BY ${d.cdb ? 'con_id, ' : ''}tablespace_name) df
JOIN ${d.view('tablespaces')} t ON ${d.same('t', 'df')}t.tablespace_name = df.tablespace_name
LEFT JOIN (SELECT ${d.cdb ? 'con_id, ' : ''}tablespace_name, SUM(bytes) bytes FROM ${d.view('free_space')} GROUP BY ${d.cdb ? 'con_id, ' : ''}tablespace_name) fs
  ON ${d.same('fs', 'df')}fs.tablespace_name = df.tablespace_name
WHERE t.contents = 'PERMANENT' AND ${d.notSeed('df')}
ORDER BY 1`,
      },
    ],
  },
];
