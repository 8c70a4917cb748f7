/**
 * AIX and HP-UX as an unprivileged account, end to end against a real sshd:
 * the default command set (fixture commands first on PATH) yields every
 * memory, disk and paging metric without svmon; svmon refusing the account
 * is a probe warning naming the command and privilege, logged once, and not
 * a probe error. When the tests run as root, the keys' commands run as nobody
 * (sshd.ts addKey unprivileged), so they really run without privilege.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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
const fixtureBody = (fixture: string) => readFileSync(join(FIXTURES, fixture), 'utf8').replace(/^# (source|built from)[^\n]*\n/, '');
const strip = (fixture: string) => `sed -e '1{/^# \\(source\\|built from\\)/d;}' '${join(FIXTURES, fixture)}'`;

describe.skipIf(!run)('AIX and HP-UX checks as an unprivileged account', () => {
  let sshd: Sshd;
  const keys: Record<string, string> = {};
  const probes: Probe[] = [];
  const warnings: string[] = [];
  const env: ProbeEnv = {
    agentName: 't',
    hostname: 't',
    intervalMs: 60_000,
    collectorClockOffset: () => undefined,
    log: { debug() {}, info() {}, error() {}, warn: (m) => warnings.push(m) },
  };

  beforeAll(async () => {
    sshd = await startSshd();
    const aix = sshd.addKey('aix', { unprivileged: true });
    const add = (bin: string, name: string, script: string) => sshd.addCommand(name, script, bin);
    add(aix.bin, 'vmstat', `if [ "$1" = "-v" ]; then ${strip('aix/vmstat-v.txt')}; else ${strip('aix/vmstat-lpar.txt')}; fi`);
    add(aix.bin, 'uptime', strip('aix/uptime.txt'));
    add(aix.bin, 'lsps', strip('aix/lsps-s.txt'));
    add(aix.bin, 'df', strip('aix/df-k.txt'));
    add(aix.bin, 'lspath', strip('aix/lspath.txt'));
    add(aix.bin, 'errpt', strip('aix/errpt.txt'));
    add(aix.bin, 'lsvg', `if [ "$1" = "-o" ]; then echo rootvg; else ${strip('aix/lsvg.txt')}; fi`);
    // svmon as a non-root account: the refusal on stderr, exit 1.
    add(aix.bin, 'svmon', `${strip('aix/svmon-denied.txt')} >&2; exit 1`);
    keys.aix = join(sshd.dir, 'key-aix');
    const hpux = sshd.addKey('hpux', { unprivileged: true });
    add(hpux.bin, 'vmstat', strip('hpux/vmstat.txt'));
    add(hpux.bin, 'uptime', strip('hpux/uptime.txt'));
    add(hpux.bin, 'getconf', 'echo 4096');
    add(hpux.bin, 'machinfo', strip('hpux/machinfo.txt'));
    add(hpux.bin, 'swapinfo', strip('hpux/swapinfo-tam.txt'));
    add(hpux.bin, 'bdf', strip('hpux/bdf.txt'));
    add(hpux.bin, 'ioscan', strip('hpux/ioscan-health.txt'));
    keys.hpux = join(sshd.dir, 'key-hpux');
    const linux = sshd.addKey('linux', { unprivileged: true });
    add(linux.bin, 'multipath', `${strip('linux/multipath-need-root.txt')} >&2; exit 1`);
    keys.linux = join(sshd.dir, 'key-linux');
  }, 30_000);

  afterAll(async () => {
    for (const p of probes) await p.close?.();
    await sshd?.cleanup();
  });

  const probe = (platform: 'aix' | 'hpux' | 'linux', device: string, checks?: string[], extra: Partial<SshOptions> = {}) => {
    const options = {
      host: `127.0.0.1:${sshd.port}`,
      user: sshd.user,
      key_file: keys[platform],
      host_key: { fingerprint: sshd.hostKeyFingerprint },
      platform,
      ...(checks ? { checks } : {}),
      ...extra,
    };
    const p = sshProbe.init({ device, options: options as SshOptions }, env);
    probes.push(p);
    return p;
  };
  const gather = async (p: Probe) => {
    const errors: string[] = [];
    const samples: Sample[] = await p.gather({ signal: AbortSignal.timeout(60_000), now: () => Date.now(), error: (m) => errors.push(m) });
    return { samples, errors };
  };

  it('the sessions really run without root', async () => {
    sshd.addCommand('whoami-uid', 'id -u', join(sshd.dir, 'bin-aix'));
    const uid = execFileSync(
      'ssh',
      ['-i', keys.aix as string, '-p', String(sshd.port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', `${sshd.user}@127.0.0.1`, 'whoami-uid'],
      { encoding: 'utf8' },
    ).trim();
    expect(uid).not.toBe('0');
  });

  it('AIX: the default checks need no root', async () => {
    const { samples, errors } = await gather(probe('aix', 'aix-nonroot'));
    expect(errors).toEqual([]);
    expect(valueOf(samples, 'device.up')).toBe(1);
    expect(valueOf(samples, 'mem.used_pct')).toBe(56.87); // vmstat -v
    expect(valueOf(samples, 'mem.available_bytes')).toBe(1808794 * 4096);
    expect(valueOf(samples, 'swap.used_pct')).toBe(3); // lsps -s
    expect(valueOf(samples, 'disk.used_pct', { mount: '/u01' })).toBe(91);
    expect(valueOf(samples, 'lvm.stale_pps', { vg: 'datavg' })).toBe(37);
    expect(valueOf(samples, 'cpu.usage_pct')).toBe(62);
    expect(samples.filter((s) => s.measurement === 'agent')).toEqual([]);
  });

  it('AIX: svmon refused is agent.probe_warnings{module}, logged once, never a probe error', async () => {
    const p = probe('aix', 'aix-svmon', ['memory_svmon', 'load']);
    const first = await gather(p);
    expect(first.errors).toEqual([]);
    expect(valueOf(first.samples, 'agent.probe_warnings', { module: 'memory_svmon' })).toBe(1);
    expect(valueOf(first.samples, 'load.l1')).toBe(0.22);
    const second = await gather(p);
    expect(valueOf(second.samples, 'agent.probe_warnings', { module: 'memory_svmon' })).toBe(1);
    const logged = warnings.filter((w) => w.startsWith('aix-svmon '));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^aix-svmon check 'memory_svmon': 'svmon -G' was refused \(svmon: 0481-033 You must have root authority to run this command\.\); it needs root/);
    // Granted (or run as root): reported at 0 once, so the alert clears, then no more.
    sshd.addCommand('svmon', strip('aix/svmon-G.txt'), join(sshd.dir, 'bin-aix'));
    const third = await gather(p);
    expect(valueOf(third.samples, 'agent.probe_warnings', { module: 'memory_svmon' })).toBe(0);
    expect(valueOf(third.samples, 'mem.used_pct')).toBeTypeOf('number');
    expect((await gather(p)).samples.filter((x) => x.measurement === 'agent')).toEqual([]);
    sshd.addCommand('svmon', `${strip('aix/svmon-denied.txt')} >&2; exit 1`, join(sshd.dir, 'bin-aix'));
  });

  it('Linux: multipath -ll refused to a non-root account is a warning; the rest of the host is read', async () => {
    const { samples, errors } = await gather(probe('linux', 'linux-nonroot', ['memory', 'filesystems', 'multipath']));
    expect(errors).toEqual([]);
    expect(valueOf(samples, 'agent.probe_warnings', { module: 'multipath' })).toBe(1);
    expect(valueOf(samples, 'mem.used_pct')).toBeGreaterThan(0);
    expect(warnings.find((w) => w.startsWith('linux-nonroot '))).toMatch(/^linux-nonroot check 'multipath': 'multipath -ll' was refused \(need to be root\); it needs root/);
  });

  it('HP-UX: real memory, swap, disks and device health without root', async () => {
    const { samples, errors } = await gather(probe('hpux', 'hpux-nonroot'));
    expect(errors).toEqual([]);
    expect(valueOf(samples, 'mem.used_pct')).toBe(69.74); // machinfo and vmstat, not swapinfo's pseudo-swap
    expect(valueOf(samples, 'mem.total_bytes')).toBe(16353 * 1024 * 1024);
    expect(valueOf(samples, 'swap.used_pct')).toBe(28);
    expect(valueOf(samples, 'disk.used_pct', { mount: '/' })).toBeTypeOf('number');
    expect(valueOf(samples, 'hw.unhealthy', { class: 'disk' })).toBe(1);
    expect(valueOf(samples, 'cpu.usage_pct')).toBeTypeOf('number');
    expect(samples.filter((s) => 'used_pct' in s.fields && s.measurement === 'mem')).toHaveLength(1);
  });

  it('HP-UX: new EMS hardware events by severity and new CRS- lines of the Clusterware alert log, read as the unprivileged account, history skipped, rotation followed', async () => {
    const logs = join(sshd.dir, 'logs');
    mkdirSync(logs, { recursive: true, mode: 0o755 });
    chmodSync(sshd.dir, 0o755);
    const ems = join(logs, 'event.log');
    const crs = join(logs, 'alert.log');
    const write = (f: string, text: string, append = false) => {
      (append ? appendFileSync : writeFileSync)(f, text);
      chmodSync(f, 0o644);
    };
    write(ems, 'Severity............: CRITICAL\n'); // history: not news
    write(crs, '2026-11-20 02:00:00.000 [OCSSD(1)]CRS-1607: Node racnode2 is being evicted (history)\n');
    const grid = join(sshd.dir, 'grid');
    mkdirSync(join(grid, 'bin'), { recursive: true, mode: 0o755 });
    const tools = { crsctl: `if [ "$1" = stat ]; then ${strip('crs/crsctl-stat-res-t-19c.txt')}; else ${strip('crs/votedisk.txt')}; fi`, ocrcheck: strip('crs/ocrcheck.txt') };
    for (const [tool, script] of Object.entries(tools)) {
      writeFileSync(join(grid, 'bin', tool), `#!/bin/sh\n${script}\n`);
      chmodSync(join(grid, 'bin', tool), 0o755);
    }
    const p = probe('hpux', 'hpux-logs', ['load'], { ems_log: ems, clusterware: { grid_home: grid, alert_log: crs } });
    const first = await gather(p);
    expect(first.errors).toEqual([]);
    expect(first.samples.filter((s) => s.measurement === 'ems' || 'alert_errors' in s.fields)).toEqual([]);

    write(ems, fixtureBody('hpux/ems-event.log'), true);
    write(crs, fixtureBody('crs/alert-19c.log'), true);
    const second = await gather(p);
    expect(second.errors).toEqual([]);
    expect(valueOf(second.samples, 'ems.events', { severity: 'serious' })).toBe(1);
    expect(valueOf(second.samples, 'ems.events', { severity: 'minor_warning' })).toBe(1);
    expect(valueOf(second.samples, 'ems.events', { severity: 'critical' })).toBeUndefined();
    expect(valueOf(second.samples, 'crs.alert_errors', { code: 'CRS-1607' })).toBe(1);
    expect(valueOf(second.samples, 'crs.alert_errors', { code: 'CRS-1610' })).toBe(1);

    // Rotated EMS log: the new file is read from its start; quiet labels report 0 so alerts clear.
    renameSync(ems, `${ems}.old`);
    write(ems, 'Severity............: MAJOR WARNING\n');
    const third = await gather(p);
    expect(valueOf(third.samples, 'ems.events', { severity: 'major_warning' })).toBe(1);
    expect(valueOf(third.samples, 'ems.events', { severity: 'serious' })).toBe(0);
    expect(valueOf(third.samples, 'crs.alert_errors', { code: 'CRS-1607' })).toBe(0);
  });

  it('refuses an EMS log on a platform other than HP-UX, naming the field', () => {
    expect(() => probe('aix', 'aix-ems', undefined, { ems_log: true })).toThrow(/ems_log.*HP-UX facility; this target's platform is aix/);
  });
});
