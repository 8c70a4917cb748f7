/**
 * The `host` probe: the server row of docs/architecture.md §3 for the machine the agent
 * runs on, read from /proc, /sys and statfs(2) without spawning processes.
 *
 * This file holds the options, their validation and the probe kind;
 * host-metrics.ts names the metrics, host-gather.ts measures and
 * host-proc.ts parses kernel files.
 */
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { pointerToPath } from '../../lib/config.js';
import type { OptionProblem, ProbeEnv, ProbeKind, TargetSpec } from './types.js';
import { ProbeOptionsError } from './types.js';
import type { MountEntry } from './host-proc.js';
import { HostProbe, type HostProbeDeps } from './host-gather.js';
import { SiHostProbe } from './host-si.js';
import type { Probe } from './types.js';
import { compileSafeRegex, globToSafeRegex } from '../../lib/safe-regex.js';

export { HOST_METRICS, HOST_TAGS, CLOCK_SOURCES, type HostMeasurement, type HostFields } from './host-metrics.js';

/**
 * Filesystems that hold no user data or are full by design (squashfs, ISO images).
 * overlay is skipped too: each container adds one mount that only mirrors the
 * filesystem under /var/lib/docker, which is reported already; a container's own
 * root (overlay on '/') is the exception, as it is all the agent can see there.
 */
export const PSEUDO_FS_TYPES: ReadonlySet<string> = new Set([
  'autofs',
  'binfmt_misc',
  'bpf',
  'cgroup',
  'cgroup2',
  'configfs',
  'debugfs',
  'devpts',
  'devtmpfs',
  'efivarfs',
  'fuse.gvfsd-fuse',
  'fuse.lxcfs',
  'fuse.portal',
  'fusectl',
  'hugetlbfs',
  'iso9660',
  'mqueue',
  'nfsd',
  'nsfs',
  'overlay',
  'aufs',
  'proc',
  'pstore',
  'ramfs',
  'rootfs',
  'rpc_pipefs',
  'securityfs',
  'selinuxfs',
  'squashfs',
  'sysfs',
  'tmpfs',
  'tracefs',
  'udf',
]);
export const DEFAULT_DISK_EXCLUDE = ['loop*', 'ram*', 'zram*', 'sr*', 'fd*'];
export const DEFAULT_INTERFACE_EXCLUDE = ['lo'];

const PatternList = Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { maxItems: 256 });

export const HostOptionsSchema = Type.Object(
  {
    processes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 256, uniqueItems: true })),
    ntp_server: Type.Optional(Type.String({ minLength: 1, maxLength: 261 })),
    mounts: Type.Optional(Type.Object({ include: Type.Optional(PatternList), exclude: Type.Optional(PatternList) }, { additionalProperties: false })),
    interfaces: Type.Optional(Type.Object({ exclude: Type.Optional(PatternList) }, { additionalProperties: false })),
    disks: Type.Optional(Type.Object({ exclude: Type.Optional(PatternList) }, { additionalProperties: false })),
    class: Type.Optional(Type.Union([Type.Literal('server'), Type.Literal('minicomputer')])),
    /** `proc` reads /proc (Linux only); `systeminformation` works everywhere (host-si.ts). */
    backend: Type.Optional(Type.Enum(['proc', 'systeminformation'])),
    /** Windows services reported as proc.up{name} (systeminformation backend). */
    services: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 256, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type HostOptions = Static<typeof HostOptionsSchema>;

/** A name or path test; `exact` means the pattern names this very mount, not just a parent. */
type MatchResult = 'exact' | 'match' | 'none';
type Matcher = (value: string) => MatchResult;

/**
 * Compiles one filter pattern: `~regex` (unanchored), a glob with `*` or `?`
 * (anchored), or a plain string, which is an exact name or, with `paths`, a
 * directory together with everything below it.
 */
function compileMatcher(pattern: string, paths: boolean): Matcher {
  if (pattern.startsWith('~')) {
    const re = compileSafeRegex(pattern.slice(1));
    return (v) => (re.test(v) ? 'match' : 'none');
  }
  if (/[*?]/.test(pattern)) {
    const re = globToSafeRegex(pattern);
    return (v) => (re.test(v) ? 'match' : 'none');
  }
  if (!paths) return (v) => (v === pattern ? 'exact' : 'none');
  const dir = pattern === '/' ? '/' : pattern.replace(/\/+$/, '');
  return (v) => (v === dir ? 'exact' : dir === '/' || v.startsWith(`${dir}/`) ? 'match' : 'none');
}

/** Mount patterns may start with `type:` to match the filesystem type instead of the path. */
function compileMountMatcher(pattern: string): (m: MountEntry) => MatchResult {
  if (pattern.startsWith('type:')) {
    const byType = compileMatcher(pattern.slice(5), false);
    // Naming a type is as explicit as naming a path: it overrides the pseudo-filesystem default.
    return (m) => (byType(m.fsType) === 'none' ? 'none' : 'exact');
  }
  if (!/^[/~*?]/.test(pattern)) throw new Error("a mount path starts with '/' (or write ~regex, a glob or type:)");
  const byPath = compileMatcher(pattern, true);
  return (m) => byPath(m.mountPoint);
}

export interface CompiledHostOptions {
  deviceClass: 'server' | 'minicomputer';
  processes: string[];
  ntp?: { host: string; port: number };
  selectMounts(entries: MountEntry[]): MountEntry[];
  diskIncluded(name: string): boolean;
  interfaceIncluded(name: string): boolean;
}

