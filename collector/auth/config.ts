/**
 * The `auth:` section of collector.yaml: sessions, sign-in lockout, static
 * tokens (for Grafana, Prometheus and tests), LDAP, and whether /metrics is
 * open. Checked with the rest of the file; problems name file:line:col.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Type, { type Static } from 'typebox';
import { sha256Hex } from '../ingest/auth.js';
import { ROLES, type Role } from './types.js';

const Duration = Type.Union([Type.String(), Type.Number()]);
const EnvName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' });
const Names = Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 1000 });
const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));

export const AuthFileSchema = Type.Object(
  {
    /** true: Prometheus scrapes /metrics without a token. Default false: /metrics needs viewer. */
    metrics_public: Type.Optional(Type.Boolean()),
    session: Type.Optional(
      Type.Object(
        { idle_minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_080 })), absolute_hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 8_760 })) },
        { additionalProperties: false },
      ),
    ),
    lockout: Type.Optional(
      Type.Object({ max_failures: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), window: Type.Optional(Duration), lock: Type.Optional(Duration) }, { additionalProperties: false }),
    ),
    /** Tokens named here act as `name` with `role`: for Grafana, Prometheus and scripts without a user. */
    tokens: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ pattern: '^[a-z0-9][a-z0-9._@-]{0,63}$' }),
            role: RoleSchema,
            token_sha256: Type.Optional(Type.String({ pattern: '^[0-9a-fA-F]{64}$' })),
            token_env: Type.Optional(EnvName),
            teams: Type.Optional(Names),
            sites: Type.Optional(Names),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    ldap: Type.Optional(
      Type.Object(
        {
          url: Type.String({ pattern: '^ldaps?://' }),
          start_tls: Type.Optional(Type.Boolean()),
          ca_file: Type.Optional(Type.String({ minLength: 1 })),
          bind_dn: Type.Optional(Type.String({ minLength: 1 })),
          bind_password_env: Type.Optional(EnvName),
          bind_password_file: Type.Optional(Type.String({ minLength: 1 })),
          user_base: Type.String({ minLength: 1 }),
          /** `{username}` is replaced, escaped. AD: (sAMAccountName={username}). */
          user_filter: Type.Optional(Type.String({ minLength: 1 })),
          display_attribute: Type.Optional(Type.String({ minLength: 1 })),
          /** Groups as a search (group_base + group_filter with {dn}/{username}) … */
          group_base: Type.Optional(Type.String({ minLength: 1 })),
          group_filter: Type.Optional(Type.String({ minLength: 1 })),
          /** … or as an attribute of the user entry holding group DNs (AD: memberOf). */
          member_of_attribute: Type.Optional(Type.String({ minLength: 1 })),
          /** Groups (cn or full DN) per role; the highest role a user's groups give wins. */
          roles: Type.Object({ admin: Type.Optional(Names), operator: Type.Optional(Names), viewer: Type.Optional(Names) }, { additionalProperties: false }),
          /** Team name → groups (cn or DN) whose members belong to it. */
          teams: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Names)),
          timeout: Type.Optional(Duration),
        },
        { additionalProperties: false },
      ),
    ),
    /** The key signing acknowledge links (collector/links); default: generated into the data directory. */
    link_key_file: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type AuthFile = Static<typeof AuthFileSchema>;

export interface StaticToken {
  name: string;
  role: Role;
  tokenSha256: string;
  teams: string[];
  sites: string[];
}

export interface LdapSettings {
  url: string;
  startTls: boolean;
  ca?: string;
  bindDn?: string;
  bindPassword?: string;
  userBase: string;
  userFilter: string;
  displayAttribute: string;
  groupBase?: string;
  groupFilter: string;
  memberOfAttribute?: string;
  roles: Partial<Record<Role, string[]>>;
  teams: Record<string, string[]>;
  timeoutMs: number;
}

export interface AuthConfig {
  metricsPublic: boolean;
  session: { idleMs: number; absoluteMs: number };
  lockout: { maxFailures: number; windowMs: number; lockMs: number };
  tokens: StaticToken[];
  ldap?: LdapSettings;
  linkKeyFile?: string;
}

export const AUTH_DEFAULTS: AuthConfig = {
  metricsPublic: false,
  session: { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 },
  lockout: { maxFailures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 },
  tokens: [],
};

type Problem = (path: (string | number)[], message: string) => void;
type Dur = (path: (string | number)[], v: string | number | undefined, fb: number) => number;

