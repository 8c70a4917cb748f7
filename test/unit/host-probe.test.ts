import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Value from 'typebox/value';
import { parse } from 'yaml';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeviceMeta, Sample } from '../../collector/contract/index.js';
import { compileHostOptions, createHostProbe, HOST_METRICS, hostProbe, type HostOptions } from '../../agent/probes/host.js';
import type { StatFsLike } from '../../agent/probes/host-gather.js';
import { ProbeOptionsError, type ProbeEnv } from '../../agent/probes/types.js';
import { SntpError } from '../../agent/probes/sntp.js';

const T0 = 1_800_000_000_000;
const STEP = 15_000;

interface LogLine {
  level: string;
  msg: string;
}

function makeEnv(overrides: Partial<ProbeEnv> = {}): ProbeEnv & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = (level: string) => (msg: string) => void lines.push({ level, msg });
  return {
    agentName: 'test-agent',
    hostname: 'fixture-host',
    site: 'hq',
    room: 'mr1',
    intervalMs: STEP,
    collectorClockOffset: () => 0.25,
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    lines,
    ...overrides,
  };
}

function ctxAt(ts: number, signal = new AbortController().signal) {
  return { signal, now: () => ts };
}

/** Finds the one sample of `measurement` whose tags include `tags`. */
function find(samples: Sample[], measurement: string, tags: Record<string, string> = {}): Sample | undefined {
  return samples.find((s) => s.measurement === measurement && Object.entries(tags).every(([k, v]) => s.tags[k] === v));
}

/** One state of the fixture machine; the second gather sees counters advanced by 15 s. */
interface Counters {
  cpu: string;
  uptime: number;
  sdaRead: number;
  sdaWritten: number;
  sdaTicks: number;
  ethRx: number;
  ethTx: number;
  ethRxErr: number;
}

const FIRST: Counters = { cpu: '100 0 100 700 100 0 0 0 0 0', uptime: 1000.5, sdaRead: 2_000, sdaWritten: 4_000, sdaTicks: 1_000, ethRx: 5_000_000, ethTx: 1_000_000, ethRxErr: 3 };
// 15 s later: 30 000 sectors read (1 024 000 B/s), 15 000 written (512 000 B/s), 7 500 ms busy (50 %),
// 18.75 MB received (10 Mbit/s), 1.875 MB sent (1 Mbit/s), 30 receive errors (2/s).
const SECOND: Counters = { cpu: '250 0 150 900 200 0 0 0 10 0', uptime: 1015.5, sdaRead: 32_000, sdaWritten: 19_000, sdaTicks: 8_500, ethRx: 23_750_000, ethTx: 2_875_000, ethRxErr: 33 };

async function put(root: string, path: string, text: string): Promise<void> {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), text);
}

async function writeCounters(root: string, c: Counters): Promise<void> {
  await put(root, 'proc/stat', `cpu  ${c.cpu}\ncpu0 ${c.cpu}\nintr 12345\n`);
  await put(root, 'proc/uptime', `${c.uptime} 3000.00\n`);
  await put(
    root,
    'proc/diskstats',
    [
      `   8       0 sda ${100} 0 ${c.sdaRead} 10 50 0 ${c.sdaWritten} 20 0 ${c.sdaTicks} 30 0 0 0 0 0 0`,
      `   8       1 sda1 90 0 ${c.sdaRead - 10} 10 40 0 ${c.sdaWritten - 10} 20 0 ${c.sdaTicks} 30 0 0 0 0 0 0`,
      `   7       0 loop0 1 0 8 0 0 0 0 0 0 4 4 0 0 0 0 0 0`,
    ].join('\n') + '\n',
  );
  await put(
    root,
    'proc/net/dev',
    [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0',
      `  eth0: ${c.ethRx}    7576    ${c.ethRxErr}    0    0     0          0         0   ${c.ethTx}    4830    0    0    0     0       0          0`,
    ].join('\n') + '\n',
  );
}

