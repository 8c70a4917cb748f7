import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ALERT_LOG_MAX_BYTES, alertErrorMetrics, alertLogCommand, intervalSeconds, oracleScript, parseAlertLogChunk, parseAlertLogOutput, parseOracle } from '../../agent/ssh/oracle.js';
import type { ParsedMetric, ParseResult } from '../../agent/ssh/types.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/ssh/oracle');
/** 2025-11-20T06:00:00Z, the clock the fixtures' epochs were written against. */
const NOW = 1_763_618_400_000;
const MIB = 1024 * 1024;

/** A fixture without its leading `# source:` / `# built from` lines. */
function fixture(name: string): string {
  const lines = readFileSync(join(FIXTURES, name), 'utf8').split('\n');
  while (lines[0]?.startsWith('#')) lines.shift();
  return lines.join('\n');
}

const parse = (name: string): ParseResult => parseOracle(fixture(name), { now: NOW });

/** The value of `field` in the one oracle metric whose tags are exactly `tags`. */
function value(metrics: ParsedMetric[], field: string, tags: Record<string, string> = {}): number | string | undefined {
  const found = metrics.filter((m) => m.measurement === 'oracle' && JSON.stringify(m.tags ?? {}) === JSON.stringify(tags) && field in m.fields);
  expect(found.length, `${field} ${JSON.stringify(tags)} appears once`).toBeLessThanOrEqual(1);
  return found[0]?.fields[field];
}

type Expect = [field: string, tags: Record<string, string>, expected: number | undefined];

describe('parseOracle: 19c RAC primary with ASM', () => {
  const res = parse('rac-primary.txt');
  const cases: Expect[] = [
    ['up', { instance: 'ORCL1' }, 1],
    ['up', { instance: 'ORCL2' }, 1],
    ['uptime_s', {}, 864_000],
    ['rac_instances_up', {}, 2],
    ['rac_instances_configured', {}, 2],
    ['tablespace_used_pct', { tablespace: 'APP_DATA' }, 40], // 40 GiB of an autoextend maximum of 100 GiB
    ['tablespace_used_bytes', { tablespace: 'APP_DATA' }, 42_949_672_960],
    ['tablespace_size_bytes', { tablespace: 'APP_DATA' }, 53_687_091_200],
    ['tablespace_max_bytes', { tablespace: 'APP_DATA' }, 107_374_182_400],
    ['tablespace_used_pct', { tablespace: 'LEGACY' }, 50], // maxbytes below the current size: the size counts
    ['tablespace_max_bytes', { tablespace: 'LEGACY' }, 2_147_483_648],
    ['tablespace_used_pct', { tablespace: 'SYSAUX' }, 5], // 1638 MiB / 32 GiB = 4.9988 %
    ['tablespace_used_pct', { tablespace: 'SYSTEM' }, 3.03], // 992 MiB / 32 GiB = 3.0273 %
    ['tablespace_used_pct', { tablespace: 'USERS' }, 90],
    ['processes', {}, 312],
    ['processes_pct', {}, 26], // 312 / 1200
    ['sessions', {}, 450],
    ['sessions_pct', {}, 24.67], // 450 / 1824 = 24.671 %
    ['fra_used_pct', {}, 60], // (400 GiB used - 100 GiB reclaimable) / 500 GiB
    ['fra_used_bytes', {}, 322_122_547_200],
    ['fra_limit_bytes', {}, 536_870_912_000],
    ['archive_dest_ok', { dest: 'LOG_ARCHIVE_DEST_1' }, 1],
    ['archive_dest_ok', { dest: 'LOG_ARCHIVE_DEST_2' }, 0], // ERROR, ORA-12541 in the error column
    ['blocking_sessions', {}, 2],
    ['blocking_max_wait_s', {}, 37],
    ['backup_age_h', {}, 26.5], // the RMAN job 95 400 s ago wins over the older backup set
    ['asm_used_pct', { diskgroup: 'DATA' }, 75],
    ['asm_total_bytes', { diskgroup: 'DATA' }, 2_097_152 * MIB],
    ['asm_free_bytes', { diskgroup: 'DATA' }, 524_288 * MIB],
    ['asm_usable_file_bytes', { diskgroup: 'DATA' }, 549_755_813_888],
    ['asm_used_pct', { diskgroup: 'FRA' }, 25],
    ['asm_used_pct', { diskgroup: 'OCR' }, 2.66], // 816 / 30720 = 2.656 %
    ['asm_usable_file_bytes', { diskgroup: 'OCR' }, 10_435_428_352],
    ['asm_mounted', { diskgroup: 'OCR' }, 1],
    ['dg_apply_lag_s', {}, undefined], // a primary has no apply lag
  ];
  it.each(cases)('%s %j = %s', (field, tags, expected) => {
    expect(value(res.metrics, field, tags)).toBe(expected);
  });
  it('reads without errors', () => {
    expect(res.errors).toEqual([]);
  });
});

