/**
 * LDAP sign-in against a real OpenLDAP slapd: search-then-bind with a service
 * account, groups (groupOfNames) mapped to roles and teams, a user in no
 * mapped group refused, a group change taking effect at the next sign-in,
 * and a directory that does not answer reported as such.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import type { LdapSettings } from '../../collector/auth/config.js';
import { escapeFilterValue } from '../../collector/auth/ldap.js';
import { peerAvailable } from '../peers.js';
import { freePort, tempDir, testCollectorConfig } from '../helpers.js';
import { ROOT_DN, ROOT_PW, startSlapd, SUFFIX, type Slapd } from './slapd.js';

const person = (uid: string, cn: string, password: string) => `dn: uid=${uid},ou=people,${SUFFIX}
objectClass: inetOrgPerson
uid: ${uid}
cn: ${cn}
sn: ${cn.split(' ')[0]}
userPassword: ${password}
`;
const group = (cn: string, members: string[]) => `dn: cn=${cn},ou=groups,${SUFFIX}
objectClass: groupOfNames
cn: ${cn}
${members.map((m) => `member: uid=${m},ou=people,${SUFFIX}`).join('\n')}
`;

const SEED = [
  `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n`,
  `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people\n`,
  `dn: ou=groups,${SUFFIX}\nobjectClass: organizationalUnit\nou: groups\n`,
  person('zhang.san', 'Zhang San', 'zhang-ldap-password'),
  person('wang.wu', 'Wang Wu', 'wang-ldap-password'),
  person('li.si', 'Li Si', 'li-ldap-password'),
  person('zhao.liu', 'Zhao Liu', 'zhao-ldap-password'),
  group('noc', ['zhang.san', 'zhao.liu']),
  group('rw-admins', ['wang.wu']),
  group('netops', ['zhang.san']),
  group('staff', ['wang.wu']),
].join('\n');

const settings = (url: string): LdapSettings => ({
  url,
  startTls: false,
  bindDn: ROOT_DN,
  bindPassword: ROOT_PW,
  userBase: `ou=people,${SUFFIX}`,
  userFilter: '(uid={username})',
  displayAttribute: 'cn',
  groupBase: `ou=groups,${SUFFIX}`,
  groupFilter: '(member={dn})',
  roles: { admin: ['rw-admins'], operator: ['noc'], viewer: [`cn=viewers,ou=groups,${SUFFIX}`] },
  teams: { network: ['netops'] },
  timeoutMs: 3_000,
});

describe.skipIf(!peerAvailable('slapd', 'slapd') || !peerAvailable('ldapmodify', 'ldap-utils'))('LDAP sign-in (slapd)', () => {
  let slapd: Slapd;
  let tmp: ReturnType<typeof tempDir>;
  let c: Collector;
  beforeAll(async () => {
    slapd = await startSlapd(SEED);
    tmp = tempDir();
    const config = testCollectorConfig(tmp.dir);
    config.auth = { ...config.auth, ldap: settings(slapd.url) };
    c = await buildApp({ config, logger: false, autoTick: false, background: false });
  }, 30_000);
  afterAll(async () => {
    await c?.app.close();
    tmp?.cleanup();
    await slapd?.stop();
  });

  const login = (username: string, password: string) => c.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });

  it('signs a directory user in with the role and teams of their groups', async () => {
    const res = await login('zhang.san', 'zhang-ldap-password');
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ username: 'zhang.san', display: 'Zhang San', role: 'operator', teams: ['network'], source: 'ldap', must_change_password: false });
    const cookie = String(res.headers['set-cookie']).split(';')[0] as string;
    expect((await c.app.inject({ url: '/api/v1/auth/me', headers: { cookie } })).json().user.role).toBe('operator');
    expect((await login('wang.wu', 'wang-ldap-password')).json().user).toMatchObject({ role: 'admin', teams: [] });
    expect(c.operators.audit.query({ action: 'auth.login', actor: 'zhang.san' })[0]?.detail).toEqual({ source: 'ldap' });
  });

  it('refuses a wrong password, an unknown user and an empty password alike', async () => {
    const answers = await Promise.all([login('zhang.san', 'wrong'), login('nobody', 'wrong'), login('zhang.san', '')]);
    expect(answers.map((a) => a.statusCode)).toEqual([401, 401, 401]);
    expect(new Set(answers.map((a) => a.json().message))).toEqual(new Set(['wrong user name or password']));
  });

  it('refuses a user in no mapped group with a message that says so', async () => {
    const res = await login('li.si', 'li-ldap-password');
    expect(res.statusCode).toBe(403);
    expect(res.json().message).toMatch(/li\.si is in no directory group that roomwatch maps to a role \(auth\.ldap\.roles\)/);
  });

  it('applies a group change at the next sign-in', async () => {
    expect((await login('zhao.liu', 'zhao-ldap-password')).json().user.role).toBe('operator');
    slapd.modify(`dn: cn=noc,ou=groups,${SUFFIX}\nchangetype: modify\ndelete: member\nmember: uid=zhao.liu,ou=people,${SUFFIX}\n`);
    slapd.modify(`dn: cn=viewers,ou=groups,${SUFFIX}\nchangetype: add\nobjectClass: groupOfNames\ncn: viewers\nmember: uid=zhao.liu,ou=people,${SUFFIX}\n`);
    const res = await login('zhao.liu', 'zhao-ldap-password');
    expect(res.json().user).toMatchObject({ role: 'viewer', teams: [] });
    const cookie = String(res.headers['set-cookie']).split(';')[0] as string;
    const ack = await c.app.inject({ method: 'POST', url: '/api/v1/incidents/1/ack', headers: { cookie, 'x-csrf-token': res.json().csrf as string }, payload: {} });
    expect(ack.statusCode).toBe(403);
  });

  it('says the directory did not answer when it is down, without counting a failure', async () => {
    const other = tempDir();
    const config = testCollectorConfig(other.dir);
    config.auth = { ...config.auth, ldap: { ...settings(`ldap://127.0.0.1:${await freePort()}`), timeoutMs: 1_000 } };
    const down = await buildApp({ config, logger: false, autoTick: false, background: false });
    try {
      for (let i = 0; i < 6; i++) {
        const res = await down.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'zhang.san', password: 'zhang-ldap-password' } });
        expect(res.statusCode).toBe(503);
        expect(res.json().message).toMatch(/the directory \(auth\.ldap\) did not answer/);
      }
    } finally {
      await down.app.close();
      other.cleanup();
    }
  });

  it('escapes filter values', () => {
    expect(escapeFilterValue('a*)(uid=*')).toBe('a\\2a\\29\\28uid=\\2a');
  });
});
