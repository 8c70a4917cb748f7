/**
 * Runs a target's checks over its SSH connection and turns parsed output into
 * samples: the platform's commands (platforms.yaml), AIX errpt since the last
 * read, and per Oracle instance one sqlplus session plus the alert log since
 * the last offset. State between runs (errpt's last timestamp, alert-log inode
 * and offset, ORA- codes seen) lives here, per target.
 */
import type { Sample } from '../../collector/contract/index.js';
import type { ProbeContext } from '../probes/types.js';
import { CommandTimeoutError, SshError, type SshConnection } from './connection.js';
import { clusterwareCommand, parseClusterware } from './clusterware.js';
import { alertLogCommand, parseAlertLogChunk, parseAlertLogOutput } from './alert-log.js';
import { oracleMetrics } from './oracle.js';
import { SqlplusRunner } from './oracle-run.js';
import type { GroupName } from './oracle-sql.js';
import { errptNewestTimestamp, errptSince } from './parsers/errlog.js';
import { parserFor } from './parsers/index.js';
import { platforms, type CheckSpec } from './platforms.js';
import type { ParsedMetric } from './types.js';

export interface OracleInstance {
  sid: string;
  home: string;
  device?: string;
  alertLog?: string;
  rac: boolean;
  asm: boolean;
  dataguard: boolean;
  /** The OS-authenticated privilege sqlplus connects with: SYSDBA (OSDBA group) or, on 12c+, SYSDG (OSDGDBA). */
  privilege: 'sysdba' | 'sysdg';
  /** Per query group time limits (ms) replacing the defaults. */
  timeouts?: Partial<Record<GroupName, number>>;
}

/** At most this many ORA- codes are remembered per instance to report them back at 0. */
const MAX_CODES = 200;

/** Single-quotes a value for a POSIX shell. */
const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

interface AlertLogState {
  inode: string;
  offset: number;
  codes: Set<string>;
}

export class SshChecks {
  private errptLast: string | undefined;
  /** errlog.new_entries series reported before, by tags, so a quiet run reports them at 0. */
  private readonly errptSeries = new Map<string, Record<string, string>>();
  private readonly alertLogs = new Map<string, AlertLogState>();
  private readonly sqlplus = new Map<string, SqlplusRunner>();

  constructor(
    private readonly device: string,
    private readonly platform: string,
    private readonly checks: string[],
    private readonly oracle: OracleInstance[],
    private readonly timeoutMs: number,
    private readonly gridHome?: string,
  ) {}

  oracleDevices(): string[] {
    return this.oracle.map((db) => this.oracleDevice(db));
  }

  private oracleDevice(db: OracleInstance): string {
    return db.device ?? `${this.device}-${db.sid.toLowerCase()}`;
  }

  async run(conn: SshConnection, ctx: ProbeContext): Promise<Sample[]> {
    const started = performance.now();
    try {
      await conn.ready();
    } catch (err) {
      const failure = err instanceof SshError ? err.failure : 'error';
      ctx.error?.(`${this.device}: ${(err as Error).message}`);
      const ts = ctx.now();
      return [
        { measurement: 'device', tags: { device: this.device }, fields: { up: 0, result: failure }, ts },
        { measurement: 'ssh', tags: { device: this.device }, fields: { hostkey_mismatch: failure === 'hostkey_mismatch' ? 1 : 0 }, ts },
      ];
    }
    const connectMs = Math.round((performance.now() - started) * 10) / 10;
    const spec = platforms()[this.platform] ?? {};
    const jobs: Array<Promise<Sample[]>> = this.checks.map((name) => this.runCheck(conn, name, spec[name] as CheckSpec, ctx));
    if (this.gridHome) jobs.push(this.runClusterware(conn, this.gridHome, ctx));
    for (const db of this.oracle) {
      jobs.push(this.runOracle(conn, db, ctx));
      if (db.alertLog) jobs.push(this.runAlertLog(conn, db, ctx));
    }
    const results = await Promise.all(jobs);
    const ts = ctx.now();
    return [
      { measurement: 'device', tags: { device: this.device }, fields: { up: 1, result: 'ok' }, ts },
      { measurement: 'ssh', tags: { device: this.device }, fields: { hostkey_mismatch: 0, connect_ms: connectMs, connections: conn.connects }, ts },
      ...results.flat(),
    ];
  }

