/**
 * The parser of what the Oracle script (oracle-sql.ts) prints through
 * sqlplus: sections by `@@ <name>` markers, `|`-joined rows, ORA-/SP2- errors
 * charged to the query group that raised them. It builds the same
 * OracleAnswer the Thin driver path builds (oracle-thin.ts); one reading
 * (oracle-reading.ts) turns either into metrics. The alert log is read by
 * alert-log.ts.
 */
import { splitLines, type Line } from './parsers/common.js';
import type { Parser } from './types.js';
import { DICTIONARY_GROUPS, END_MARKER, QUERY_FIELDS, QUERY_GROUP, type GroupName } from './oracle-sql.js';
import { oracleMetrics, type OracleAnswer } from './oracle-reading.js';

export { oracleScript, oracleGroups, sqlplusScript, type OracleScriptOptions } from './oracle-sql.js';
export { intervalSeconds, oracleMetrics, type OracleAnswer } from './oracle-reading.js';

/**
 * Errors that say the instance itself is not there: down, starting, stopping,
 * or the connection to it lost. Only these make oracle.up=0.
 */
const UNAVAILABLE = new Set(['ORA-01034', 'ORA-27101', 'ORA-01033', 'ORA-01089', 'ORA-01090', 'ORA-01092', 'ORA-12162', 'ORA-12547', 'ORA-03113', 'ORA-03114', 'ORA-03135', 'ORA-01012']);
/**
 * Errors that refuse the monitoring login itself (not in OSDBA, wrong password,
 * account locked or expired): whether the instance runs is then unknown, so
 * they fail the `instance` group and never page as "database down".
 */
const LOGIN_REFUSED = new Set(['ORA-01031', 'ORA-01017', 'ORA-28000', 'ORA-28001', 'ORA-01045', 'ORA-01994', 'ORA-01990']);
/** A mounted instance's answer to a data-dictionary query: expected there, and no error. */
const NOT_OPEN = 'ORA-01219';
const ERROR_CODE = /\b(ORA-\d{5}|SP2-\d{4})\b/;
const MARKER = /^@@ (\S+)\s*$/;

interface Section {
  name: string;
  lines: Line[];
}

function sectionsOf(stdout: string): { preamble: Line[]; sections: Section[] } {
  const preamble: Line[] = [];
  const sections: Section[] = [];
  for (const line of splitLines(stdout)) {
    const marker = MARKER.exec(line.text.trim());
    if (marker) sections.push({ name: marker[1] as string, lines: [] });
    else (sections.at(-1)?.lines ?? preamble).push(line);
  }
  return { preamble, sections };
}

const shorten = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s);
const codeOf = (line: Line) => ERROR_CODE.exec(line.text)?.[1] ?? '';

/**
 * Reads sqlplus output into an OracleAnswer. Each query's ORA-/SP2- errors
 * fail its group while the other groups still count. Output without any
 * marker means sqlplus never ran the script (not installed, wrong
 * ORACLE_HOME, login refused, instance down).
 */
