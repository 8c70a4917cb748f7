/**
 * The `ssh` probe: agentless checks of Unix servers, minicomputers, Oracle
 * instances and storage-array CLIs over one reused SSH connection per target.
 * See ssh.sample.yaml for every option; the commands per platform are in
 * agent/ssh/platforms.yaml and the parsers in agent/ssh/parsers/.
 *
 * A host that cannot be reached is data (device.up=0, device.result); a host
 * whose key does not match the pin is refused and reported as
 * ssh.hostkey_mismatch=1, which rules/ssh.yaml turns into a P2 alert.
 */
import { existsSync } from 'node:fs';
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { pointerToPath } from '../../lib/config.js';
import { parseDuration } from '../../lib/units.js';
import type { DeviceMeta, Sample } from '../../collector/contract/index.js';
import { SshConnection, type SshConnectionOptions, type SshEndpoint } from '../ssh/connection.js';
import type { HostKeyPolicy } from '../ssh/hostkeys.js';
import { platforms } from '../ssh/platforms.js';
import { SshChecks, type OracleInstance, type WatchedLog } from '../ssh/checks.js';
import { GROUPS, type GroupName } from '../ssh/oracle-sql.js';
import { parseHostPort } from './host.js';
import { ProbeOptionsError, type OptionProblem, type Probe, type ProbeContext, type ProbeEnv, type ProbeKind, type TargetSpec } from './types.js';

const EnvName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' });
const HostKeySchema = Type.Object(
  {
    /** One fingerprint, or several while a host key is being rolled over. */
    fingerprint: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 1, maxItems: 8 })])),
    known_hosts: Type.Optional(Type.String({ minLength: 1 })),
    trust_on_first_use: Type.Optional(Type.Boolean()),
    store: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
const EndpointFields = {
  host: Type.String({ minLength: 1, maxLength: 261 }),
  user: Type.String({ minLength: 1, maxLength: 64 }),
  key_file: Type.Optional(Type.String({ minLength: 1 })),
  key_passphrase_env: Type.Optional(EnvName),
  password_env: Type.Optional(EnvName),
  host_key: HostKeySchema,
};

export const SshOptionsSchema = Type.Object(
  {
    ...EndpointFields,
    jump: Type.Optional(Type.Object(EndpointFields, { additionalProperties: false })),
    platform: Type.Enum(['linux', 'aix', 'hpux', 'solaris', '3par']),
    checks: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true })),
    class: Type.Optional(Type.Enum(['server', 'minicomputer', 'storage'])),
    parent: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    command_timeout: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    connect_timeout: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    max_sessions: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
    /** Oracle Clusterware on this node: crsctl and ocrcheck from the grid home. */
    clusterware: Type.Optional(
      Type.Object(
        {
          grid_home: Type.String({ pattern: '^/' }),
          /** The Clusterware alert log (11.2: $GRID_HOME/log/<host>/alert<host>.log; 12.1.0.2+: $ORACLE_BASE/diag/crs/<host>/crs/trace/alert.log). */
          alert_log: Type.Optional(Type.String({ pattern: '^/' })),
        },
        { additionalProperties: false },
      ),
    ),
    /** HP-UX EMS hardware events: true for the default text log, or the log's path. */
    ems_log: Type.Optional(Type.Union([Type.Boolean(), Type.String({ pattern: '^/' })])),
    oracle: Type.Optional(
      Type.Array(
        Type.Object(
          {
            sid: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_$#+]*$', maxLength: 64 }),
            home: Type.String({ pattern: '^/' }),
            device: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
            alert_log: Type.Optional(Type.String({ pattern: '^/' })),
            asm_alert_log: Type.Optional(Type.String({ pattern: '^/' })),
            rac: Type.Optional(Type.Boolean()),
            asm: Type.Optional(Type.Boolean()),
            dataguard: Type.Optional(Type.Boolean()),
            privilege: Type.Optional(Type.Enum(['sysdba', 'sysdg'])),
            backups_on_standby: Type.Optional(Type.Boolean()),
            query_timeouts: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
          },
          { additionalProperties: false },
        ),
        { maxItems: 32 },
      ),
    ),
  },
  { additionalProperties: false },
);
export type SshOptions = Static<typeof SshOptionsSchema>;

/** Where the EMS textlog notification writes by default (HP, "Using the Event Monitoring Service", 2007). */
export const EMS_DEFAULT_LOG = '/var/opt/resmon/log/event.log';

export const SSH_DEFAULTS = { commandTimeoutMs: 30_000, connectTimeoutMs: 10_000, keepaliveIntervalMs: 15_000, maxSessions: 4 };

