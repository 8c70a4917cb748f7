/**
 * Oracle by query group: the 11.2, 19c non-CDB, 19c CDB and standby fixtures
 * read into metrics, and the sqlplus runner's per-group time limits and
 * instance profile, with a fake sqlplus at the exec seam that answers from
 * the same fixtures.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CommandTimeoutError, SshError, type CommandResult } from '../../agent/ssh/connection.js';
import { oracleMetrics, oracleScript, parseOracle, readSqlplus, type OracleScriptOptions } from '../../agent/ssh/oracle.js';
import { SqlplusRunner, type SqlplusExec } from '../../agent/ssh/oracle-run.js';
import type { ParsedMetric } from '../../agent/ssh/types.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'ssh', 'oracle');
/** 2025-11-20T06:00:00Z, the clock the fixtures' epochs were written against. */
const NOW = 1_763_618_400_000;

function fixture(name: string): string {
  const lines = readFileSync(join(FIXTURES, name), 'utf8').split('\n');
  while (lines[0]?.startsWith('#')) lines.shift();
  return lines.join('\n');
}

function value(metrics: ParsedMetric[], field: string, tags: Record<string, string> = {}): number | string | undefined {
  const found = metrics.filter((m) => m.measurement === 'oracle' && JSON.stringify(m.tags ?? {}) === JSON.stringify(tags) && field in m.fields);
  expect(found.length, `${field} ${JSON.stringify(tags)} appears once`).toBeLessThanOrEqual(1);
  return found[0]?.fields[field];
}

const sectionNames = (text: string) => [...text.matchAll(/^(?:prompt )?@@ (\S+)$/gm)].map((m) => m[1]);

type Expect = [field: string, tags: Record<string, string>, expected: number | string | undefined];

const FIXTURE_OPTIONS: Array<[string, OracleScriptOptions]> = [
  ['v112-single.txt', { asm: true }],
  ['v19-noncdb.txt', { dataguard: true }],
  ['v19-cdb.txt', { asm: true, dataguard: true, cdb: true }],
  ['v19-standby-mounted.txt', { dataguard: true, open: false }],
  ['v19-standby-active.txt', { rac: true, dataguard: true, cdb: true }],
];

describe('fixtures follow the script they claim to answer', () => {
  it.each(FIXTURE_OPTIONS)('%s has one section per query of oracleScript(%j), in order', (name, opts) => {
    expect(sectionNames(fixture(name))).toEqual(sectionNames(oracleScript(opts)));
  });
  it('reads CDB_* views with CON_ID only for a CDB, and no dictionary view at all when mounted', () => {
    const cdb = oracleScript({ cdb: true });
    expect(cdb).toMatch(/FROM cdb_data_files/);
    expect(cdb).toMatch(/v\$containers/);
    expect(cdb).not.toMatch(/\bdba_/);
    const plain = oracleScript({});
    expect(plain).toMatch(/FROM dba_data_files/);
    expect(plain).not.toMatch(/\bcdb_|con_id/);
    expect(oracleScript({ open: false })).not.toMatch(/\b(dba|cdb)_/);
  });
});

