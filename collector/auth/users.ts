/**
 * Operator accounts in the collector DB. Local users have a password hash;
 * directory (LDAP) users have none: their role and teams are refreshed from
 * their groups at every sign-in.
 */
import type { Db } from '../db.js';
import type { Role } from './types.js';

export interface User {
  username: string;
  display: string;
  role: Role;
  teams: string[];
  sites: string[];
  source: 'local' | 'ldap';
  disabled: boolean;
  mustChangePassword: boolean;
  createdAt: number;
  updatedAt: number;
  lastLoginAt: number | null;
}

interface Row {
  username: string;
  display: string;
  role: Role;
  teams: string;
  sites: string;
  source: 'local' | 'ldap';
  password_hash: string | null;
  disabled: number;
  must_change_password: number;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
}

/** Lower-case letters, digits and . _ - @, starting with a letter or digit: safe in a URL, a log line and an LDAP filter. */
export const USERNAME_PATTERN = '^[a-z0-9][a-z0-9._@-]{0,63}$';
const USERNAME = new RegExp(USERNAME_PATTERN);

export function usernameProblem(name: string): string | undefined {
  return USERNAME.test(name) ? undefined : `'${name.slice(0, 80)}' is not a user name: 1–64 lower-case letters, digits and . _ - @, starting with a letter or digit`;
}

function toUser(r: Row): User {
  return {
    username: r.username,
    display: r.display,
    role: r.role,
    teams: JSON.parse(r.teams) as string[],
    sites: JSON.parse(r.sites) as string[],
    source: r.source,
    disabled: r.disabled === 1,
    mustChangePassword: r.must_change_password === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    lastLoginAt: r.last_login_at,
  };
}

export interface NewUser {
  username: string;
  display?: string;
  role: Role;
  teams?: string[];
  sites?: string[];
  source?: 'local' | 'ldap';
  passwordHash: string | null;
  mustChangePassword?: boolean;
}

export class UserStore {
  constructor(private readonly db: Db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS users (
        username TEXT PRIMARY KEY, display TEXT NOT NULL, role TEXT NOT NULL,
        teams TEXT NOT NULL DEFAULT '[]', sites TEXT NOT NULL DEFAULT '[]',
        source TEXT NOT NULL DEFAULT 'local', password_hash TEXT,
        disabled INTEGER NOT NULL DEFAULT 0, must_change_password INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, last_login_at INTEGER
      )`);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
  }

  get(username: string): User | undefined {
    const r = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as Row | undefined;
    return r ? toUser(r) : undefined;
  }

  /** The stored hash, for sign-in only; never part of a User. */
  passwordHash(username: string): string | null | undefined {
    const r = this.db.prepare('SELECT password_hash FROM users WHERE username = ?').get(username) as { password_hash: string | null } | undefined;
    return r ? r.password_hash : undefined;
  }

  list(): User[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY username').all() as Row[]).map(toUser);
  }

  /** false when the name is taken. */
  add(u: NewUser, now: number): boolean {
    const res = this.db
      .prepare(
        `INSERT INTO users (username, display, role, teams, sites, source, password_hash, must_change_password, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(username) DO NOTHING`,
      )
      .run(u.username, u.display ?? u.username, u.role, JSON.stringify(u.teams ?? []), JSON.stringify(u.sites ?? []), u.source ?? 'local', u.passwordHash, u.mustChangePassword ? 1 : 0, now, now);
    return res.changes === 1;
  }

  update(username: string, patch: { role?: Role; disabled?: boolean; teams?: string[]; sites?: string[]; display?: string }, now: number): User | undefined {
    const current = this.get(username);
    if (!current) return undefined;
    this.db
      .prepare('UPDATE users SET role = ?, disabled = ?, teams = ?, sites = ?, display = ?, updated_at = ? WHERE username = ?')
      .run(
        patch.role ?? current.role,
        (patch.disabled ?? current.disabled) ? 1 : 0,
        JSON.stringify(patch.teams ?? current.teams),
        JSON.stringify(patch.sites ?? current.sites),
        patch.display ?? current.display,
        now,
        username,
      );
    return this.get(username);
  }

  setPassword(username: string, passwordHash: string, mustChange: boolean, now: number): boolean {
    return this.db.prepare('UPDATE users SET password_hash = ?, must_change_password = ?, updated_at = ? WHERE username = ?').run(passwordHash, mustChange ? 1 : 0, now, username).changes === 1;
  }

  /** A directory user as the directory says now (created at first sign-in). */
  upsertDirectoryUser(u: { username: string; display: string; role: Role; teams: string[] }, now: number): User {
    this.db
      .prepare(
        `INSERT INTO users (username, display, role, teams, source, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, 'ldap', NULL, ?, ?)
         ON CONFLICT(username) DO UPDATE SET display = excluded.display, role = excluded.role, teams = excluded.teams, updated_at = excluded.updated_at`,
      )
      .run(u.username, u.display, u.role, JSON.stringify(u.teams), now, now);
    return this.get(u.username) as User;
  }

  touchLogin(username: string, now: number): void {
    this.db.prepare('UPDATE users SET last_login_at = ? WHERE username = ?').run(now, username);
  }
}
