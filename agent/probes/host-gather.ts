/**
 * The host probe's measurements: one gather reads each kernel file once, turns
 * counters into rates and groups fields of the same measurement and tags into
 * one sample. A file that cannot be read costs only its own metrics (with one
 * warning until it recovers); the probe fails only when no kernel file could
 * be read at all.
 */
import { readdir, statfs as fsStatfs } from 'node:fs/promises';
import type { DeviceMeta, Sample } from '../../collector/contract/index.js';
import { CLOCK_SOURCES, HOST_TAGS, SampleSet } from './host-metrics.js';
import { CounterRates } from '../rates.js';
import type { Probe, ProbeContext, ProbeEnv } from './types.js';
import type { CompiledHostOptions } from './host.js';
import {
  countProcesses,
  listPids,
  parseCpuTimes,
  parseDiskstats,
  parseLoadavg,
  parseMeminfo,
  parseMountinfo,
  parseNetDev,
  parseUptime,
  readHostFacts,
  readText,
  type CpuTimes,
  type HostFacts,
} from './host-proc.js';
import { querySntp, SntpError, type SntpResult } from './sntp.js';

export interface StatFsLike {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
}

/** The seams of the probe: kernel roots, statfs and SNTP, replaced by fixtures in tests. */
export interface HostProbeDeps {
  procRoot: string;
  sysRoot: string;
  osReleaseFiles: readonly string[];
  statfs(path: string): Promise<StatFsLike>;
  /** A statfs on a dead NFS server can block for minutes; the mount is skipped after this. */
  statfsTimeoutMs: number;
  sntp(host: string, port: number, signal: AbortSignal): Promise<SntpResult>;
}

const SNTP_TIMEOUT_MS = 2_000;
const DEFAULT_DEPS: HostProbeDeps = {
  procRoot: '/proc',
  sysRoot: '/sys',
  osReleaseFiles: ['/etc/os-release', '/usr/lib/os-release'],
  statfs: (path) => fsStatfs(path, { bigint: false }),
  statfsTimeoutMs: 2_000,
  sntp: (host, port, signal) => querySntp(host, port, signal, Date.now, SNTP_TIMEOUT_MS),
};

/** /proc/diskstats counts 512-byte sectors whatever the device's sector size. */
const SECTOR_BYTES = 512;
const BITS_PER_BYTE = 8;
/** The kernel's `unsigned long` counters (sectors, interface stats) wrap at 32 bits on 32-bit machines. */
const KERNEL_LONG_BITS: 32 | 64 = ['arm', 'ia32', 'mips', 'mipsel', 'ppc', 's390'].includes(process.arch) ? 32 : 64;
/** A reading more than 1.5 intervals after the last one follows a missed tick: no rate from it. */
const GAP_FACTOR = 1.5;
/** RFC 4330 asks clients not to poll a server more often than this; RATE kisses double it. */
const SNTP_MIN_POLL_MS = 64_000;
const SNTP_MAX_POLL_MS = 1_024_000;

const clampPct = (v: number): number => Math.min(100, Math.max(0, v));
const scale = (v: number | undefined, factor: number): number | undefined => (v === undefined ? undefined : v * factor);

export class HostProbe implements Probe {
  private readonly deps: HostProbeDeps;
  private readonly rates: CounterRates;
  private factsLoaded: Promise<void> | undefined;
  private facts: HostFacts = {};
  private prevCpu: CpuTimes | undefined;
  private prevUptimeS: number | undefined;
  /** Problems already logged, so a broken mount warns once rather than every 15 s. */
  private readonly warned = new Set<string>();
  /** statfs calls still running; each one holds one of libuv's four pool threads. */
  private readonly pendingStatfs = new Map<string, Promise<StatFsLike>>();
  private sntpNextAtMs = Number.NEGATIVE_INFINITY;
  private sntpPollMs = SNTP_MIN_POLL_MS;
  private sntpStopped = false;

  constructor(
    private readonly device: string,
    private readonly options: CompiledHostOptions,
    private readonly env: ProbeEnv,
    deps: Partial<HostProbeDeps> = {},
  ) {
    this.deps = { ...DEFAULT_DEPS, ...deps };
    this.rates = new CounterRates({ maxGapMs: Math.max(1, Math.round(env.intervalMs * GAP_FACTOR)) });
  }

