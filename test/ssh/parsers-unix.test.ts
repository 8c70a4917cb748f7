/**
 * The Unix command parsers against real captured output (and, where no capture
 * was found, output built from the vendor's documented format; each fixture's
 * first line says which). Expected values are worked out by hand from the
 * fixture text; the comments show the arithmetic.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UNIX_PARSERS, errptNewestTimestamp, errptSince } from '../../agent/ssh/parsers/unix.js';
import type { ParsedMetric } from '../../agent/ssh/types.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'ssh');
const ctx = { now: Date.UTC(2024, 0, 1) };
const KiB = 1024;
const MiB = 1024 ** 2;

/** Fixture text as the probe would see it: without the provenance line(s) at the top. */
function load(fixture: string): string {
  const lines = readFileSync(join(FIXTURES, fixture), 'utf8').split('\n');
  while (lines.length > 0 && /^# (source:|built from)/.test(lines[0] as string)) lines.shift();
  return lines.join('\n');
}

const disk = (mount: string, fields: Record<string, number>): ParsedMetric => ({ measurement: 'disk', tags: { mount }, fields });
const space = (mount: string, usedPct: number, freeKiB: number) => disk(mount, { used_pct: usedPct, free_bytes: freeKiB * KiB });
const cpu = (fields: Record<string, number>): ParsedMetric => ({ measurement: 'cpu', fields });
const paging = (pin: number, pout: number): ParsedMetric => ({ measurement: 'mem', fields: { page_in_ps: pin, page_out_ps: pout } });
const load3 = (l1: number, l5: number, l15: number): ParsedMetric => ({ measurement: 'load', fields: { l1, l5, l15 } });
const uptime = (s: number): ParsedMetric => ({ measurement: 'system', fields: { uptime_s: s } });
const lun = (name: string, total: number, active: number): ParsedMetric => ({
  measurement: 'mpath',
  tags: { lun: name },
  fields: { paths_total: total, paths_active: active, paths_failed: total - active },
});
const path = (name: string, p: string, ok: 0 | 1): ParsedMetric => ({ measurement: 'mpath', tags: { lun: name, path: p }, fields: { path_ok: ok } });
const DAY = 86400;

interface Case {
  parser: string;
  fixture: string;
  metrics: ParsedMetric[];
  /** Each expected error must contain the matching text; the count must match too. */
  errors?: string[];
}

const CASES: Case[] = [
  // df -kP: two df complaints above the header are errors, pseudo filesystems are skipped.
  {
    parser: 'df_posix',
    fixture: 'linux/df-kP.txt',
    metrics: [space('/', 5, 89313940)],
    errors: ["df -kP: line 1: not df output: \"/bin/df: '/vobs/GEMS'", 'df -kP: line 2: not df output'],
  },
  {
    parser: 'df_posix',
    fixture: 'linux/df-kP-spaces.txt',
    metrics: [space('/', 2, 6150117), space('/V M T o o l s', 1, 1499678), space('/VM Tools', 1, 1499669)],
  },
  {
    parser: 'df_posix',
    fixture: 'aix/df-Pk-wpar.txt',
    metrics: [space('/', 2, 10354888), space('/home', 1, 5203308), space('/opt', 29, 3765716), space('/tmp', 1, 5199996), space('/usr', 52, 2517832), space('/var', 3, 10213384)],
  },
  // Solaris: every ZFS dataset shares the pool's 727373448 KiB; "r" is a cut line.
  {
    parser: 'df_posix',
    fixture: 'solaris/df-k.txt',
    metrics: ['/', '/var', '/var/share', '/export', '/export/home', '/rpool', '/var/share/pkg', '/var/share/pkg/repositories', '/export/home/shain', '/export/home/phild'].map((m) =>
      space(m, 1, 727373448),
    ),
    errors: ['df -kP: line 21: device name without figures: "r"'],
  },
  // df -iP: the root device is wrapped (with a blank line in between); tmpfs and devtmpfs are skipped.
  {
    parser: 'df_inodes_linux',
    fixture: 'linux/df-iP.txt',
    metrics: [disk('/', { inodes_used_pct: 2 }), disk('/home', { inodes_used_pct: 1 }), disk('/boot', { inodes_used_pct: 1 })],
  },
  {
    parser: 'df_aix',
    fixture: 'aix/df-k.txt',
    metrics: [
      disk('/', { used_pct: 45, free_bytes: 291952 * KiB, inodes_used_pct: 6 }),
      disk('/usr', { used_pct: 71, free_bytes: 1230208 * KiB, inodes_used_pct: 14 }),
      disk('/var', { used_pct: 71, free_bytes: 311372 * KiB, inodes_used_pct: 8 }),
      disk('/tmp', { used_pct: 3, free_bytes: 2041380 * KiB, inodes_used_pct: 1 }),
      disk('/home', { used_pct: 1, free_bytes: 130656 * KiB, inodes_used_pct: 1 }),
      disk('/admin', { used_pct: 1, free_bytes: 130692 * KiB, inodes_used_pct: 1 }),
      disk('/opt', { used_pct: 71, free_bytes: 152296 * KiB, inodes_used_pct: 21 }),
      disk('/var/adm/ras/livedump', { used_pct: 1, free_bytes: 261776 * KiB, inodes_used_pct: 1 }),
      disk('/u01', { used_pct: 91, free_bytes: 4718592 * KiB, inodes_used_pct: 6 }),
    ],
  },
  // bdf: two rows wrap (a long LV name, an NFS source).
  {
    parser: 'bdf_hpux',
    fixture: 'hpux/bdf.txt',
    metrics: [
      space('/', 58, 442904),
      space('/stand', 5, 1516144),
      space('/var', 22, 26541696),
      space('/usr', 60, 1682064),
      space('/tmp', 36, 2679016),
      space('/oracle/data', 68, 82082640),
      space('/opt', 45, 4568040),
      space('/depot', 97, 614400),
    ],
  },
  {
    parser: 'bdf_hpux',
    fixture: 'hpux/bdf-i.txt',
    metrics: [disk('/', { used_pct: 58, free_bytes: 442904 * KiB, inodes_used_pct: 23 }), disk('/home', { used_pct: 5, free_bytes: 806680 * KiB, inodes_used_pct: 0 })],
  },
  // vmstat: the last sample only. Linux: id 76 -> 24% busy, wa 1, si/so 0 KiB/s.
  { parser: 'vmstat_linux', fixture: 'linux/vmstat.txt', metrics: [cpu({ usage_pct: 24, iowait_pct: 1 }), paging(0, 0)] },
  // AIX LPAR: id 38, wa 12, pi 2, po 5 (pc and ec after wa do not shift anything).
  { parser: 'vmstat_aix', fixture: 'aix/vmstat-lpar.txt', metrics: [cpu({ usage_pct: 62, iowait_pct: 12 }), paging(2, 5)] },
  { parser: 'vmstat_aix', fixture: 'aix/vmstat-dedicated.txt', metrics: [cpu({ usage_pct: 37, iowait_pct: 8 }), paging(14, 27)] },
  // HP-UX: id 67, no wa column.
  { parser: 'vmstat_hpux', fixture: 'hpux/vmstat.txt', metrics: [cpu({ usage_pct: 33 }), paging(3, 1)] },
  // Solaris: id 75; pi/po are KB/s of unknown page size, so no paging metrics.
  { parser: 'vmstat_solaris', fixture: 'solaris/vmstat.txt', metrics: [cpu({ usage_pct: 25 })] },
  // uptime
  { parser: 'uptime', fixture: 'linux/uptime-days.txt', metrics: [load3(0.49, 0.12, 0.04), uptime(40 * DAY + 21 * 3600 + 17 * 60)] },
  { parser: 'uptime', fixture: 'linux/uptime-hours.txt', metrics: [load3(0.04, 0.03, 0.05), uptime(5 * 3600 + 55 * 60)] },
  { parser: 'uptime', fixture: 'linux/uptime-days-min.txt', metrics: [load3(0.49, 0.12, 0.04), uptime(40 * DAY + 3 * 60)] },
  { parser: 'uptime', fixture: 'linux/uptime-min.txt', metrics: [load3(0.49, 0.12, 0.04), uptime(30 * 60)] },
  { parser: 'uptime', fixture: 'linux/uptime-days-only.txt', metrics: [load3(9.32, 8.96, 8.87), uptime(2 * DAY)] },
  { parser: 'uptime', fixture: 'aix/uptime.txt', metrics: [load3(0.22, 0.18, 0.15), uptime(12 * DAY + 3 * 3600 + 14 * 60)] },
  { parser: 'uptime', fixture: 'hpux/uptime.txt', metrics: [load3(0.65, 0.75, 0.71), uptime(186 * DAY + 4 * 3600 + 8 * 60)] },
  { parser: 'uptime', fixture: 'solaris/uptime.txt', metrics: [load3(0.04, 0.05, 0.05), uptime(10 * DAY + 3 * 3600 + 15 * 60)] },
  { parser: 'uptime', fixture: 'solaris/uptime-hrs.txt', metrics: [load3(1.02, 0.97, 0.9), uptime(19 * 3600)] },
  // meminfo: (8009912 - 6820236) / 8009912 = 14.85%; swap (3145724 - 3136352) = 9372 kB = 0.30%.
  {
    parser: 'meminfo_linux',
    fixture: 'linux/meminfo.txt',
    metrics: [
      { measurement: 'mem', fields: { used_pct: 14.85, available_bytes: 6820236 * KiB } },
      { measurement: 'swap', fields: { used_pct: 0.3, used_bytes: 9372 * KiB } },
    ],
  },
  // svmon: virtual/size = 474993/1048576 = 45.30%; available (1048576 - 474993) pages; pg space 2574/917504 = 0.28%.
  {
    parser: 'svmon_aix',
    fixture: 'aix/svmon-G.txt',
    metrics: [
      { measurement: 'mem', fields: { used_pct: 45.3, available_bytes: 573583 * 4096 } },
      { measurement: 'swap', fields: { used_pct: 0.28, used_bytes: 2574 * 4096 } },
    ],
  },
  // Unit: KB and an "available" column: 3487420/8388608 = 41.57%; pg space 45208/4194304 = 1.08%.
  {
    parser: 'svmon_aix',
    fixture: 'aix/svmon-G-unit-kb.txt',
    metrics: [
      { measurement: 'mem', fields: { used_pct: 41.57, available_bytes: 4720232 * KiB } },
      { measurement: 'swap', fields: { used_pct: 1.08, used_bytes: 45208 * KiB } },
    ],
  },
  { parser: 'lsps_aix', fixture: 'aix/lsps-s.txt', metrics: [{ measurement: 'swap', fields: { used_pct: 3 } }] },
  {
    parser: 'swapinfo_hpux',
    fixture: 'hpux/swapinfo-tam.txt',
    // The "memory" line is pseudo-swap, not memory use: no mem.* from swapinfo.
    metrics: [{ measurement: 'swap', fields: { used_pct: 28, used_bytes: 5738 * MiB } }],
  },
  // 1255980 / (1255980 + 6059348) = 17.17%.
  // Solaris memory: 16 GiB installed, 6,210,336 KB free in the last sample, 8 KB pages.
  {
    parser: 'memory_solaris',
    fixture: 'solaris/memory.txt',
    metrics: [{ measurement: 'mem', fields: { available_bytes: 6210336 * KiB, used_pct: 62.98, scan_rate_ps: 24, page_in_ps: 2, page_out_ps: 1 } }],
  },
  { parser: 'swap_solaris', fixture: 'solaris/swap-s.txt', metrics: [{ measurement: 'swap', fields: { used_pct: 17.17, used_bytes: 1255980 * KiB } }] },
  // errpt: three I/H and two P/H entries; the newest (0820122810) is the first line.
  {
    parser: 'errpt_aix',
    fixture: 'aix/errpt.txt',
    metrics: [
      { measurement: 'errlog', tags: { type: 'I', class: 'H' }, fields: { new_entries: 3 } },
      { measurement: 'errlog', tags: { type: 'P', class: 'H' }, fields: { new_entries: 2 } },
      { measurement: 'errlog', fields: { entry: '8650BE3F ent2 ETHERCHANNEL RECOVERY' } },
    ],
  },
  // multipath -ll
  {
    parser: 'multipath_linux',
    fixture: 'linux/multipath-ll-failed.txt',
    metrics: [lun('mpatha', 2, 1), path('mpatha', 'sdd', 0), path('mpatha', 'sde', 1), lun('mpathb', 2, 1), path('mpathb', 'sdb', 0), path('mpathb', 'sdc', 1)],
  },
  // The "7073.694832 | ..." line is multipath's own warning, not a map.
  {
    parser: 'multipath_linux',
    fixture: 'linux/multipath-ll-warning.txt',
    metrics: [lun('mpatha', 2, 2), path('mpatha', 'sdd', 1), path('mpatha', 'sde', 1), lun('mpathb', 2, 2), path('mpathb', 'sdc', 1), path('mpathb', 'sdb', 1)],
  },
  // Maps without an alias are named by WWID, which may contain spaces.
  {
    parser: 'multipath_linux',
    fixture: 'linux/multipath-ll-rhel6.txt',
    metrics: [
      lun('mpathg', 8, 8),
      ...['sdc', 'sdi', 'sdo', 'sdv', 'sdf', 'sdl', 'sdr', 'sdx'].map((p) => path('mpathg', p, 1)),
      lun('36001405b1629f80d52a4c898f8856e43', 2, 2),
      path('36001405b1629f80d52a4c898f8856e43', 'sdc', 1),
      path('36001405b1629f80d52a4c898f8856e43', 'sdb', 1),
      lun('1IET     00080007', 2, 2),
      path('1IET     00080007', 'sdb', 1),
      path('1IET     00080007', 'sdc', 1),
    ],
  },
  {
    parser: 'multipath_linux',
    fixture: 'linux/multipath-ll-rhel5.txt',
    metrics: [lun('L004', 4, 4), ...['sdk', 'sdp', 'sdf', 'sdu'].map((p) => path('L004', p, 1))],
  },
  // lspath: only Enabled paths count as active.
  {
    parser: 'lspath_aix',
    fixture: 'aix/lspath.txt',
    metrics: [
      lun('hdisk0', 1, 1),
      path('hdisk0', 'vscsi0', 1),
      lun('hdisk1', 2, 2),
      path('hdisk1', 'fscsi0', 1),
      path('hdisk1', 'fscsi1', 1),
      lun('hdisk2', 4, 3),
      path('hdisk2', 'fscsi0', 1),
      path('hdisk2', 'fscsi1', 0),
      path('hdisk2', 'fscsi3', 1),
      path('hdisk2', 'fscsi4', 1),
      lun('hdisk3', 6, 3),
      path('hdisk3', 'fscsi1', 0),
      path('hdisk3', 'fscsi2', 0),
      path('hdisk3', 'fscsi3', 0),
      path('hdisk3', 'fscsi4', 1),
      path('hdisk3', 'fscsi5', 1),
      path('hdisk3', 'fscsi6', 1),
    ],
  },
  {
    parser: 'lspath_aix',
    fixture: 'aix/lspath-F.txt',
    metrics: [
      lun('hdisk4', 4, 2),
      path('hdisk4', 'fscsi0:500507680140b0b2,1000000000000', 1),
      path('hdisk4', 'fscsi0:500507680140b0b3,1000000000000', 1),
      path('hdisk4', 'fscsi1:500507680130b0b2,1000000000000', 0),
      path('hdisk4', 'fscsi1:500507680130b0b3,1000000000000', 0),
      lun('hdisk5', 2, 1),
      path('hdisk5', 'fscsi0:500507680140b0b2,2000000000000', 1),
      path('hdisk5', 'fscsi1:500507680130b0b2,2000000000000', 0),
    ],
  },
  // Truncated output: what was complete is still reported, the cut line is an error.
  {
    parser: 'vmstat_linux',
    fixture: 'linux/vmstat-truncated.txt',
    metrics: [],
    errors: ['vmstat 1 2: line 4: expected 17 numeric columns', 'vmstat 1 2: expected 2 samples, found 1'],
  },
  {
    parser: 'meminfo_linux',
    fixture: 'linux/meminfo-truncated.txt',
    metrics: [{ measurement: 'mem', fields: { used_pct: 14.85, available_bytes: 6820236 * KiB } }],
    errors: ['cat /proc/meminfo: line 4: not a meminfo line: "Buffers:          1570"'],
  },
  { parser: 'svmon_aix', fixture: 'aix/svmon-G-truncated.txt', metrics: [], errors: ['svmon -G: line 2: no size or virtual'] },
  {
    parser: 'errpt_aix',
    fixture: 'aix/errpt-truncated.txt',
    metrics: [
      { measurement: 'errlog', tags: { type: 'I', class: 'H' }, fields: { new_entries: 1 } },
      { measurement: 'errlog', tags: { type: 'P', class: 'H' }, fields: { new_entries: 1 } },
      { measurement: 'errlog', fields: { entry: '8650BE3F ent2 ETHERCHANNEL RECOVERY' } },
    ],
    errors: ['errpt: line 4: not an errpt summary line: "8650BE3F   08201"'],
  },
  {
    parser: 'multipath_linux',
    fixture: 'linux/multipath-ll-truncated.txt',
    metrics: [lun('mpatha', 1, 0), path('mpatha', 'sdd', 0)],
    errors: ['multipath -ll: line 6: not multipath -ll output'],
  },
  // An error message instead of output.
  { parser: 'errpt_aix', fixture: 'aix/errpt-not-found.txt', metrics: [], errors: ['errpt: line 1: not an errpt summary line: "ksh: errpt:  not found."'] },
  { parser: 'bdf_hpux', fixture: 'hpux/bdf-permission.txt', metrics: [], errors: ['bdf: line 1: not df output', 'bdf: no "Filesystem" header found'] },
];

describe('Unix command parsers on fixtures', () => {
  it.each(CASES)('$parser reads $fixture', ({ parser, fixture, metrics, errors = [] }) => {
    const parse = UNIX_PARSERS[parser];
    expect(parse, `parser ${parser}`).toBeDefined();
    const result = parse!(load(fixture), ctx);
    expect(result.metrics).toEqual(metrics);
    expect(result.errors).toHaveLength(errors.length);
    errors.forEach((text, i) => expect(result.errors[i]).toContain(text));
  });
});

describe('uptime formats without a fixture', () => {
  it.each([
    ['  3:15pm  up 1 day, 17 mins,  2 users,  load average: 0.10, 0.20, 0.30', DAY + 17 * 60, [0.1, 0.2, 0.3]],
    ['10:01  up 2:03, 1 user, load averages: 1.23 1.45 1.67', 2 * 3600 + 3 * 60, [1.23, 1.45, 1.67]],
    [' 08:00:01 up 5 min,  0 users,  load average: 2.00, 1.00, 0.50', 5 * 60, [2, 1, 0.5]],
    ['  11:12am  up 10 day(s), 19 hr(s),  3 users,  load average: 0.01, 0.02, 0.03', 10 * DAY + 19 * 3600, [0.01, 0.02, 0.03]],
  ] as const)('%s', (line, seconds, [l1, l5, l15]) => {
    expect(UNIX_PARSERS.uptime!(`${line}\n`, ctx)).toEqual({ metrics: [load3(l1, l5, l15), uptime(seconds)], errors: [] });
  });
});

/** The command each parser's errors must name. */
const COMMAND: Record<string, string> = {
  df_posix: 'df -kP',
  df_inodes_linux: 'df -iP',
  bdf_hpux: 'bdf',
  df_aix: 'df -k',
  vmstat_linux: 'vmstat 1 2',
  vmstat_aix: 'vmstat 1 2',
  vmstat_hpux: 'vmstat 1 2',
  vmstat_solaris: 'vmstat 1 2',
  uptime: 'uptime',
  meminfo_linux: 'cat /proc/meminfo',
  svmon_aix: 'svmon -G',
  lsps_aix: 'lsps -s',
  swapinfo_hpux: 'swapinfo -tam',
  swap_solaris: 'swap -s',
  memory_solaris: 'solaris memory',
  errpt_aix: 'errpt',
  multipath_linux: 'multipath -ll',
  lspath_aix: 'lspath',
  vmstat_v_aix: 'vmstat -v',
  lsvg_aix: 'lsvg',
  memory_hpux: 'memory (machinfo, vmstat)',
  ioscan_health_hpux: 'ioscan -P health',
};
/** Empty output is a valid answer here: no error log entries, no multipath devices. */
const EMPTY_IS_NONE = new Set(['errpt_aix', 'multipath_linux', 'lspath_aix']);
const BROKEN = ['linux/empty.txt', 'linux/garbage.txt', 'linux/command-not-found.txt', 'aix/errpt-not-found.txt'];

describe('broken output', () => {
  it('every parser has its command listed here', () => {
    expect(Object.keys(UNIX_PARSERS).sort()).toEqual(Object.keys(COMMAND).sort());
  });

  const grid = Object.keys(COMMAND).flatMap((parser) => BROKEN.map((fixture) => ({ parser, fixture })));
  it.each(grid)('$parser on $fixture does not throw and names the command', ({ parser, fixture }) => {
    const text = load(fixture);
    const result = UNIX_PARSERS[parser]!(text, ctx);
    expect(result.metrics).toEqual([]);
    if (text.trim() === '' && EMPTY_IS_NONE.has(parser)) {
      expect(result.errors).toEqual([]);
      return;
    }
    expect(result.errors.length).toBeGreaterThan(0);
    for (const e of result.errors) expect(e.startsWith(`${COMMAND[parser]}: `)).toBe(true);
  });

  it('no parser throws on random bytes or cut-off fixtures', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const samples = ['linux/df-kP.txt', 'aix/svmon-G.txt', 'linux/multipath-ll-rhel6.txt', 'hpux/bdf.txt', 'aix/errpt.txt'].map(load);
    for (let i = 0; i < 200; i++) {
      const base = samples[i % samples.length] as string;
      const cut = base.slice(0, Math.floor(rand() * base.length));
      const noise = Array.from({ length: 40 }, () => String.fromCharCode(Math.floor(rand() * 128))).join('');
      for (const parse of Object.values(UNIX_PARSERS)) {
        expect(() => parse(cut, ctx)).not.toThrow();
        expect(() => parse(noise, ctx)).not.toThrow();
      }
    }
  });
});

describe('errpt state helpers', () => {
  it('runs plain errpt the first time and errpt -s one minute after the newest entry later', () => {
    expect(errptSince(undefined)).toBe('errpt');
    expect(errptSince('')).toBe('errpt');
    expect(errptSince('0820122810')).toBe('errpt -s 0820122910');
    // Minute, hour, day, month and year roll over together.
    expect(errptSince('1231235999')).toBe('errpt -s 0101000000');
  });

  it('finds the newest timestamp, keeping a newer previous one', () => {
    const out = load('aix/errpt.txt');
    expect(errptNewestTimestamp(out)).toBe('0820122810');
    expect(errptNewestTimestamp(out, '0101000011')).toBe('0101000011');
    expect(errptNewestTimestamp('', '0820122810')).toBe('0820122810');
    expect(errptNewestTimestamp('')).toBeUndefined();
  });
});
