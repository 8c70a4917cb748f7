/**
 * The ssh probe kind end to end against a real sshd: a Linux host with its
 * real commands, an AIX host and an Oracle RAC instance whose commands are
 * fixture scripts printing captured (or documented) output, a 3PAR CLI, the
 * alert log across rotation, a hung check, and a swapped host key.
 */
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../../collector/contract/index.js';
import { sshProbe, type SshOptions } from '../../agent/probes/ssh.js';
import type { Probe, ProbeEnv } from '../../agent/probes/types.js';
import { peerAvailable } from '../peers.js';
import { valueOf } from '../snmp/snmpsim.js';
import { startSshd, type Sshd } from './sshd.js';

const run = peerAvailable('/usr/sbin/sshd', 'openssh-server');
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'ssh');
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const env: ProbeEnv = { agentName: 't', hostname: 't', intervalMs: 60_000, collectorClockOffset: () => undefined, log: quiet };

/** A fixture command: prints the fixture without its provenance header, ignoring arguments and stdin. */
function fixtureScript(fixture: string): string {
  return `cat > /dev/null 2>&1 <&0 &\nsed -e '1{/^# \\(source\\|built from\\)/d;}' '${join(FIXTURES, fixture)}'`;
}

describe.skipIf(!run)('ssh probe against a real sshd', () => {
  let sshd: Sshd;
  let aix: { key: Buffer; bin: string };
  let keyFile: string;
  let aixKeyFile: string;
  const probes: Probe[] = [];

  beforeAll(async () => {
    sshd = await startSshd();
    keyFile = join(sshd.dir, 'user_key');
    aix = sshd.addKey('aix');
    aixKeyFile = join(sshd.dir, 'key-aix');
    const add = (name: string, fixture: string) => sshd.addCommand(name, fixtureScript(fixture), aix.bin);
    add('vmstat', 'aix/vmstat-lpar.txt');
    add('uptime', 'aix/uptime.txt');
    add('svmon', 'aix/svmon-G.txt');
    add('lsps', 'aix/lsps-s.txt');
    add('df', 'aix/df-k.txt');
    add('lspath', 'aix/lspath.txt');
    // errpt: the full log on the first call, one new entry after that (as `errpt -s` would).
    sshd.addCommand(
      'errpt',
      `if [ "$1" = "-s" ]; then printf 'IDENTIFIER TIMESTAMP  T C RESOURCE_NAME  DESCRIPTION\\nDE3B8540   1123101526 P H hdisk4         PATH HAS FAILED\\n'; else sed -e '1{/^# \\(source\\|built from\\)/d;}' '${join(FIXTURES, 'aix/errpt.txt')}'; fi`,
      aix.bin,
    );
    // Oracle: $ORACLE_HOME/bin/sqlplus prints the instance's answer to the script on stdin.
    const home = join(sshd.dir, 'oracle');
    await import('node:fs').then((fs) => fs.mkdirSync(join(home, 'bin'), { recursive: true }));
    sshd.addCommand(
      'sqlplus',
      `cat > ${join(sshd.dir, 'sqlplus.stdin')}\necho "$ORACLE_SID $NLS_LANG" > ${join(sshd.dir, 'sqlplus.env')}\nsed -e '1{/^# \\(source\\|built from\\)/d;}' '${join(FIXTURES, 'oracle/rac-primary.txt')}'`,
      join(home, 'bin'),
    );
    for (const cmd of ['showsys', 'showpd', 'showcpg', 'shownode']) sshd.addCommand(cmd, fixtureScript(`3par/${cmd}.txt`));
  }, 30_000);

  afterAll(async () => {
    for (const p of probes) await p.close?.();
    await sshd?.cleanup();
  });

  const probe = (options: Partial<SshOptions> & { platform: SshOptions['platform'] }, device: string) => {
    const p = sshProbe.init(
      {
        device,
        options: { host: `127.0.0.1:${sshd.port}`, user: sshd.user, key_file: keyFile, host_key: { fingerprint: sshd.hostKeyFingerprint }, ...options } as SshOptions,
      },
      env,
    );
    probes.push(p);
    return p;
  };
  const gather = async (p: Probe, now = Date.now()) => {
    const errors: string[] = [];
    const samples: Sample[] = await p.gather({ signal: AbortSignal.timeout(60_000), now: () => now, error: (m) => errors.push(m) });
    return { samples, errors };
  };

  it('checks this Linux host with its real commands over one connection', async () => {
    const p = probe({ platform: 'linux', checks: ['cpu', 'load', 'memory', 'filesystems', 'multipath'] }, 'linux01');
    const first = await gather(p);
    expect(first.errors).toEqual([]);
    const s = first.samples;
    expect(valueOf(s, 'device.up')).toBe(1);
    expect(valueOf(s, 'ssh.hostkey_mismatch')).toBe(0);
    const cpu = valueOf(s, 'cpu.usage_pct') as number;
    expect(cpu).toBeGreaterThanOrEqual(0);
    expect(cpu).toBeLessThanOrEqual(100);
    expect(valueOf(s, 'load.l1')).toBeGreaterThanOrEqual(0);
    expect(valueOf(s, 'mem.used_pct')).toBeGreaterThan(0);
    expect(valueOf(s, 'disk.used_pct', { mount: '/' })).toBeGreaterThan(0);
    const second = await gather(p);
    expect(valueOf(second.samples, 'ssh.connections')).toBe(1);
  });

  it('reads an AIX host: vmstat, svmon, lsps, df, lspath, and only new errpt entries', async () => {
    const p = probe({ platform: 'aix', key_file: aixKeyFile, checks: ['cpu', 'load', 'memory_svmon', 'filesystems', 'errlog', 'multipath'] }, 'aix01');
    const first = await gather(p);
    expect(first.errors).toEqual([]);
    const s = first.samples;
    expect(valueOf(s, 'cpu.usage_pct')).toBe(62);
    expect(valueOf(s, 'cpu.iowait_pct')).toBe(12);
    expect(valueOf(s, 'swap.used_pct')).toBe(0.28); // svmon's pg space line
    expect(valueOf(s, 'disk.used_pct', { mount: '/u01' })).toBe(91);
    expect(valueOf(s, 'mpath.paths_failed', { lun: 'hdisk3' })).toBe(3);
    expect(valueOf(s, 'load.l1')).toBe(0.22);
    // The first read of the error log is history, not news.
    expect(s.filter((x) => x.measurement === 'errlog')).toEqual([]);
    const second = await gather(p);
    expect(valueOf(second.samples, 'errlog.new_entries', { type: 'P', class: 'H' })).toBe(1);
  });

  it('reads an Oracle RAC instance through sqlplus with the NLS-safe script, and counts new ORA- lines in the alert log across rotation', async () => {
    const alertLog = join(sshd.dir, 'alert_ORCL1.log');
    writeFileSync(alertLog, 'Mon Nov 23 01:00:00 2026\nORA-00600: internal error (history)\n');
    const asmLog = join(sshd.dir, 'alert_+ASM1.log');
    writeFileSync(asmLog, 'ORA-15080: synchronous I/O operation failed (history)\n');
    const p = probe(
      {
        platform: 'aix',
        key_file: aixKeyFile,
        checks: ['load'],
        oracle: [{ sid: 'ORCL1', home: join(sshd.dir, 'oracle'), device: 'orcl', alert_log: alertLog, asm_alert_log: asmLog, rac: true, asm: true, dataguard: true }],
      },
      'aix02',
    );
    expect(p.devices().map((d) => `${d.name}:${d.class}`)).toEqual(['aix02:minicomputer', 'orcl:database']);
    const now = Date.UTC(2026, 10, 23, 8, 0, 0);
    const first = await gather(p, now);
    const s = first.samples.filter((x) => x.tags.device === 'orcl');
    expect(readFileSync(join(sshd.dir, 'sqlplus.stdin'), 'utf8')).toContain("NLS_NUMERIC_CHARACTERS=''.,''");
    expect(readFileSync(join(sshd.dir, 'sqlplus.env'), 'utf8').trim()).toBe('ORCL1 AMERICAN_AMERICA.AL32UTF8');
    expect(valueOf(s, 'oracle.up', { instance: 'ORCL1' })).toBe(1);
    expect(valueOf(s, 'oracle.tablespace_used_pct', { tablespace: 'APP_DATA' })).toBe(40);
    expect(valueOf(s, 'oracle.archive_dest_ok', { dest: 'LOG_ARCHIVE_DEST_2' })).toBe(0);
    expect(valueOf(s, 'oracle.blocking_sessions')).toBe(2);
    expect(valueOf(s, 'oracle.rac_instances_up')).toBeGreaterThanOrEqual(1);
    expect(s.filter((x) => 'alert_errors' in x.fields)).toEqual([]);

    appendFileSync(alertLog, 'ORA-01653: unable to extend table\nORA-01653: unable to extend table\nORA-00060: deadlock detected\n');
    appendFileSync(asmLog, 'ORA-15080: synchronous I/O operation failed to write block 1031 of disk 4 in disk group DATA\n');
    const second = await gather(p, now + 60_000);
    expect(valueOf(second.samples, 'oracle.alert_errors', { log: 'asm', code: 'ORA-15080' })).toBe(1);
    expect(valueOf(second.samples, 'oracle.alert_errors', { code: 'ORA-01653' })).toBe(2);
    expect(valueOf(second.samples, 'oracle.alert_errors', { code: 'ORA-00060' })).toBe(1);

    // Rotation: the old file moves away, a new (shorter) one starts; it is read from its start.
    renameSync(alertLog, `${alertLog}.1`);
    writeFileSync(alertLog, 'ORA-00060: deadlock detected\n');
    const third = await gather(p, now + 120_000);
    expect(valueOf(third.samples, 'oracle.alert_errors', { code: 'ORA-00060' })).toBe(1);
    expect(valueOf(third.samples, 'oracle.alert_errors', { code: 'ORA-01653' })).toBe(0);
  });

  it('ends a sqlplus session whose query group overruns its limit, and still reports the instance and the other groups', async () => {
    // A sqlplus that answers each query of the script from a 19c fixture, and hangs in dba_free_space.
    const home = join(sshd.dir, 'oracle-slow');
    await import('node:fs').then((fs) => fs.mkdirSync(join(home, 'bin'), { recursive: true }));
    const fx = join(FIXTURES, 'oracle', 'v19-noncdb.txt');
    sshd.addCommand(
      'sqlplus',
      `in=${join(sshd.dir, 'slow.stdin')}; cat > "$in"\nfor q in \`sed -n 's/^prompt @@ //p' "$in"\`; do\n  if [ "$q" = tablespaces ]; then echo '@@ tablespaces'; sleep 30; fi\n  awk -v q="$q" '/^@@ /{p=($2==q)} p' '${fx}'\ndone`,
      join(home, 'bin'),
    );
    const p = probe({ platform: 'aix', key_file: aixKeyFile, checks: ['load'], oracle: [{ sid: 'ORCL', home, device: 'orcl-slow', dataguard: true, query_timeouts: { space: '1s' } }] }, 'aix03');
    const first = await gather(p); // learns that it is a non-CDB, open
    expect(first.errors).toEqual(["orcl-slow: oracle: query group 'space' did not finish within 1000 ms; its session was ended"]);
    const s = first.samples.filter((x) => x.tags.device === 'orcl-slow');
    expect(valueOf(s, 'oracle.up', { instance: 'ORCL' })).toBe(1);
    expect(valueOf(s, 'oracle.query_error', { group: 'space' })).toBe(1);
    expect(valueOf(s, 'oracle.query_result', { group: 'space' })).toBe('timeout');
    expect(valueOf(s, 'oracle.query_error', { group: 'objects' })).toBe(0);
    expect(valueOf(s, 'oracle.log_switches_per_h')).toBe(3);
    expect(valueOf(s, 'oracle.tablespace_used_pct', { tablespace: 'USERS' })).toBeUndefined();
  }, 30_000);

  it('reads a 3PAR array through its CLI', async () => {
    const p = probe({ platform: '3par' }, '3par-a');
    const out = await gather(p);
    expect(out.errors).toEqual([]);
    expect(p.devices()[0]?.class).toBe('storage');
    expect(out.samples.some((x) => x.measurement === 'storage' && 'pool_used_pct' in x.fields)).toBe(true);
    expect(out.samples.some((x) => x.measurement === 'storage' && 'controller_ok' in x.fields)).toBe(true);
    expect(valueOf(out.samples, 'storage.disks_failed')).toBeTypeOf('number');
  });

  it('names a hung check in the probe errors and still reports the others', async () => {
    const hang = sshd.addKey('hang');
    sshd.addCommand('uptime', 'sleep 30', hang.bin);
    sshd.addCommand('vmstat', fixtureScript('linux/vmstat.txt'), hang.bin);
    const p = probe({ platform: 'linux', key_file: join(sshd.dir, 'key-hang'), checks: ['cpu', 'load'], command_timeout: '1s' }, 'linux02');
    const out = await gather(p);
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]).toMatch(/linux02 check 'load': command 'LC_ALL=C; export LC_ALL; uptime' did not finish within 1000 ms and was killed/);
    expect(valueOf(out.samples, 'cpu.usage_pct')).toBeTypeOf('number');
  });

  it('refuses a swapped host key: device.up=0 and ssh.hostkey_mismatch=1', async () => {
    const pinned = probe({ platform: 'linux', checks: ['load'] }, 'linux03');
    expect(valueOf((await gather(pinned)).samples, 'device.up')).toBe(1);
    await sshd.kill();
    await sshd.start({ newHostKey: true });
    const out = await gather(pinned);
    expect(valueOf(out.samples, 'device.up')).toBe(0);
    expect(valueOf(out.samples, 'device.result')).toBe('hostkey_mismatch');
    expect(valueOf(out.samples, 'ssh.hostkey_mismatch')).toBe(1);
    expect(out.errors[0]).toMatch(/host key of \[127\.0\.0\.1\]:\d+ is SHA256:/);
  }, 30_000);
});