describe('parseOracle: 19c RAC Active Data Guard standby, instance 2 down', () => {
  const res = parse('rac-standby.txt');
  const cases: Expect[] = [
    ['up', { instance: 'ORCLSB1' }, 1],
    // V$THREAD is not meaningful on a physical standby: instance 2's thread does not make it "down".
    ['up', { instance: 'ORCLSB2' }, undefined],
    ['rac_instances_up', {}, 1],
    ['rac_instances_configured', {}, undefined],
    ['uptime_s', {}, 10_817],
    ['processes_pct', {}, 7.33],
    ['sessions_pct', {}, 5.54],
    ['fra_used_pct', {}, undefined], // no recovery area: no rows
    ['backup_age_h', {}, 168.5], // no RMAN job row: the backup set fallback
    ['asm_used_pct', { diskgroup: 'DATA' }, 50],
    ['dg_apply_lag_s', {}, 5],
    ['dg_transport_lag_s', {}, 0],
    ['blocking_sessions', {}, 0],
  ];
  it.each(cases)('%s %j = %s', (field, tags, expected) => {
    expect(value(res.metrics, field, tags)).toBe(expected);
  });
  it('reads without errors', () => {
    expect(res.errors).toEqual([]);
  });
});

describe('parseOracle: mounted physical standby', () => {
  const res = parse('standby-mounted.txt');
  it.each<Expect>([
    ['up', { instance: 'STBY' }, 1], // MOUNTED is a standby's normal state
    ['sessions_pct', {}, 11.02],
    ['processes_pct', {}, 13.67],
    ['fra_used_pct', {}, 20],
    ['dg_apply_lag_s', {}, 90.25], // '+00 00:01:30.250'
    ['dg_transport_lag_s', {}, 1],
    ['backup_age_h', {}, undefined], // no backup recorded at all
  ])('%s %j = %s', (field, tags, expected) => {
    expect(value(res.metrics, field, tags)).toBe(expected);
  });
  it('takes the closed dictionary (ORA-01219) as the mounted state it is: no error, no query_error, no tablespaces', () => {
    expect(res.errors).toEqual([]);
    expect(res.metrics.some((m) => m.tags?.tablespace)).toBe(false);
    expect(value(res.metrics, 'query_error', { group: 'space' })).toBeUndefined();
    expect(value(res.metrics, 'query_error', { group: 'recovery' })).toBe(0);
  });
  it('still names ORA-01219 on an open database', () => {
    const open = fixture('standby-mounted.txt').replace('PHYSICAL STANDBY|MOUNTED', 'PHYSICAL STANDBY|READ ONLY WITH APPLY');
    const got = parseOracle(open, { now: NOW });
    expect(got.errors).toEqual(["oracle query 'tablespaces': ORA-01219: database or pluggable database not open: queries allowed on fixed"]);
    expect(value(got.metrics, 'query_error', { group: 'space' })).toBe(1);
    expect(value(got.metrics, 'query_result', { group: 'space' })).toBe('ORA-01219');
  });
  it('counts a MOUNTED primary as down', () => {
    const primary = fixture('standby-mounted.txt').replace('PHYSICAL STANDBY|MOUNTED', 'PRIMARY|MOUNTED');
    expect(value(parseOracle(primary, { now: NOW }).metrics, 'up', { instance: 'STBY' })).toBe(0);
  });
});

