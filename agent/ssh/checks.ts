/**
 * Runs a target's checks over its SSH connection and turns parsed output into
 * samples: the platform's commands (platforms.yaml), AIX errpt since the last
 * read, and per Oracle instance one sqlplus session plus the alert log since
 * the last offset. State between runs (errpt's last timestamp, alert-log inode
 * and offset, ORA- codes seen) lives here, per target.
 */
import type { Sample } from '../../collector/contract/index.js';
import type { ProbeContext, ProbeLog } from '../probes/types.js';
import { CommandTimeoutError, SshError, type SshConnection } from './connection.js';
import { CRS, clusterwareCommand, parseClusterware } from './clusterware.js';
import { countCrsCodes, countEmsEvents } from './log-counters.js';
import { alertLogCommand, parseAlertLogChunk, parseAlertLogOutput } from './alert-log.js';
import { oracleMetrics } from './oracle.js';
import { SqlplusRunner } from './oracle-run.js';
import type { GroupName } from './oracle-sql.js';
import { errptNewestTimestamp, errptSince } from './parsers/errlog.js';
import { parserFor } from './parsers/index.js';
import { platforms, type CheckSpec } from './platforms.js';
import type { ParsedMetric } from './types.js';
import { AGENT_MEASUREMENT, AgentField } from '../metrics.js';

export interface OracleInstance {
  sid: string;
  home: string;
  device?: string;
  alertLog?: string;
  /** The ASM instance's alert log on this host, counted like the database's with log=asm. */
  asmAlertLog?: string;
  rac: boolean;
  asm: boolean;
  dataguard: boolean;
  /** The OS-authenticated privilege sqlplus connects with: SYSDBA (OSDBA group) or, on 12c+, SYSDG (OSDGDBA). */
  privilege: 'sysdba' | 'sysdg';
  /** Backups are taken on this database's standby: no backup_age_h on the primary. */
  backupsOnStandby?: boolean;
  /** Per query group time limits (ms) replacing the defaults. */
  timeouts?: Partial<Record<GroupName, number>>;
}

/**
 * How Unix tools say the account lacks a privilege: multipath's "need to be
 * root", svmon and ioscan's "must be root"/"super-user", EACCES and EPERM
 * texts, and the shell's own "Permission denied" (exit 126).
 */
const DENIED =
  /need to be root|must have root|root authority|must be (?:run (?:as|by) )?root|can only be (?:run|executed) by (?:the )?root|only (?:the )?root|must be (?:the )?super-?user|permission denied|not owner|not privileged|insufficient privilege|operation not permitted/i;

/** At most this many ORA- codes are remembered per instance to report them back at 0. */
const MAX_CODES = 200;