export function readSqlplus(stdout: string): OracleAnswer {
  const answer: OracleAnswer = { rows: new Map(), failed: new Map(), ran: new Set(), errors: [] };
  const { preamble, sections } = sectionsOf(stdout);
  const refusedLogin = (lines: Line[]) => lines.find((l) => LOGIN_REFUSED.has(codeOf(l)));

  if (sections.length === 0) {
    const first = preamble.find((l) => ERROR_CODE.test(l.text)) ?? preamble.find((l) => l.text.trim() !== '');
    answer.errors.push(`oracle: sqlplus printed no query output${first ? `: ${shorten(first.text.trim())}` : ' (empty output)'}`);
    const refused = refusedLogin(preamble);
    if (refused) {
      answer.ran.add('instance');
      answer.failed.set('instance', codeOf(refused));
    } else {
      answer.down = first && ERROR_CODE.test(first.text) ? codeOf(first) : 'no_output';
    }
    return answer;
  }

  const read = sections.filter((s) => s.name !== END_MARKER).map((s) => readSection(s, QUERY_FIELDS.get(s.name)));
  const database = read.find((r) => r.name === 'database')?.rows[0];
  const mounted = database?.[2] === 'MOUNTED';
  const errorLines = [...preamble.filter((l) => ERROR_CODE.test(l.text)), ...read.flatMap((r) => r.errors)];
  const unavailable = errorLines.find((l) => UNAVAILABLE.has(codeOf(l)));
  if (unavailable) {
    // The instance being down shows in every query; one error says it better than twelve.
    answer.errors.push(`oracle: instance not available: ${shorten(unavailable.text.trim())}`);
    answer.down = codeOf(unavailable);
    return answer;
  }
  for (const line of preamble) if (ERROR_CODE.test(line.text)) answer.errors.push(`oracle query '(setup)': ${shorten(line.text.trim())}`);

  for (const r of read) {
    const group = QUERY_GROUP.get(r.name);
    if (r.fields === undefined || group === undefined) {
      answer.errors.push(`oracle: unknown section '${r.name}'`);
      continue;
    }
    answer.ran.add(group);
    const errors = mounted && DICTIONARY_GROUPS.has(group) ? r.errors.filter((l) => codeOf(l) !== NOT_OPEN) : r.errors;
    if (errors.length < r.errors.length) answer.skipped = [...new Set([...(answer.skipped ?? []), group])];
    for (const line of errors) {
      answer.errors.push(`oracle query '${r.name}': ${shorten(line.text.trim())}`);
      if (!answer.failed.has(group)) answer.failed.set(group, codeOf(line));
    }
    // SQL*Plus echoes the failing statement around an error ("ERROR at line 3:", "*"); only clean sections report odd lines.
    if (r.errors.length === 0)
      for (const line of r.malformed)
        answer.errors.push(`oracle query '${r.name}': line ${line.no}: expected ${r.fields} fields, got ${line.text.trim().split('|').length}: ${JSON.stringify(shorten(line.text.trim()))}`);
    // A failed query's rows are kept only when it printed some (a view that failed half-way is still news).
    if (r.errors.length === 0 || r.rows.length > 0) answer.rows.set(r.name, r.rows);
  }
  for (const g of answer.skipped ?? []) {
    answer.ran.delete(g);
    answer.failed.delete(g);
  }
  if (sections.at(-1)?.name !== END_MARKER) {
    answer.errors.push(`oracle: output ends before '@@ ${END_MARKER}' (truncated?)`);
    const last = QUERY_GROUP.get(sections.at(-1)?.name ?? '');
    if (last && !answer.failed.has(last)) answer.failed.set(last, 'truncated');
  }
  return answer;
}

interface SectionRead {
  name: string;
  fields: number | undefined;
  rows: string[][];
  errors: Line[];
  malformed: Line[];
}

/**
 * Splits a section into rows, error lines and lines that are neither. A line
 * with the query's field count is a row even when it quotes an ORA- code
 * (v$archive_dest.error holds "ORA-12541: TNS:no listener"). One-field queries
 * print a number or nothing, which keeps SQL*Plus's echo ("*") out of them.
 */
function readSection(section: Section, fields: number | undefined): SectionRead {
  const read: SectionRead = { name: section.name, fields, rows: [], errors: [], malformed: [] };
  for (const line of section.lines) {
    const t = line.text.trim();
    if (t === '') continue;
    const parts = t.split('|').map((p) => p.trim());
    const isRow = fields !== undefined && parts.length === fields && !t.includes('||') && (fields > 1 || /^-?\d+\.?\d*$/.test(t));
    if (isRow) read.rows.push(parts);
    else if (ERROR_CODE.test(t)) read.errors.push(line);
    else read.malformed.push(line);
  }
  return read;
}

/** The groups a sqlplus run was asked for but that printed nothing: cut off by their time limit. */
export function markUnanswered(answer: OracleAnswer, asked: GroupName[], reason: string): void {
  for (const g of asked) {
    if (answer.ran.has(g) || answer.skipped?.includes(g)) continue;
    answer.ran.add(g);
    answer.failed.set(g, reason);
  }
}

/**
 * Reads the output of oracleScript() into metrics. Metrics without an
 * `instance` tag get the probe's ORACLE_SID (the probe adds it).
 */
export const parseOracle: Parser = (stdout, ctx) => oracleMetrics(readSqlplus(stdout), ctx.now);

export { alertErrorMetrics, alertLogCommand, parseAlertLogChunk, parseAlertLogOutput, ALERT_LOG_MAX_BYTES, type AlertLogRead } from './alert-log.js';