async function buildFixture(root: string): Promise<void> {
  await writeCounters(root, FIRST);
  await put(root, 'proc/loadavg', '0.50 0.75 1.00 1/234 5678\n');
  await put(
    root,
    'proc/meminfo',
    'MemTotal:        8000000 kB\nMemFree:          500000 kB\nMemAvailable:    2000000 kB\nBuffers:           10000 kB\nSwapTotal:       1000000 kB\nSwapFree:         750000 kB\n',
  );
  await put(
    root,
    'proc/self/mountinfo',
    [
      '22 27 0:21 / /proc rw,relatime - proc proc rw',
      '27 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw',
      '28 27 8:17 / /u01 rw,relatime shared:5 - xfs /dev/sdb1 rw',
      '29 27 8:1 /srv /srv/bind rw,relatime - ext4 /dev/sda1 rw',
      '30 27 8:1 /srv /mnt/again rw,relatime - ext4 /dev/sda1 rw',
      '31 27 0:50 / /mnt/nfs rw,relatime - nfs4 nas:/export rw',
      '32 27 0:23 / /dev/shm rw,relatime - tmpfs tmpfs rw',
      '33 27 8:33 / /data/with\\040space rw,relatime - ext4 /dev/sdc1 rw',
      '34 27 8:49 / /locked rw,relatime - ext4 /dev/sdd1 rw',
    ].join('\n') + '\n',
  );
  await put(root, 'proc/sys/kernel/osrelease', '6.1.0-test-amd64\n');
  const procs: [string, string, string][] = [
    ['1', 'systemd', '/sbin/init\0'],
    ['42', 'sshd', '/usr/sbin/sshd\0-D\0'],
    ['43', 'sshd', 'sshd: admin [priv]\0'],
    ['4242', 'averyverylongpr', '/opt/app/bin/averyverylongprocessname\0--flag\0'],
    ['4243', 'averyverylongpr', '/opt/app/bin/averyverylongprocessother\0'],
  ];
  for (const [pid, comm, cmdline] of procs) {
    await put(root, `proc/${pid}/comm`, `${comm}\n`);
    await put(root, `proc/${pid}/cmdline`, cmdline);
  }
  for (const dev of ['sda', 'loop0']) await mkdir(join(root, 'sys/block', dev), { recursive: true });
  await put(root, 'sys/class/dmi/id/sys_vendor', 'Dell Inc.\n');
  await put(root, 'sys/class/dmi/id/product_name', 'PowerEdge R740\n');
  await put(root, 'sys/class/dmi/id/product_serial', 'To be filled by O.E.M.\n');
  await put(root, 'etc/os-release', 'NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n');
}

const FS: Record<string, StatFsLike> = {
  '/': { bsize: 4096, blocks: 1000, bfree: 300, bavail: 250, files: 1000, ffree: 900 },
  '/u01': { bsize: 8192, blocks: 2000, bfree: 1000, bavail: 1000, files: 0, ffree: 0 },
  '/srv/bind': { bsize: 4096, blocks: 1000, bfree: 300, bavail: 250, files: 1000, ffree: 900 },
  '/data/with space': { bsize: 1024, blocks: 100, bfree: 0, bavail: 0, files: 10, ffree: 10 },
};

