/**
 * `roomwatch user add|passwd|disable|enable|token|list`: operator accounts,
 * worked on the collector's data directory directly (a running collector
 * sees the change at once: it is the same SQLite file). For the first admin
 * on a headless box, a lost admin password, or scripting user creation.
 * Every change is in the audit log as `cli:<unix user>`.
 */
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { AuditLog } from '../collector/auth/audit.js';
import { hashPassword, oneTimePassword, passwordProblem } from '../collector/auth/password.js';
import { SessionStore } from '../collector/auth/sessions.js';
import { ApiTokenStore } from '../collector/auth/tokens.js';
import { isRole, roleAtLeast, ROLES, type Role } from '../collector/auth/types.js';
import { UserStore, usernameProblem } from '../collector/auth/users.js';
import { COLLECTOR_DEFAULTS, loadCollectorConfig, type CollectorConfig } from '../collector/config.js';
import { openDb, type Db } from '../collector/db.js';
import { parseDuration } from '../lib/units.js';
import { UsageError } from './cli-support.js';

export interface WhereOptions {
  config?: string;
  data?: string;
}

interface Stores {
  db: Db;
  users: UserStore;
  tokens: ApiTokenStore;
  sessions: SessionStore;
  audit: AuditLog;
  record(action: string, target: string, detail?: object): void;
}

function open(o: WhereOptions): Stores {
  const config: CollectorConfig = o.config ? loadCollectorConfig(o.config) : { ...structuredClone(COLLECTOR_DEFAULTS), dataDir: resolve(o.data ?? COLLECTOR_DEFAULTS.dataDir) };
  const db = openDb(join(config.dataDir, 'roomwatch.db'), { synchronous: config.store.synchronous });
  const audit = new AuditLog(db, Date.now);
  let actor = 'cli';
  try {
    actor = `cli:${userInfo().username}`;
  } catch {
    // No passwd entry (a container with an arbitrary uid): plain `cli`.
  }
  return {
    db,
    users: new UserStore(db),
    tokens: new ApiTokenStore(db),
    sessions: new SessionStore(db, config.auth.session),
    audit,
    record: (action, target, detail) => audit.record({ actor, via: 'cli', action, target, detail }),
  };
}

async function withStores(o: WhereOptions, work: (s: Stores) => Promise<number> | number): Promise<number> {
  const s = open(o);
  try {
    return await work(s);
  } finally {
    s.db.close();
  }
}

