/**
 * agent.yaml: loading and validation. Every problem in the file — including
 * each target's probe options — is reported at once with file:line:col.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { validateDetailed } from 'node-cron';
import Type, { type Static } from 'typebox';
import { checkDuration, checkSize, ConfigError, loadYamlConfig, schemaProblems, type ConfigProblem, type YamlSource } from '../lib/config.js';
import { probeKinds } from './probes/registry.js';
import { ProbeOptionsError, type ProbeEnv, type SnmpSettings } from './probes/types.js';
import { parseHostPort } from './probes/host.js';
import { shippedProfilesDir } from './snmp/shared.js';
import { parseDuration } from '../lib/units.js';

const Duration = Type.Union([Type.String(), Type.Number()]);

const TargetSchema = Type.Object(
  {
    probe: Type.String({ minLength: 1 }),
    name: Type.Optional(Type.String({ minLength: 1 })),
    device: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    interval: Type.Optional(Duration),
    cron: Type.Optional(Type.String()),
    timeout: Type.Optional(Duration),
    options: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);

const TrapsSchema = Type.Object(
  {
    listen: Type.Optional(Type.String({ minLength: 1 })),
    communities: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 64 })),
    dedup_window: Type.Optional(Duration),
    hold: Type.Optional(Duration),
    rate_limit: Type.Optional(Type.Object({ per_source: Type.Optional(Type.Integer({ minimum: 1 })), total: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export const AgentFileSchema = Type.Object(
  {
    agent: Type.Optional(
      Type.Object(
        {
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
          device: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
          site: Type.Optional(Type.String()),
          room: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    collector: Type.Object(
      {
        url: Type.String({ pattern: '^https?://' }),
        token: Type.Optional(Type.String({ minLength: 1 })),
        token_file: Type.Optional(Type.String()),
        token_env: Type.Optional(Type.String()),
        timeout: Type.Optional(Duration),
        ca_file: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
    interval: Type.Optional(Duration),
    jitter: Type.Optional(Duration),
    batch: Type.Optional(Type.Object({ max_samples: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })), max_wait: Type.Optional(Duration) }, { additionalProperties: false })),
    spool: Type.Optional(Type.Object({ dir: Type.Optional(Type.String()), max_size: Type.Optional(Type.Union([Type.String(), Type.Number()])) }, { additionalProperties: false })),
    snmp: Type.Optional(
      Type.Object(
        {
          concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096 })),
          profiles: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 32 })),
          traps: Type.Optional(TrapsSchema),
        },
        { additionalProperties: false },
      ),
    ),
    targets: Type.Array(TargetSchema),
  },
  { additionalProperties: false },
);
export type AgentFile = Static<typeof AgentFileSchema>;

export interface TargetConfig {
  /** Unique within the agent: `probe:device` unless named. */
  name: string;
  probe: string;
  device?: string;
  intervalMs: number;
  cron?: string;
  timeoutMs: number;
  options: unknown;
}

export interface AgentConfig {
  name: string;
  /** The device name the agent's own metrics carry (this host). */
  device: string;
  site?: string;
  room?: string;
  collector: { url: string; token: string; timeoutMs: number; ca?: Buffer };
  intervalMs: number;
  jitterMs: number;
  batch: { maxSamples: number; maxWaitMs: number };
  spool: { dir: string; maxBytes: number };
  /** Absent in hand-built configs (tests): the shipped profiles and default limits apply. */
  snmp?: SnmpSettings & { traps?: TrapSettings };
  targets: TargetConfig[];
}

export interface TrapSettings {
  host: string;
  port: number;
  /** Accepted v1/v2c communities; empty accepts any. */
  communities: string[];
  dedupWindowMs: number;
  holdMs: number;
  /** Traps per second admitted from one source, and from all sources together. */
  perSourcePerSec: number;
  totalPerSec: number;
}

export const AGENT_DEFAULTS = {
  intervalMs: 15_000,
  collectorTimeoutMs: 10_000,
  batch: { maxSamples: 5_000, maxWaitMs: 1_000 },
  spool: { dir: './data/spool', maxBytes: 256 * 1024 * 1024 },
  snmpConcurrency: 64,
  traps: { port: 162, dedupWindowMs: 60_000, holdMs: 5 * 60_000, perSourcePerSec: 50, totalPerSec: 500 },
};

/** The shipped profiles first; an agent's own directories may add vendors. */
export function snmpSettings(file: AgentFile, baseDir: string): SnmpSettings {
  return {
    concurrency: file.snmp?.concurrency ?? AGENT_DEFAULTS.snmpConcurrency,
    profileDirs: [shippedProfilesDir(), ...(file.snmp?.profiles ?? []).map((d) => resolve(baseDir, d))],
  };
}

