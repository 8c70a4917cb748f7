/**
 * Multipath state: Linux device-mapper-multipath (`multipath -ll`) and AIX MPIO
 * (`lspath`). Both become mpath.paths_total / paths_active / paths_failed per
 * LUN and mpath.path_ok per path. Empty output is a host without multipath
 * devices, not an error.
 */
import type { Parser } from '../types.js';
import { Collector, METRIC, splitLines } from './common.js';

interface Path {
  name: string;
  ok: boolean;
}

function emit(out: Collector, luns: Map<string, Path[]>): void {
  for (const [lun, paths] of luns) {
    const active = paths.filter((p) => p.ok).length;
    out.add(
      METRIC.mpath.m,
      {
        [METRIC.mpath.total]: paths.length,
        [METRIC.mpath.active]: active,
        [METRIC.mpath.failed]: paths.length - active,
      },
      { lun },
    );
    for (const p of paths) out.add(METRIC.mpath.m, { [METRIC.mpath.pathOk]: p.ok ? 1 : 0 }, { lun, path: p.name });
  }
}

/**
 * Map line: "mpatha (3600...) dm-2 LIO-ORG,data", "3600... dm-3 3PARdata,VV" or,
 * from multipathd, "reload: mpath5 (...) dm-7 ...". A WWID may hold spaces
 * ("1IET     00080001"), so the name is everything before " dm-N".
 */
const MAP = /^(?:(?:create|reload|switchpg|rename|\w+):\s+)?(.+?)\s+dm-\d+\s/;
/** Path line, current and RHEL 5 forms: "|- 3:0:0:1 sdb 8:16 active ready running", " \_ 3:0:1:4 sdk 8:160 [active][ready]". */
const PATH = /^[\s|`\\_-]*[|`\\]_?[-\s]+(\S+:\S+:\S+:\S+)\s+(\S+)\s+\S+:\S+\s+\[?(\w+)\]?\s*\[?([\w/ ]+?)\]?(?:\s+(\w+))?\s*$/;
/** Lines that describe a map or a path group, and multipath's own log lines ("Oct 28 14:02:44 | ...", "6996.37 | ..."). */
const OTHER = /^(size=|\[size=|[\s|`\\_-]*[-+]+\s*policy=|[\s|`\\_]*_ \S.*\[prio=|.*\s\|\s)/;
/** A path is usable while the kernel (dm state) and the path checker both say so. */
const BAD_DM = new Set(['failed']);
const BAD_CHECKER = new Set(['faulty', 'shaky', 'offline']);

export const parseMultipathLinux: Parser = (stdout) => {
  const out = new Collector('multipath -ll');
  const luns = new Map<string, Path[]>();
  let current: Path[] | undefined;
  for (const line of splitLines(stdout)) {
    const text = line.text;
    if (text.trim() === '') continue;
    const path = PATH.exec(text);
    if (path) {
      const [, hcil, dev, dm, checker, online] = path as unknown as [string, string, string, string, string, string | undefined];
      if (!current) {
        out.lineError(line, 'path before any map');
        continue;
      }
      // Orphaned paths print "-" as the device; the H:C:T:L then names them.
      const ok = !BAD_DM.has(dm) && !BAD_CHECKER.has(checker.trim()) && online !== 'offline';
      current.push({ name: dev === '-' ? hcil : dev, ok });
      continue;
    }
    if (OTHER.test(text)) continue;
    const map = MAP.exec(text);
    if (map && !/^\s/.test(text)) {
      const name = (map[1] as string).replace(/\s+\(.*\)$/, '');
      current = luns.get(name) ?? [];
      luns.set(name, current);
      continue;
    }
    out.lineError(line, 'not multipath -ll output');
  }
  emit(out, luns);
  return out.result();
};

/** lspath states: only Enabled carries I/O; Failed, Missing, Defined, Disabled and Detected do not. */
const LSPATH = /^(Enabled|Disabled|Failed|Defined|Missing|Detected|Available)\s+(\S+)\s+(\S+)(?:\s+(\S+))?\s*$/;

/**
 * AIX `lspath` ("Enabled hdisk0 fscsi0") and `lspath -F "status name parent
 * connection"`. With a connection (target WWPN,LUN id) the same adapter can
 * carry several paths to one disk, so the path tag is parent:connection.
 */
export const parseLspathAix: Parser = (stdout) => {
  const out = new Collector('lspath');
  const luns = new Map<string, Path[]>();
  for (const line of splitLines(stdout)) {
    if (line.text.trim() === '') continue;
    const m = LSPATH.exec(line.text.trim());
    if (!m) {
      out.lineError(line, 'not lspath output');
      continue;
    }
    const [, status, disk, parent, connection] = m as unknown as [string, string, string, string, string | undefined];
    const paths = luns.get(disk) ?? [];
    paths.push({ name: connection ? `${parent}:${connection}` : parent, ok: status === 'Enabled' });
    luns.set(disk, paths);
  }
  emit(out, luns);
  return out.result();
};