describe.each<[string, Expect[]]>([
  [
    'v112-single.txt',
    [
      ['up', { instance: 'PROD' }, 1],
      ['result', { instance: 'PROD' }, 'ok'],
      ['tablespace_used_pct', { tablespace: 'APPS' }, 70], // 56 GiB of an 80 GiB maximum; no pdb tag on a non-CDB
      ['undo_used_pct', { tablespace: 'UNDOTBS1' }, 12.5],
      ['temp_used_pct', { tablespace: 'TEMP' }, 75],
      ['invalid_objects', {}, 17],
      ['failed_jobs_24h', {}, 1],
      ['accounts_expiring', {}, 2],
      ['account_expiry_min_days', {}, 0.3],
      ['active_incidents', {}, 1],
      ['log_switches_per_h', {}, 42],
      ['archiver_stuck', {}, 1], // two of three logs waiting: the next switch hangs
      ['long_sessions', {}, 1],
      ['longest_call_s', {}, 5400],
      ['asm_offline_disks', { diskgroup: 'DATA' }, 0],
      ['query_error', { group: 'space' }, 0],
    ],
  ],
  [
    'v19-noncdb.txt',
    [
      ['up', { instance: 'ORCL' }, 1],
      ['tablespace_used_pct', { tablespace: 'USERS' }, 60],
      ['archiver_stuck', {}, 1],
      ['redo_unarchived', { thread: '1' }, 2],
      ['dg_apply_lag_s', {}, undefined], // a primary: no stats rows, and no lag made up
      ['dg_transport_stale_s', {}, undefined],
      ['query_error', { group: 'dataguard' }, 0],
    ],
  ],
  [
    'v19-cdb.txt',
    [
      ['tablespace_used_pct', { tablespace: 'USERS', pdb: 'HR' }, 96],
      ['tablespace_used_pct', { tablespace: 'USERS', pdb: 'SALES' }, 8],
      ['tablespace_used_pct', { tablespace: 'USERS', pdb: 'CDB$ROOT' }, 0],
      ['tablespace_used_pct', { tablespace: 'USERS' }, undefined], // never without its container on a CDB
      ['undo_used_pct', { tablespace: 'UNDOTBS1', pdb: 'SALES' }, 90],
      ['temp_used_pct', { tablespace: 'TEMP', pdb: 'SALES' }, 90],
      ['invalid_objects', { pdb: 'HR' }, 3],
      ['invalid_objects', { pdb: 'SALES' }, 0],
      ['failed_jobs_24h', { pdb: 'SALES' }, 2],
      ['accounts_expiring', { pdb: 'HR' }, 1],
      ['account_expiry_min_days', { pdb: 'HR' }, 4.5],
      ['account_expiry_min_days', { pdb: 'SALES' }, undefined],
      ['asm_offline_disks', { diskgroup: 'DATA' }, 1],
      ['asm_used_pct', { diskgroup: 'DATA' }, 70],
      ['archive_dest_ok', { dest: 'LOG_ARCHIVE_DEST_3' }, 1], // DEFERRED on purpose is not an error
      ['archive_dest_deferred', { dest: 'LOG_ARCHIVE_DEST_3' }, 1],
      ['archive_dest_deferred', { dest: 'LOG_ARCHIVE_DEST_2' }, 0],
      ['dg_dest_gap', { dest: 'LOG_ARCHIVE_DEST_2' }, 0],
      ['archiver_stuck', {}, 0],
      ['active_incidents', {}, 2],
      ['blocking_sessions', {}, 1],
      ['backup_age_h', {}, 6],
      ['dg_mrp_running', {}, undefined], // a primary has no MRP to miss
    ],
  ],
  [
    'v19-standby-mounted.txt',
    [
      ['up', { instance: 'STBY' }, 1],
      ['dg_transport_stale_s', {}, 900], // the lags still read 1 s and 3 s, but nothing arrived for 15 minutes
      ['dg_transport_lag_s', {}, 1],
      ['dg_apply_lag_s', {}, 3],
      ['dg_mrp_running', {}, 1],
      ['dg_archive_gap_logs', {}, 3],
      ['backup_age_h', {}, 12], // backups taken on the standby count there
      ['archiver_stuck', {}, undefined], // a standby does not archive its own online logs
      ['query_error', { group: 'space' }, undefined], // not run on a mounted instance
      ['query_error', { group: 'recovery' }, 0],
    ],
  ],
  [
    'v19-standby-active.txt',
    [
      ['up', { instance: 'STBY2' }, 1],
      ['up', { instance: 'STBY3' }, undefined], // V$THREAD on a standby: not a missing instance
      ['rac_instances_up', {}, 2],
      ['rac_instances_configured', {}, undefined],
      ['dg_mrp_running', {}, 1], // on instance 1
      ['dg_apply_lag_s', {}, undefined], // ... so this instance's apply lag means nothing
      ['dg_transport_lag_s', {}, 0],
      ['dg_transport_stale_s', {}, 2],
      ['tablespace_used_pct', { tablespace: 'USERS', pdb: 'SALES' }, 8],
    ],
  ],
])('%s', (name, cases) => {
  const res = parseOracle(fixture(name), { now: NOW });
  it.each(cases)('%s %j = %s', (field, tags, expected) => {
    expect(value(res.metrics, field, tags)).toBe(expected);
  });
  it('reads without errors', () => {
    expect(res.errors).toEqual([]);
  });
});

describe('backups taken on the standby', () => {
  it('count on the standby, and the primary told so reports no backup age rather than an old one', () => {
    expect(value(parseOracle(fixture('v19-standby-mounted.txt'), { now: NOW }).metrics, 'backup_age_h')).toBe(12);
    const primary = oracleMetrics(readSqlplus(fixture('v19-noncdb.txt')), NOW, { backupsOnStandby: true });
    expect(value(primary.metrics, 'backup_age_h')).toBeUndefined();
    const standby = oracleMetrics(readSqlplus(fixture('v19-standby-mounted.txt')), NOW, { backupsOnStandby: true });
    expect(value(standby.metrics, 'backup_age_h')).toBe(12);
  });
});