/** Everything that does not depend on the probes: durations, token sources, cron syntax. */
function resolveAgent(file: AgentFile, baseDir: string, source: YamlSource, env: NodeJS.ProcessEnv): { config: AgentConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  // A bare number was read as milliseconds (`interval: 15` polled every 15 ms); like rule files, a unit is required.
  const dur = (path: (string | number)[], v: string | number | undefined, fb: number, minMs = 0) => {
    if (typeof v === 'number') {
      problems.push(source.problem(path, `${v} has no unit; write e.g. ${v}s or ${v}ms`));
      return fb;
    }
    const ms = checkDuration(source, problems, path, v, fb);
    if (v !== undefined && ms < minMs) {
      problems.push(source.problem(path, `'${v}' is too short; the minimum is ${minMs} ms`));
      return fb;
    }
    return ms;
  };
  const intervalMs = dur(['interval'], file.interval, AGENT_DEFAULTS.intervalMs, MIN_INTERVAL_MS);
  const token = resolveToken(file.collector, baseDir, env, (msg, key) => problems.push(source.problem(['collector', key], msg)));
  const host = hostname();
  const names = new Set<string>();
  const targets: TargetConfig[] = file.targets.map((t, i) => {
    const path = ['targets', i];
    const targetInterval = dur([...path, 'interval'], t.interval, intervalMs, MIN_INTERVAL_MS);
    if (t.cron !== undefined) {
      const check = validateDetailed(t.cron);
      if (!check.valid) {
        const why = check.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
        problems.push(source.problem([...path, 'cron'], `'${t.cron}' is not a cron expression (${why}); e.g. "*/5 * * * *"`));
      }
      if (t.interval !== undefined) problems.push(source.problem([...path, 'cron'], 'give either interval or cron, not both'));
    }
    const name = t.name ?? `${t.probe}:${t.device ?? (t.probe === 'host' ? host : String(i))}`;
    if (names.has(name)) problems.push(source.problem([...path, 'name'], `target name '${name}' is used twice; give each target a unique name`));
    names.add(name);
    const timeoutMs = dur([...path, 'timeout'], t.timeout, Math.min(targetInterval, 30_000));
    if (t.cron === undefined && timeoutMs > targetInterval) {
      problems.push(source.problem([...path, 'timeout'], `timeout must not exceed the interval (${targetInterval} ms)`));
    }
    return { name, probe: t.probe, device: t.device, intervalMs: targetInterval, cron: t.cron, timeoutMs, options: t.options ?? {} };
  });
  let ca: Buffer | undefined;
  if (file.collector.ca_file) {
    try {
      ca = readFileSync(resolve(baseDir, file.collector.ca_file));
    } catch (err) {
      problems.push(source.problem(['collector', 'ca_file'], `cannot read: ${(err as Error).message}`));
    }
  }
  const config: AgentConfig = {
    name: file.agent?.name ?? host,
    device: file.agent?.device ?? host,
    site: file.agent?.site,
    room: file.agent?.room,
    collector: {
      url: file.collector.url.replace(/\/+$/, ''),
      token: token ?? '',
      timeoutMs: dur(['collector', 'timeout'], file.collector.timeout, AGENT_DEFAULTS.collectorTimeoutMs, MIN_TIMEOUT_MS),
      ca,
    },
    intervalMs,
    jitterMs: dur(['jitter'], file.jitter, intervalMs),
    batch: {
      maxSamples: file.batch?.max_samples ?? AGENT_DEFAULTS.batch.maxSamples,
      maxWaitMs: dur(['batch', 'max_wait'], file.batch?.max_wait, AGENT_DEFAULTS.batch.maxWaitMs, MIN_TIMEOUT_MS),
    },
    spool: {
      dir: checkSpoolDir(resolve(baseDir, file.spool?.dir ?? AGENT_DEFAULTS.spool.dir), (msg) => problems.push(source.problem(['spool', 'dir'], msg))),
      maxBytes: spoolBytes(source, problems, file.spool?.max_size),
    },
    snmp: { ...snmpSettings(file, baseDir), traps: resolveTraps(file, source, problems) },
    targets,
  };
  return { config, problems };
}

/** Polling faster than this is a mistake, not monitoring (`interval: 0s` spooled 2,534 batches in 5 s). */
export const MIN_INTERVAL_MS = 1_000;
const MIN_TIMEOUT_MS = 10;
/** A spool smaller than this cannot hold one full batch; the agent died on `max_size: 1`. */
export const MIN_SPOOL_BYTES = 1024 * 1024;

function spoolBytes(source: YamlSource, problems: ConfigProblem[], v: string | number | undefined): number {
  if (typeof v === 'number') {
    problems.push(source.problem(['spool', 'max_size'], `${v} has no unit; write e.g. ${v}MiB`));
    return AGENT_DEFAULTS.spool.maxBytes;
  }
  const bytes = checkSize(source, problems, ['spool', 'max_size'], v, AGENT_DEFAULTS.spool.maxBytes);
  if (bytes < MIN_SPOOL_BYTES) {
    problems.push(source.problem(['spool', 'max_size'], `'${v}' is too small; the spool needs at least 1MiB`));
    return AGENT_DEFAULTS.spool.maxBytes;
  }
  return bytes;
}

