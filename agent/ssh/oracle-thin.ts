/**
 * The Oracle checks over SQL*Net with a least-privilege monitoring user,
 * through node-oracledb in Thin mode (pure JavaScript: no Instant Client, no
 * OS account on the database host). The same queries as the sqlplus path run
 * one group at a time, each round trip limited (the driver's callTimeout) to
 * what is left of the group's limit; each
 * query's one-column rows are written out as the `@@ <query>` text sqlplus
 * would print, so one parser (oracle.ts) reads both paths.
 *
 * The driver is behind OracleSession, the seam the tests fake. Not yet run
 * against a live database (README "Oracle").
 */
import { readSqlplus } from './oracle.js';
import type { OracleAnswer } from './oracle-reading.js';
import { END_MARKER, oracleGroups, type QueryGroup } from './oracle-sql.js';
import { profileOf, type InstanceProfile, type OracleRunOptions } from './oracle-run.js';

/** What the runner needs of an oracledb Connection. */
export interface OracleSession {
  /** Round-trip limit in ms (node-oracledb's Connection.callTimeout); 0 = none. */
  callTimeout: number;
  execute(sql: string): Promise<{ rows?: unknown[] }>;
  close(): Promise<void>;
}

export type OracleConnect = () => Promise<OracleSession>;

const CODE = /\b(ORA-\d{5}|NJS-\d{3}|DPI-\d{4})\b/;
/** The driver's own time-outs: a round trip over callTimeout, a connect over connectTimeout. */
const TIMEOUT_CODES = new Set(['NJS-123', 'NJS-510', 'DPI-1067', 'DPI-1080']);
/** Nothing listens, or the listener does not know the service: the instance is not there to answer. */
const REFUSED_CODES = new Set(['NJS-503', 'NJS-511', 'ORA-12541', 'ORA-12514', 'ORA-12505', 'ORA-12528', 'ORA-12537']);
/** After these the session is gone; the next run connects again. */
const SESSION_LOST = new Set(['ORA-03113', 'ORA-03114', 'ORA-03135', 'ORA-01012', 'ORA-00028', 'NJS-500', 'NJS-521']);

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0] as string;
const codeOf = (err: unknown) => CODE.exec(message(err))?.[1] ?? '';

/** One answer row as sqlplus prints it: `a|b|c`, and nothing for a one-field NULL. */
function lineOf(row: unknown): string {
  const first = Array.isArray(row) ? row[0] : row;
  return first === null || first === undefined ? '' : String(first);
}

export class ThinRunner {
  private session: OracleSession | undefined;
  private profile: InstanceProfile | undefined;

  /** `clock` (ms, monotonic) is injected so tests decide how much of a group's limit is left. */
  constructor(
    private readonly opts: OracleRunOptions,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  private limit(g: QueryGroup): number {
    return this.opts.timeouts?.[g.name] ?? g.timeoutMs;
  }

  async run(connect: OracleConnect): Promise<OracleAnswer> {
    if (!this.session) {
      try {
        this.session = await connect();
      } catch (err) {
        const code = codeOf(err);
        const down = TIMEOUT_CODES.has(code) ? 'timeout' : REFUSED_CODES.has(code) ? 'refused' : undefined;
        if (down) return { rows: new Map(), ran: new Set(), failed: new Map(), down, errors: [`oracle: cannot connect: ${message(err)}`] };
        // Written the way sqlplus reports a failed login, so the parser tells refused logins from a down instance.
        return readSqlplus(`ERROR:\n${message(err)}\n`);
      }
    }
    const session = this.session;
    let text = '';
    const cut: QueryGroup[] = [];
    const extra: string[] = [];
    const runGroups = async (groups: QueryGroup[]) => {
      for (const g of groups) {
        // The group's limit is shared by its queries: each round trip gets what is left of it.
        const deadline = this.clock() + this.limit(g);
        for (const q of g.queries) {
          const left = Math.floor(deadline - this.clock());
          if (left <= 0) {
            cut.push(g);
            extra.push(`oracle: query group '${g.name}' did not finish within ${this.limit(g)} ms`);
            break;
          }
          session.callTimeout = left;
          text += `@@ ${q.name}\n`;
          try {
            const res = await session.execute(q.sql);
            for (const row of res.rows ?? []) text += `${lineOf(row)}\n`;
          } catch (err) {
            const code = codeOf(err);
            if (TIMEOUT_CODES.has(code)) {
              cut.push(g);
              extra.push(`oracle: query group '${g.name}' did not finish within ${this.limit(g)} ms`);
              break;
            }
            if (SESSION_LOST.has(code)) await this.drop();
            text += `${message(err)}\n`;
            if (SESSION_LOST.has(code)) return false;
          }
        }
        if (cut.at(-1) === g && g.name === 'instance') return false;
      }
      return true;
    };

    const instance = oracleGroups({ ...this.opts, open: true }).filter((g) => g.name === 'instance');
    let going = await runGroups(instance);
    if (going && cut.length === 0) {
      this.profile = profileOf(readSqlplus(`${text}@@ ${END_MARKER}\n`)) ?? this.profile;
      if (this.profile) going = await runGroups(oracleGroups({ ...this.opts, ...this.profile }).filter((g) => g.name !== 'instance'));
    }
    if (cut.some((g) => g.name === 'instance')) {
      return { rows: new Map(), ran: new Set(), failed: new Map(), down: 'timeout', errors: extra };
    }
    const answer = readSqlplus(going ? `${text}@@ ${END_MARKER}\n` : text);
    for (const g of cut) {
      for (const q of g.queries) answer.rows.delete(q.name);
      answer.ran.add(g.name);
      answer.failed.set(g.name, 'timeout');
    }
    answer.errors = [...extra, ...answer.errors];
    return answer;
  }

  private async drop(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    try {
      await s?.close();
    } catch {
      // The session is gone already; closing it is only tidying up.
    }
  }

  async close(): Promise<void> {
    await this.drop();
  }
}