describe('privileges', () => {
  it('a login refused with ORA-01031 (not in OSDBA) is a query error of the instance group, never oracle.up=0', () => {
    const res = parseOracle(fixture('ora-01031-login.txt'), { now: NOW });
    expect(value(res.metrics, 'up')).toBeUndefined();
    expect(value(res.metrics, 'result')).toBe('ORA-01031');
    expect(value(res.metrics, 'query_error', { group: 'instance' })).toBe(1);
    expect(value(res.metrics, 'query_result', { group: 'instance' })).toBe('ORA-01031');
    expect(res.errors).toEqual(['oracle: sqlplus printed no query output: ORA-01031: insufficient privileges']);
  });

  it('ORA-01031 in one group fails that group only', () => {
    const res = parseOracle(fixture('ora-01031-group.txt'), { now: NOW });
    expect(value(res.metrics, 'up', { instance: 'ORCL' })).toBe(1);
    expect(value(res.metrics, 'query_error', { group: 'health' })).toBe(1);
    expect(value(res.metrics, 'query_result', { group: 'health' })).toBe('ORA-01031');
    expect(value(res.metrics, 'query_error', { group: 'objects' })).toBe(1);
    expect(value(res.metrics, 'query_result', { group: 'objects' })).toBe('ORA-00942');
    expect(value(res.metrics, 'query_error', { group: 'space' })).toBe(0);
    expect(value(res.metrics, 'failed_jobs_24h')).toBe(0); // the rest of the objects group still counts
    expect(value(res.metrics, 'tablespace_used_pct', { tablespace: 'USERS' })).toBe(60);
    expect(res.errors).toEqual(["oracle query 'incidents': ORA-01031: insufficient privileges", "oracle query 'invalid_objects': ORA-00942: table or view does not exist"]);
  });
});

/**
 * A fake sqlplus: answers each query of the script with that query's section
 * of a fixture, streaming section by section. A query named in `hang` prints
 * its marker and then nothing until it is killed.
 */
function fakeSqlplus(name: string, hang: string[] = []): { exec: SqlplusExec; scripts: string[] } {
  const sections = new Map<string, string>();
  for (const part of fixture(name).split(/^(?=@@ )/m)) {
    const m = /^@@ (\S+)/.exec(part);
    if (m) sections.set(m[1] as string, part);
  }
  const scripts: string[] = [];
  const exec: SqlplusExec = async (script, timeoutMs, watch) => {
    scripts.push(script);
    // Output without sections (a refused login, an idle instance) is all sqlplus ever prints.
    if (sections.size === 0) return { stdout: fixture(name), stderr: '', code: 1 };
    let stdout = '';
    for (const q of sectionNames(script)) {
      const part = sections.get(q as string) ?? `@@ ${q}\n`;
      if (hang.includes(q as string)) {
        const head = `@@ ${q}\n`;
        stdout += head;
        watch.onStdout?.(head);
        await new Promise<void>((resolve) => watch.signal?.addEventListener('abort', () => resolve(), { once: true }));
        const err = new CommandTimeoutError('sqlplus', timeoutMs);
        err.stdout = stdout;
        throw err;
      }
      stdout += part;
      watch.onStdout?.(part);
      await new Promise((r) => setImmediate(r));
    }
    return { stdout, stderr: '', code: 0 } satisfies CommandResult;
  };
  return { exec, scripts };
}

