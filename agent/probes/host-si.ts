/**
 * The host probe's second backend, on the `systeminformation` library: the
 * default on Windows, macOS and the BSDs, where there is no /proc, and
 * selectable on Linux (`backend: systeminformation`) so CI exercises it.
 * It reports the catalog metrics the platform has: cpu.usage_pct, load (not
 * on Windows), mem, swap, disk per mount or drive letter, net per interface,
 * system.uptime_s and procs, proc.up/count per listed process, and on Windows
 * proc.up per listed *service*.
 *
 * On Windows most of these calls start PowerShell or WMI processes that take
 * seconds. So each call runs in the background with its own timeout, and a
 * gather takes the latest finished result (when it is fresh) instead of
 * waiting for it: a slow WMI never holds up the probe.
 */
import { loadavg, platform as osPlatform } from 'node:os';
import type { DeviceMeta, Sample } from '../../collector/contract/index.js';
import type { CompiledHostOptions } from './host.js';
import { HOST_TAGS, SampleSet } from './host-metrics.js';
import type { MountEntry } from './host-proc.js';
import type { Probe, ProbeContext, ProbeEnv } from './types.js';

/** What the backend reads; the seam tests fill with recorded outputs. */
export interface SiSnapshot {
  platform: NodeJS.Platform;
  load?: { currentLoad: number };
  loadavg?: number[];
  mem?: { total: number; available: number; swaptotal: number; swapused: number };
  fs?: Array<{ fs: string; type: string; size: number; used: number; available: number; mount: string }>;
  net?: Array<{ iface: string; rx_sec: number | null; tx_sec: number | null; rx_errors: number; tx_errors: number; ms: number }>;
  uptime?: number;
  processes?: { all: number; list: Array<{ name: string }> };
  services?: Array<{ name: string; running: boolean }>;
}

export interface SiApi {
  currentLoad(): Promise<{ currentLoad: number }>;
  mem(): Promise<{ total: number; available: number; swaptotal: number; swapused: number }>;
  fsSize(): Promise<NonNullable<SiSnapshot['fs']>>;
  networkStats(ifaces: string): Promise<NonNullable<SiSnapshot['net']>>;
  time(): { uptime: number } | Promise<{ uptime: number }>;
  processes(): Promise<{ all: number; list: Array<{ name: string }> }>;
  services(names: string): Promise<Array<{ name: string; running: boolean }>>;
}

/**
 * systeminformation, loaded on first use: it adds about 8 MB of resident
 * memory, and the Linux default (/proc) never needs it (issue #15: ≤ 50 MB).
 */
let siModule: Promise<SiApi> | undefined;
const loadSi = (): Promise<SiApi> => (siModule ??= import('systeminformation').then((m) => (m.default ?? m) as unknown as SiApi));
const lazySi: SiApi = {
  currentLoad: async () => (await loadSi()).currentLoad(),
  mem: async () => (await loadSi()).mem(),
  fsSize: async () => (await loadSi()).fsSize(),
  networkStats: async (ifaces) => (await loadSi()).networkStats(ifaces),
  time: async () => (await loadSi()).time(),
  processes: async () => (await loadSi()).processes(),
  services: async (names) => (await loadSi()).services(names),
};

const clampPct = (v: number): number => Math.min(100, Math.max(0, v));

/** Windows process names carry `.exe`; `sqlservr` and `sqlservr.exe` both name SQL Server. */
function sameProcess(listed: string, actual: string, platform: NodeJS.Platform): boolean {
  if (platform !== 'win32') return listed === actual;
  const norm = (s: string) => s.toLowerCase().replace(/\.exe$/, '');
  return norm(listed) === norm(actual);
}

