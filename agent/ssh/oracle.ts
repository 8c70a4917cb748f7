/**
 * The parser of what the Oracle script (oracle-sql.ts) prints: sections by
 * `@@ <name>` markers, `|`-joined rows, ORA-/SP2- errors reported under the
 * query that raised them. The alert log is read by alert-log.ts.
 */
import { Collector, round2, splitLines, type Line } from './parsers/common.js';
import type { Parser } from './types.js';
import { END_MARKER, QUERY_FIELDS } from './oracle-sql.js';

export { oracleScript, type OracleScriptOptions } from './oracle-sql.js';

/**
 * Errors after which nothing the instance printed can be trusted: it is down,
 * starting, stopping, refused the login or lost the connection.
 */
const UNAVAILABLE = new Set(['ORA-01034', 'ORA-27101', 'ORA-01033', 'ORA-01089', 'ORA-01017', 'ORA-01031', 'ORA-12162', 'ORA-12547', 'ORA-03113', 'ORA-03114']);
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

/**
 * Reads the output of oracleScript(). Each query's ORA-/SP2- errors are reported
 * under its name while the other queries still count. Output without any marker
 * means sqlplus never ran the script (not installed, wrong ORACLE_HOME, instance
 * down): that is oracle.up=0 and one error. Metrics without an `instance` tag
 * (all but oracle.up) get the probe's ORACLE_SID.
 */
export const parseOracle: Parser = (stdout, ctx) => {
  const out = new Collector('oracle');
  const { preamble, sections } = sectionsOf(stdout);

  if (sections.length === 0) {
    const first = preamble.find((l) => ERROR_CODE.test(l.text)) ?? preamble.find((l) => l.text.trim() !== '');
    out.errors.push(`oracle: sqlplus printed no query output${first ? `: ${shorten(first.text.trim())}` : ' (empty output)'}`);
    out.add('oracle', { up: 0 });
    return out.result();
  }

  const read = sections.filter((s) => s.name !== END_MARKER).map((s) => readSection(s, QUERY_FIELDS.get(s.name)));
  const errorLines = [...preamble.filter((l) => ERROR_CODE.test(l.text)), ...read.flatMap((r) => r.errors.map((e) => e.line))];
  const unavailable = errorLines.find((l) => UNAVAILABLE.has(ERROR_CODE.exec(l.text)?.[1] ?? ''));
  // The instance being down shows in every query; one error says it better than twelve.
  if (unavailable) out.errors.push(`oracle: instance not available: ${shorten(unavailable.text.trim())}`);
  const report = (where: string, line: Line) => {
    if (!UNAVAILABLE.has(ERROR_CODE.exec(line.text)?.[1] ?? '')) out.errors.push(`oracle query '${where}': ${shorten(line.text.trim())}`);
  };
  for (const line of preamble) if (ERROR_CODE.test(line.text)) report('(setup)', line);

  const rows = new Map<string, string[][]>();
  for (const r of read) {
    if (r.fields === undefined) {
      out.errors.push(`oracle: unknown section '${r.name}'`);
      continue;
    }
    for (const e of r.errors) report(r.name, e.line);
    // SQL*Plus echoes the failing statement around an error ("ERROR at line 3:", "*"); only clean sections report odd lines.
    if (r.errors.length === 0) for (const line of r.malformed) out.errors.push(`oracle query '${r.name}': line ${line.no}: expected ${r.fields} fields, got ${line.text.trim().split('|').length}: ${JSON.stringify(shorten(line.text.trim()))}`);
    rows.set(r.name, r.rows);
  }
  if (sections.at(-1)?.name !== END_MARKER) out.errors.push(`oracle: output ends before '@@ ${END_MARKER}' (truncated?)`);

  new OracleReading(rows, out, ctx.now, unavailable !== undefined).emit();
  return out.result();
};

interface SectionRead {
  name: string;
  fields: number | undefined;
  rows: string[][];
  errors: { line: Line }[];
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
    else if (ERROR_CODE.test(t)) read.errors.push({ line });
    else read.malformed.push(line);
  }
  return read;
}

