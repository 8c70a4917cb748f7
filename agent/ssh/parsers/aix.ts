/**
 * AIX without root: memory from `vmstat -v` (svmon can only be run by root,
 * IBM says), and stale LVM partitions from `lsvg` of every varied-on group.
 */
import type { Parser } from '../types.js';
import { Collector, isBlank, METRIC, round2, splitLines } from './common.js';

/** vmstat -v counts in 4 KB pages whatever the page sizes in use (IBM: "vmstat -v ... in 4K pages"). */
const VMSTAT_V_PAGE = 4096;

/**
 * AIX `vmstat -v`: lines of "<number> <label>". mem.used_pct is memory that is
 * neither free nor file cache (file pages are given back on demand, which is
 * why AIX boxes always look full), the same notion as svmon's "virtual";
 * mem.available_bytes is free plus file pages.
 */
export const parseVmstatVAix: Parser = (stdout) => {
  const out = new Collector('vmstat -v');
  const values = new Map<string, number>();
  for (const line of splitLines(stdout)) {
    const m = /^\s*(\d+(?:\.\d+)?)\s+(.+?)\s*$/.exec(line.text);
    if (m) values.set(m[2] as string, Number(m[1]));
  }
  const memory = values.get('memory pages');
  const free = values.get('free pages');
  // "client pages" are JFS2 and NFS cache, "file pages" all of the file cache; newer levels print both.
  const file = values.get('file pages') ?? values.get('client pages');
  if (memory === undefined || free === undefined || memory <= 0) {
    out.error(isBlank(stdout) ? 'empty output' : "no 'memory pages' and 'free pages' lines (is this AIX vmstat -v?)");
    return out.result();
  }
  const available = free + (file ?? 0);
  if (file === undefined) out.error("no 'file pages' line: file cache counted as used");
  out.add(METRIC.mem.m, {
    [METRIC.mem.usedPct]: round2(Math.max(0, ((memory - available) / memory) * 100)),
    [METRIC.mem.availableBytes]: available * VMSTAT_V_PAGE,
    [METRIC.mem.totalBytes]: memory * VMSTAT_V_PAGE,
  });
  return out.result();
};

/**
 * `lsvg -o | xargs -n1 lsvg` (or `lsvg VG` for each): two "LABEL: value"
 * columns per line; STALE PPs above 0 means a mirror copy is out of date.
 */
export const parseLsvgAix: Parser = (stdout) => {
  const out = new Collector('lsvg');
  let vg: string | undefined;
  let seen = 0;
  for (const line of splitLines(stdout)) {
    const name = /^VOLUME GROUP:\s+(\S+)/.exec(line.text);
    if (name) {
      vg = name[1] as string;
      seen++;
      continue;
    }
    const stale = /STALE PVs:\s+(\d+)\s+STALE PPs:\s+(\d+)/.exec(line.text);
    if (stale && vg) out.add('lvm', { stale_pvs: Number(stale[1]), stale_pps: Number(stale[2]) }, { vg });
    const state = /^VG STATE:\s+(\S+)/.exec(line.text);
    if (state && vg) out.add('lvm', { vg_active: state[1] === 'active' ? 1 : 0 }, { vg });
  }
  if (seen === 0) out.error(isBlank(stdout) ? 'empty output' : "no 'VOLUME GROUP:' line (is this AIX lsvg?)");
  return out.result();
};