  devices(): DeviceMeta[] {
    const meta: DeviceMeta = { name: this.device, class: this.options.deviceClass };
    const optional = { ...this.facts, site: this.env.site, room: this.env.room };
    for (const [key, value] of Object.entries(optional)) {
      if (value !== undefined) meta[key as keyof typeof optional] = value;
    }
    return [meta];
  }

  async gather(ctx: ProbeContext): Promise<Sample[]> {
    const ts = Math.round(ctx.now());
    const { signal } = ctx;
    const out = new SampleSet(this.device, ts);
    const failures: string[] = [];
    let succeeded = 0;
    const step = async (what: string, run: () => Promise<void>): Promise<void> => {
      try {
        await run();
        succeeded++;
        this.clearWarning(what);
      } catch (err) {
        if (signal.aborted) return;
        failures.push(`${what}: ${(err as Error).message}`);
        this.warnOnce(what, `host probe could not read ${what}`, err as Error);
      }
    };
    // Static facts are read once, on the first gather (init does no I/O), and kept for good.
    this.factsLoaded ??= readHostFacts(this.deps.procRoot, this.deps.sysRoot, this.deps.osReleaseFiles).then(
      (facts) => void (this.facts = facts),
      (err: Error) => this.warnOnce('facts', 'host probe could not read hardware facts', err),
    );
    await this.factsLoaded;
    // Uptime goes first: after a restart every counter baseline is void before any rate is taken.
    await step('uptime', () => this.collectUptime(out, signal));
    await Promise.all([
      step('cpu', () => this.collectCpu(out, signal)),
      step('load', () => this.collectLoad(out, signal)),
      step('memory', () => this.collectMemory(out, signal)),
      step('mounts', () => this.collectMounts(out, signal)),
      step('diskio', () => this.collectDiskio(out, ts, signal)),
      step('net', () => this.collectNet(out, ts, signal)),
      step('processes', () => this.collectProcesses(out, signal)),
      this.collectClock(out, ts, signal),
    ]);
    signal.throwIfAborted();
    // Partial data is data; only when no kernel file could be read at all has the probe itself failed.
    if (succeeded === 0) throw new Error(`host probe measured nothing: ${failures.join('; ')}`);
    return out.list();
  }

  private async collectUptime(out: SampleSet, signal: AbortSignal): Promise<void> {
    const uptimeS = parseUptime(await readText(`${this.deps.procRoot}/uptime`, signal));
    if (uptimeS === undefined) throw new Error('unparsable uptime');
    if (this.prevUptimeS !== undefined && uptimeS < this.prevUptimeS) {
      this.env.log.info('host uptime went backwards: counters restarted, rates start again', { device: this.device });
      this.rates.reset('');
      this.prevCpu = undefined;
    }
    this.prevUptimeS = uptimeS;
    out.add('system', { uptime_s: uptimeS });
  }

  /**
   * CPU shares come from the difference between two readings of /proc/stat. The
   * first gather only stores a baseline: an average since boot would report a host
   * that is busy now but idled for a month as idle, and clear alerts wrongly.
   */
  private async collectCpu(out: SampleSet, signal: AbortSignal): Promise<void> {
    const cpu = parseCpuTimes(await readText(`${this.deps.procRoot}/stat`, signal));
    if (!cpu) throw new Error('no cpu line in stat');
    const prev = this.prevCpu;
    this.prevCpu = cpu;
    if (!prev) return;
    const total = cpu.total - prev.total;
    if (total <= 0) return;
    // iowait can step backwards on tickless kernels; a negative share means none.
    const idle = Math.max(0, cpu.idle - prev.idle);
    const iowait = Math.max(0, cpu.iowait - prev.iowait);
    out.add('cpu', { usage_pct: clampPct(((total - idle - iowait) / total) * 100), iowait_pct: clampPct((iowait / total) * 100) });
  }

  /** /proc/loadavg holds what os.loadavg() returns, and a fixture tree can provide it. */
  private async collectLoad(out: SampleSet, signal: AbortSignal): Promise<void> {
    const load = parseLoadavg(await readText(`${this.deps.procRoot}/loadavg`, signal));
    if (!load) throw new Error('unparsable loadavg');
    out.add('load', { l1: load[0], l5: load[1], l15: load[2] });
  }

