/**
 * The `snmp` probe: one device polled over SNMP v1, v2c or v3 with a
 * declarative profile (agent/profiles/*.yaml) chosen by sysObjectID/sysDescr
 * or named in the options. See snmp.sample.yaml for every option.
 *
 * A device that does not answer is data (device.up=0, device.result=timeout)
 * and one probe error; polls across all snmp targets share one concurrency
 * limit, and each request has its own short timeout, so a dead device costs
 * one slot for a few seconds and never holds up the others.
 */
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { ConfigError, formatProblem, pointerToPath } from '../../lib/config.js';
import { parseDuration } from '../../lib/units.js';
import { DEVICE_CLASSES, type DeviceClass, type DeviceMeta } from '../../collector/contract/index.js';
import { DevicePoller } from '../snmp/poller.js';
import type { ProfileSet } from '../snmp/profile.js';
import { NetSnmpClient, type SnmpClient, type SnmpTargetOptions } from '../snmp/session.js';
import { pollLimiter, profilesFor, shippedProfilesDir } from '../snmp/shared.js';
import { parseHostPort } from './host.js';
import { ProbeOptionsError, type OptionProblem, type Probe, type ProbeContext, type ProbeEnv, type ProbeKind, type SnmpSettings, type TargetSpec } from './types.js';

const Secret = Type.String({ minLength: 1, maxLength: 256 });
const EnvName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' });

export const SnmpOptionsSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 261 }),
    version: Type.Optional(Type.Enum(['v1', 'v2c', 'v3'])),
    community: Type.Optional(Secret),
    community_env: Type.Optional(EnvName),
    v3: Type.Optional(
      Type.Object(
        {
          user: Type.String({ minLength: 1, maxLength: 64 }),
          level: Type.Optional(Type.Enum(['noAuthNoPriv', 'authNoPriv', 'authPriv'])),
          auth_protocol: Type.Optional(Type.Enum(['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512'])),
          auth_key: Type.Optional(Secret),
          auth_key_env: Type.Optional(EnvName),
          priv_protocol: Type.Optional(Type.Enum(['des', 'aes', 'aes256b', 'aes256r'])),
          priv_key: Type.Optional(Secret),
          priv_key_env: Type.Optional(EnvName),
          context: Type.Optional(Type.String({ maxLength: 64 })),
        },
        { additionalProperties: false },
      ),
    ),
    profile: Type.Optional(Type.String({ minLength: 1 })),
    class: Type.Optional(Type.Enum([...DEVICE_CLASSES])),
    parent: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    request_timeout: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 5 })),
    max_repetitions: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    max_rows: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    /** Probe the standard MIB modules (default true); false for agents that misbehave on GETNEXT outside their MIBs. */
    detect: Type.Optional(Type.Boolean()),
    /** How often detection runs again on a device that did not restart (default 6h). */
    redetect: Type.Optional(Type.Union([Type.String(), Type.Number()])),
  },
  { additionalProperties: false },
);
export type SnmpOptions = Static<typeof SnmpOptionsSchema>;

export const SNMP_DEFAULTS = { version: 'v2c' as const, requestTimeoutMs: 2_000, retries: 1, maxRepetitions: 25 };

export interface CompiledSnmpTarget {
  session: SnmpTargetOptions;
  profile?: string;
  deviceClass?: DeviceClass;
  parent?: string;
  maxRows?: number;
  detect: boolean;
  redetectMs?: number;
}