/** Single-quotes a value for a POSIX shell. */
const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A log watched besides the Oracle alert logs: the Clusterware alert log, or the HP-UX EMS text log. */
export interface WatchedLog {
  kind: 'crs' | 'ems';
  path: string;
}

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
  /** Checks refused for lack of privilege: this run's, and the ones already logged (logged once, cleared at 0). */
  private deniedNow = new Set<string>();
  private readonly deniedLogged = new Set<string>();

  constructor(
    private readonly device: string,
    private readonly platform: string,
    private readonly checks: string[],
    private readonly oracle: OracleInstance[],
    private readonly timeoutMs: number,
    private readonly gridHome?: string,
    private readonly log?: ProbeLog,
    private readonly watchedLogs: readonly WatchedLog[] = [],
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
    this.deniedNow = new Set();
    const spec = platforms()[this.platform] ?? {};
    const jobs: Array<Promise<Sample[]>> = this.checks.map((name) => this.runCheck(conn, name, spec[name] as CheckSpec, ctx));
    if (this.gridHome) jobs.push(this.runClusterware(conn, this.gridHome, ctx));
    for (const w of this.watchedLogs) jobs.push(this.runExtraLog(conn, w, ctx));
    for (const db of this.oracle) {
      jobs.push(this.runOracle(conn, db, ctx));
      if (db.alertLog) jobs.push(this.runAlertLog(conn, db, db.alertLog, {}, ctx));
      // The ASM instance's own log: disk and disk-group errors (ORA-15xxx) that the database's log does not show.
      if (db.asmAlertLog) jobs.push(this.runAlertLog(conn, db, db.asmAlertLog, { log: 'asm' }, ctx));
    }
    const results = await Promise.all(jobs);
    const ts = ctx.now();
    return [
      { measurement: 'device', tags: { device: this.device }, fields: { up: 1, result: 'ok' }, ts },
      { measurement: 'ssh', tags: { device: this.device }, fields: { hostkey_mismatch: 0, connect_ms: connectMs, connections: conn.connects }, ts },
      ...results.flat(),
      ...this.warningSamples(ts),
    ];
  }

  /** agent.probe_warnings{device, module}: 1 while a check is refused, 0 once after it works again (docs/architecture.md §11). */
  private warningSamples(ts: number): Sample[] {
    const out: Sample[] = [];
    for (const module of [...this.deniedNow, ...this.deniedLogged]) {
      if (out.some((s) => s.tags.module === module)) continue;
      const denied = this.deniedNow.has(module);
      if (!denied) this.deniedLogged.delete(module);
      out.push({ measurement: AGENT_MEASUREMENT, tags: { device: this.device, module }, fields: { [AgentField.probeWarnings]: denied ? 1 : 0 }, ts });
    }
    return out;
  }

  private denied(module: string, command: string, privilege: string | undefined, why: string): void {
    this.deniedNow.add(module);
    if (this.deniedLogged.has(module)) return;
    this.deniedLogged.add(module);
    this.log?.warn(`${this.device} check '${module}': '${command}' was refused (${why}); it needs ${privilege ?? 'a privilege this account does not have'}`, { device: this.device, module, command });
  }

  /** Runs a command and returns its stdout, or undefined after reporting why there is none. */
  private async output(
    conn: SshConnection,
    label: string,
    command: string,
    ctx: ProbeContext,
    opts: { posix: boolean; optional?: boolean; input?: string; module?: string; privilege?: string },
  ): Promise<string | undefined> {
    const line = opts.posix ? `LC_ALL=C; export LC_ALL; ${command}` : command;
    try {
      const res = await conn.exec(line, this.timeoutMs, { posix: opts.posix, input: opts.input });
      if (res.code === 127 && opts.optional) return undefined;
      // A refusal for lack of privilege is a warning about the account, not a failing check.
      // Only when nothing else was printed: df's "Permission denied" on one mount still leaves the other mounts.
      const said = `${res.stderr}\n${res.stdout}`;
      const rest = res.stdout.split('\n').filter((l) => l.trim() !== '' && !DENIED.test(l));
      if (opts.module && rest.length === 0 && (res.code === 126 || DENIED.test(said))) {
        this.denied(opts.module, command, opts.privilege, (said.split('\n').find((l) => DENIED.test(l)) ?? `exit ${res.code}`).trim());
        return undefined;
      }
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
    const out = await this.output(conn, `check '${name}'`, spec.command, ctx, { posix, optional: spec.optional, module: name, privilege: spec.privilege });
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

  /** The Clusterware alert log's CRS- codes (crs.alert_errors {code}) and HP-UX EMS events (ems.events {severity}). */
  private runExtraLog(conn: SshConnection, w: WatchedLog, ctx: ProbeContext): Promise<Sample[]> {
    const device = this.device;
    if (w.kind === 'crs') {
      return this.runWatchedLog(
        conn,
        {
          key: `crs\0${w.path}`,
          path: w.path,
          label: 'clusterware alert log',
          device,
          count: countCrsCodes,
          module: 'clusterware_alert_log',
          privilege: 'read access to the Clusterware alert log (the grid owner or its group)',
        },
        ctx,
        (code, n) => ({
          measurement: CRS.m,
          tags: { device, code },
          fields: { [CRS.alertErrors]: n },
        }),
      );
    }
    return this.runWatchedLog(
      conn,
      {
        key: `ems\0${w.path}`,
        path: w.path,
        label: 'EMS event log',
        device,
        count: countEmsEvents,
        module: 'ems_events',
        privilege: 'read access to the EMS text log (/var/opt/resmon/log is readable by all by default)',
      },
      ctx,
      (severity, n) => ({
        measurement: 'ems',
        tags: { device, severity },
        fields: { events: n },
      }),
    );
  }

  private async runClusterware(conn: SshConnection, gridHome: string, ctx: ProbeContext): Promise<Sample[]> {
    const out = await this.output(conn, 'clusterware', clusterwareCommand(gridHome), ctx, {
      posix: true,
      module: 'clusterware',
      privilege: 'read access to the grid home (the grid owner or its group)',
    });
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
    const parsed = oracleMetrics(answer, ctx.now(), { backupsOnStandby: db.backupsOnStandby });
    for (const e of parsed.errors) ctx.error?.(`${device}: ${e}`);
    return this.toSamples(
      device,
      parsed.metrics.map((m) => (m.tags?.instance ? m : { ...m, tags: { ...(m.tags ?? {}), instance: db.sid } })),
      ctx.now(),
    );
  }

  /** New ORA- lines since the last read, as oracle.alert_errors {instance, code} (log=asm for the ASM instance's log). */
  private runAlertLog(conn: SshConnection, db: OracleInstance, path: string, extra: Record<string, string>, ctx: ProbeContext): Promise<Sample[]> {
    const device = this.oracleDevice(db);
    return this.runWatchedLog(conn, { key: `${db.sid}\0${path}`, path, label: `alert log ${db.sid}`, device, count: (chunk) => parseAlertLogChunk(chunk).counts }, ctx, (code, n) => ({
      measurement: 'oracle',
      tags: { device, instance: db.sid, ...extra, code },
      fields: { alert_errors: n },
    }));
  }

  /**
   * New text of a log file since the last read, counted by label (a code or a severity).
   * The first read starts at the end (history is not news); a new inode or a file
   * shorter than the offset means the log was rotated or truncated, and the new file
   * is read from its start. Labels seen before and quiet now are reported at 0, so
   * their alerts clear.
   */
  private async runWatchedLog(
    conn: SshConnection,
    log: { key: string; path: string; label: string; device: string; count: (chunk: string) => Map<string, number>; module?: string; privilege?: string },
    ctx: ProbeContext,
    sample: (label: string, n: number) => Omit<Sample, 'ts'>,
  ): Promise<Sample[]> {
    const state = this.alertLogs.get(log.key);
    const read = async (offset: number) => {
      const out = await this.output(conn, log.label, alertLogCommand(log.path, offset), ctx, { posix: true, module: log.module, privilege: log.privilege });
      if (out === undefined) return undefined;
      const parsed = parseAlertLogOutput(out);
      if (parsed.error) {
        ctx.error?.(`${log.device} ${log.label} ${log.path}: ${parsed.error}`);
        return undefined;
      }
      return parsed;
    };
    let got = await read(state?.offset ?? 0);
    if (!got) return [];
    if (!state) {
      this.alertLogs.set(log.key, { inode: got.inode, offset: got.size, codes: new Set() });
      return [];
    }
    if (got.inode !== state.inode || got.size < state.offset) {
      got = await read(0);
      if (!got) return [];
    }
    const counts = log.count(got.chunk);
    state.inode = got.inode;
    state.offset = got.size;
    for (const code of counts.keys()) if (state.codes.size < MAX_CODES) state.codes.add(code);
    const ts = ctx.now();
    return [...state.codes].map((code) => ({ ...sample(code, counts.get(code) ?? 0), ts }));
  }
}