/** The spool directory must be a writable directory, or creatable under one (not /etc/passwd). */
function checkSpoolDir(dir: string, problem: (msg: string) => void): string {
  let probe = dir;
  for (;;) {
    try {
      const st = statSync(probe);
      if (!st.isDirectory()) problem(probe === dir ? `${dir} exists and is not a directory` : `${dir} cannot be created: ${probe} is not a directory`);
      else accessSync(probe, constants.W_OK);
      return dir;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
        problem(`${probe} is not writable`);
        return dir;
      }
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        problem(`cannot use ${dir}: ${code ?? (err as Error).message}`);
        return dir;
      }
      const parent = dirname(probe);
      if (parent === probe) return dir;
      probe = parent;
    }
  }
}

function resolveTraps(file: AgentFile, source: YamlSource, problems: ConfigProblem[]): TrapSettings | undefined {
  const t = file.snmp?.traps;
  if (t === undefined) return undefined;
  const d = AGENT_DEFAULTS.traps;
  const path = ['snmp', 'traps'];
  let host = '0.0.0.0';
  let port = d.port;
  if (t.listen !== undefined) {
    const parsed = parseHostPort(t.listen, d.port);
    if (typeof parsed === 'string') problems.push(source.problem([...path, 'listen'], `${parsed}; e.g. 0.0.0.0:162`));
    else ({ host, port } = parsed);
  }
  const dur = (key: string, v: string | number | undefined, fb: number) => checkDuration(source, problems, [...path, key], v, fb);
  return {
    host,
    port,
    communities: t.communities ?? [],
    dedupWindowMs: dur('dedup_window', t.dedup_window, d.dedupWindowMs),
    holdMs: dur('hold', t.hold, d.holdMs),
    perSourcePerSec: t.rate_limit?.per_source ?? d.perSourcePerSec,
    totalPerSec: t.rate_limit?.total ?? d.totalPerSec,
  };
}

/** Exactly one of token, token_file, token_env; secrets never come back in messages. */
function resolveToken(c: AgentFile['collector'], baseDir: string, env: NodeJS.ProcessEnv, problem: (msg: string, key: string) => void): string | undefined {
  const given = (['token', 'token_file', 'token_env'] as const).filter((k) => c[k] !== undefined);
  if (given.length !== 1) {
    problem(`give exactly one of token, token_file or token_env (found ${given.length ? given.join(', ') : 'none'})`, given[1] ?? 'url');
    return undefined;
  }
  if (c.token !== undefined) return c.token;
  if (c.token_env !== undefined) {
    const v = env[c.token_env]?.trim();
    if (!v) problem(`environment variable ${c.token_env} is not set`, 'token_env');
    return v;
  }
  try {
    const v = readFileSync(resolve(baseDir, c.token_file as string), 'utf8').trim();
    if (!v) problem('token file is empty', 'token_file');
    return v;
  } catch (err) {
    problem(`cannot read token file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'token_file');
    return undefined;
  }
}

/** Probe kinds and their option schemas; init-time checks happen when the agent builds probes. */
function targetProblems(file: AgentFile, source: YamlSource, snmp: SnmpSettings): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const kinds = probeKinds();
  file.targets.forEach((t, i) => {
    const kind = kinds.get(t.probe);
    if (!kind) {
      problems.push(source.problem(['targets', i, 'probe'], `unknown probe '${t.probe}' (known: ${[...kinds.keys()].join(', ')})`));
      return;
    }
    const optionProblems = schemaProblems(source, kind.options, t.options ?? {}, ['targets', i, 'options']);
    problems.push(...optionProblems);
    if (optionProblems.length > 0) return;
    // init() does no I/O by contract, so a dry run here reports semantic option errors with positions.
    try {
      kind.init({ device: t.device, options: t.options ?? {} }, dryRunEnv(targetInterval(file, i), snmp));
    } catch (err) {
      if (!(err instanceof ProbeOptionsError)) throw err;
      for (const p of err.problems) problems.push(source.problem(['targets', i, 'options', ...p.path], p.message));
    }
  });
  return problems;
}

function targetInterval(file: AgentFile, i: number): number {
  const v = file.targets[i]?.interval ?? file.interval;
  return (v === undefined ? undefined : parseDuration(v)) ?? AGENT_DEFAULTS.intervalMs;
}

const quiet = () => undefined;

function dryRunEnv(intervalMs: number, snmp: SnmpSettings): ProbeEnv {
  return {
    agentName: 'check',
    hostname: hostname(),
    intervalMs,
    collectorClockOffset: () => undefined,
    log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    snmp,
  };
}

export function loadAgentConfig(path: string, env: NodeJS.ProcessEnv = process.env, text?: string): AgentConfig {
  let config: AgentConfig | undefined;
  loadYamlConfig(
    path,
    AgentFileSchema,
    (value, source) => {
      const resolved = resolveAgent(value, dirname(resolve(path)), source, env);
      config = resolved.config;
      return [...resolved.problems, ...targetProblems(value, source, snmpSettings(value, dirname(resolve(path))))];
    },
    text,
  );
  return config as AgentConfig;
}

export { ConfigError };