/** Validates the options and reads secrets from the environment; every problem is reported at once. */
export function compileSnmpOptions(options: unknown, profiles: ProfileSet | undefined, env: NodeJS.ProcessEnv = process.env): CompiledSnmpTarget {
  const problems: OptionProblem[] = [];
  if (!Value.Check(SnmpOptionsSchema, options)) {
    for (const err of Value.Errors(SnmpOptionsSchema, options)) problems.push({ path: pointerToPath(err.instancePath), message: err.message });
    throw new ProbeOptionsError(problems);
  }
  const o = options as SnmpOptions;
  const secret = (value: string | undefined, envName: string | undefined, path: string[], what: string): string | undefined => {
    if (value !== undefined && envName !== undefined) problems.push({ path, message: `give ${what} or ${what}_env, not both` });
    if (envName === undefined) return value;
    const v = env[envName];
    if (!v) problems.push({ path: [...path.slice(0, -1), `${path.at(-1)}_env`], message: `environment variable ${envName} is not set` });
    return v;
  };
  const version = o.version ?? SNMP_DEFAULTS.version;
  const hp = parseHostPort(o.host, 161);
  if (typeof hp === 'string') problems.push({ path: ['host'], message: hp });
  const timeoutMs = o.request_timeout === undefined ? SNMP_DEFAULTS.requestTimeoutMs : parseDuration(o.request_timeout);
  if (timeoutMs === undefined || timeoutMs < 50) problems.push({ path: ['request_timeout'], message: `'${o.request_timeout}' is not a duration of at least 50ms, e.g. 2s` });
  let community: string | undefined;
  let v3: SnmpTargetOptions['v3'];
  if (version === 'v3') {
    if (!o.v3) problems.push({ path: ['v3'], message: 'version v3 needs a v3 section with user, level and keys' });
    if (o.community !== undefined || o.community_env !== undefined) problems.push({ path: ['community'], message: 'v3 uses a user, not a community' });
    if (o.v3) {
      const level = o.v3.level ?? 'authPriv';
      const authKey = secret(o.v3.auth_key, o.v3.auth_key_env, ['v3', 'auth_key'], 'auth_key');
      const privKey = secret(o.v3.priv_key, o.v3.priv_key_env, ['v3', 'priv_key'], 'priv_key');
      if (level !== 'noAuthNoPriv' && (authKey === undefined || authKey.length < 8) && o.v3.auth_key_env === undefined) {
        problems.push({ path: ['v3', 'auth_key'], message: `${level} needs an auth_key of at least 8 characters (RFC 3414)` });
      }
      if (level === 'authPriv' && (privKey === undefined || privKey.length < 8) && o.v3.priv_key_env === undefined) {
        problems.push({ path: ['v3', 'priv_key'], message: 'authPriv needs a priv_key of at least 8 characters' });
      }
      v3 = {
        user: o.v3.user,
        level,
        authProtocol: (o.v3.auth_protocol ?? 'sha') as NonNullable<SnmpTargetOptions['v3']>['authProtocol'],
        authKey,
        privProtocol: (o.v3.priv_protocol ?? 'aes') as NonNullable<SnmpTargetOptions['v3']>['privProtocol'],
        privKey,
        context: o.v3.context,
      };
    }
  } else {
    if (o.v3) problems.push({ path: ['v3'], message: `a v3 section needs version: v3 (this target is ${version})` });
    community = secret(o.community, o.community_env, ['community'], 'community') ?? 'public';
  }
  const redetectMs = o.redetect === undefined ? undefined : parseDuration(o.redetect);
  if (o.redetect !== undefined && (redetectMs === undefined || redetectMs < 60_000)) problems.push({ path: ['redetect'], message: `'${o.redetect}' is not a duration of at least 1m, e.g. 6h` });
  if (o.profile !== undefined && profiles && !profiles.get(o.profile)) {
    problems.push({ path: ['profile'], message: `no profile is named '${o.profile}' (known: ${profiles.names.sort().join(', ')})` });
  }
  if (problems.length > 0) throw new ProbeOptionsError(problems);
  const { host, port } = hp as { host: string; port: number };
  return {
    session: {
      host,
      port,
      version,
      community,
      v3,
      timeoutMs: timeoutMs as number,
      retries: o.retries ?? SNMP_DEFAULTS.retries,
      maxRepetitions: o.max_repetitions ?? SNMP_DEFAULTS.maxRepetitions,
    },
    profile: o.profile,
    deviceClass: o.class,
    parent: o.parent,
    maxRows: o.max_rows,
    detect: o.detect ?? true,
    redetectMs,
  };
}