/** "+00 00:00:05", "+01 02:03:04.250" -> seconds; undefined when not an interval. */
export function intervalSeconds(value: string): number | undefined {
  const m = /^([+-])?(\d+) (\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(value.trim());
  if (!m) return undefined;
  const s = Number(m[2]) * 86400 + Number(m[3]) * 3600 + Number(m[4]) * 60 + Number(m[5]);
  return m[1] === '-' ? -s : s;
}

const MIB = 1024 * 1024;

/** Turns the rows of each query into the catalog's oracle.* metrics. */
class OracleReading {
  constructor(
    private readonly rows: Map<string, string[][]>,
    private readonly out: Collector,
    private readonly nowMs: number,
    private readonly unavailable: boolean,
  ) {}

  emit(): void {
    this.instances();
    this.tablespaces();
    this.resourceLimits();
    this.fra();
    this.archiveDests();
    this.blocking();
    this.backup();
    this.asm();
    this.dataguard();
  }

  /** A number field, or undefined after an error naming the query and field. */
  private number(query: string, field: string, value: string | undefined): number | undefined {
    const n = value === undefined || value === '' ? NaN : Number(value);
    if (Number.isFinite(n)) return n;
    this.out.errors.push(`oracle query '${query}': ${field} is not a number: ${JSON.stringify(value ?? '')}`);
    return undefined;
  }

  private get role(): string | undefined {
    return this.rows.get('database')?.[0]?.[1];
  }

  /** OPEN, or MOUNTED on a standby (a mounted physical standby is doing its job). */
  private isUp(status: string): boolean {
    return status === 'OPEN' || (status === 'MOUNTED' && this.role !== undefined && this.role !== 'PRIMARY');
  }

  private instances(): void {
    const local = this.rows.get('instance')?.[0];
    if (this.unavailable) {
      this.out.add('oracle', { up: 0 }, local ? { instance: local[0] as string } : {});
      return;
    }
    if (local) {
      const [name, , status] = local as [string, string, string, string, string, string];
      this.out.add('oracle', { up: this.isUp(status) ? 1 : 0 }, { instance: name });
      const started = this.number('instance', 'startup_time', local[5]);
      if (started !== undefined) this.out.add('oracle', { uptime_s: Math.max(0, Math.round(this.nowMs / 1000 - started)) });
    } else if (this.rows.has('instance')) {
      this.out.add('oracle', { up: 0 });
    }

    const rac = this.rows.get('rac_instances');
    if (!rac) return;
    const running = new Set<string>();
    let up = 0;
    for (const r of rac) {
      const [, name, , status] = r as [string, string, string, string];
      running.add(name);
      const isUp = this.isUp(status);
      if (isUp) up++;
      this.out.add('oracle', { up: isUp ? 1 : 0 }, { instance: name });
    }
    this.out.add('oracle', { rac_instances_up: up });
    const threads = this.rows.get('rac_threads');
    if (!threads) return;
    this.out.add('oracle', { rac_instances_configured: threads.length });
    for (const [, name] of threads) {
      if (name && name !== '-' && !running.has(name)) this.out.add('oracle', { up: 0 }, { instance: name });
    }
  }

  /** Used against the autoextend maximum: a 90 % full file that may grow to 32 GB is not an emergency. */
  private tablespaces(): void {
    for (const r of this.rows.get('tablespaces') ?? []) {
      const q = 'tablespaces';
      const name = r[0] as string;
      const size = this.number(q, `${name} bytes`, r[1]);
      const max = this.number(q, `${name} max_bytes`, r[2]);
      const used = this.number(q, `${name} used_bytes`, r[3]);
      if (size === undefined || max === undefined || used === undefined) continue;
      const capacity = Math.max(size, max);
      const fields: Record<string, number> = { tablespace_used_bytes: used, tablespace_size_bytes: size, tablespace_max_bytes: capacity };
      if (capacity > 0) fields.tablespace_used_pct = round2((used / capacity) * 100);
      this.out.add('oracle', fields, { tablespace: name });
    }
  }

  private resourceLimits(): void {
    for (const [resource, current, limit] of this.rows.get('resource_limits') ?? []) {
      if (resource !== 'sessions' && resource !== 'processes') continue;
      const used = this.number('resource_limits', `${resource} current_utilization`, current);
      if (used === undefined) continue;
      const fields: Record<string, number> = { [resource]: used };
      const max = limit === 'UNLIMITED' ? undefined : this.number('resource_limits', `${resource} limit_value`, limit);
      if (max !== undefined && max > 0) fields[`${resource}_pct`] = round2((used / max) * 100);
      this.out.add('oracle', fields);
    }
  }

  /** Reclaimable space (obsolete backups, applied logs) is freed by Oracle on demand, so it does not count as used. */
  private fra(): void {
    const r = this.rows.get('fra')?.[0];
    if (!r) return;
    const limit = this.number('fra', 'space_limit', r[1]);
    const used = this.number('fra', 'space_used', r[2]);
    const reclaimable = this.number('fra', 'space_reclaimable', r[3]);
    if (limit === undefined || used === undefined || reclaimable === undefined || limit <= 0) return;
    const net = Math.max(0, used - reclaimable);
    this.out.add('oracle', { fra_used_pct: round2((net / limit) * 100), fra_used_bytes: net, fra_limit_bytes: limit });
  }

  private archiveDests(): void {
    for (const [dest, status, , error] of this.rows.get('archive_dests') ?? []) {
      const ok = (status === 'VALID' || status === 'ALTERNATE') && (error ?? '') === '';
      this.out.add('oracle', { archive_dest_ok: ok ? 1 : 0 }, { dest: dest as string });
    }
  }

  private blocking(): void {
    const r = this.rows.get('blocking_sessions')?.[0];
    if (!r) return;
    const count = this.number('blocking_sessions', 'count', r[0]);
    const wait = this.number('blocking_sessions', 'max_seconds_in_wait', r[1]);
    if (count !== undefined) this.out.add('oracle', { blocking_sessions: count, ...(wait !== undefined ? { blocking_max_wait_s: wait } : {}) });
  }

  /** The latest RMAN database backup, else the latest backup set; nothing when no backup was ever recorded. */
  private backup(): void {
    const latest = (query: string) => {
      const v = this.rows.get(query)?.[0]?.[0];
      return v === undefined || v === '' ? undefined : this.number(query, 'end_time', v);
    };
    const end = latest('backup_jobs') ?? latest('backup_sets');
    if (end === undefined) return;
    // A backup "in the future" is clock skew between the probe and the database, not a fresh backup.
    this.out.add('oracle', { backup_age_h: Math.max(0, Math.round(((this.nowMs / 1000 - end) / 3600) * 1000) / 1000) });
  }

  private asm(): void {
    for (const r of this.rows.get('asm_diskgroups') ?? []) {
      const q = 'asm_diskgroups';
      const [name, state] = r as [string, string];
      const mounted = state === 'MOUNTED' || state === 'CONNECTED';
      const total = this.number(q, `${name} total_mb`, r[3]);
      const free = this.number(q, `${name} free_mb`, r[4]);
      const usable = this.number(q, `${name} usable_file_mb`, r[5]);
      const fields: Record<string, number> = { asm_mounted: mounted ? 1 : 0 };
      if (total !== undefined && free !== undefined && total > 0) {
        Object.assign(fields, { asm_used_pct: round2(((total - free) / total) * 100), asm_total_bytes: total * MIB, asm_free_bytes: free * MIB });
      }
      // Negative when a failed disk's data could no longer be re-mirrored: worth its own alert.
      if (usable !== undefined && total !== undefined && total > 0) fields.asm_usable_file_bytes = usable * MIB;
      this.out.add('oracle', fields, { diskgroup: name });
    }
  }

  private dataguard(): void {
    for (const [name, value] of this.rows.get('dataguard_stats') ?? []) {
      if (value === undefined || value === '') continue; // not computed yet (apply just started)
      const seconds = intervalSeconds(value);
      if (seconds === undefined) {
        this.out.errors.push(`oracle query 'dataguard_stats': ${name} is not an interval: ${JSON.stringify(value)}`);
        continue;
      }
      if (name === 'apply lag') this.out.add('oracle', { dg_apply_lag_s: seconds });
      if (name === 'transport lag') this.out.add('oracle', { dg_transport_lag_s: seconds });
    }
  }
}

export { alertErrorMetrics, alertLogCommand, parseAlertLogChunk, parseAlertLogOutput, ALERT_LOG_MAX_BYTES, type AlertLogRead } from './alert-log.js';