export function resolveAuthConfig(file: AuthFile | undefined, baseDir: string, problem: Problem, dur: Dur): AuthConfig {
  const d = AUTH_DEFAULTS;
  const a = file ?? {};
  const names = new Set<string>();
  const tokens = (a.tokens ?? []).flatMap((t, i): StaticToken[] => {
    if (names.has(t.name)) problem(['auth', 'tokens', i, 'name'], `token '${t.name}' is listed twice`);
    names.add(t.name);
    if ((t.token_sha256 === undefined) === (t.token_env === undefined)) {
      problem(['auth', 'tokens', i, 'token_sha256'], 'give token_sha256 (sha256 of the token, e.g. printf %s "$TOKEN" | sha256sum) or token_env, not both and not neither');
      return [];
    }
    let hash = t.token_sha256?.toLowerCase();
    if (t.token_env !== undefined) {
      const v = process.env[t.token_env]?.trim();
      if (!v) {
        problem(['auth', 'tokens', i, 'token_env'], `environment variable ${t.token_env} is not set`);
        return [];
      }
      hash = sha256Hex(v);
    }
    return [{ name: t.name, role: t.role as Role, tokenSha256: hash as string, teams: t.teams ?? [], sites: t.sites ?? [] }];
  });
  return {
    metricsPublic: a.metrics_public ?? d.metricsPublic,
    session: {
      idleMs: a.session?.idle_minutes !== undefined ? a.session.idle_minutes * 60_000 : d.session.idleMs,
      absoluteMs: a.session?.absolute_hours !== undefined ? a.session.absolute_hours * 3_600_000 : d.session.absoluteMs,
    },
    lockout: {
      maxFailures: a.lockout?.max_failures ?? d.lockout.maxFailures,
      windowMs: dur(['auth', 'lockout', 'window'], a.lockout?.window, d.lockout.windowMs),
      lockMs: dur(['auth', 'lockout', 'lock'], a.lockout?.lock, d.lockout.lockMs),
    },
    tokens,
    ldap: a.ldap ? resolveLdap(a.ldap, baseDir, problem, dur) : undefined,
    linkKeyFile: a.link_key_file ? resolve(baseDir, a.link_key_file) : undefined,
  };
}

function resolveLdap(l: NonNullable<AuthFile['ldap']>, baseDir: string, problem: Problem, dur: Dur): LdapSettings {
  const at = (key: string) => ['auth', 'ldap', key];
  let bindPassword: string | undefined;
  if (l.bind_password_env !== undefined && l.bind_password_file !== undefined) problem(at('bind_password_file'), 'give bind_password_env or bind_password_file, not both');
  if (l.bind_password_env !== undefined) {
    bindPassword = process.env[l.bind_password_env];
    if (!bindPassword) problem(at('bind_password_env'), `environment variable ${l.bind_password_env} is not set`);
  } else if (l.bind_password_file !== undefined) {
    try {
      bindPassword = readFileSync(resolve(baseDir, l.bind_password_file), 'utf8').trim();
    } catch (err) {
      problem(at('bind_password_file'), `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  if (l.bind_dn !== undefined && bindPassword === undefined && l.bind_password_env === undefined && l.bind_password_file === undefined) {
    problem(at('bind_dn'), 'a bind_dn needs bind_password_env or bind_password_file');
  }
  if (l.group_base === undefined && l.member_of_attribute === undefined) problem(at('roles'), 'say where groups come from: group_base (+ group_filter) or member_of_attribute (AD: memberOf)');
  if (!ROLES.some((r) => (l.roles[r] ?? []).length > 0)) problem(at('roles'), 'map at least one group to a role, e.g. roles: { operator: [noc] }');
  const userFilter = l.user_filter ?? '(uid={username})';
  if (!userFilter.includes('{username}')) problem(at('user_filter'), 'the filter must contain {username}, e.g. (uid={username}) or (sAMAccountName={username})');
  let ca: string | undefined;
  if (l.ca_file !== undefined) {
    try {
      ca = readFileSync(resolve(baseDir, l.ca_file), 'utf8');
    } catch (err) {
      problem(at('ca_file'), `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return {
    url: l.url,
    startTls: l.start_tls ?? false,
    ca,
    bindDn: l.bind_dn,
    bindPassword,
    userBase: l.user_base,
    userFilter,
    displayAttribute: l.display_attribute ?? 'cn',
    groupBase: l.group_base,
    groupFilter: l.group_filter ?? '(|(member={dn})(uniqueMember={dn})(memberUid={username}))',
    memberOfAttribute: l.member_of_attribute,
    roles: l.roles as Partial<Record<Role, string[]>>,
    teams: l.teams ?? {},
    timeoutMs: dur(['auth', 'ldap', 'timeout'], l.timeout, 5_000),
  };
}
