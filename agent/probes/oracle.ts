/**
 * The `oracle` probe: one database instance over SQL*Net with a least-privilege
 * monitoring user, through node-oracledb in Thin mode (no Instant Client, no
 * OS account, no SYSDBA). The queries, their groups and the reading are the
 * ssh probe's (agent/ssh/oracle-*.ts); see oracle.sample.yaml for every option
 * and README "Oracle" for the GRANTs.
 *
 * An instance that does not answer is data: oracle.up=0 with `result`
 * (refused, timeout, or the ORA- code). A refused login or a failing query
 * group is oracle.query_error{group}, never oracle.up=0.
 */
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { pointerToPath } from '../../lib/config.js';
import { parseDuration } from '../../lib/units.js';
import type { DeviceMeta, Sample } from '../../collector/contract/index.js';
import { oracleMetrics } from '../ssh/oracle.js';
import { GROUPS, type GroupName } from '../ssh/oracle-sql.js';
import { ThinRunner, type OracleConnect, type OracleSession } from '../ssh/oracle-thin.js';
import { ProbeOptionsError, type OptionProblem, type Probe, type ProbeContext, type ProbeEnv, type ProbeKind, type TargetSpec } from './types.js';

const EnvName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' });

export const OracleOptionsSchema = Type.Object(
  {
    /** Easy Connect: host[:port]/service_name, e.g. db01.example.net:1521/ORCLPDB. */
    connect_string: Type.String({ minLength: 3, maxLength: 1024 }),
    user: Type.String({ minLength: 1, maxLength: 128 }),
    password_env: EnvName,
    /** sysdg only for a mounted standby (12c+): a normal user cannot log in to a mounted instance. */
    privilege: Type.Optional(Type.Enum(['none', 'sysdg'])),
    rac: Type.Optional(Type.Boolean()),
    asm: Type.Optional(Type.Boolean()),
    dataguard: Type.Optional(Type.Boolean()),
    /** Backups run on the standby: the primary's controlfile never records them. */
    backups_on_standby: Type.Optional(Type.Boolean()),
    connect_timeout: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    query_timeouts: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
    parent: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  { additionalProperties: false },
);
export type OracleOptions = Static<typeof OracleOptionsSchema>;

export interface CompiledOracleTarget {
  connectString: string;
  user: string;
  password: string;
  privilege: 'none' | 'sysdg';
  rac: boolean;
  asm: boolean;
  dataguard: boolean;
  backupsOnStandby: boolean;
  connectTimeoutMs: number;
  timeouts: Partial<Record<GroupName, number>>;
  parent?: string;
}

/** Validates the options; every problem at once. The password comes from the environment. */
export function compileOracleOptions(options: unknown, env: NodeJS.ProcessEnv = process.env): CompiledOracleTarget {
  if (!Value.Check(OracleOptionsSchema, options)) {
    throw new ProbeOptionsError([...Value.Errors(OracleOptionsSchema, options)].map((e) => ({ path: pointerToPath(e.instancePath), message: e.message })));
  }
  const o = options as OracleOptions;
  const problems: OptionProblem[] = [];
  const duration = (v: string | number, path: (string | number)[]): number => {
    const ms = parseDuration(v);
    if (ms === undefined || ms < 100) problems.push({ path, message: `'${v}' is not a duration of at least 100ms, e.g. 30s` });
    return ms ?? 0;
  };
  const timeouts: Partial<Record<GroupName, number>> = {};
  for (const [group, v] of Object.entries(o.query_timeouts ?? {})) {
    if (!(GROUPS as readonly string[]).includes(group)) problems.push({ path: ['query_timeouts', group], message: `'${group}' is not a query group (there: ${GROUPS.join(', ')})` });
    else timeouts[group as GroupName] = duration(v, ['query_timeouts', group]);
  }
  const password = env[o.password_env];
  if (!password) problems.push({ path: ['password_env'], message: `environment variable ${o.password_env} is not set` });
  if (!/^[^\s/]+(:\d+)?\/\S+$/.test(o.connect_string) && !/^\(DESCRIPTION=/i.test(o.connect_string)) {
    problems.push({ path: ['connect_string'], message: `'${o.connect_string}' is not host[:port]/service_name or a (DESCRIPTION=...) descriptor` });
  }
  const connectTimeoutMs = o.connect_timeout === undefined ? 10_000 : duration(o.connect_timeout, ['connect_timeout']);
  if (problems.length > 0) throw new ProbeOptionsError(problems);
  return {
    connectString: o.connect_string,
    user: o.user,
    password: password as string,
    privilege: o.privilege ?? 'none',
    rac: o.rac ?? false,
    asm: o.asm ?? false,
    dataguard: o.dataguard ?? false,
    backupsOnStandby: o.backups_on_standby ?? false,
    connectTimeoutMs,
    timeouts,
    parent: o.parent,
  };
}

/** The real driver, loaded on the first gather so `agent --check` never needs it. */
function thinConnect(t: CompiledOracleTarget): OracleConnect {
  return async () => {
    const oracledb = (await import('oracledb')).default;
    const conn = await oracledb.getConnection({
      connectString: t.connectString,
      user: t.user,
      password: t.password,
      connectTimeout: Math.ceil(t.connectTimeoutMs / 1000),
      ...(t.privilege === 'sysdg' ? { privilege: oracledb.SYSDG } : {}),
    });
    const session: OracleSession = {
      get callTimeout() {
        return conn.callTimeout;
      },
      set callTimeout(ms: number) {
        conn.callTimeout = ms;
      },
      execute: async (sql) => conn.execute(sql, [], { outFormat: oracledb.OUT_FORMAT_ARRAY, maxRows: 10_000 }),
      close: () => conn.close(),
    };
    return session;
  };
}

export class OracleProbe implements Probe {
  private readonly runner: ThinRunner;

  constructor(
    private readonly device: string,
    private readonly target: CompiledOracleTarget,
    private readonly env: ProbeEnv,
    private readonly connect: OracleConnect = thinConnect(target),
  ) {
    this.runner = new ThinRunner({ rac: target.rac, asm: target.asm, dataguard: target.dataguard, timeouts: target.timeouts });
  }

  devices(): DeviceMeta[] {
    return [
      {
        name: this.device,
        class: 'database',
        ...(this.env.site ? { site: this.env.site } : {}),
        ...(this.env.room ? { room: this.env.room } : {}),
        ...(this.target.parent ? { parent: this.target.parent } : {}),
      },
    ];
  }

  async gather(ctx: ProbeContext): Promise<Sample[]> {
    const answer = await this.runner.run(this.connect);
    const parsed = oracleMetrics(answer, ctx.now(), { backupsOnStandby: this.target.backupsOnStandby });
    for (const e of parsed.errors) ctx.error?.(`${this.device}: ${e}`);
    const ts = ctx.now();
    // As on the ssh probe, every metric names its instance (the one that answered).
    const instance = answer.rows.get('instance')?.[0]?.[0];
    return parsed.metrics.map((m) => ({ measurement: m.measurement, tags: { ...(instance ? { instance } : {}), ...(m.tags ?? {}), device: this.device }, fields: m.fields, ts }));
  }

  async close(): Promise<void> {
    await this.runner.close();
  }
}

export const oracleProbe: ProbeKind<OracleOptions> = {
  kind: 'oracle',
  options: OracleOptionsSchema,
  init(target: TargetSpec<OracleOptions>, env: ProbeEnv): Probe {
    const compiled = compileOracleOptions(target.options);
    return new OracleProbe(target.device ?? compiled.connectString, compiled, env);
  },
};