  /** Runs a command and returns its stdout, or undefined after reporting why there is none. */
  private async output(conn: SshConnection, label: string, command: string, ctx: ProbeContext, opts: { posix: boolean; optional?: boolean; input?: string }): Promise<string | undefined> {
    const line = opts.posix ? `LC_ALL=C; export LC_ALL; ${command}` : command;
    try {
      const res = await conn.exec(line, this.timeoutMs, { posix: opts.posix, input: opts.input });
      if (res.code === 127 && opts.optional) return undefined;
      if (res.code !== 0 && res.stdout.trim() === '') {
        const why = res.stderr.trim().split('\n')[0] ?? '';
        ctx.error?.(`${this.device} ${label}: '${command}' exited ${res.code ?? res.signal}${why ? `: ${why}` : ''}`);
        return undefined;
      }
      return res.stdout;
    } catch (err) {
      if (err instanceof CommandTimeoutError || err instanceof SshError) {
        ctx.error?.(`${this.device} ${label}: ${err.message}`);
        return undefined;
      }
      throw err;
    }
  }

  private toSamples(device: string, metrics: ParsedMetric[], ts: number): Sample[] {
    return metrics.map((m) => ({ measurement: m.measurement, tags: { ...(m.tags ?? {}), device }, fields: m.fields, ts }));
  }

  private async runCheck(conn: SshConnection, name: string, spec: CheckSpec, ctx: ProbeContext): Promise<Sample[]> {
    const posix = spec.shell !== 'none';
    if (spec.stateful === 'errpt') return this.runErrpt(conn, spec, ctx);
    const out = await this.output(conn, `check '${name}'`, spec.command, ctx, { posix, optional: spec.optional });
    if (out === undefined) return [];
    const parser = parserFor(spec.parser);
    if (!parser) return [];
    const parsed = parser(out, { now: ctx.now() });
    for (const e of parsed.errors) ctx.error?.(`${this.device} check '${name}': ${e}`);
    return this.toSamples(this.device, parsed.metrics, ctx.now());
  }

  /**
   * AIX errpt: the first run only notes the newest entry (history is not news);
   * later runs count the entries since then. errpt prints nothing when there is
   * nothing new, so every type/class counted before is reported at 0 again and
   * its alert clears.
   */
  private async runErrpt(conn: SshConnection, spec: CheckSpec, ctx: ProbeContext): Promise<Sample[]> {
    const out = await this.output(conn, "check 'errlog'", errptSince(this.errptLast), ctx, { posix: true });
    if (out === undefined) return [];
    const first = this.errptLast === undefined;
    this.errptLast = errptNewestTimestamp(out, this.errptLast) ?? this.errptLast ?? '';
    if (first) return [];
    const parsed = (parserFor(spec.parser) as NonNullable<ReturnType<typeof parserFor>>)(out, { now: ctx.now() });
    for (const e of parsed.errors) ctx.error?.(`${this.device} check 'errlog': ${e}`);
    const reported = new Set<string>();
    for (const m of parsed.metrics) {
      if (m.measurement !== 'errlog' || !('new_entries' in m.fields)) continue;
      const key = JSON.stringify(m.tags ?? {});
      reported.add(key);
      if (this.errptSeries.size < MAX_CODES) this.errptSeries.set(key, m.tags ?? {});
    }
    const quiet: ParsedMetric[] = [...this.errptSeries].filter(([k]) => !reported.has(k)).map(([, tags]) => ({ measurement: 'errlog', tags, fields: { new_entries: 0 } }));
    return this.toSamples(this.device, [...parsed.metrics, ...quiet], ctx.now());
  }

