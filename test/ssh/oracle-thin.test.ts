/**
 * The oracledb Thin path at the driver seam: a fake session answers every
 * query with the rows sqlplus printed for it in the fixtures, and the metrics
 * must be the sqlplus path's. Plus the real driver against a closed port on
 * 127.0.0.1 (no Oracle server is available here).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compileOracleOptions, OracleProbe, oracleProbe } from '../../agent/probes/oracle.js';
import type { ProbeEnv } from '../../agent/probes/types.js';
import { oracleMetrics, parseOracle } from '../../agent/ssh/oracle.js';
import { ThinRunner, type OracleConnect, type OracleSession } from '../../agent/ssh/oracle-thin.js';
import { ProbeOptionsError } from '../../agent/probes/types.js';
import { freePort } from '../helpers.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'ssh', 'oracle');
const NOW = 1_763_618_400_000;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const env: ProbeEnv = { agentName: 't', hostname: 't', intervalMs: 60_000, collectorClockOffset: () => undefined, log: quiet };

function fixture(name: string): string {
  const lines = readFileSync(join(FIXTURES, name), 'utf8').split('\n');
  while (lines[0]?.startsWith('#')) lines.shift();
  return lines.join('\n');
}

/** Rows per query as the driver would return them: one column, the `|`-joined line. */
function rowsOf(name: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of fixture(name).split('\n')) {
    const m = /^@@ (\S+)$/.exec(line);
    if (m) rows.set(m[1] as string, (current = []));
    else if (line.trim() !== '') current?.push(line);
  }
  return rows;
}

/** The query a statement is: the fixture's queries are recognised by the views they read. */
function fakeSession(name: string, behave: { slow?: string; fail?: Record<string, string> } = {}): { connect: OracleConnect; sql: string[]; timeouts: number[] } {
  const rows = rowsOf(name);
  const sql: string[] = [];
  const timeouts: number[] = [];
  // oracleScript's order is the order of execution; map each SQL text to its query name through the script.
  const session: OracleSession = {
    callTimeout: 0,
    async execute(text) {
      sql.push(text);
      timeouts.push(session.callTimeout);
      const query = queryNames.get(text.trim());
      if (query === undefined) throw new Error(`unexpected SQL ${text.slice(0, 60)}`);
      if (behave.fail?.[query]) throw new Error(behave.fail[query]);
      if (query === behave.slow) throw new Error(`NJS-123: call timeout of ${session.callTimeout} ms exceeded`);
      return { rows: (rows.get(query) ?? []).map((r) => [r]) };
    },
    async close() {},
  };
  return { connect: async () => session, sql, timeouts };
}

/** Every SQL text of every option combination, by query name. */
const queryNames = new Map<string, string>();
{
  const { oracleGroups } = await import('../../agent/ssh/oracle-sql.js');
  for (const cdb of [true, false]) {
    for (const g of oracleGroups({ asm: true, rac: true, dataguard: true, cdb, open: true })) for (const q of g.queries) queryNames.set(q.sql.trim(), q.name);
  }
}

