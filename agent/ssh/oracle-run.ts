/**
 * Runs the Oracle query groups through sqlplus over SSH with a time limit per
 * group. One sqlplus session runs every group in order; the runner watches the
 * `@@ <query>` markers as they arrive, and when a group overruns its limit it
 * kills the session, records that group as timed out and runs the groups after
 * it in a new session. A slow dba_free_space then costs one group, not the
 * instance's oracle.up. In the common case there is one login per run
 * (which matters with AUDIT_SYS_OPERATIONS=TRUE).
 *
 * What the instance was last seen to be (CDB or not, open or mounted) decides
 * the views of the next run; before the first answer, the `instance` group
 * runs alone once to find out.
 */
import { CommandTimeoutError, SshError, type CommandResult, type ExecOptions } from './connection.js';
import { markUnanswered, readSqlplus } from './oracle.js';
import type { OracleAnswer } from './oracle-reading.js';
import { END_MARKER, oracleGroups, QUERY_GROUP, sqlplusScript, type GroupName, type OracleScriptOptions, type QueryGroup } from './oracle-sql.js';

/** The SSH side as the runner needs it: run the sqlplus command with this script on stdin. */
export type SqlplusExec = (script: string, timeoutMs: number, opts: Pick<ExecOptions, 'onStdout' | 'signal'>) => Promise<CommandResult>;

export interface OracleRunOptions extends Omit<OracleScriptOptions, 'cdb' | 'open'> {
  /** Per-group limits that replace the defaults of oracle-queries.ts. */
  timeouts?: Partial<Record<GroupName, number>>;
}

/** What a previous answer said about the instance. */
export interface InstanceProfile {
  cdb: boolean;
  open: boolean;
}

export function profileOf(answer: OracleAnswer): InstanceProfile | undefined {
  const database = answer.rows.get('database')?.[0];
  const container = answer.rows.get('container')?.[0]?.[0];
  if (!database || container === undefined) return undefined;
  return { cdb: Number(container) > 0, open: database[2] !== 'MOUNTED' };
}

export class SqlplusRunner {
  private profile: InstanceProfile | undefined;

  private exec: SqlplusExec = () => Promise.reject(new Error('no exec'));

  constructor(private readonly opts: OracleRunOptions) {}

  private limit(g: QueryGroup): number {
    return this.opts.timeouts?.[g.name] ?? g.timeoutMs;
  }

  async run(exec: SqlplusExec): Promise<OracleAnswer> {
    this.exec = exec;
    if (!this.profile) {
      const first = await this.session(oracleGroups({ ...this.opts, open: true }).filter((g) => g.name === 'instance'));
      if (first.down !== undefined || !profileOf(first)) return first;
      this.profile = profileOf(first);
    }
    const groups = oracleGroups({ ...this.opts, ...this.profile });
    const answer = await this.session(groups);
    this.profile = profileOf(answer) ?? this.profile;
    return answer;
  }

  /** Runs the groups, starting a new session after each one that overran its limit. */
  private async session(groups: QueryGroup[]): Promise<OracleAnswer> {
    let remaining = groups;
    let output = '';
    const cut: GroupName[] = [];
    const failures: string[] = [];
    while (remaining.length > 0) {
      const abort = new AbortController();
      let current = remaining[0] as QueryGroup;
      let timer: NodeJS.Timeout | undefined;
      const arm = (g: QueryGroup) => {
        clearTimeout(timer);
        current = g;
        timer = setTimeout(() => abort.abort(), this.limit(g));
      };
      arm(current);
      let pending = '';
      const onStdout = (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const name = /^@@ (\S+)\s*$/.exec(line.trim())?.[1];
          if (name === END_MARKER) clearTimeout(timer);
          const group = name === undefined ? undefined : remaining.find((g) => g.name === QUERY_GROUP.get(name));
          if (group && group !== current) arm(group);
        }
      };
      const overall = remaining.reduce((sum, g) => sum + this.limit(g), 0) + 5_000;
      try {
        const res = await this.exec(sqlplusScript(remaining), overall, { onStdout, signal: abort.signal });
        output += res.stdout;
        if (res.stdout.trim() === '' && res.stderr.trim() !== '') failures.push(res.stderr.trim().split('\n')[0] as string);
        break;
      } catch (err) {
        // The SSH link failed, not the instance: unknown, and no page for "database down".
        if (err instanceof SshError) {
          return { rows: new Map(), ran: new Set(['instance']), failed: new Map([['instance', 'ssh_error']]), errors: [`oracle: ${err.message}`] };
        }
        if (!(err instanceof CommandTimeoutError)) throw err;
        output += `${err.stdout}\n`;
        cut.push(current.name);
        failures.push(`oracle: query group '${current.name}' did not finish within ${this.limit(current)} ms; its session was ended`);
        // Without the instance group there is nothing to say the instance answered.
        if (current.name === 'instance') return { rows: new Map(), ran: new Set(), failed: new Map(), down: 'timeout', errors: failures };
        remaining = remaining.slice(remaining.indexOf(current) + 1);
      } finally {
        clearTimeout(timer);
      }
    }
    const answer = readSqlplus(output);
    if (answer.down !== undefined) {
      if (failures.length > 0 && output.trim() === '') answer.errors = [`oracle: sqlplus printed no query output: ${failures[0]}`];
      return answer;
    }
    for (const g of cut) {
      for (const q of groups.find((x) => x.name === g)?.queries ?? []) answer.rows.delete(q.name);
      answer.ran.add(g);
      answer.failed.set(g, 'timeout');
    }
    // A concatenated run's cut session shows as "truncated"; the timeout is what happened.
    answer.errors = [...failures, ...answer.errors.filter((e) => !e.includes('(truncated?)') || cut.length === 0)];
    markUnanswered(
      answer,
      groups.map((g) => g.name),
      'truncated',
    );
    return answer;
  }
}
