/**
 * LDAP / Active Directory sign-in (ldapts): bind as the service account (or
 * anonymously), find the user's entry, bind as the user with the password,
 * then read the groups and map them to a role and teams. The directory is
 * asked at every sign-in, so a group change takes effect at the next one.
 */
import { Client, InvalidCredentialsError } from 'ldapts';
import type { LdapSettings } from './config.js';
import { ROLES, type Role } from './types.js';

export type DirectoryResult = { ok: true; dn: string; display: string; role: Role; teams: string[]; groups: string[] } | { ok: false; status: 401 | 403; message: string };

export interface DirectoryLogin {
  signIn(username: string, password: string): Promise<DirectoryResult>;
}

/** RFC 4515: a value inside a search filter. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\*()\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const fill = (template: string, values: Record<string, string>) => template.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? escapeFilterValue(values[k] as string) : m));

const first = (v: unknown): string | undefined => (Array.isArray(v) ? (v[0] === undefined ? undefined : String(v[0])) : v === undefined ? undefined : String(v));
const all = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

/** The cn of a DN (`cn=noc,ou=groups,…` → `noc`), lower-cased with the DN for matching. */
function groupKeys(dnOrName: string): string[] {
  const cn = /^cn=([^,]+)/i.exec(dnOrName)?.[1];
  return [dnOrName.toLowerCase(), ...(cn ? [cn.toLowerCase()] : [])];
}

export function roleAndTeams(groups: string[], settings: Pick<LdapSettings, 'roles' | 'teams'>): { role?: Role; teams: string[] } {
  const have = new Set(groups.flatMap(groupKeys));
  const member = (names: string[] | undefined) => (names ?? []).some((n) => have.has(n.toLowerCase()));
  let role: Role | undefined;
  for (const r of ROLES) if (member(settings.roles[r])) role = r;
  const teams = Object.entries(settings.teams)
    .filter(([, names]) => member(names))
    .map(([team]) => team);
  return { role, teams };
}

export class LdapDirectory implements DirectoryLogin {
  constructor(private readonly s: LdapSettings) {}

  private client(): Client {
    return new Client({
      url: this.s.url,
      timeout: this.s.timeoutMs,
      connectTimeout: this.s.timeoutMs,
      ...(this.s.ca ? { tlsOptions: { ca: this.s.ca } } : {}),
    });
  }

  async signIn(username: string, password: string): Promise<DirectoryResult> {
    // An empty password is an anonymous bind, which most servers accept: never a sign-in.
    if (password === '') return { ok: false, status: 401, message: 'wrong user name or password' };
    const service = this.client();
    try {
      if (this.s.startTls) await service.startTLS(this.s.ca ? { ca: this.s.ca } : {});
      if (this.s.bindDn) await service.bind(this.s.bindDn, this.s.bindPassword ?? '');
      const attributes = ['dn', this.s.displayAttribute, ...(this.s.memberOfAttribute ? [this.s.memberOfAttribute] : [])];
      const found = await service.search(this.s.userBase, { scope: 'sub', filter: fill(this.s.userFilter, { username }), attributes, sizeLimit: 2 });
      if (found.searchEntries.length !== 1) return { ok: false, status: 401, message: 'wrong user name or password' };
      const entry = found.searchEntries[0] as (typeof found.searchEntries)[number];
      const user = this.client();
      try {
        if (this.s.startTls) await user.startTLS(this.s.ca ? { ca: this.s.ca } : {});
        await user.bind(entry.dn, password);
      } catch (err) {
        if (err instanceof InvalidCredentialsError) return { ok: false, status: 401, message: 'wrong user name or password' };
        throw err;
      } finally {
        await user.unbind().catch(() => undefined);
      }
      const groups = this.s.memberOfAttribute ? all(entry[this.s.memberOfAttribute]) : [];
      if (this.s.groupBase) {
        const g = await service.search(this.s.groupBase, { scope: 'sub', filter: fill(this.s.groupFilter, { dn: entry.dn, username }), attributes: ['dn', 'cn'] });
        for (const e of g.searchEntries) groups.push(e.dn);
      }
      const { role, teams } = roleAndTeams(groups, this.s);
      if (!role) return { ok: false, status: 403, message: `${username} is in no directory group that roomwatch maps to a role (auth.ldap.roles); ask an admin` };
      return { ok: true, dn: entry.dn, display: first(entry[this.s.displayAttribute]) ?? username, role, teams, groups };
    } finally {
      await service.unbind().catch(() => undefined);
    }
  }
}
