/**
 * Readers for the host probe: /proc and /sys files parsed into plain numbers.
 *
 * The host probe runs every 15 s on hundreds of machines, so nothing here
 * spawns a process (systeminformation shells out to `cat`, `dmidecode`,
 * `dmesg` and even runs execSync, which would stall the agent's event loop).
 * Parsers are pure functions of the file text; the readers take the /proc and
 * /sys roots as arguments so tests run against fixture trees.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename } from 'node:path';

/** Jiffies from the aggregate `cpu` line of /proc/stat. */
export interface CpuTimes {
  total: number;
  idle: number;
  iowait: number;
}

export interface MemInfo {
  totalBytes: number;
  availableBytes: number;
  swapTotalBytes: number;
  swapFreeBytes: number;
}

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
  /** `major:minor` of the filesystem. */
  device: string;
  /** The directory of the filesystem that is mounted here ('/' unless a bind mount). */
  root: string;
}

export interface DiskCounters {
  name: string;
  readSectors: number;
  writtenSectors: number;
  /** Milliseconds the disk had I/O in flight; a 32-bit counter in the kernel. */
  ioTicksMs: number;
}

export interface NetCounters {
  iface: string;
  rxBytes: number;
  txBytes: number;
  rxErrors: number;
  txErrors: number;
}

export interface HostFacts {
  vendor?: string;
  model?: string;
  serial?: string;
  os?: string;
}

/** Reads a whole small file; the signal lets an aborted gather stop waiting. */
export function readText(path: string, signal?: AbortSignal): Promise<string> {
  return readFile(path, { encoding: 'utf8', signal });
}

export function parseCpuTimes(stat: string): CpuTimes | undefined {
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  if (v.length < 4 || v.some((n) => !Number.isFinite(n))) return undefined;
  // guest and guest_nice (fields 9 and 10) are already counted in user and nice,
  // so only the first eight fields make up the total.
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { total, idle: v[3] ?? 0, iowait: v[4] ?? 0 };
}

export function parseMeminfo(text: string): MemInfo | undefined {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (m) kb.set(m[1] as string, Number(m[2]));
  }
  const total = kb.get('MemTotal');
  if (total === undefined || total <= 0) return undefined;
  // Kernels before 3.14 have no MemAvailable; free + page cache is the classic estimate.
  const available = kb.get('MemAvailable') ?? (kb.get('MemFree') ?? 0) + (kb.get('Buffers') ?? 0) + (kb.get('Cached') ?? 0);
  return {
    totalBytes: total * 1024,
    availableBytes: available * 1024,
    swapTotalBytes: (kb.get('SwapTotal') ?? 0) * 1024,
    swapFreeBytes: (kb.get('SwapFree') ?? 0) * 1024,
  };
}

/** Decodes the octal escapes (`\040` for a space) the kernel writes in mount paths. */
function unescapeMountPath(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses /proc/self/mountinfo, which unlike /proc/mounts tells bind mounts apart. */
export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const left = line.slice(0, dash).split(' ');
    const right = line.slice(dash + 3).split(' ');
    if (left.length < 6 || right.length < 2) continue;
    entries.push({
      device: left[2] as string,
      root: unescapeMountPath(left[3] as string),
      mountPoint: unescapeMountPath(left[4] as string),
      fsType: right[0] as string,
      source: unescapeMountPath(right[1] as string),
    });
  }
  return entries;
}

export function parseDiskstats(text: string): DiskCounters[] {
  const disks: DiskCounters[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14) continue;
    // After major, minor and name: reads, merged, sectors read, ms reading, writes,
    // merged, sectors written, ms writing, in flight, io_ticks. Sectors are always
    // 512 bytes here, whatever the device's real sector size.
    const n = f.slice(3).map(Number);
    disks.push({ name: f[2] as string, readSectors: n[2] as number, writtenSectors: n[6] as number, ioTicksMs: n[9] as number });
  }
  return disks;
}

export function parseNetDev(text: string): NetCounters[] {
  const ifaces: NetCounters[] = [];
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    // The two header lines have '|' instead of a name followed by a colon.
    if (colon < 0 || line.includes('|')) continue;
    // Old kernels glue large counters to the colon ("eth0:123456"), so split there first.
    const n = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (n.length < 16) continue;
    ifaces.push({
      iface: line.slice(0, colon).trim(),
      rxBytes: n[0] as number,
      rxErrors: n[2] as number,
      txBytes: n[8] as number,
      txErrors: n[10] as number,
    });
  }
  return ifaces;
}