describe('parseOracle: broken output', () => {
  const cases: Array<[fixture: string, errors: string[], up: number | undefined, upTags: Record<string, string>]> = [
    ['ora-00942.txt', ["oracle query 'asm_diskgroups': ORA-00942: table or view does not exist"], 1, { instance: 'ORCL' }],
    [
      'sp2-0734.txt',
      [
        `oracle query '(setup)': SP2-0734: unknown command beginning "set sqlpro..." - rest of line ignored.`,
        `oracle query 'blocking_sessions': SP2-0734: unknown command beginning "WHERE bloc..." - rest of line ignored.`,
      ],
      1,
      { instance: 'ORCL' },
    ],
    ['truncated.txt', [`oracle query 'tablespaces': line 8: expected 5 fields, got 3: "-|SYSAUX|21474836"`, "oracle: output ends before '@@ end' (truncated?)"], 1, { instance: 'ORCL1' }],
    ['sqlplus-missing.txt', ['oracle: sqlplus printed no query output: sh: /u01/app/oracle/product/19.0.0/dbhome_1/bin/sqlplus: not found'], 0, {}],
    ['tns-12162.txt', ['oracle: sqlplus printed no query output: ORA-12162: TNS:net service name is incorrectly specified'], 0, {}],
    ['ora-01034-connect.txt', ['oracle: sqlplus printed no query output: ORA-01034: ORACLE not available'], 0, {}],
    ['ora-01034-idle.txt', ['oracle: instance not available: ORA-01034: ORACLE not available'], 0, {}],
    ['garbage.txt', ['oracle: sqlplus printed no query output: *** Authorized use only ***'], 0, {}],
  ];
  it.each(cases)('%s', (name, errors, up, upTags) => {
    const res = parse(name);
    expect(res.errors).toEqual(errors);
    expect(value(res.metrics, 'up', upTags)).toBe(up);
  });

  it('keeps the sections around a failed one', () => {
    const res = parse('ora-00942.txt');
    expect(value(res.metrics, 'tablespace_used_pct', { tablespace: 'USERS' })).toBe(90);
    expect(value(res.metrics, 'sessions_pct', {})).toBe(15.89);
    expect(value(res.metrics, 'processes_pct', {})).toBe(20);
    expect(value(res.metrics, 'backup_age_h', {})).toBe(26.5);
  });

  it('keeps the rows read before the cut', () => {
    const res = parse('truncated.txt');
    expect(value(res.metrics, 'tablespace_used_pct', { tablespace: 'APP_DATA' })).toBe(40);
    expect(value(res.metrics, 'tablespace_used_pct', { tablespace: 'LEGACY' })).toBe(50);
  });

  it('reports an idle instance once, with oracle.up=0 as its only metric', () => {
    expect(parse('ora-01034-idle.txt').metrics).toEqual([{ measurement: 'oracle', fields: { up: 0, result: 'ORA-01034' } }]);
  });

  it.each<[string, string, string[]]>([
    ['empty output', '', ['oracle: sqlplus printed no query output (empty output)']],
    ['an unknown section', '@@ instance\nORCL|h|OPEN|ACTIVE|19.0.0.0.0|1763000000.\n@@ bogus\nx\n@@ end\n', ["oracle: unknown section 'bogus'"]],
    ['a number that is not one', '@@ tablespaces\n-|USERS|abc|1.|1.\n@@ end\n', [`oracle query 'tablespaces': USERS bytes is not a number: "abc"`]],
    [
      'a lag that is not an interval',
      '@@ database\nX|PHYSICAL STANDBY|MOUNTED|ARCHIVELOG\n@@ dataguard_stats\napply lag|5 seconds|3.\n@@ end\n',
      [`oracle query 'dataguard_stats': apply lag is not an interval: "5 seconds"`],
    ],
  ])('reports %s', (_what, stdout, errors) => {
    expect(parseOracle(stdout, { now: NOW }).errors).toEqual(errors);
  });

  it('never throws on arbitrary input', () => {
    for (const junk of ['@@', '@@ instance\n|||||\n', '@@ rac_instances\n1.|A|h|OPEN\n@@ rac_threads\n|||\n', '\u0000\u00ff@@ fra\n|1.|x|2.|3.\n']) {
      expect(() => parseOracle(junk, { now: NOW })).not.toThrow();
    }
  });
});

