/** collector.yaml: loading, validation with file:line:col, and defaults. */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { packageRoot } from '../lib/paths.js';
import type { InfluxSettings } from './store/influx/client.js';
import { sha256Hex } from './ingest/auth.js';
import { NAME_POLICIES, type NamePolicy } from './ingest/names.js';
import { LOGS_DEFAULTS, type LogsSettings } from './logs/store.js';
import { buildChannels, ChannelSchema, type ChannelConfig } from './notify/config.js';
import { readSecret } from './notify/channels/secret.js';
import type { SmsReplySettings } from './links/sms-reply.js';
import { DEFAULT_LINK_EXPIRY_MS } from './links/links.js';
import { parseShare } from './rules/compile-rule.js';
import { validateDetailed } from 'node-cron';
import Type, { type Static } from 'typebox';
import { checkDuration, checkSize, loadYamlConfig, type ConfigProblem, type YamlSource } from '../lib/config.js';
import { isValidTimeZone } from '../lib/tz.js';
import { AUTH_DEFAULTS, AuthFileSchema, resolveAuthConfig, type AuthConfig } from './auth/config.js';

const Duration = Type.Union([Type.String(), Type.Number()]);
const Size = Type.Union([Type.String(), Type.Number()]);

export const CollectorFileSchema = Type.Object(
  {
    listen: Type.Optional(Type.Object({ host: Type.Optional(Type.String()), port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })) }, { additionalProperties: false })),
    tls: Type.Optional(Type.Object({ cert: Type.String(), key: Type.String() }, { additionalProperties: false })),
    data_dir: Type.Optional(Type.String()),
    log_level: Type.Optional(Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)))),
    store: Type.Optional(
      Type.Object(
        {
          kind: Type.Optional(Type.Enum(['sqlite', 'influxdb'])),
          retention: Type.Optional(Duration),
          local_retention: Type.Optional(Duration),
          max_backlog: Type.Optional(Type.Union([Type.String(), Type.Number()])),
          influxdb: Type.Optional(
            Type.Object(
              {
                url: Type.String({ pattern: '^https?://' }),
                api: Type.Optional(Type.Enum(['v1', 'v2'])),
                org: Type.Optional(Type.String({ minLength: 1 })),
                bucket: Type.Optional(Type.String({ minLength: 1 })),
                token: Type.Optional(Type.String({ minLength: 1 })),
                token_file: Type.Optional(Type.String({ minLength: 1 })),
                token_env: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' })),
                database: Type.Optional(Type.String({ minLength: 1 })),
                retention_policy: Type.Optional(Type.String({ minLength: 1 })),
                username_env: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' })),
                password_env: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' })),
                timeout: Type.Optional(Duration),
              },
              { additionalProperties: false },
            ),
          ),
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
            token_sha256: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{64}$' })),
            /** The token itself from the environment (docker compose's .env); hashed at load, never kept. */
            token_env: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' })),
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
          /** Share of a window a series must cover before a window function has a value: "80%" or 0.8. */
          min_coverage: Type.Optional(Type.Union([Type.String(), Type.Number()])),
        },
        { additionalProperties: false },
      ),
    ),
    report: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          schedule: Type.Optional(Type.String({ minLength: 1 })),
          time_zone: Type.Optional(Type.String({ minLength: 1 })),
          lang: Type.Optional(Type.Enum(['zh-CN', 'en'])),
          channel: Type.Optional(Type.String({ minLength: 1 })),
          to: Type.Optional(Type.Array(Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$' }), { maxItems: 100 })),
          site: Type.Optional(Type.String({ minLength: 1 })),
          /** When the weekly and monthly reports run (cron, in the report's time zone). */
          weekly_schedule: Type.Optional(Type.String()),
          monthly_schedule: Type.Optional(Type.String()),
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
          /** How long an acknowledge link in a message works (collector/links). */
          link_expiry: Type.Optional(Duration),
          time_zone: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    notify: Type.Optional(
      Type.Object(
        {
          channels: Type.Optional(Type.Array(ChannelSchema)),
          /** Language of rule text (alert summaries, runbooks, incident titles) in incidents, messages and the API. */
          lang: Type.Optional(Type.Enum(['zh-CN', 'en'])),
          /** The SMS gateway's signed "reply 1 to acknowledge" callback (collector/links/sms-reply.ts). */
          sms_reply: Type.Optional(
            Type.Object(
              {
                secret: Type.Optional(Type.String()),
                secret_env: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' })),
                secret_file: Type.Optional(Type.String()),
                window: Type.Optional(Duration),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    /** Raw syslog lines forwarded by agents (collector/logs): how long and how many are kept. */
    logs: Type.Optional(
      Type.Object(
        {
          retention: Type.Optional(Duration),
          max_lines: Type.Optional(Type.Integer({ minimum: 1_000, maximum: 100_000_000 })),
          /** Lines of the device from this long before to this long after an incident opens, in its context. */
          context_window: Type.Optional(Duration),
          context_lines: Type.Optional(Type.Integer({ minimum: 0, maximum: 200 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Dead man's switch: something outside roomwatch pages when these stop arriving. */
    watchdog: Type.Optional(
      Type.Object(
        {
          heartbeat_url: Type.Optional(Type.String({ pattern: '^https?://' })),
          heartbeat_method: Type.Optional(Type.Enum(['GET', 'POST'])),
          interval: Type.Optional(Duration),
          timeout: Type.Optional(Duration),
          /** A notify channel that gets an always-firing "Watchdog" message every interval. */
          channel: Type.Optional(Type.String({ minLength: 1 })),
          to: Type.Optional(Type.String({ minLength: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Operators: sessions, lockout, static tokens, LDAP (collector/auth/config.ts). */
    auth: Type.Optional(AuthFileSchema),
    ingest: Type.Optional(
      Type.Object(
        {
          max_body: Type.Optional(Size),
          max_samples: Type.Optional(Type.Integer({ minimum: 1 })),
          max_future: Type.Optional(Duration),
          dedup_window: Type.Optional(Duration),
          /** Line protocol (/write, /api/v2/write): which names are accepted (collector/ingest/names.ts). */
          line_protocol: Type.Optional(Type.Object({ names: Type.Optional(Type.Enum([...NAME_POLICIES])) }, { additionalProperties: false })),
          /** true, or device names and globs that any agent may write (default: a device belongs to one agent). */
          /** Ingest requests processed at once; past it, 429 with Retry-After. */
          max_inflight: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
          /** Body bytes of the requests in flight (announced Content-Length); bounds the collector's memory. */
          max_inflight_bytes: Type.Optional(Size),
          retry_after: Type.Optional(Duration),
          /** Event-loop lag past which ingest is shed, so /healthz and /metrics keep answering. */
          max_event_loop_lag: Type.Optional(Duration),
          shared_devices: Type.Optional(Type.Union([Type.Boolean(), Type.Array(Type.String({ minLength: 1, maxLength: 256 }))])),
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
  store: {
    kind: 'sqlite' | 'influxdb';
    /** How long the embedded store keeps samples (with influxdb: the local buffer's retention). */
    retentionMs: number;
    chunkMs: number;
    synchronous: 'full' | 'normal';
    influx?: InfluxSettings & { maxBacklogBytes: number };
  };
  agents: AgentCredential[];
  ingest: {
    maxBodyBytes: number;
    maxSamples: number;
    maxFutureMs: number;
    dedupWindowMs: number;
    names: NamePolicy;
    sharedDevices: boolean | string[];
    maxInflight: number;
    maxInflightBytes: number;
    retryAfterMs: number;
    maxLagMs: number;
  };
  rules: { paths: string[]; inventory?: string; maintenance?: string; tickMs: number; topologyGraceMs: number; minCoverage: number };
  incidents: { policy?: string; tickMs: number; baseUrl?: string; timeZone: string; linkExpiryMs?: number };
  /** `lang`: the language of rule text in incidents and messages (default en). */
  notify: { channels: ChannelConfig[]; lang?: 'zh-CN' | 'en'; smsReply?: SmsReplySettings };
  watchdog: { heartbeatUrl?: string; heartbeatMethod: 'GET' | 'POST'; intervalMs: number; timeoutMs: number; channel?: string; to?: string };
  /** Raw syslog lines (collector/logs/store.ts); absent: LOGS_DEFAULTS. */
  logs?: LogsSettings;
  /** The daily health-check report (collector/report). */
  report: { enabled: boolean; schedule: string; timeZone: string; lang: 'zh-CN' | 'en'; channel?: string; to: string[]; site?: string; weeklySchedule?: string; monthlySchedule?: string };
  /** Operator sign-in and route access (collector/auth). */
  auth: AuthConfig;
}

export const COLLECTOR_DEFAULTS: CollectorConfig = {
  listen: { host: '127.0.0.1', port: 8080 },
  dataDir: './data',
  logLevel: 'info',
  store: { kind: 'sqlite', retentionMs: 30 * 86_400_000, chunkMs: 86_400_000, synchronous: 'full' },
  agents: [],
  ingest: {
    maxBodyBytes: 16 * 1024 * 1024,
    maxSamples: 100_000,
    maxFutureMs: 3_600_000,
    dedupWindowMs: 7 * 86_400_000,
    names: 'accept',
    sharedDevices: false,
    maxInflight: 32,
    maxInflightBytes: 128 * 1024 * 1024,
    retryAfterMs: 2_000,
    maxLagMs: 200,
  },
  rules: { paths: [join(packageRoot(), 'rules')], tickMs: 1_000, topologyGraceMs: 120_000, minCoverage: 0.8 },
  incidents: { tickMs: 5_000, timeZone: 'UTC' },
  notify: { channels: [], lang: 'en' },
  watchdog: { heartbeatMethod: 'GET', intervalMs: 60_000, timeoutMs: 10_000 },
  report: { enabled: true, schedule: '0 8 * * *', timeZone: 'UTC', lang: 'en', to: [] },
  auth: AUTH_DEFAULTS,
};

/** Resolves a parsed file against the defaults; paths are relative to the file. */
export function resolveCollectorConfig(file: CollectorFile, baseDir: string, source?: YamlSource): { config: CollectorConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const d = COLLECTOR_DEFAULTS;
  const dur = (path: (string | number)[], v: string | number | undefined, fb: number) => (source ? checkDuration(source, problems, path, v, fb) : fb);
  const size = (path: (string | number)[], v: string | number | undefined, fb: number) => (source ? checkSize(source, problems, path, v, fb) : fb);
  const coverage = (v: string | number | undefined) => {
    if (v === undefined) return d.rules.minCoverage;
    const share = parseShare(v);
    if (share === undefined && source) problems.push(source.problem(['rules', 'min_coverage'], `'${v}' is not a share of the window; write e.g. min_coverage: 80%`));
    return share ?? d.rules.minCoverage;
  };
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
    store: resolveStore(file, baseDir, source, problems, dur, size),
    agents: (file.agents ?? []).flatMap((a, i) => {
      const problem = (key: string, message: string) => {
        if (source) problems.push(source.problem(['agents', i, key], message));
      };
      if ((a.token_sha256 === undefined) === (a.token_env === undefined)) {
        problem('token_sha256', 'give token_sha256 (from roomwatch token new) or token_env, not both and not neither');
        return [];
      }
      if (a.token_sha256 !== undefined) return [{ name: a.name, tokenSha256: a.token_sha256.toLowerCase() }];
      const token = process.env[a.token_env as string]?.trim();
      if (!token) {
        problem('token_env', `environment variable ${a.token_env} is not set`);
        return [];
      }
      return [{ name: a.name, tokenSha256: sha256Hex(token) }];
    }),
    ingest: {
      maxBodyBytes: size(['ingest', 'max_body'], file.ingest?.max_body, d.ingest.maxBodyBytes),
      maxSamples: file.ingest?.max_samples ?? d.ingest.maxSamples,
      maxFutureMs: dur(['ingest', 'max_future'], file.ingest?.max_future, d.ingest.maxFutureMs),
      dedupWindowMs: dur(['ingest', 'dedup_window'], file.ingest?.dedup_window, d.ingest.dedupWindowMs),
      names: file.ingest?.line_protocol?.names ?? d.ingest.names,
      sharedDevices: file.ingest?.shared_devices ?? d.ingest.sharedDevices,
      maxInflight: file.ingest?.max_inflight ?? d.ingest.maxInflight,
      maxInflightBytes: size(['ingest', 'max_inflight_bytes'], file.ingest?.max_inflight_bytes, d.ingest.maxInflightBytes),
      retryAfterMs: dur(['ingest', 'retry_after'], file.ingest?.retry_after, d.ingest.retryAfterMs),
      maxLagMs: dur(['ingest', 'max_event_loop_lag'], file.ingest?.max_event_loop_lag, d.ingest.maxLagMs),
    },
    rules: {
      paths: file.rules?.paths ? file.rules.paths.map((p) => resolve(baseDir, p)) : d.rules.paths,
      inventory: file.rules?.inventory ? resolve(baseDir, file.rules.inventory) : undefined,
      maintenance: file.rules?.maintenance ? resolve(baseDir, file.rules.maintenance) : undefined,
      tickMs: dur(['rules', 'tick'], file.rules?.tick, d.rules.tickMs),
      topologyGraceMs: dur(['rules', 'topology_grace'], file.rules?.topology_grace, d.rules.topologyGraceMs),
      minCoverage: coverage(file.rules?.min_coverage),
    },
    incidents: {
      policy: file.incidents?.policy ? resolve(baseDir, file.incidents.policy) : undefined,
      tickMs: dur(['incidents', 'tick'], file.incidents?.tick, d.incidents.tickMs),
      // The console's external URL; links append `incidents/ID` and `a/TOKEN`, so it ends in '/'.
      baseUrl: file.incidents?.base_url === undefined ? undefined : file.incidents.base_url.replace(/\/*$/, '/'),
      timeZone: file.incidents?.time_zone ?? d.incidents.timeZone,
      ...(file.incidents?.link_expiry !== undefined ? { linkExpiryMs: dur(['incidents', 'link_expiry'], file.incidents.link_expiry, DEFAULT_LINK_EXPIRY_MS) } : {}),
    },
    notify: { channels: file.notify?.channels ?? [], lang: (file.notify?.lang as 'zh-CN' | 'en' | undefined) ?? d.notify.lang, smsReply: resolveSmsReply(file, baseDir, source, problems, dur) },
    watchdog: {
      heartbeatUrl: file.watchdog?.heartbeat_url,
      heartbeatMethod: file.watchdog?.heartbeat_method ?? d.watchdog.heartbeatMethod,
      intervalMs: dur(['watchdog', 'interval'], file.watchdog?.interval, d.watchdog.intervalMs),
      timeoutMs: dur(['watchdog', 'timeout'], file.watchdog?.timeout, d.watchdog.timeoutMs),
      channel: file.watchdog?.channel,
      to: file.watchdog?.to,
    },
    logs: {
      retentionMs: dur(['logs', 'retention'], file.logs?.retention, LOGS_DEFAULTS.retentionMs),
      maxLines: file.logs?.max_lines ?? LOGS_DEFAULTS.maxLines,
      contextWindowMs: dur(['logs', 'context_window'], file.logs?.context_window, LOGS_DEFAULTS.contextWindowMs),
      contextLines: file.logs?.context_lines ?? LOGS_DEFAULTS.contextLines,
    },
    report: {
      enabled: file.report?.enabled ?? d.report.enabled,
      schedule: file.report?.schedule ?? d.report.schedule,
      // The report speaks the NOC's time zone: the incidents' unless it names its own.
      timeZone: file.report?.time_zone ?? file.incidents?.time_zone ?? d.report.timeZone,
      lang: file.report?.lang ?? d.report.lang,
      channel: file.report?.channel,
      to: file.report?.to ?? [],
      site: file.report?.site,
      ...(file.report?.weekly_schedule ? { weeklySchedule: file.report.weekly_schedule } : {}),
      ...(file.report?.monthly_schedule ? { monthlySchedule: file.report.monthly_schedule } : {}),
    },
    auth: resolveAuthConfig(
      file.auth,
      baseDir,
      (path, message) => {
        if (source) problems.push(source.problem(path, message));
      },
      dur,
    ),
  };
  if (!isValidTimeZone(config.incidents.timeZone) && source) problems.push(source.problem(['incidents', 'time_zone'], `'${config.incidents.timeZone}' is not a time zone (e.g. Asia/Shanghai, UTC)`));
  if (!isValidTimeZone(config.report.timeZone) && source) problems.push(source.problem(['report', 'time_zone'], `'${config.report.timeZone}' is not a time zone (e.g. Asia/Shanghai, UTC)`));
  const cron = validateDetailed(config.report.schedule);
  if (!cron.valid && source)
    problems.push(source.problem(['report', 'schedule'], `'${config.report.schedule}' is not a cron expression (${cron.errors.map((e) => e.message).join('; ')}); e.g. "0 8 * * *"`));
  for (const [key, value] of [
    ['weekly_schedule', config.report.weeklySchedule],
    ['monthly_schedule', config.report.monthlySchedule],
  ] as const) {
    const c = value === undefined ? undefined : validateDetailed(value);
    if (c && !c.valid && source) problems.push(source.problem(['report', key], `'${value}' is not a cron expression; e.g. "0 8 * * 1"`));
  }
  if (config.report.channel !== undefined) {
    const ch = config.notify.channels.find((c) => c.name === config.report.channel);
    if (!ch || ch.type !== 'email') {
      if (source)
        problems.push(
          source.problem(
            ['report', 'channel'],
            `no email channel is named '${config.report.channel}' under notify.channels (email channels: ${
              config.notify.channels
                .filter((c) => c.type === 'email')
                .map((c) => c.name)
                .join(', ') || 'none'
            })`,
          ),
        );
    }
    if (config.report.to.length === 0 && source) problems.push(source.problem(['report', 'to'], 'a report channel needs recipients: to: [noc@example.com]'));
  }
  if (config.watchdog.channel !== undefined && !config.notify.channels.some((c) => c.name === config.watchdog.channel) && source) {
    problems.push(
      source.problem(['watchdog', 'channel'], `no channel is named '${config.watchdog.channel}' under notify.channels (channels: ${config.notify.channels.map((c) => c.name).join(', ') || 'none'})`),
    );
  }
  if (config.watchdog.intervalMs < 1_000 && source) problems.push(source.problem(['watchdog', 'interval'], 'must be at least 1s'));
  // Build the channels once, dry, to report secrets that cannot be read and duplicate names now.
  for (const p of buildChannels(config.notify.channels).problems) {
    if (source) problems.push(source.problem(['notify', 'channels', ...p.path], p.message));
  }
  if (config.store.chunkMs < 60_000 && source) problems.push(source.problem(['store', 'chunk'], 'must be at least 1m'));
  return { config, problems };
}

/** notify.sms_reply: one secret source, long enough to sign with; the replay window defaults to 5 minutes. */
function resolveSmsReply(file: CollectorFile, baseDir: string, source: YamlSource | undefined, problems: ConfigProblem[], dur: Check): SmsReplySettings | undefined {
  const r = file.notify?.sms_reply;
  if (!r) return undefined;
  const problem = (key: string, message: string) => source && problems.push(source.problem(['notify', 'sms_reply', key], message));
  const given = (['secret', 'secret_env', 'secret_file'] as const).filter((k) => r[k] !== undefined);
  if (given.length !== 1) {
    problem(given[1] ?? 'secret_env', 'give exactly one of secret, secret_env or secret_file');
    return undefined;
  }
  let secret: string | undefined;
  try {
    secret = readSecret(r.secret, r.secret_env, r.secret_file === undefined ? undefined : resolve(baseDir, r.secret_file), process.env);
  } catch (err) {
    problem(given[0] as string, (err as NodeJS.ErrnoException).code ? `cannot read: ${(err as NodeJS.ErrnoException).code}` : (err as Error).message);
    return undefined;
  }
  if (!secret || secret.length < 16) {
    problem(given[0] as string, 'the shared secret must be at least 16 characters');
    return undefined;
  }
  return { secret, windowMs: dur(['notify', 'sms_reply', 'window'], r.window, 5 * 60_000) };
}

export const INFLUX_DEFAULTS = { localRetentionMs: 7 * 86_400_000, maxBacklogBytes: 2 * 1024 ** 3, timeoutMs: 10_000, database: 'roomwatch' };

type Check = (path: (string | number)[], v: string | number | undefined, fb: number) => number;

/** The store section: the embedded SQLite store, or InfluxDB with the SQLite store as its local buffer. */
function resolveStore(file: CollectorFile, baseDir: string, source: YamlSource | undefined, problems: ConfigProblem[], dur: Check, size: Check): CollectorConfig['store'] {
  const d = COLLECTOR_DEFAULTS.store;
  const st = file.store ?? {};
  const kind = st.kind ?? 'sqlite';
  const problem = (path: (string | number)[], message: string) => {
    if (source) problems.push(source.problem(['store', ...path], message));
  };
  const base = { kind, chunkMs: dur(['store', 'chunk'], st.chunk, d.chunkMs), synchronous: st.synchronous ?? d.synchronous };
  if (kind === 'sqlite') {
    if (st.influxdb) problem(['influxdb'], 'an influxdb section needs kind: influxdb');
    if (st.local_retention !== undefined) problem(['local_retention'], 'local_retention is for kind: influxdb; the embedded store alone uses retention');
    return { ...base, retentionMs: dur(['store', 'retention'], st.retention, d.retentionMs) };
  }
  if (st.retention !== undefined) problem(['retention'], "with kind: influxdb, InfluxDB's retention policy keeps the history; local_retention sets how long the local buffer keeps it");
  const ix = st.influxdb;
  if (!ix) {
    problem(['kind'], 'kind: influxdb needs an influxdb section with at least url');
    return { ...base, kind: 'sqlite', retentionMs: d.retentionMs };
  }
  const api = ix.api ?? 'v2';
  const secretFromEnv = (name: string | undefined, key: string): string | undefined => {
    if (name === undefined) return undefined;
    const v = process.env[name];
    if (!v) problem(['influxdb', key], `environment variable ${name} is not set`);
    return v;
  };
  let token: string | undefined;
  const tokenSources = (['token', 'token_file', 'token_env'] as const).filter((k) => ix[k] !== undefined);
  if (tokenSources.length > 1) problem(['influxdb', tokenSources[1] as string], 'give one of token, token_file or token_env');
  if (ix.token !== undefined) token = ix.token;
  else if (ix.token_env !== undefined) token = secretFromEnv(ix.token_env, 'token_env');
  else if (ix.token_file !== undefined) {
    try {
      token = readFileSync(resolve(baseDir, ix.token_file), 'utf8').trim();
    } catch (err) {
      problem(['influxdb', 'token_file'], `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  if (api === 'v2') {
    if (!ix.org) problem(['influxdb', 'org'], 'api v2 writes need the organisation (org)');
    if (!ix.bucket) problem(['influxdb', 'bucket'], 'api v2 writes need a bucket');
    if (token === undefined && tokenSources.length === 0) problem(['influxdb', 'token'], 'api v2 needs a token (token, token_file or token_env)');
    if (ix.retention_policy !== undefined) problem(['influxdb', 'retention_policy'], 'retention_policy is for api v1; a v2 bucket has its own retention');
  } else {
    if (ix.org !== undefined || ix.bucket !== undefined)
      problem(['influxdb', ix.org !== undefined ? 'org' : 'bucket'], 'org and bucket are for api v2; api v1 writes to database (and retention_policy)');
  }
  return {
    ...base,
    retentionMs: dur(['store', 'local_retention'], st.local_retention, INFLUX_DEFAULTS.localRetentionMs),
    influx: {
      url: ix.url.replace(/\/+$/, ''),
      api,
      org: ix.org,
      bucket: ix.bucket,
      token,
      database: ix.database ?? ix.bucket ?? INFLUX_DEFAULTS.database,
      retentionPolicy: ix.retention_policy,
      username: secretFromEnv(ix.username_env, 'username_env'),
      password: secretFromEnv(ix.password_env, 'password_env'),
      timeoutMs: dur(['store', 'influxdb', 'timeout'], ix.timeout, INFLUX_DEFAULTS.timeoutMs),
      maxBacklogBytes: size(['store', 'max_backlog'], st.max_backlog, INFLUX_DEFAULTS.maxBacklogBytes),
    },
  };
}

/** `text`: the file's content when the caller already has it (the config fuzzer); paths still resolve from `path`. */
export function loadCollectorConfig(path: string, text?: string): CollectorConfig {
  let resolved: CollectorConfig | undefined;
  loadYamlConfig(
    path,
    CollectorFileSchema,
    (value, source) => {
      const { config, problems } = resolveCollectorConfig(value, dirname(resolve(path)), source);
      resolved = config;
      return problems;
    },
    text,
  );
  return resolved as CollectorConfig;
}
