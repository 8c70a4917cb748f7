/** collector.yaml: loading, validation with file:line:col, and defaults. */
import { dirname, join, resolve } from 'node:path';
import { packageRoot } from '../lib/paths.js';
import { buildChannels, ChannelSchema, type ChannelConfig } from './notify/config.js';
import Type, { type Static } from 'typebox';
import { checkDuration, checkSize, loadYamlConfig, type ConfigProblem, type YamlSource } from '../lib/config.js';

const Duration = Type.Union([Type.String(), Type.Number()]);
const Size = Type.Union([Type.String(), Type.Number()]);

export const CollectorFileSchema = Type.Object(
  {
    listen: Type.Optional(
      Type.Object(
        { host: Type.Optional(Type.String()), port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })) },
        { additionalProperties: false },
      ),
    ),
    tls: Type.Optional(Type.Object({ cert: Type.String(), key: Type.String() }, { additionalProperties: false })),
    data_dir: Type.Optional(Type.String()),
    log_level: Type.Optional(Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)))),
    store: Type.Optional(
      Type.Object(
        {
          kind: Type.Optional(Type.Literal('sqlite')),
          retention: Type.Optional(Duration),
          chunk: Type.Optional(Duration),
          synchronous: Type.Optional(Type.Union([Type.Literal('full'), Type.Literal('normal')])),
        },
        { additionalProperties: false },
      ),
    ),
    agents: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 128 }),
            token_sha256: Type.String({ pattern: '^[0-9a-fA-F]{64}$' }),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    rules: Type.Optional(
      Type.Object(
        {
          paths: Type.Optional(Type.Array(Type.String())),
          inventory: Type.Optional(Type.String()),
          maintenance: Type.Optional(Type.String()),
          tick: Type.Optional(Duration),
          topology_grace: Type.Optional(Duration),
        },
        { additionalProperties: false },
      ),
    ),
    incidents: Type.Optional(
      Type.Object(
        {
          policy: Type.Optional(Type.String()),
          tick: Type.Optional(Duration),
          base_url: Type.Optional(Type.String({ pattern: '^https?://' })),
          time_zone: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    notify: Type.Optional(Type.Object({ channels: Type.Optional(Type.Array(ChannelSchema)) }, { additionalProperties: false })),
    ingest: Type.Optional(
      Type.Object(
        {
          max_body: Type.Optional(Size),
          max_samples: Type.Optional(Type.Integer({ minimum: 1 })),
          max_future: Type.Optional(Duration),
          dedup_window: Type.Optional(Duration),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type CollectorFile = Static<typeof CollectorFileSchema>;

export interface AgentCredential {
  name: string;
  /** SHA-256 of the agent's bearer token, as hex. */
  tokenSha256: string;
}

export interface CollectorConfig {
  listen: { host: string; port: number };
  tls?: { cert: string; key: string };
  dataDir: string;
  logLevel: string;
  store: { kind: 'sqlite'; retentionMs: number; chunkMs: number; synchronous: 'full' | 'normal' };
  agents: AgentCredential[];
  ingest: { maxBodyBytes: number; maxSamples: number; maxFutureMs: number; dedupWindowMs: number };
  rules: { paths: string[]; inventory?: string; maintenance?: string; tickMs: number; topologyGraceMs: number };
  incidents: { policy?: string; tickMs: number; baseUrl?: string; timeZone: string };
  notify: { channels: ChannelConfig[] };
}

export const COLLECTOR_DEFAULTS: CollectorConfig = {
  listen: { host: '127.0.0.1', port: 8080 },
  dataDir: './data',
  logLevel: 'info',
  store: { kind: 'sqlite', retentionMs: 30 * 86_400_000, chunkMs: 86_400_000, synchronous: 'full' },
  agents: [],
  ingest: { maxBodyBytes: 16 * 1024 * 1024, maxSamples: 100_000, maxFutureMs: 3_600_000, dedupWindowMs: 7 * 86_400_000 },
  rules: { paths: [join(packageRoot(), 'rules')], tickMs: 1_000, topologyGraceMs: 120_000 },
  incidents: { tickMs: 5_000, timeZone: 'UTC' },
  notify: { channels: [] },
};

/** Resolves a parsed file against the defaults; paths are relative to the file. */
export function resolveCollectorConfig(file: CollectorFile, baseDir: string, source?: YamlSource): { config: CollectorConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const d = COLLECTOR_DEFAULTS;
  const dur = (path: (string | number)[], v: string | number | undefined, fb: number) =>
    source ? checkDuration(source, problems, path, v, fb) : fb;
  const size = (path: (string | number)[], v: string | number | undefined, fb: number) =>
    source ? checkSize(source, problems, path, v, fb) : fb;
  const names = new Set<string>();
  for (const [i, a] of (file.agents ?? []).entries()) {
    if (names.has(a.name) && source) problems.push(source.problem(['agents', i, 'name'], `agent '${a.name}' is listed twice`));
    names.add(a.name);
  }
  const config: CollectorConfig = {
    listen: { host: file.listen?.host ?? d.listen.host, port: file.listen?.port ?? d.listen.port },
    tls: file.tls ? { cert: resolve(baseDir, file.tls.cert), key: resolve(baseDir, file.tls.key) } : undefined,
    dataDir: resolve(baseDir, file.data_dir ?? d.dataDir),
    logLevel: file.log_level ?? d.logLevel,
    store: {
      kind: 'sqlite',
      retentionMs: dur(['store', 'retention'], file.store?.retention, d.store.retentionMs),
      chunkMs: dur(['store', 'chunk'], file.store?.chunk, d.store.chunkMs),
      synchronous: file.store?.synchronous ?? d.store.synchronous,
    },
    agents: (file.agents ?? []).map((a) => ({ name: a.name, tokenSha256: a.token_sha256.toLowerCase() })),
    ingest: {
      maxBodyBytes: size(['ingest', 'max_body'], file.ingest?.max_body, d.ingest.maxBodyBytes),
      maxSamples: file.ingest?.max_samples ?? d.ingest.maxSamples,
      maxFutureMs: dur(['ingest', 'max_future'], file.ingest?.max_future, d.ingest.maxFutureMs),
      dedupWindowMs: dur(['ingest', 'dedup_window'], file.ingest?.dedup_window, d.ingest.dedupWindowMs),
    },
    rules: {
      paths: file.rules?.paths ? file.rules.paths.map((p) => resolve(baseDir, p)) : d.rules.paths,
      inventory: file.rules?.inventory ? resolve(baseDir, file.rules.inventory) : undefined,
      maintenance: file.rules?.maintenance ? resolve(baseDir, file.rules.maintenance) : undefined,
      tickMs: dur(['rules', 'tick'], file.rules?.tick, d.rules.tickMs),
      topologyGraceMs: dur(['rules', 'topology_grace'], file.rules?.topology_grace, d.rules.topologyGraceMs),
    },
    incidents: {
      policy: file.incidents?.policy ? resolve(baseDir, file.incidents.policy) : undefined,
      tickMs: dur(['incidents', 'tick'], file.incidents?.tick, d.incidents.tickMs),
      baseUrl: file.incidents?.base_url,
      timeZone: file.incidents?.time_zone ?? d.incidents.timeZone,
    },
    notify: { channels: file.notify?.channels ?? [] },
  };
  try {
    new Intl.DateTimeFormat('en', { timeZone: config.incidents.timeZone });
  } catch {
    if (source) problems.push(source.problem(['incidents', 'time_zone'], `'${config.incidents.timeZone}' is not a time zone (e.g. Asia/Shanghai, UTC)`));
  }
  // Build the channels once, dry, to report secrets that cannot be read and duplicate names now.
  for (const p of buildChannels(config.notify.channels).problems) {
    if (source) problems.push(source.problem(['notify', 'channels', ...p.path], p.message));
  }
  if (config.store.chunkMs < 60_000 && source) problems.push(source.problem(['store', 'chunk'], 'must be at least 1m'));
  return { config, problems };
}

export function loadCollectorConfig(path: string): CollectorConfig {
  let resolved: CollectorConfig | undefined;
  loadYamlConfig(path, CollectorFileSchema, (value, source) => {
    const { config, problems } = resolveCollectorConfig(value, dirname(resolve(path)), source);
    resolved = config;
    return problems;
  });
  return resolved as CollectorConfig;
}