export function parseUptime(text: string): number | undefined {
  const seconds = Number(text.trim().split(/\s+/)[0]);
  return Number.isFinite(seconds) ? seconds : undefined;
}

/** The process ids in /proc; threads live under /proc/<pid>/task and are not listed. */
export async function listPids(procRoot: string): Promise<string[]> {
  return (await readdir(procRoot)).filter((name) => /^\d+$/.test(name));
}

/** The kernel keeps 15 bytes of a command name (TASK_COMM_LEN minus the NUL). */
const COMM_MAX = 15;
/** Enough parallel reads to be quick without queueing hundreds of them on libuv's pool. */
const PID_BATCH = 64;

/**
 * Counts the processes whose command name is one of `names`. Names longer than
 * /proc/<pid>/comm can hold are compared with the basename of argv[0] instead.
 */
export async function countProcesses(procRoot: string, pids: string[], names: readonly string[], signal?: AbortSignal): Promise<Map<string, number>> {
  const counts = new Map(names.map((n) => [n, 0]));
  for (let i = 0; i < pids.length; i += PID_BATCH) {
    signal?.throwIfAborted();
    const batch = pids.slice(i, i + PID_BATCH);
    const matches = await Promise.all(batch.map((pid) => matchProcess(procRoot, pid, names)));
    for (const name of matches.flat()) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

async function matchProcess(procRoot: string, pid: string, names: readonly string[]): Promise<string[]> {
  try {
    const comm = (await readText(`${procRoot}/${pid}/comm`)).replace(/\n$/, '');
    const matched = names.filter((n) => n === comm);
    const truncated = names.filter((n) => n.length > COMM_MAX && n.slice(0, COMM_MAX) === comm);
    if (truncated.length === 0) return matched;
    const argv0 = (await readText(`${procRoot}/${pid}/cmdline`)).split('\0')[0] ?? '';
    return [...matched, ...truncated.filter((n) => basename(argv0) === n)];
  } catch {
    // The process exited between readdir and the read; it simply no longer counts.
    return [];
  }
}

/** Firmware placeholders that mean "unknown", not a vendor or serial. */
const PLACEHOLDERS = /^(to be filled by o\.e\.m\.|default string|not specified|not applicable|none|system product name|system manufacturer|0+|x+)$/i;

async function readFact(path: string, maxLength: number): Promise<string | undefined> {
  try {
    // Device-tree strings end in NUL; DMI strings end in a newline.
    const value = (await readText(path)).replace(/\0/g, '').trim();
    return value === '' || PLACEHOLDERS.test(value) ? undefined : value.slice(0, maxLength);
  } catch {
    // Missing on non-x86 machines, and product_serial is readable by root only.
    return undefined;
  }
}

function osReleaseName(text: string): string | undefined {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=("?)(.*)\2$/.exec(line.trim());
    if (m) fields.set(m[1] as string, m[3] as string);
  }
  return fields.get('PRETTY_NAME') ?? fields.get('NAME');
}

/**
 * Static facts for the device registry, read once: DMI on x86 servers, the
 * device tree on POWER and ARM machines, os-release and the kernel version.
 */
export async function readHostFacts(procRoot: string, sysRoot: string, osReleaseFiles: readonly string[]): Promise<HostFacts> {
  const dmi = `${sysRoot}/class/dmi/id`;
  const [vendor, product, serial, dtModel, dtSerial, kernel] = await Promise.all([
    readFact(`${dmi}/sys_vendor`, 128),
    readFact(`${dmi}/product_name`, 256),
    readFact(`${dmi}/product_serial`, 128),
    readFact(`${procRoot}/device-tree/model`, 256),
    readFact(`${procRoot}/device-tree/system-id`, 128),
    readFact(`${procRoot}/sys/kernel/osrelease`, 128),
  ]);
  let distro: string | undefined;
  for (const file of osReleaseFiles) {
    try {
      distro = osReleaseName(await readText(file));
      break;
    } catch {
      // os-release lives in /etc on most systems and in /usr/lib on some; try the next.
    }
  }
  const os = [distro, kernel && `kernel ${kernel}`].filter(Boolean).join(', ');
  return { vendor, model: product ?? dtModel, serial: serial ?? dtSerial, os: os ? os.slice(0, 256) : undefined };
}

/** The 1, 5 and 15 minute load averages, the same numbers os.loadavg() returns. */
export function parseLoadavg(text: string): [number, number, number] | undefined {
  const v = text.trim().split(/\s+/).slice(0, 3).map(Number);
  return v.length === 3 && v.every(Number.isFinite) ? (v as [number, number, number]) : undefined;
}