describe('host probe against a fixture /proc and /sys', () => {
  let root: string;
  const statfsCalls: string[] = [];
  const statfs = (path: string): Promise<StatFsLike> => {
    statfsCalls.push(path);
    if (path === '/mnt/nfs') return new Promise(() => undefined); // a stale NFS mount never answers
    if (path === '/locked') return Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }));
    const st = FS[path];
    return st ? Promise.resolve(st) : Promise.reject(new Error(`ENOENT ${path}`));
  };
  const deps = () => ({
    procRoot: join(root, 'proc'),
    sysRoot: join(root, 'sys'),
    osReleaseFiles: [join(root, 'etc/os-release')],
    statfs,
    statfsTimeoutMs: 50,
  });
  const options: HostOptions = { processes: ['sshd', 'averyverylongprocessname', 'httpd'], class: 'minicomputer' };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'roomwatch-host-'));
    await buildFixture(root);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });
  // Each test counts its own statfs calls, whatever ran before it.
  beforeEach(() => {
    statfsCalls.length = 0;
  });

  it('computes every catalog value from two gathers', async () => {
    await writeCounters(root, FIRST);
    const env = makeEnv();
    const probe = createHostProbe({ device: 'db01', options }, env, deps());
    expect(probe.devices()).toEqual([{ name: 'db01', class: 'minicomputer', site: 'hq', room: 'mr1' }]);

    const first = await probe.gather(ctxAt(T0));
    // The first gather is a baseline for CPU and every rate.
    expect(find(first, 'cpu')).toBeUndefined();
    expect(find(first, 'diskio')).toBeUndefined();
    expect(find(first, 'net')).toBeUndefined();
    expect(find(first, 'mem')?.fields).toEqual({ used_pct: 75, available_bytes: 2_048_000_000 });
    expect(probe.devices()).toEqual([
      {
        name: 'db01',
        class: 'minicomputer',
        vendor: 'Dell Inc.',
        model: 'PowerEdge R740',
        os: 'Debian GNU/Linux 12 (bookworm), kernel 6.1.0-test-amd64',
        site: 'hq',
        room: 'mr1',
      },
    ]);

    await writeCounters(root, SECOND);
    const second = await probe.gather(ctxAt(T0 + STEP));
    for (const s of [...first, ...second]) {
      expect(Value.Check(Sample, s)).toBe(true);
      expect(s.tags.device).toBe('db01');
    }
    expect(second.every((s) => s.ts === T0 + STEP)).toBe(true);
    expect(find(second, 'cpu')?.fields).toEqual({ usage_pct: 40, iowait_pct: 20 });
    expect(find(second, 'load')?.fields).toEqual({ l1: 0.5, l5: 0.75, l15: 1 });
    expect(find(second, 'mem')?.fields).toEqual({ used_pct: 75, available_bytes: 2_048_000_000 });
    expect(find(second, 'swap')?.fields).toEqual({ used_pct: 25 });
    expect(find(second, 'system')?.fields).toEqual({ uptime_s: 1015.5, procs: 5 });
    expect(find(second, 'time')).toEqual({ measurement: 'time', tags: { device: 'db01', source: 'collector' }, fields: { offset_s: 0.25 }, ts: T0 + STEP });

    const disks = second.filter((s) => s.measurement === 'disk').map((s) => s.tags.mount);
    // Skipped: /proc and /dev/shm (pseudo), /mnt/again (same directory as /srv/bind),
    // /mnt/nfs (statfs hangs) and /locked (EACCES).
    expect(disks.sort()).toEqual(['/', '/data/with space', '/srv/bind', '/u01']);
    const rootFs = find(second, 'disk', { mount: '/' })?.fields;
    expect(rootFs?.used_pct).toBeCloseTo((700 / 950) * 100, 10);
    expect(rootFs?.free_bytes).toBe(1_024_000);
    expect(rootFs?.inodes_used_pct).toBeCloseTo(10, 10);
    // No inode figures when the filesystem has none (files == 0).
    expect(find(second, 'disk', { mount: '/u01' })?.fields).toEqual({ used_pct: 50, free_bytes: 8_192_000 });
    expect(find(second, 'disk', { mount: '/data/with space' })?.fields).toEqual({ used_pct: 100, free_bytes: 0, inodes_used_pct: 0 });

    // Only whole, non-excluded disks: not the partition sda1, not loop0.
    expect(second.filter((s) => s.measurement === 'diskio').map((s) => s.tags.disk)).toEqual(['sda']);
    expect(find(second, 'diskio', { disk: 'sda' })?.fields).toEqual({ read_bps: 1_024_000, write_bps: 512_000, util_pct: 50 });
    expect(second.filter((s) => s.measurement === 'net').map((s) => s.tags.iface)).toEqual(['eth0']);
    expect(find(second, 'net', { iface: 'eth0' })?.fields).toEqual({ rx_bps: 10_000_000, tx_bps: 1_000_000, rx_errors_ps: 2, tx_errors_ps: 0 });

    expect(find(second, 'proc', { name: 'sshd' })?.fields).toEqual({ up: 1, count: 2 });
    expect(find(second, 'proc', { name: 'averyverylongprocessname' })?.fields).toEqual({ up: 1, count: 1 });
    expect(find(second, 'proc', { name: 'httpd' })?.fields).toEqual({ up: 0, count: 0 });

    // The hung and the forbidden mount each warn once, and the hung statfs is not repeated.
    const warnings = env.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
    expect(warnings.filter((m) => m.includes('/mnt/nfs'))).toHaveLength(1);
    expect(warnings.filter((m) => m.includes('/locked'))).toHaveLength(1);
    expect(statfsCalls.filter((p) => p === '/mnt/nfs')).toHaveLength(1);
    expect(statfsCalls.filter((p) => p === '/locked')).toHaveLength(2);
  });

  it('gives no rates across a gap or after the uptime goes backwards', async () => {
    await writeCounters(root, FIRST);
    const probe = createHostProbe({ options: {} }, makeEnv(), deps());
    await probe.gather(ctxAt(T0));
    await writeCounters(root, SECOND);
    // 40 s is more than 1.5 intervals: a missed tick, so the counters only rebase.
    const late = await probe.gather(ctxAt(T0 + 40_000));
    expect(find(late, 'diskio')).toBeUndefined();
    expect(find(late, 'net')).toBeUndefined();
    expect(find(late, 'system', { device: 'fixture-host' })?.fields.uptime_s).toBe(1015.5);

    await writeCounters(root, { ...SECOND, uptime: 12 });
    const rebooted = await probe.gather(ctxAt(T0 + 55_000));
    expect(find(rebooted, 'cpu')).toBeUndefined();
    expect(find(rebooted, 'net')).toBeUndefined();
  });

  it('takes time.offset_s from SNTP when ntp_server is set, politely', async () => {
    const asked: string[] = [];
    let answer: () => Promise<{ offsetMs: number; delayMs: number }> = async () => ({ offsetMs: -1_500, delayMs: 3 });
    const env = makeEnv({ collectorClockOffset: () => 9 });
    const probe = createHostProbe({ options: { ntp_server: 'ntp.example.net:1123' } }, env, {
      ...deps(),
      sntp: (host, port) => {
        asked.push(`${host}:${port}`);
        return answer();
      },
    });
    const t1 = await probe.gather(ctxAt(T0));
    expect(find(t1, 'time')?.tags).toEqual({ device: 'fixture-host', source: 'ntp' });
    expect(find(t1, 'time')?.fields).toEqual({ offset_s: -1.5 });
    // Within 64 s the server is not asked again, and the collector estimate is not mixed in.
    expect(find(await probe.gather(ctxAt(T0 + STEP)), 'time')).toBeUndefined();
    answer = () => Promise.reject(new SntpError('kiss_of_death', 'kiss DENY', 'DENY'));
    expect(find(await probe.gather(ctxAt(T0 + 64_000)), 'time')).toBeUndefined();
    await probe.gather(ctxAt(T0 + 200_000));
    expect(asked).toEqual(['ntp.example.net:1123', 'ntp.example.net:1123']);
    expect(env.lines.filter((l) => l.level === 'error')).toHaveLength(1);
  });

  it('sends no time.offset_s before the collector offset is known', async () => {
    const probe = createHostProbe({ options: {} }, makeEnv({ collectorClockOffset: () => undefined }), deps());
    expect(find(await probe.gather(ctxAt(T0)), 'time')).toBeUndefined();
  });

  it('stops when the context is aborted', async () => {
    const probe = createHostProbe({ options: {} }, makeEnv(), deps());
    await expect(probe.gather(ctxAt(T0, AbortSignal.abort()))).rejects.toThrow();
  });

  it('fails only when it measured nothing', async () => {
    const probe = createHostProbe({ options: {} }, makeEnv(), { ...deps(), procRoot: join(root, 'missing'), sysRoot: join(root, 'missing') });
    await expect(probe.gather(ctxAt(T0))).rejects.toThrow(/measured nothing/);
  });
});