  private async collectMemory(out: SampleSet, signal: AbortSignal): Promise<void> {
    const mem = parseMeminfo(await readText(`${this.deps.procRoot}/meminfo`, signal));
    if (!mem) throw new Error('no MemTotal in meminfo');
    out.add('mem', {
      used_pct: clampPct(((mem.totalBytes - mem.availableBytes) / mem.totalBytes) * 100),
      available_bytes: mem.availableBytes,
    });
    // A host without swap reports 0 % so "swap.used_pct > 80" rules and dashboards see every host.
    const swapUsed = mem.swapTotalBytes > 0 ? ((mem.swapTotalBytes - mem.swapFreeBytes) / mem.swapTotalBytes) * 100 : 0;
    out.add('swap', { used_pct: clampPct(swapUsed) });
  }

  private async collectMounts(out: SampleSet, signal: AbortSignal): Promise<void> {
    const entries = parseMountinfo(await readText(`${this.deps.procRoot}/self/mountinfo`, signal));
    await Promise.all(this.options.selectMounts(entries).map((m) => this.collectMount(m.mountPoint, out)));
  }

  /**
   * One mount's usage, like df: used / (used + available to users). A statfs that
   * hangs (a stale NFS mount) is abandoned after the timeout and the mount skipped;
   * no second call is issued while it still hangs, so dead mounts cannot pile up on
   * libuv's small thread pool and stall every other file operation of the agent.
   */
  private async collectMount(mountPoint: string, out: SampleSet): Promise<void> {
    if (this.pendingStatfs.has(mountPoint)) return;
    const warnKey = `mount ${mountPoint}`;
    const call = this.deps.statfs(mountPoint);
    const settle = (): void => void this.pendingStatfs.delete(mountPoint);
    this.pendingStatfs.set(mountPoint, call);
    call.then(settle, settle);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.deps.statfsTimeoutMs);
    });
    let st: StatFsLike | 'timeout';
    try {
      st = await Promise.race([call, timeout]);
    } catch (err) {
      this.warnOnce(warnKey, `host probe cannot statfs ${mountPoint}; skipping it`, err as Error);
      return;
    } finally {
      clearTimeout(timer);
    }
    if (st === 'timeout') {
      const msg = `statfs ${mountPoint} did not answer within ${this.deps.statfsTimeoutMs} ms (stale network mount?); skipping it`;
      this.warnOnce(warnKey, msg);
      return;
    }
    this.clearWarning(warnKey);
    const used = st.blocks - st.bfree;
    const usable = used + st.bavail;
    if (st.blocks <= 0 || usable <= 0) return;
    // Node reports f_bsize, which equals the fragment size the block counts use on Linux filesystems.
    out.add(
      'disk',
      {
        used_pct: clampPct((used / usable) * 100),
        free_bytes: st.bavail * st.bsize,
        inodes_used_pct: st.files > 0 ? clampPct(((st.files - st.ffree) / st.files) * 100) : undefined,
      },
      { [HOST_TAGS.mount]: mountPoint },
    );
  }

  private async collectDiskio(out: SampleSet, ts: number, signal: AbortSignal): Promise<void> {
    const [stats, blockDevices] = await Promise.all([readText(`${this.deps.procRoot}/diskstats`, signal), readdir(`${this.deps.sysRoot}/block`)]);
    // /sys/block lists whole disks only; partitions live below them. Names with '/' (cciss/c0d0) appear with '!'.
    const wholeDisks = new Set(blockDevices);
    for (const d of parseDiskstats(stats)) {
      if (!wholeDisks.has(d.name.replace(/\//g, '!')) || !this.options.diskIncluded(d.name)) continue;
      const key = `diskio/${d.name}/`;
      const read = this.rates.rate(`${key}read_sectors`, d.readSectors, ts, { bits: KERNEL_LONG_BITS });
      const written = this.rates.rate(`${key}written_sectors`, d.writtenSectors, ts, { bits: KERNEL_LONG_BITS });
      // io_ticks is printed as a 32-bit count of milliseconds; ms busy per second / 10 is percent busy.
      const busyMsPerS = this.rates.rate(`${key}io_ticks`, d.ioTicksMs, ts, { bits: 32 });
      out.add(
        'diskio',
        {
          read_bps: scale(read, SECTOR_BYTES),
          write_bps: scale(written, SECTOR_BYTES),
          util_pct: busyMsPerS === undefined ? undefined : clampPct(busyMsPerS / 10),
        },
        { [HOST_TAGS.disk]: d.name },
      );
    }
  }

  private async collectNet(out: SampleSet, ts: number, signal: AbortSignal): Promise<void> {
    const bits = { bits: KERNEL_LONG_BITS };
    for (const n of parseNetDev(await readText(`${this.deps.procRoot}/net/dev`, signal))) {
      if (!this.options.interfaceIncluded(n.iface)) continue;
      const key = `net/${n.iface}/`;
      out.add(
        'net',
        {
          rx_bps: scale(this.rates.rate(`${key}rx_bytes`, n.rxBytes, ts, bits), BITS_PER_BYTE),
          tx_bps: scale(this.rates.rate(`${key}tx_bytes`, n.txBytes, ts, bits), BITS_PER_BYTE),
          rx_errors_ps: this.rates.rate(`${key}rx_errors`, n.rxErrors, ts, bits),
          tx_errors_ps: this.rates.rate(`${key}tx_errors`, n.txErrors, ts, bits),
        },
        { [HOST_TAGS.iface]: n.iface },
      );
    }
  }

  private async collectProcesses(out: SampleSet, signal: AbortSignal): Promise<void> {
    const pids = await listPids(this.deps.procRoot);
    out.add('system', { procs: pids.length });
    if (this.options.processes.length === 0) return;
    const counts = await countProcesses(this.deps.procRoot, pids, this.options.processes, signal);
    for (const [name, count] of counts) out.add('proc', { up: count > 0 ? 1 : 0, count }, { [HOST_TAGS.name]: name });
  }

  /**
   * time.offset_s from an NTP server when one is configured, else the agent's
   * estimate against the collector. The NTP server is asked at most every 64 s
   * (hundreds of agents may share it), so the ntp series is sparser than the
   * interval; a failed query leaves a gap rather than a guess from another source.
   */
  private async collectClock(out: SampleSet, ts: number, signal: AbortSignal): Promise<void> {
    const ntp = this.options.ntp;
    if (!ntp) {
      const offsetS = this.env.collectorClockOffset();
      if (offsetS !== undefined) out.add('time', { offset_s: offsetS }, { [HOST_TAGS.source]: CLOCK_SOURCES.collector });
      return;
    }
    if (this.sntpStopped || ts < this.sntpNextAtMs) return;
    const server = `${ntp.host}:${ntp.port}`;
    try {
      const { offsetMs } = await this.deps.sntp(ntp.host, ntp.port, signal);
      this.sntpPollMs = SNTP_MIN_POLL_MS;
      this.clearWarning('ntp');
      out.add('time', { offset_s: offsetMs / 1000 }, { [HOST_TAGS.source]: CLOCK_SOURCES.ntp });
    } catch (err) {
      if (signal.aborted) return;
      const kiss = err instanceof SntpError && err.code === 'kiss_of_death' ? err.kissCode : undefined;
      if (kiss === 'DENY' || kiss === 'RSTR') {
        // RFC 4330 §8: a client told DENY or RSTR must stop asking that server.
        this.sntpStopped = true;
        this.env.log.error(`NTP server ${server} refuses this host (${kiss}); time.offset_s stops until restart`, { device: this.device });
        return;
      }
      if (kiss === 'RATE') this.sntpPollMs = Math.min(this.sntpPollMs * 2, SNTP_MAX_POLL_MS);
      this.warnOnce('ntp', `no usable answer from NTP server ${server}; time.offset_s is missing until it answers`, err as Error);
    } finally {
      this.sntpNextAtMs = ts + this.sntpPollMs;
    }
  }

  private warnOnce(key: string, message: string, err?: Error): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.env.log.warn(message, { device: this.device, ...(err ? { error: err.message } : {}) });
  }

  private clearWarning(key: string): void {
    if (this.warned.delete(key)) this.env.log.info(`host probe: ${key} is readable again`, { device: this.device });
  }
}