/** Turns one snapshot into catalog samples; pure, so recorded Windows outputs test it. */
export function siSamples(device: string, s: SiSnapshot, options: CompiledHostOptions, ts: number, services: readonly string[] = []): Sample[] {
  const out = new SampleSet(device, ts);
  if (s.load && Number.isFinite(s.load.currentLoad)) out.add('cpu', { usage_pct: clampPct(s.load.currentLoad) });
  if (s.loadavg && s.platform !== 'win32') out.add('load', { l1: s.loadavg[0], l5: s.loadavg[1], l15: s.loadavg[2] });
  if (s.mem && s.mem.total > 0) {
    out.add('mem', { used_pct: clampPct(((s.mem.total - s.mem.available) / s.mem.total) * 100), available_bytes: s.mem.available });
    out.add('swap', { used_pct: s.mem.swaptotal > 0 ? clampPct((s.mem.swapused / s.mem.swaptotal) * 100) : 0 });
  }
  if (s.fs) {
    // Drive letters are mounts too ("C:"); the host options' mount filters apply to them as written.
    const entries: Array<MountEntry & { usage: (typeof s.fs)[number] }> = s.fs.map((f) => ({ mountPoint: f.mount, fsType: f.type.toLowerCase(), source: f.fs, device: f.fs, root: '/', usage: f }));
    for (const m of options.selectMounts(entries) as typeof entries) {
      const usable = m.usage.used + m.usage.available;
      if (usable <= 0) continue;
      out.add('disk', { used_pct: clampPct((m.usage.used / usable) * 100), free_bytes: m.usage.available }, { [HOST_TAGS.mount]: m.mountPoint });
    }
  }
  for (const n of s.net ?? []) {
    if (!options.interfaceIncluded(n.iface)) continue;
    // systeminformation gives bytes per second since its previous call (null on the first).
    out.add('net', { rx_bps: n.rx_sec === null ? undefined : n.rx_sec * 8, tx_bps: n.tx_sec === null ? undefined : n.tx_sec * 8 }, { [HOST_TAGS.iface]: n.iface });
  }
  out.add('system', { uptime_s: s.uptime, procs: s.processes?.all });
  if (s.processes) {
    for (const name of options.processes) {
      const count = s.processes.list.filter((p) => sameProcess(name, p.name, s.platform)).length;
      out.add('proc', { up: count > 0 ? 1 : 0, count }, { [HOST_TAGS.name]: name });
    }
  }
  if (s.services) {
    for (const name of services) {
      const svc = s.services.find((x) => x.name.toLowerCase() === name.toLowerCase());
      out.add('proc', { up: svc?.running ? 1 : 0, count: svc?.running ? 1 : 0 }, { [HOST_TAGS.name]: name });
    }
  }
  return out.list();
}

/** One library call run in the background; gathers read its latest finished value. */
class Background<T> {
  private value: T | undefined;
  private at = 0;
  private running: Promise<void> | undefined;
  error: string | undefined;

  constructor(
    private readonly call: () => Promise<T>,
    private readonly timeoutMs: number,
  ) {}

  /** Starts a refresh unless one runs; resolves when it ends or `waitMs` passes, whichever is first. */
  refresh(waitMs: number): Promise<void> {
    this.running ??= new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
      this.call()
        .then(resolve, reject)
        .finally(() => clearTimeout(timer));
    })
      .then(
        (v) => {
          this.value = v;
          this.at = Date.now();
          this.error = undefined;
        },
        (err: Error) => void (this.error = err.message),
      )
      .finally(() => (this.running = undefined));
    const running = this.running;
    return Promise.race([running, new Promise<void>((r) => setTimeout(r, waitMs).unref())]);
  }

  latest(maxAgeMs: number): T | undefined {
    return Date.now() - this.at <= maxAgeMs ? this.value : undefined;
  }
}

export interface SiProbeSettings {
  /** How long a gather waits for fresh results before using the previous ones. */
  waitMs: number;
  callTimeoutMs: number;
  services: string[];
}

export class SiHostProbe implements Probe {
  private readonly calls: { [K in keyof Omit<SiSnapshot, 'platform' | 'loadavg'>]-?: Background<NonNullable<SiSnapshot[K]>> };
  private readonly platform: NodeJS.Platform;

  constructor(
    private readonly device: string,
    private readonly options: CompiledHostOptions,
    private readonly env: ProbeEnv,
    private readonly settings: SiProbeSettings,
    api: SiApi = lazySi,
    platform: NodeJS.Platform = osPlatform(),
  ) {
    this.platform = platform;
    const t = settings.callTimeoutMs;
    this.calls = {
      load: new Background(() => api.currentLoad(), t),
      mem: new Background(() => api.mem(), t),
      fs: new Background(() => api.fsSize(), t),
      net: new Background(() => api.networkStats('*'), t),
      uptime: new Background(async () => (await api.time()).uptime, t),
      processes: new Background(() => api.processes(), t),
      services: new Background(() => (settings.services.length > 0 ? api.services(settings.services.join(',')) : Promise.resolve([])), t),
    };
  }

  devices(): DeviceMeta[] {
    return [{ name: this.device, class: this.options.deviceClass, ...(this.env.site ? { site: this.env.site } : {}), ...(this.env.room ? { room: this.env.room } : {}) }];
  }

  async gather(ctx: ProbeContext): Promise<Sample[]> {
    const wanted = Object.entries(this.calls).filter(([k]) => k !== 'services' || this.settings.services.length > 0);
    await Promise.all(wanted.map(([, c]) => c.refresh(this.settings.waitMs)));
    // A result older than three intervals describes a past host; better no value than a stale one.
    const maxAge = this.env.intervalMs * 3;
    const snapshot: SiSnapshot = { platform: this.platform, loadavg: this.platform === 'win32' ? undefined : loadavg() };
    for (const [key, call] of wanted) {
      (snapshot as unknown as Record<string, unknown>)[key] = call.latest(maxAge);
      if (call.error) ctx.error?.(`systeminformation ${key}: ${call.error}`);
    }
    return siSamples(this.device, snapshot, this.options, Math.round(ctx.now()), this.settings.services);
  }
}