describe('host probe options', () => {
  it('reports every bad option with its path', () => {
    const problems = (options: unknown): { path: (string | number)[]; message: string }[] => {
      try {
        compileHostOptions(options as HostOptions);
      } catch (err) {
        expect(err).toBeInstanceOf(ProbeOptionsError);
        return (err as ProbeOptionsError).problems;
      }
      return [];
    };
    expect(problems({ procs: ['x'] }).length).toBeGreaterThan(0);
    expect(problems({ class: 'mainframe' }).length).toBeGreaterThan(0);
    const bad = problems({
      mounts: { include: ['u01'], exclude: ['/ok', '~(unclosed'] },
      disks: { exclude: ['~[z-a]'] },
      ntp_server: 'ntp:99999',
    });
    expect(bad.map((p) => p.path)).toEqual([['mounts', 'include', 0], ['mounts', 'exclude', 1], ['disks', 'exclude', 0], ['ntp_server']]);
    expect(bad[0]?.message).toMatch(/starts with '\/'/);
  });

  it('parses ntp_server forms and filters names and mounts as documented', () => {
    expect(compileHostOptions({ ntp_server: '[::1]:1234' }).ntp).toEqual({ host: '::1', port: 1234 });
    expect(compileHostOptions({ ntp_server: 'fe80::1' }).ntp).toEqual({ host: 'fe80::1', port: 123 });
    expect(compileHostOptions({ ntp_server: 'pool.ntp.org' }).ntp).toEqual({ host: 'pool.ntp.org', port: 123 });
    const o = compileHostOptions({
      interfaces: { exclude: ['veth*', '~^docker'] },
      mounts: { include: ['/var', '/dev/shm', 'type:nfs*'], exclude: ['/var/tmp'] },
    });
    expect(['lo', 'eth0', 'veth12', 'docker0'].filter((n) => o.interfaceIncluded(n))).toEqual(['lo', 'eth0']);
    expect(['sda', 'loop3', 'ram0', 'zram0', 'nvme0n1'].filter((n) => o.diskIncluded(n))).toEqual(['sda', 'nvme0n1']);
    const m = (mountPoint: string, fsType = 'ext4', device = mountPoint) => ({ mountPoint, fsType, device, root: '/', source: 'x' });
    const chosen = o.selectMounts([m('/'), m('/var'), m('/var/log'), m('/variable'), m('/var/tmp'), m('/dev/shm', 'tmpfs'), m('/run', 'tmpfs'), m('/nas', 'nfs4')]);
    expect(chosen.map((e) => e.mountPoint)).toEqual(['/var', '/var/log', '/dev/shm', '/nas']);
    // overlay is skipped, except as a container's root.
    const d = compileHostOptions({});
    expect(d.selectMounts([m('/', 'overlay'), m('/var/lib/docker/overlay2/x/merged', 'overlay')]).map((e) => e.mountPoint)).toEqual(['/']);
  });

  it('accepts the documented sample target', async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const targets = parse(await readFile(join(here, '../../agent/probes/host.sample.yaml'), 'utf8')) as { probe: string; options: HostOptions }[];
    expect(targets[0]?.probe).toBe(hostProbe.kind);
    expect(Value.Check(hostProbe.options, targets[0]?.options)).toBe(true);
    expect(() => hostProbe.init({ options: targets[0]!.options }, makeEnv())).not.toThrow();
  });
});

