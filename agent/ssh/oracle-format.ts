/**
 * The building blocks of the Oracle queries (oracle-queries.ts): NLS-proof
 * number, text and epoch fields, the group shape, and how the dictionary is
 * read on a CDB and a non-CDB. Its own module so the queries and the script
 * builder (oracle-sql.ts) both import it without a cycle.
 */

export interface Query {
  name: string;
  /** Fields per row, checked by the parser. */
  fields: number;
  sql: string;
}

export interface QueryGroup {
  name: GroupName;
  /** Needs the data dictionary, i.e. an open database (not a mounted standby). */
  dictionary: boolean;
  /** Default time limit; a probe may set its own per group. */
  timeoutMs: number;
  queries: Query[];
}

export const GROUPS = ['instance', 'limits', 'recovery', 'health', 'asm', 'rac', 'dataguard', 'undo_temp', 'objects', 'space'] as const;
export type GroupName = (typeof GROUPS)[number];

/** Numbers print the same under every NLS_NUMERIC_CHARACTERS; integers end in "." ("5."), which Number() reads. */
const NUM_FORMAT = `'FM99999999999999990.99999', 'NLS_NUMERIC_CHARACTERS=''.,'''`;
export const num = (expr: string) => `TO_CHAR(${expr}, ${NUM_FORMAT})`;
/** Text fields cannot contain the separator. */
export const text = (expr: string) => `REPLACE(${expr}, '|', '/')`;
/**
 * Epoch seconds (UTC) of a DATE written by the database's own clock: UTC now
 * minus the age measured against SYSDATE, so neither the session time zone
 * nor the probe's clock enter into it.
 */
export const epoch = (dateExpr: string) => num(`ROUND((CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) - DATE '1970-01-01') * 86400 - (SYSDATE - (${dateExpr})) * 86400)`);
export const row = (...fields: string[]) => fields.join(` || '|' || `);

/**
 * How the dictionary is read. On a CDB the CDB_* views show every open
 * container with its CON_ID (the DBA_* views of the root show only the root);
 * on a non-CDB (11.2, or 12c+ created without pluggable databases) the DBA_*
 * views have no CON_ID and the container column prints '-'.
 */
export interface Dictionary {
  cdb: boolean;
  view(name: string): string;
  /** `a.con_id = b.con_id AND ` on a CDB, nothing otherwise. */
  same(a: string, b: string): string;
  /** The container name of alias a's row, as a text field. */
  pdb(a: string): string;
  /** Leaves out the seed, which no one writes to. */
  notSeed(a: string): string;
}

export function dictionary(cdb: boolean): Dictionary {
  return cdb
    ? {
        cdb,
        view: (n) => `cdb_${n}`,
        same: (a, b) => `${a}.con_id = ${b}.con_id AND `,
        pdb: (a) => text(`(SELECT c.name FROM v$containers c WHERE c.con_id = ${a}.con_id)`),
        notSeed: (a) => `${a}.con_id <> 2`,
      }
    : { cdb, view: (n) => `dba_${n}`, same: () => '', pdb: () => text("'-'"), notSeed: () => '1 = 1' };
}