function snmpSettingsOf(env: ProbeEnv): SnmpSettings {
  return env.snmp ?? { concurrency: 64, profileDirs: [shippedProfilesDir()] };
}

/** Loads the agent's profiles; a broken profile file is an option problem with its own file:line:col. */
function loadAgentProfiles(env: ProbeEnv): ProfileSet {
  try {
    return profilesFor(snmpSettingsOf(env).profileDirs);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ProbeOptionsError(err.problems.map((p) => ({ path: [], message: `profile ${formatProblem(p)}` })));
  }
}

export class SnmpProbe implements Probe {
  private client: SnmpClient | undefined;
  private poller: DevicePoller | undefined;
  /** Warnings already logged for this device: each is logged once, not on every poll. */
  private readonly logged = new Set<string>();

  constructor(
    private readonly device: string,
    private readonly target: CompiledSnmpTarget,
    private readonly profiles: ProfileSet,
    private readonly env: ProbeEnv,
    private readonly makeClient: (o: SnmpTargetOptions) => SnmpClient = (o) => new NetSnmpClient(o),
  ) {}

  devices(): DeviceMeta[] {
    const meta = this.poller?.deviceMeta ?? {};
    return [
      {
        name: this.device,
        class: this.target.deviceClass ?? meta.class ?? 'unknown',
        ...(meta.vendor ? { vendor: meta.vendor } : {}),
        ...(meta.model ? { model: meta.model } : {}),
        ...(meta.os ? { os: meta.os } : {}),
        ...(meta.serial ? { serial: meta.serial } : {}),
        address: this.target.session.host,
        ...(this.env.site ? { site: this.env.site } : {}),
        ...(this.env.room ? { room: this.env.room } : {}),
        ...(this.target.parent ? { parent: this.target.parent } : {}),
      },
    ];
  }

  async gather(ctx: ProbeContext) {
    if (!this.client || !this.poller) {
      this.client = this.makeClient(this.target.session);
      this.poller = new DevicePoller(this.client, this.profiles, {
        device: this.device,
        profile: this.target.profile,
        deviceClass: this.target.deviceClass,
        intervalMs: this.env.intervalMs,
        maxRows: this.target.maxRows,
        detect: this.target.detect,
        redetectMs: this.target.redetectMs,
      });
    }
    const poller = this.poller;
    const outcome = await pollLimiter(snmpSettingsOf(this.env).concurrency).run(() => poller.poll(ctx.now, ctx.signal), ctx.signal);
    for (const e of outcome.errors) ctx.error?.(e);
    // Warnings are counted every poll (agent.probe_warnings) but logged once per device.
    for (const w of outcome.warnings) {
      const key = `${w.module}\n${w.message}`;
      if (this.logged.has(key) || this.logged.size >= 1000) continue;
      this.logged.add(key);
      this.env.log.warn(`snmp ${this.device}: ${w.module}: ${w.message}`, { device: this.device, module: w.module });
    }
    // An SNMPv3 engine that rebooted or a changed key leaves the session's engine state stale:
    // the next poll starts a fresh session, which discovers the engine again.
    if (outcome.result === 'auth' && this.target.session.version === 'v3') this.resetSession();
    return outcome.samples;
  }

  private resetSession(): void {
    this.client?.close();
    this.client = undefined;
    this.poller = undefined;
  }

  async close(): Promise<void> {
    this.client?.close();
  }
}

export const snmpProbe: ProbeKind<SnmpOptions> = {
  kind: 'snmp',
  options: SnmpOptionsSchema,
  init(target: TargetSpec<SnmpOptions>, env: ProbeEnv): Probe {
    const profiles = loadAgentProfiles(env);
    const compiled = compileSnmpOptions(target.options, profiles);
    return new SnmpProbe(target.device ?? compiled.session.host, compiled, profiles, env);
  },
};
