/**
 * AIX and HP-UX without root: vmstat -v memory, lsvg stale partitions, HP-UX
 * real memory (machinfo and vmstat, not swapinfo's pseudo-swap) and ioscan
 * health, on fixtures from the vendors' documentation.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UNIX_PARSERS } from '../../agent/ssh/parsers/unix.js';
import { platforms } from '../../agent/ssh/platforms.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'ssh');
const load = (name: string) => readFileSync(join(FIXTURES, name), 'utf8').replace(/^# (source|built from)[^\n]*\n/, '');
const ctx = { now: Date.UTC(2026, 10, 23) };
const parse = (parser: string, text: string) => (UNIX_PARSERS[parser] as NonNullable<(typeof UNIX_PARSERS)[string]>)(text, ctx);

describe('AIX without root', () => {
  it('vmstat -v (7.2): memory that is neither free nor file cache', () => {
    // 4194304 pages, 131072 free, 1677722 file pages: (4194304 - 1808794) / 4194304 = 56.87 %.
    expect(parse('vmstat_v_aix', load('aix/vmstat-v.txt'))).toEqual({
      metrics: [{ measurement: 'mem', fields: { used_pct: 56.87, available_bytes: 1808794 * 4096, total_bytes: 4194304 * 4096 } }],
      errors: [],
    });
  });

  it('vmstat -v (7.3) with client pages only', () => {
    // (1048576 - 8836 - 541974) / 1048576 = 47.47 %.
    expect(parse('vmstat_v_aix', load('aix/vmstat-v-73.txt')).metrics).toEqual([{ measurement: 'mem', fields: { used_pct: 47.47, available_bytes: 550810 * 4096, total_bytes: 1048576 * 4096 } }]);
  });

  it('lsvg: stale partitions per volume group', () => {
    expect(parse('lsvg_aix', load('aix/lsvg.txt'))).toEqual({
      metrics: [
        { measurement: 'lvm', tags: { vg: 'rootvg' }, fields: { vg_active: 1, stale_pvs: 0, stale_pps: 0 } },
        { measurement: 'lvm', tags: { vg: 'datavg' }, fields: { vg_active: 1, stale_pvs: 1, stale_pps: 37 } },
      ],
      errors: [],
    });
  });

  it('runs no root-only command by default, and says which need privilege', () => {
    const aix = platforms().aix ?? {};
    const defaults = Object.entries(aix).filter(([, c]) => c.default !== false);
    expect(defaults.map(([name]) => name)).toEqual(expect.arrayContaining(['memory', 'paging_space', 'filesystems', 'lvm']));
    expect(defaults.filter(([, c]) => c.privilege !== undefined)).toEqual([]);
    expect(aix.memory_svmon?.privilege).toMatch(/root/);
    expect(platforms().linux?.multipath?.privilege).toMatch(/root/);
  });
});

describe('HP-UX', () => {
  const memory = `4096\nMemory: 16353 MB (15.97 GB)\n${load('hpux/vmstat.txt')}`;

  it('real memory: free pages x page size against machinfo', () => {
    // 1266870 free pages x 4096 = 5189099520 of 16353 MiB: 69.74 % used.
    expect(parse('memory_hpux', memory)).toEqual({
      metrics: [{ measurement: 'mem', fields: { used_pct: 69.74, available_bytes: 1266870 * 4096, total_bytes: 16353 * 1024 * 1024 } }],
      errors: [],
    });
  });

  it('reads the 11i v2 machinfo wording and the machinfo fixture through grep', () => {
    expect(parse('memory_hpux', memory.replace('Memory: 16353 MB (15.97 GB)', 'Memory = 16353 MB (15.969727 GB)')).metrics[0]?.fields.used_pct).toBe(69.74);
    const grepped = load('hpux/machinfo.txt')
      .split('\n')
      .filter((l) => /memory/i.test(l))
      .join('\n');
    expect(parse('memory_hpux', `4096\n${grepped}\n${load('hpux/vmstat.txt')}`).errors).toEqual([]);
  });

  it('names each missing part', () => {
    expect(parse('memory_hpux', load('hpux/vmstat.txt')).errors).toEqual([
      'memory (machinfo, vmstat): no page size (getconf PAGE_SIZE) line',
      "memory (machinfo, vmstat): no 'Memory:' line from machinfo",
    ]);
  });

  it('ioscan -P health: devices not online, per class', () => {
    expect(parse('ioscan_health_hpux', load('hpux/ioscan-health.txt'))).toEqual({
      metrics: [
        { measurement: 'hw', tags: { class: 'root' }, fields: { unhealthy: 0 } },
        { measurement: 'hw', tags: { class: 'ioa' }, fields: { unhealthy: 0 } },
        { measurement: 'hw', tags: { class: 'ba' }, fields: { unhealthy: 0 } },
        { measurement: 'hw', tags: { class: 'fc' }, fields: { unhealthy: 1 } },
        { measurement: 'hw', tags: { class: 'tgtpath' }, fields: { unhealthy: 1 } },
        { measurement: 'hw', tags: { class: 'lunpath' }, fields: { unhealthy: 1 } },
        { measurement: 'hw', tags: { class: 'disk' }, fields: { unhealthy: 1 } },
      ],
      errors: [],
    });
  });
});