describe('host probe on this machine', () => {
  it('reports every catalog measurement with finite numbers', async () => {
    const env = makeEnv({ hostname: 'smoke', collectorClockOffset: () => 0.5 });
    const probe = hostProbe.init({ options: { processes: ['node', 'no-such-process-rw'] } }, env);
    await probe.gather({ signal: new AbortController().signal, now: Date.now });
    await new Promise((r) => setTimeout(r, 1_100));
    const samples = await probe.gather({ signal: new AbortController().signal, now: Date.now });
    for (const s of samples) {
      expect(Value.Check(Sample, s), JSON.stringify(s)).toBe(true);
      for (const v of Object.values(s.fields)) expect(Number.isFinite(v)).toBe(true);
    }
    const measured = new Set(samples.flatMap((s) => Object.keys(s.fields).map((f) => `${s.measurement}.${f}`)));
    const optional = new Set(['diskio.read_bps', 'diskio.write_bps', 'diskio.util_pct', 'disk.inodes_used_pct']);
    for (const [measurement, fields] of Object.entries(HOST_METRICS)) {
      for (const f of fields) if (!optional.has(`${measurement}.${f}`)) expect(measured, `${measurement}.${f}`).toContain(`${measurement}.${f}`);
    }
    expect(find(samples, 'disk', { mount: '/' })).toBeDefined();
    expect(find(samples, 'time', { source: 'collector' })?.fields.offset_s).toBe(0.5);
    expect(find(samples, 'proc', { name: 'node' })?.fields.up).toBe(1);
    expect(find(samples, 'proc', { name: 'no-such-process-rw' })?.fields).toEqual({ up: 0, count: 0 });
    const [meta] = probe.devices();
    expect(Value.Check(DeviceMeta, meta)).toBe(true);
    expect(meta?.name).toBe('smoke');
    expect(env.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });
});