export interface CompiledSshTarget {
  connection: SshConnectionOptions;
  platform: string;
  checks: string[];
  deviceClass: 'server' | 'minicomputer' | 'storage';
  parent?: string;
  commandTimeoutMs: number;
  oracle: OracleInstance[];
  gridHome?: string;
  /** The Clusterware alert log and the HP-UX EMS text log, when configured. */
  watchedLogs: WatchedLog[];
}

type EndpointOptions = Pick<SshOptions, 'host' | 'user' | 'key_file' | 'key_passphrase_env' | 'password_env' | 'host_key'>;

function endpoint(o: EndpointOptions, path: string[], problems: OptionProblem[], env: NodeJS.ProcessEnv, agentName: string): SshEndpoint {
  const hp = parseHostPort(o.host, 22);
  if (typeof hp === 'string') problems.push({ path: [...path, 'host'], message: hp });
  const { host, port } = typeof hp === 'string' ? { host: o.host, port: 22 } : hp;
  if (o.key_file === undefined && o.password_env === undefined) problems.push({ path: [...path, 'key_file'], message: 'give key_file (or, discouraged, password_env)' });
  if (o.key_file !== undefined && !existsSync(o.key_file)) problems.push({ path: [...path, 'key_file'], message: `${o.key_file} does not exist` });
  const fromEnv = (name: string | undefined, key: string): string | undefined => {
    if (name === undefined) return undefined;
    const v = env[name];
    if (!v) problems.push({ path: [...path, key], message: `environment variable ${name} is not set` });
    return v;
  };
  const hk = o.host_key;
  const given = (['fingerprint', 'known_hosts', 'trust_on_first_use'] as const).filter((k) => hk[k] !== undefined && hk[k] !== false);
  let hostKey: HostKeyPolicy = { kind: 'fingerprint', fingerprints: [] };
  if (given.length !== 1) {
    problems.push({ path: [...path, 'host_key'], message: 'give exactly one of fingerprint (SHA256:…, from ssh-keygen -lf), known_hosts (a file), or trust_on_first_use: true' });
  } else if (hk.fingerprint !== undefined) {
    const fingerprints = Array.isArray(hk.fingerprint) ? hk.fingerprint : [hk.fingerprint];
    for (const fp of fingerprints) {
      if (!/^SHA256:[A-Za-z0-9+/]{43}$/.test(fp)) {
        problems.push({ path: [...path, 'host_key', 'fingerprint'], message: `'${fp}' is not an OpenSSH SHA256 fingerprint ('SHA256:' and 43 base64 characters, as ssh-keygen -lf KEY.pub prints)` });
      }
    }
    hostKey = { kind: 'fingerprint', fingerprints };
  } else if (hk.known_hosts !== undefined) {
    hostKey = { kind: 'known_hosts', file: hk.known_hosts };
  } else {
    hostKey = { kind: 'tofu', store: hk.store ?? `./data/ssh-known-hosts.${agentName}.json` };
  }
  if (hk.store !== undefined && !hk.trust_on_first_use) problems.push({ path: [...path, 'host_key', 'store'], message: 'store is for trust_on_first_use' });
  return {
    host,
    port,
    user: o.user,
    passphrase: fromEnv(o.key_passphrase_env, 'key_passphrase_env'),
    password: fromEnv(o.password_env, 'password_env'),
    hostKey,
    keyFile: o.key_file,
  };
}