  private async runClusterware(conn: SshConnection, gridHome: string, ctx: ProbeContext): Promise<Sample[]> {
    const out = await this.output(conn, 'clusterware', clusterwareCommand(gridHome), ctx, { posix: true });
    if (out === undefined) return [];
    const parsed = parseClusterware(out);
    for (const e of parsed.errors) ctx.error?.(`${this.device} ${e}`);
    return this.toSamples(this.device, parsed.metrics, ctx.now());
  }

  /**
   * One instance through sqlplus, group by group (oracle-run.ts). An SSH
   * failure or a sqlplus that prints nothing is oracle.up=0 with the reason in
   * `result`; a slow or refused group is only oracle.query_error{group}.
   */
  private async runOracle(conn: SshConnection, db: OracleInstance, ctx: ProbeContext): Promise<Sample[]> {
    const command = `LC_ALL=C; export LC_ALL; ORACLE_SID=${sq(db.sid)}; ORACLE_HOME=${sq(db.home)}; NLS_LANG=AMERICAN_AMERICA.AL32UTF8; export ORACLE_SID ORACLE_HOME NLS_LANG; "$ORACLE_HOME/bin/sqlplus" -S -L / as ${db.privilege}`;
    const device = this.oracleDevice(db);
    let runner = this.sqlplus.get(db.sid);
    if (!runner) {
      runner = new SqlplusRunner({ rac: db.rac, asm: db.asm, dataguard: db.dataguard, timeouts: db.timeouts });
      this.sqlplus.set(db.sid, runner);
    }
    const answer = await runner.run((script, timeoutMs, watch) => conn.exec(command, timeoutMs, { posix: true, input: script, ...watch }));
    const parsed = oracleMetrics(answer, ctx.now());
    for (const e of parsed.errors) ctx.error?.(`${device}: ${e}`);
    return this.toSamples(device, parsed.metrics.map((m) => (m.tags?.instance ? m : { ...m, tags: { ...(m.tags ?? {}), instance: db.sid } })), ctx.now());
  }

  /**
   * New ORA- lines since the last read. The first read starts at the end (history is
   * not news); a new inode or a file shorter than the offset means the log was rotated
   * or truncated, and the new file is read from its start.
   */
  private async runAlertLog(conn: SshConnection, db: OracleInstance, ctx: ProbeContext): Promise<Sample[]> {
    const path = db.alertLog as string;
    const device = this.oracleDevice(db);
    const state = this.alertLogs.get(db.sid);
    const read = async (offset: number) => {
      const out = await this.output(conn, `alert log ${db.sid}`, alertLogCommand(path, offset), ctx, { posix: true });
      if (out === undefined) return undefined;
      const parsed = parseAlertLogOutput(out);
      if (parsed.error) {
        ctx.error?.(`${device} alert log ${path}: ${parsed.error}`);
        return undefined;
      }
      return parsed;
    };
    let got = await read(state?.offset ?? 0);
    if (!got) return [];
    if (!state) {
      this.alertLogs.set(db.sid, { inode: got.inode, offset: got.size, codes: new Set() });
      return [];
    }
    if (got.inode !== state.inode || got.size < state.offset) {
      got = await read(0);
      if (!got) return [];
    }
    const { counts } = parseAlertLogChunk(got.chunk);
    state.inode = got.inode;
    state.offset = got.size;
    for (const code of counts.keys()) if (state.codes.size < MAX_CODES) state.codes.add(code);
    const ts = ctx.now();
    // Codes seen before and quiet now are reported at 0, so their alerts clear.
    return [...state.codes].map((code) => ({ measurement: 'oracle', tags: { device, instance: db.sid, code }, fields: { alert_errors: counts.get(code) ?? 0 }, ts }));
  }
}