describe('intervalSeconds', () => {
  it.each<[string, number | undefined]>([
    ['+00 00:00:05', 5],
    ['+00 00:01:30.250', 90.25],
    ['+01 02:03:04', 93_784],
    ['+00 00:00:00', 0],
    ['-00 00:00:02', -2],
    ['', undefined],
    ['5', undefined],
  ])('%j -> %s', (text, seconds) => {
    expect(intervalSeconds(text)).toBe(seconds);
  });
});

/** Statement blocks of the script: what comes after each `prompt @@ name` line. */
function blocks(script: string): { name: string; body: string }[] {
  const out: { name: string; body: string }[] = [{ name: '(setup)', body: '' }];
  for (const line of script.split('\n')) {
    const m = /^prompt @@ (\S+)$/.exec(line);
    if (m) out.push({ name: m[1] as string, body: '' });
    else (out.at(-1) as { body: string }).body += `${line}\n`;
  }
  return out;
}

/** The select list of a statement: from SELECT to the FROM at parenthesis depth 0, outside quotes. */
function selectList(sql: string): string {
  const start = sql.indexOf('SELECT ') + 'SELECT '.length;
  let depth = 0;
  let quoted = false;
  for (let i = start; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'") quoted = !quoted;
    if (quoted) continue;
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (depth === 0 && /\sFROM\s/.test(sql.slice(i, i + 6))) return sql.slice(start, i).trim();
  }
  throw new Error(`no FROM in ${sql}`);
}