/** Splits `host`, `host:port`, `[v6]:port` or a bare IPv6 address. */
export function parseHostPort(text: string, defaultPort: number): { host: string; port: number } | string {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:\s]+)(?::(\d+))?$/.exec(text) ?? /^([0-9a-fA-F:.]+)()$/.exec(text);
  if (!m) return `'${text}' is not a host or host:port`;
  const port = m[2] ? Number(m[2]) : defaultPort;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return `port ${m[2]} is not between 1 and 65535`;
  return { host: m[1] as string, port };
}

/** Validates options beyond the schema and compiles the filters; every problem is reported at once. */
export function compileHostOptions(options: HostOptions | undefined): CompiledHostOptions {
  const opts = options ?? {};
  const problems: OptionProblem[] = [];
  if (!Value.Check(HostOptionsSchema, opts)) {
    for (const err of Value.Errors(HostOptionsSchema, opts)) {
      problems.push({ path: pointerToPath(err.instancePath), message: err.message });
    }
    throw new ProbeOptionsError(problems);
  }
  const compileAll = <T>(list: string[], path: (string | number)[], compile: (p: string) => T): T[] =>
    list.flatMap((p, i) => {
      try {
        return [compile(p)];
      } catch (err) {
        problems.push({ path: [...path, i], message: `invalid pattern '${p}': ${(err as Error).message}` });
        return [];
      }
    });
  const include = compileAll(opts.mounts?.include ?? [], ['mounts', 'include'], compileMountMatcher);
  const exclude = compileAll(opts.mounts?.exclude ?? [], ['mounts', 'exclude'], compileMountMatcher);
  const nameMatcher = (p: string) => compileMatcher(p, false);
  const diskExclude = compileAll(opts.disks?.exclude ?? DEFAULT_DISK_EXCLUDE, ['disks', 'exclude'], nameMatcher);
  const ifaceExclude = compileAll(opts.interfaces?.exclude ?? DEFAULT_INTERFACE_EXCLUDE, ['interfaces', 'exclude'], nameMatcher);
  let ntp: { host: string; port: number } | undefined;
  if (opts.ntp_server !== undefined) {
    const parsed = parseHostPort(opts.ntp_server, 123);
    if (typeof parsed === 'string') problems.push({ path: ['ntp_server'], message: parsed });
    else ntp = parsed;
  }
  if (problems.length > 0) throw new ProbeOptionsError(problems);

  const none = (matchers: Matcher[], v: string) => matchers.every((m) => m(v) === 'none');
  return {
    deviceClass: opts.class ?? 'server',
    processes: opts.processes ?? [],
    ntp,
    diskIncluded: (name) => none(diskExclude, name),
    interfaceIncluded: (name) => none(ifaceExclude, name),
    selectMounts: (entries) => selectMounts(entries, include, exclude),
  };
}

function isPseudo(m: MountEntry): boolean {
  if ((m.fsType === 'overlay' || m.fsType === 'aufs') && m.mountPoint === '/') return false;
  return PSEUDO_FS_TYPES.has(m.fsType);
}

/**
 * Picks the mounts to report. An include pattern that names a mount exactly (its
 * path or `type:`) overrides the pseudo-filesystem default; exclude always wins.
 */
function selectMounts(entries: MountEntry[], include: ((m: MountEntry) => MatchResult)[], exclude: ((m: MountEntry) => MatchResult)[]): MountEntry[] {
  // A later mount on the same point hides the earlier one, so the last entry is the visible one.
  const visible = new Map<string, MountEntry>();
  for (const m of entries) {
    visible.delete(m.mountPoint);
    visible.set(m.mountPoint, m);
  }
  const chosen: MountEntry[] = [];
  const filesystems = new Set<string>();
  for (const m of visible.values()) {
    if (exclude.some((x) => x(m) !== 'none')) continue;
    const results = include.map((x) => x(m));
    if (!results.includes('exact')) {
      if (isPseudo(m)) continue;
      if (include.length > 0 && !results.includes('match')) continue;
    }
    // A bind mount of a directory already reported shows the same numbers: report it once.
    const fsKey = `${m.device}:${m.root}`;
    if (filesystems.has(fsKey)) continue;
    filesystems.add(fsKey);
    chosen.push(m);
  }
  return chosen;
}

/** Builds the probe; tests pass fixture roots and fakes through `deps`. */
export function createHostProbe(target: TargetSpec<HostOptions>, env: ProbeEnv, deps: Partial<HostProbeDeps> = {}): HostProbe {
  const options = compileHostOptions(target.options);
  return new HostProbe(target.device ?? env.hostname, options, env, deps);
}

/** Outside Linux there is no /proc: systeminformation is the default there. */
export function hostBackend(options: HostOptions | undefined, platform: NodeJS.Platform = process.platform): 'proc' | 'systeminformation' {
  return options?.backend ?? (platform === 'linux' ? 'proc' : 'systeminformation');
}

export const hostProbe: ProbeKind<HostOptions> = {
  kind: 'host',
  options: HostOptionsSchema,
  init(target, env): Probe {
    if (hostBackend(target.options) === 'proc') {
      if (target.options?.services?.length) throw new ProbeOptionsError([{ path: ['services'], message: 'services are Windows services: they need backend: systeminformation' }]);
      return createHostProbe(target, env);
    }
    const compiled = compileHostOptions(target.options);
    const waitMs = Math.min(5_000, Math.max(500, env.intervalMs / 4));
    return new SiHostProbe(target.device ?? env.hostname, compiled, env, { waitMs, callTimeoutMs: Math.max(10_000, env.intervalMs * 2), services: target.options?.services ?? [] });
  },
};