/** Validates the options; every problem at once. Secrets come from the environment. */
export function compileSshOptions(options: unknown, env: NodeJS.ProcessEnv = process.env, agentName = 'agent'): CompiledSshTarget {
  const problems: OptionProblem[] = [];
  if (!Value.Check(SshOptionsSchema, options)) {
    for (const err of Value.Errors(SshOptionsSchema, options)) problems.push({ path: pointerToPath(err.instancePath), message: err.message });
    throw new ProbeOptionsError(problems);
  }
  const o = options as SshOptions;
  const target = endpoint(o, [], problems, env, agentName);
  const jump = o.jump ? endpoint(o.jump, ['jump'], problems, env, agentName) : undefined;
  const duration = (v: string | number | undefined, fallback: number, key: string): number => {
    if (v === undefined) return fallback;
    const ms = parseDuration(v);
    if (ms === undefined || ms < 100) problems.push({ path: [key], message: `'${v}' is not a duration of at least 100ms, e.g. 30s` });
    return ms ?? fallback;
  };
  const available = platforms()[o.platform] ?? {};
  const names = Object.keys(available);
  const checks = o.checks ?? names.filter((n) => available[n]?.default !== false);
  checks.forEach((c, i) => {
    if (!available[c]) problems.push({ path: ['checks', i], message: `'${c}' is not a check on ${o.platform} (there: ${names.join(', ')})` });
  });
  const oracleTimeouts = (o.oracle ?? []).map((db, i) => {
    const out: Partial<Record<GroupName, number>> = {};
    for (const [group, v] of Object.entries(db.query_timeouts ?? {})) {
      if (!(GROUPS as readonly string[]).includes(group)) problems.push({ path: ['oracle', i, 'query_timeouts', group], message: `'${group}' is not a query group (there: ${GROUPS.join(', ')})` });
      else out[group as GroupName] = duration(v, 0, `oracle.${i}.query_timeouts.${group}`);
    }
    return out;
  });
  if (o.clusterware && o.platform === '3par') problems.push({ path: ['clusterware'], message: 'Clusterware runs on a Unix platform, not on a 3PAR CLI' });
  if (o.ems_log !== undefined && o.platform !== 'hpux') problems.push({ path: ['ems_log'], message: `the EMS event log is an HP-UX facility; this target's platform is ${o.platform}` });
  if (o.oracle && o.platform === '3par') problems.push({ path: ['oracle'], message: 'Oracle runs on a Unix platform, not on a 3PAR CLI' });
  const commandTimeoutMs = duration(o.command_timeout, SSH_DEFAULTS.commandTimeoutMs, 'command_timeout');
  const connectTimeoutMs = duration(o.connect_timeout, SSH_DEFAULTS.connectTimeoutMs, 'connect_timeout');
  if (problems.length > 0) throw new ProbeOptionsError(problems);
  return {
    connection: { ...target, jump, connectTimeoutMs, keepaliveIntervalMs: SSH_DEFAULTS.keepaliveIntervalMs, maxSessions: o.max_sessions ?? SSH_DEFAULTS.maxSessions },
    platform: o.platform,
    checks,
    deviceClass: o.class ?? (o.platform === '3par' ? 'storage' : o.platform === 'linux' ? 'server' : 'minicomputer'),
    parent: o.parent,
    commandTimeoutMs,
    gridHome: o.clusterware?.grid_home,
    watchedLogs: [
      ...(o.clusterware?.alert_log ? [{ kind: 'crs' as const, path: o.clusterware.alert_log }] : []),
      ...(o.ems_log === true ? [{ kind: 'ems' as const, path: EMS_DEFAULT_LOG }] : typeof o.ems_log === 'string' ? [{ kind: 'ems' as const, path: o.ems_log }] : []),
    ],
    oracle: (o.oracle ?? []).map((db, i) => ({
      sid: db.sid,
      home: db.home,
      device: db.device,
      alertLog: db.alert_log,
      asmAlertLog: db.asm_alert_log,
      rac: db.rac ?? false,
      asm: db.asm ?? false,
      dataguard: db.dataguard ?? false,
      privilege: db.privilege ?? 'sysdba',
      backupsOnStandby: db.backups_on_standby ?? false,
      timeouts: oracleTimeouts[i],
    })),
  };
}

export class SshProbe implements Probe {
  private connection: SshConnection | undefined;
  private readonly checks: SshChecks;

  constructor(
    private readonly device: string,
    private readonly target: CompiledSshTarget,
    private readonly env: ProbeEnv,
  ) {
    this.checks = new SshChecks(device, target.platform, target.checks, target.oracle, target.commandTimeoutMs, target.gridHome, env.log, target.watchedLogs);
  }

  devices(): DeviceMeta[] {
    const base = {
      ...(this.env.site ? { site: this.env.site } : {}),
      ...(this.env.room ? { room: this.env.room } : {}),
    };
    return [
      { name: this.device, class: this.target.deviceClass, address: this.target.connection.host, ...base, ...(this.target.parent ? { parent: this.target.parent } : {}) },
      ...this.checks.oracleDevices().map((name) => ({ name, class: 'database' as const, parent: this.device, ...base })),
    ];
  }

  async gather(ctx: ProbeContext): Promise<Sample[]> {
    this.connection ??= new SshConnection(this.target.connection);
    return this.checks.run(this.connection, ctx);
  }

  async close(): Promise<void> {
    this.connection?.close();
  }
}

export const sshProbe: ProbeKind<SshOptions> = {
  kind: 'ssh',
  options: SshOptionsSchema,
  init(target: TargetSpec<SshOptions>, env: ProbeEnv): Probe {
    const compiled = compileSshOptions(target.options, process.env, env.agentName);
    return new SshProbe(target.device ?? compiled.connection.host, compiled, env);
  },
};
