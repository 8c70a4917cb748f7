/**
 * The registry of parsers for agentless Unix monitoring over SSH, keyed by the
 * name a probe configuration uses. The probe owns the command lines; each key
 * documents the command its parser expects.
 */
import type { Parser } from '../types.js';
import { parseLsvgAix, parseVmstatVAix } from './aix.js';
import { parseIoscanHealthHpux, parseMemoryHpux } from './hpux.js';
import { parseBdfHpux, parseDfAix, parseDfInodesLinux, parseDfPosix } from './df.js';
import { parseErrptAix } from './errlog.js';
import { parseLspsAix, parseMeminfoLinux, parseSvmonAix, parseSwapSolaris, parseSwapinfoHpux } from './memory.js';
import { parseLspathAix, parseMultipathLinux } from './multipath.js';
import { parseMemorySolaris } from './solaris.js';
import { parseUptime } from './uptime.js';
import { parseVmstatAix, parseVmstatHpux, parseVmstatLinux, parseVmstatSolaris } from './vmstat.js';

export { errptNewestTimestamp, errptSince } from './errlog.js';

export const UNIX_PARSERS: Record<string, Parser> = {
  /** `df -kP` (Linux; AIX with -P; Solaris `df -k`). */
  df_posix: parseDfPosix,
  /** `df -iP` (Linux). */
  df_inodes_linux: parseDfInodesLinux,
  /** HP-UX `bdf` (or `bdf -i`, which adds inodes). */
  bdf_hpux: parseBdfHpux,
  /** AIX `df -k`. */
  df_aix: parseDfAix,
  /** `vmstat 1 2` on each platform. */
  vmstat_linux: parseVmstatLinux,
  vmstat_aix: parseVmstatAix,
  vmstat_hpux: parseVmstatHpux,
  vmstat_solaris: parseVmstatSolaris,
  /** `uptime` on any platform. */
  uptime: parseUptime,
  /** `cat /proc/meminfo`. */
  meminfo_linux: parseMeminfoLinux,
  /** AIX `vmstat -v` (any user). */
  vmstat_v_aix: parseVmstatVAix,
  /** AIX `lsvg` of each varied-on volume group. */
  lsvg_aix: parseLsvgAix,
  /** HP-UX `getconf PAGE_SIZE; machinfo | grep -i memory; vmstat 1 2`. */
  memory_hpux: parseMemoryHpux,
  /** HP-UX 11i v3 `ioscan -P health`. */
  ioscan_health_hpux: parseIoscanHealthHpux,
  /** AIX `svmon -G` (root only). */
  svmon_aix: parseSvmonAix,
  /** AIX `lsps -s`. */
  lsps_aix: parseLspsAix,
  /** HP-UX `swapinfo -tam`. */
  swapinfo_hpux: parseSwapinfoHpux,
  /** Solaris `pagesize; prtconf | grep 'Memory size'; vmstat 1 2`. */
  memory_solaris: parseMemorySolaris,
  /** Solaris `swap -s`. */
  swap_solaris: parseSwapSolaris,
  /** AIX `errpt` or `errpt -s MMDDhhmmYY` (see errptSince). */
  errpt_aix: parseErrptAix,
  /** `multipath -ll`. */
  multipath_linux: parseMultipathLinux,
  /** AIX `lspath` or `lspath -F "status name parent connection"`. */
  lspath_aix: parseLspathAix,
};