describe('oracleScript', () => {
  const all = oracleScript({ rac: true, asm: true, dataguard: true });

  it('sets SQL*Plus up for machine-readable output and keeps going after errors', () => {
    expect(all).toMatch(/^set pagesize 0 feedback off heading off verify off echo off linesize 32767 trimspool on .*tab off/m);
    expect(all).toContain('whenever sqlerror continue');
    expect(all.trimEnd().endsWith('exit')).toBe(true);
  });

  it('uses no view that needs the Diagnostics Pack (ASH, AWR)', () => {
    expect(all).not.toMatch(/active_session_history|dba_hist_|dbms_workload_repository|v\$sysmetric_history/i);
  });

  it('announces every query with a marker and ends with @@ end', () => {
    const [setup, ...queries] = blocks(all);
    expect(setup?.body).not.toMatch(/SELECT/i);
    expect(queries.at(-1)?.name).toBe('end');
    for (const q of queries.slice(0, -1)) {
      expect(q.body.match(/;\s*$/gm)?.length, q.name).toBe(1);
      expect(q.body.trimStart().startsWith('SELECT '), q.name).toBe(true);
    }
    const names = queries.map((q) => q.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('formats every selected field NLS-independently: numbers through TO_CHAR with NLS_NUMERIC_CHARACTERS, text with | replaced', () => {
    const numeric = /^TO_CHAR\(.*, 'FM9+0\.9+', 'NLS_NUMERIC_CHARACTERS=''\.,'''\)$/s;
    const text = /^REPLACE\(.*, '\|', '\/'\)$/s;
    for (const q of blocks(all).slice(1, -1)) {
      for (const field of selectList(q.body).split(` || '|' || `)) {
        expect(numeric.test(field) || text.test(field), `${q.name}: ${field}`).toBe(true);
        if (text.test(field)) expect(field, `${q.name}: a number hidden in a text field`).not.toMatch(/TO_CHAR|[-+*/]\s*\d|\bCOUNT\(|\bSUM\(/);
      }
    }
    expect(all.match(/TO_CHAR\(/g)?.length).toBe(all.match(/'NLS_NUMERIC_CHARACTERS=''\.,'''/g)?.length);
  });

  it('computes epochs from SYS_EXTRACT_UTC(SYSTIMESTAMP), never from a default date format', () => {
    for (const q of ['instance', 'backup_jobs', 'backup_sets']) {
      expect(blocks(all).find((b) => b.name === q)?.body).toContain("CAST(SYS_EXTRACT_UTC(SYSTIMESTAMP) AS DATE) - DATE '1970-01-01'");
    }
  });

  it.each<[string, Parameters<typeof oracleScript>[0], string[], string[]]>([
    ['plain', {}, ['instance', 'tablespaces', 'backup_jobs'], ['asm_diskgroups', 'rac_instances', 'dataguard_stats']],
    ['asm', { asm: true }, ['asm_diskgroups'], ['rac_instances', 'dataguard_stats']],
    ['rac', { rac: true }, ['rac_instances', 'rac_threads'], ['asm_diskgroups']],
    ['dataguard', { dataguard: true }, ['dataguard_stats'], ['asm_diskgroups', 'rac_threads']],
  ])('%s options choose the queries', (_what, opts, present, absent) => {
    const names = blocks(oracleScript(opts)).map((b) => b.name);
    for (const n of present) expect(names).toContain(n);
    for (const n of absent) expect(names).not.toContain(n);
  });
});

describe('alert log', () => {
  it('counts ORA- codes per line, padding old four-digit codes', () => {
    const { counts, lines } = parseAlertLogChunk(fixture('alert-log.txt'));
    expect(Object.fromEntries(counts)).toEqual({ 'ORA-00600': 2, 'ORA-01653': 2, 'ORA-00603': 1 });
    expect(lines).toBe(11);
  });

  it('counts nothing in an empty chunk', () => {
    expect(parseAlertLogChunk('')).toEqual({ counts: new Map(), lines: 0 });
  });

  it('turns counts into oracle.alert_errors {code}', () => {
    expect(alertErrorMetrics(new Map([['ORA-00600', 2]]))).toEqual([{ measurement: 'oracle', tags: { code: 'ORA-00600' }, fields: { alert_errors: 2 } }]);
  });

  it.each<[string, string, { inode: string; size: number; chunk: string; error?: string }]>([
    ['cuts the chunk to SIZE - START bytes', '1234 5000 4990\nabcdefghijKLMN', { inode: '1234', size: 5000, chunk: 'abcdefghij' }],
    ['keeps a chunk that is shorter', ' 77   120 100\nshort\n', { inode: '77', size: 120, chunk: 'short\n' }],
    ['reads the two-field header', '77 120\nall of it', { inode: '77', size: 120, chunk: 'all of it' }],
    ['reports a missing file', 'cannot read /x', { inode: '', size: 0, chunk: '', error: `alert log: expected 'INODE SIZE' first, got "cannot read /x"` }],
  ])('parseAlertLogOutput %s', (_what, stdout, expected) => {
    expect(parseAlertLogOutput(stdout)).toEqual(expected);
  });

  it('builds a command without GNU-only tools or $(...)', () => {
    const cmd = alertLogCommand("/u01/diag/it's/alert_ORCL.log", 1234);
    expect(cmd).toContain(`f='/u01/diag/it'\\''s/alert_ORCL.log'`);
    expect(cmd).toContain('tail -c +1235 "$f"');
    expect(cmd).toContain(`dd bs=4096 count=${ALERT_LOG_MAX_BYTES / 4096}`);
    expect(cmd).not.toMatch(/\bstat\b|head -c|\$\(|--[a-z]/);
    expect(alertLogCommand('/a.log', -5)).toContain('tail -c +1 ');
  });

  describe('running the command with the local /bin/sh', () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomwatch-alert-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const run = (path: string, offset: number) => parseAlertLogOutput(execFileSync('/bin/sh', ['-c', alertLogCommand(path, offset)], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }));

    it('prints inode, size and the bytes after the offset', () => {
      const path = join(dir, 'alert_T.log');
      writeFileSync(path, 'old line\nORA-00600: new\n');
      const got = run(path, 9);
      expect(got).toEqual({ inode: String(statSync(path).ino), size: 24, chunk: 'ORA-00600: new\n' });
      expect(Object.fromEntries(parseAlertLogChunk(got.chunk).counts)).toEqual({ 'ORA-00600': 1 });
    });

    it('reads at most 4 MiB', () => {
      const path = join(dir, 'big.log');
      writeFileSync(path, 'x'.repeat(ALERT_LOG_MAX_BYTES + 100_000));
      const got = run(path, 0);
      expect(got.size).toBe(ALERT_LOG_MAX_BYTES + 100_000);
      expect(got.chunk.length).toBeGreaterThan(0);
      expect(got.chunk.length).toBeLessThanOrEqual(ALERT_LOG_MAX_BYTES);
    });

    it('fails without output for a missing file', () => {
      expect(() => execFileSync('/bin/sh', ['-c', alertLogCommand(join(dir, 'none.log'), 0)], { stdio: 'pipe' })).toThrow();
    });
  });
});