describe('ThinRunner at the driver seam', () => {
  it.each(['v19-cdb.txt', 'v112-single.txt', 'v19-noncdb.txt'])('reads %s into the same metrics as sqlplus', async (name) => {
    const fake = fakeSession(name);
    const opts = name === 'v19-noncdb.txt' ? { dataguard: true } : name === 'v112-single.txt' ? { asm: true } : { asm: true, dataguard: true };
    const thin = oracleMetrics(await new ThinRunner(opts).run(fake.connect), NOW);
    const sqlplus = parseOracle(fixture(name), { now: NOW });
    expect(thin.errors).toEqual([]);
    expect(thin.metrics).toEqual(sqlplus.metrics);
    expect(fake.sql.some((s) => /cdb_data_files/.test(s))).toBe(name === 'v19-cdb.txt');
  });

  it('gives each group its own callTimeout, and a group over it is a query error only', async () => {
    const fake = fakeSession('v19-noncdb.txt', { slow: 'undo' });
    const res = oracleMetrics(await new ThinRunner({ dataguard: true, timeouts: { space: 90_000 } }, () => 0).run(fake.connect), NOW);
    expect(new Set(fake.timeouts)).toEqual(new Set([15_000, 30_000, 90_000]));
    const q = (group: string) => res.metrics.find((m) => m.tags?.group === group)?.fields;
    expect(q('undo_temp')).toEqual({ query_error: 1, query_result: 'timeout' });
    expect(q('space')).toEqual({ query_error: 0, query_result: 'ok' });
    expect(res.metrics.find((m) => m.fields.up !== undefined)?.fields).toEqual({ up: 1, result: 'ok' });
    expect(res.errors).toEqual(["oracle: query group 'undo_temp' did not finish within 30000 ms"]);
  });

  it("a group's queries share its limit: each round trip gets what is left", async () => {
    const fake = fakeSession('v19-noncdb.txt');
    let t = 0;
    const clock = () => (t += 4_000); // every look at the clock finds 4 s gone
    const res = oracleMetrics(await new ThinRunner({ dataguard: true }, clock).run(fake.connect), NOW);
    expect(fake.timeouts.slice(0, 3)).toEqual([11_000, 7_000, 3_000]); // instance: 15 s, three queries
    expect(res.metrics.find((m) => m.tags?.group === 'recovery')?.fields).toEqual({ query_error: 1, query_result: 'timeout' }); // six queries do not fit in 15 s
  });

  it('a missing grant (ORA-00942) fails its group and names the query', async () => {
    const fake = fakeSession('v19-noncdb.txt', { fail: { invalid_objects: 'ORA-00942: table or view does not exist' } });
    const res = oracleMetrics(await new ThinRunner({ dataguard: true }).run(fake.connect), NOW);
    expect(res.metrics.find((m) => m.tags?.group === 'objects')?.fields).toEqual({ query_error: 1, query_result: 'ORA-00942' });
    expect(res.errors).toEqual(["oracle query 'invalid_objects': ORA-00942: table or view does not exist"]);
  });

  it.each<[string, Record<string, unknown>]>([
    ['ORA-01017: invalid credential or not authorized; logon denied', { result: 'ORA-01017' }],
    ['ORA-28000: The account is locked.', { result: 'ORA-28000' }],
    ['NJS-511: connection to listener at host 10.0.0.1 port 1521 was refused', { up: 0, result: 'refused' }],
    ['NJS-510: connection to host 10.0.0.1 port 1521 timed out', { up: 0, result: 'timeout' }],
    ['ORA-12514: Cannot connect to database. Service ORCL is not registered with the listener', { up: 0, result: 'refused' }],
    ['ORA-01034: ORACLE not available', { up: 0, result: 'ORA-01034' }],
  ])('connect failing with %s', async (message, fields) => {
    const res = oracleMetrics(await new ThinRunner({}).run(() => Promise.reject(new Error(message))), NOW);
    expect(res.metrics.find((m) => m.tags?.group === undefined)?.fields).toEqual(fields);
    if (!('up' in fields)) expect(res.metrics.find((m) => m.tags?.group === 'instance')?.fields).toEqual({ query_error: 1, query_result: fields.result });
  });
});

describe('oracle probe kind', () => {
  it('accepts the target of oracle.sample.yaml', () => {
    const [target] = parse(readFileSync('agent/probes/oracle.sample.yaml', 'utf8')) as Array<{ options: unknown }>;
    expect(compileOracleOptions(target?.options, { ORACLE_MONITOR_PASSWORD: 'x' })).toMatchObject({
      connectString: 'db01.example.net:1521/ORCL',
      user: 'C##ROOMWATCH',
      asm: true,
      dataguard: true,
      timeouts: { space: 120_000 },
    });
  });

  it('refuses bad options, all at once', () => {
    let err: unknown;
    try {
      compileOracleOptions({ connect_string: 'db01', user: 'x', password_env: 'RW_NO_SUCH_VAR', query_timeouts: { bogus: '1s', space: 'soon' } }, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProbeOptionsError);
    expect((err as ProbeOptionsError).problems.map((p) => p.path.join('.'))).toEqual(['query_timeouts.bogus', 'query_timeouts.space', 'password_env', 'connect_string']);
  });

  it('tags every metric with device and instance', async () => {
    const target = compileOracleOptions({ connect_string: 'db01:1521/ORCL', user: 'C##ROOMWATCH', password_env: 'PW' }, { PW: 'x' });
    const p = new OracleProbe('orcl', target, env, fakeSession('v19-noncdb.txt').connect);
    const samples = await p.gather({ signal: AbortSignal.timeout(10_000), now: () => NOW });
    expect(samples.every((s) => s.tags.device === 'orcl' && s.tags.instance === 'ORCL')).toBe(true);
    expect(p.devices()).toEqual([{ name: 'orcl', class: 'database' }]);
  });

  it('with the real driver in Thin mode, a closed port on 127.0.0.1 is oracle.up=0, result=refused', async () => {
    const port = await freePort();
    process.env.RW_TEST_ORACLE_PW = 'x';
    const p = oracleProbe.init({ device: 'nodb', options: { connect_string: `127.0.0.1:${port}/NONE`, user: 'u', password_env: 'RW_TEST_ORACLE_PW', connect_timeout: '5s' } }, env);
    const errors: string[] = [];
    const samples = await p.gather({ signal: AbortSignal.timeout(20_000), now: () => NOW, error: (m) => errors.push(m) });
    await p.close?.();
    expect(samples.map((s) => s.fields)).toEqual([{ up: 0, result: 'refused' }]);
    expect(errors[0]).toMatch(/^nodb: oracle: cannot connect: NJS-5\d\d/);
  }, 30_000);
});