/** The password from stdin (--password-stdin), first line, or undefined. */
async function stdinPassword(use: boolean | undefined): Promise<string | undefined> {
  if (!use) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

function roleOf(v: string | undefined, fallback: Role): Role {
  if (v === undefined) return fallback;
  if (!isRole(v)) throw new UsageError(`--role ${v}: use ${ROLES.join(', ')}`);
  return v;
}

export async function runUserAdd(username: string, o: WhereOptions & { role?: string; display?: string; team?: string[]; site?: string[]; passwordStdin?: boolean; json?: boolean }): Promise<number> {
  const bad = usernameProblem(username);
  if (bad) throw new UsageError(bad);
  const role = roleOf(o.role, 'viewer');
  const given = await stdinPassword(o.passwordStdin);
  const problem = given !== undefined ? passwordProblem(given, username) : undefined;
  if (problem) throw new UsageError(`password: ${problem}`);
  const password = given ?? oneTimePassword();
  return withStores(o, async (s) => {
    if (!s.users.add({ username, role, display: o.display, teams: o.team, sites: o.site, passwordHash: await hashPassword(password), mustChangePassword: true }, Date.now())) {
      process.stderr.write(`user ${username} exists; use roomwatch user passwd ${username} to reset the password\n`);
      return 1;
    }
    s.record('user.create', `user:${username}`, { role, teams: o.team ?? [], sites: o.site ?? [] });
    if (o.json) process.stdout.write(`${JSON.stringify({ username, role, ...(given === undefined ? { one_time_password: password } : {}) })}\n`);
    else
      process.stdout.write(
        given === undefined
          ? `user ${username} (${role}) created; one-time password (change it at the first sign-in):\n${password}\n`
          : `user ${username} (${role}) created; the password must be changed at the first sign-in\n`,
      );
    return 0;
  });
}

export async function runUserPasswd(username: string, o: WhereOptions & { passwordStdin?: boolean; json?: boolean }): Promise<number> {
  const given = await stdinPassword(o.passwordStdin);
  const problem = given !== undefined ? passwordProblem(given, username) : undefined;
  if (problem) throw new UsageError(`password: ${problem}`);
  return withStores(o, async (s) => {
    const user = s.users.get(username);
    if (!user) return (process.stderr.write(`no user ${username}\n`), 1);
    if (user.source !== 'local') return (process.stderr.write(`${username} signs in through the directory (LDAP); change the password there\n`), 1);
    const password = given ?? oneTimePassword();
    s.users.setPassword(username, await hashPassword(password), true, Date.now());
    const ended = s.sessions.endAllFor(username);
    s.record('user.password_reset', `user:${username}`, { sessions_ended: ended });
    if (o.json) process.stdout.write(`${JSON.stringify({ username, sessions_ended: ended, ...(given === undefined ? { one_time_password: password } : {}) })}\n`);
    else
      process.stdout.write(
        `${given === undefined ? `one-time password for ${username}:\n${password}\n` : `password of ${username} set\n`}(${ended} session(s) ended; it must be changed at the next sign-in)\n`,
      );
    return 0;
  });
}

export async function runUserDisable(username: string, o: WhereOptions & { enable?: boolean }): Promise<number> {
  return withStores(o, (s) => {
    const user = s.users.get(username);
    if (!user) return (process.stderr.write(`no user ${username}\n`), 1);
    s.users.update(username, { disabled: !o.enable }, Date.now());
    const ended = o.enable ? 0 : s.sessions.endAllFor(username);
    s.record(o.enable ? 'user.enable' : 'user.disable', `user:${username}`, { sessions_ended: ended });
    process.stdout.write(o.enable ? `user ${username} enabled\n` : `user ${username} disabled; ${ended} session(s) ended, its API tokens stop working\n`);
    return 0;
  });
}

export async function runUserToken(username: string, o: WhereOptions & { name: string; role?: string; expires?: string; json?: boolean }): Promise<number> {
  let expiresInMs: number | undefined;
  if (o.expires !== undefined) {
    expiresInMs = parseDuration(o.expires);
    if (expiresInMs === undefined || expiresInMs <= 0) throw new UsageError(`--expires ${o.expires}: not a duration (write 90d, 12h)`);
  }
  return withStores(o, (s) => {
    const user = s.users.get(username);
    if (!user) return (process.stderr.write(`no user ${username}\n`), 1);
    const role = roleOf(o.role, user.role);
    if (!roleAtLeast(user.role, role)) throw new UsageError(`--role ${role}: a token's role is at most its owner's (${username} is ${user.role})`);
    const now = Date.now();
    const { token, info } = s.tokens.create({ owner: username, name: o.name, role, expiresAt: expiresInMs === undefined ? undefined : now + expiresInMs }, now);
    s.record('token.create', `token:${info.id}`, { name: info.name, role, owner: username, expires_at: info.expiresAt });
    if (o.json) process.stdout.write(`${JSON.stringify({ token, id: info.id, owner: username, name: info.name, role, expires_at: info.expiresAt })}\n`);
    else
      process.stdout.write(
        `# API token '${info.name}' of ${username} (${role}${info.expiresAt ? `, until ${new Date(info.expiresAt).toISOString()}` : ''}); shown only now:\n${token}\n# use: curl -H "Authorization: Bearer $TOKEN" …   (Grafana InfluxDB datasource: any user, this as password)\n`,
      );
    return 0;
  });
}

export async function runUserList(o: WhereOptions & { json?: boolean }): Promise<number> {
  return withStores(o, (s) => {
    const users = s.users.list();
    if (o.json) process.stdout.write(`${JSON.stringify({ users })}\n`);
    else
      for (const u of users)
        process.stdout.write(
          `${u.username}\t${u.role}\t${u.source}${u.disabled ? '\tdisabled' : ''}${u.mustChangePassword ? '\tmust change password' : ''}${u.teams.length ? `\tteams: ${u.teams.join(',')}` : ''}\n`,
        );
    return 0;
  });
}