describe('SqlplusRunner', () => {
  it('first asks the instance group alone, then reads a CDB through CDB_* views in one session per run', async () => {
    const fake = fakeSqlplus('v19-cdb.txt');
    const runner = new SqlplusRunner({ asm: true, dataguard: true });
    const first = await runner.run(fake.exec);
    expect(sectionNames(fake.scripts[0] as string)).toEqual(['instance', 'database', 'container', 'end']);
    expect(fake.scripts[1]).toMatch(/cdb_data_files/);
    expect(fake.scripts).toHaveLength(2);
    expect(value(oracleMetrics(first, NOW).metrics, 'tablespace_used_pct', { tablespace: 'USERS', pdb: 'HR' })).toBe(96);
    await runner.run(fake.exec);
    expect(fake.scripts).toHaveLength(3);
  });

  it('leaves the dictionary groups out on a mounted standby: no ORA-01219 run after run', async () => {
    const fake = fakeSqlplus('v19-standby-mounted.txt');
    const runner = new SqlplusRunner({ dataguard: true });
    await runner.run(fake.exec);
    const script = fake.scripts[1] as string;
    expect(script).not.toMatch(/\b(dba|cdb)_/);
    expect(sectionNames(script)).not.toContain('tablespaces');
  });

  it('a group that overruns its limit is a query error; the groups after it run in a new session', async () => {
    const fake = fakeSqlplus('v112-single.txt', ['undo']);
    const runner = new SqlplusRunner({ asm: true, timeouts: { undo_temp: 50 } });
    await runner.run(fake.exec); // learns the profile
    const answer = await runner.run(fake.exec);
    const res = oracleMetrics(answer, NOW);
    expect(value(res.metrics, 'up', { instance: 'PROD' })).toBe(1);
    expect(value(res.metrics, 'query_error', { group: 'undo_temp' })).toBe(1);
    expect(value(res.metrics, 'query_result', { group: 'undo_temp' })).toBe('timeout');
    expect(value(res.metrics, 'query_error', { group: 'objects' })).toBe(0);
    expect(value(res.metrics, 'query_error', { group: 'space' })).toBe(0);
    expect(value(res.metrics, 'tablespace_used_pct', { tablespace: 'APPS' })).toBe(70);
    expect(value(res.metrics, 'temp_used_pct', { tablespace: 'TEMP' })).toBeUndefined();
    expect(sectionNames(fake.scripts.at(-1) as string)[0]).toBe('invalid_objects');
    expect(res.errors).toEqual(["oracle: query group 'undo_temp' did not finish within 50 ms; its session was ended"]);
  });

  it('a slow last group (dba_free_space) costs only that group', async () => {
    const fake = fakeSqlplus('v19-noncdb.txt', ['tablespaces']);
    const runner = new SqlplusRunner({ dataguard: true, timeouts: { space: 50 } });
    await runner.run(fake.exec);
    const res = oracleMetrics(await runner.run(fake.exec), NOW);
    expect(value(res.metrics, 'up', { instance: 'ORCL' })).toBe(1);
    expect(value(res.metrics, 'query_result', { group: 'space' })).toBe('timeout');
    expect(value(res.metrics, 'log_switches_per_h')).toBe(3);
    expect(res.errors).toEqual(["oracle: query group 'space' did not finish within 50 ms; its session was ended"]);
  });

  it('an instance that does not answer in time is oracle.up=0 with result=timeout', async () => {
    const fake = fakeSqlplus('v19-noncdb.txt', ['instance']);
    const runner = new SqlplusRunner({ timeouts: { instance: 50 } });
    const res = oracleMetrics(await runner.run(fake.exec), NOW);
    expect(res.metrics).toEqual([{ measurement: 'oracle', fields: { up: 0, result: 'timeout' } }]);
  });

  it('a sqlplus that is not there says so from its stderr', async () => {
    const exec: SqlplusExec = async () => ({ stdout: '', stderr: 'sh: /u01/app/oracle/bin/sqlplus: not found\n', code: 127 });
    const res = oracleMetrics(await new SqlplusRunner({}).run(exec), NOW);
    expect(res.metrics).toEqual([{ measurement: 'oracle', fields: { up: 0, result: 'no_output' } }]);
    expect(res.errors).toEqual(['oracle: sqlplus printed no query output: sh: /u01/app/oracle/bin/sqlplus: not found']);
  });

  it('an SSH link lost mid-run is a failed instance group, not a down instance', async () => {
    const exec: SqlplusExec = async () => {
      throw new SshError('connection reset', 'error');
    };
    const res = oracleMetrics(await new SqlplusRunner({}).run(exec), NOW);
    expect(value(res.metrics, 'up')).toBeUndefined();
    expect(value(res.metrics, 'result')).toBe('ssh_error');
    expect(value(res.metrics, 'query_error', { group: 'instance' })).toBe(1);
  });

  it('an idle instance is oracle.up=0 with the ORA- code as result', async () => {
    const fake = fakeSqlplus('ora-01034-connect.txt');
    const res = oracleMetrics(await new SqlplusRunner({}).run(fake.exec), NOW);
    expect(res.metrics).toEqual([{ measurement: 'oracle', fields: { up: 0, result: 'ORA-01034' } }]);
  });
});
