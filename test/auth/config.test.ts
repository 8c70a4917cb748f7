/** The auth: section of collector.yaml: defaults, and problems named with file:line:col. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCollectorConfig } from '../../collector/config.js';
import { sha256Hex } from '../../collector/ingest/auth.js';
import { tempDir } from '../helpers.js';

function load(text: string) {
  const tmp = tempDir();
  try {
    const file = join(tmp.dir, 'collector.yaml');
    writeFileSync(file, text);
    return loadCollectorConfig(file);
  } finally {
    tmp.cleanup();
  }
}

describe('auth configuration', () => {
  it('reads sessions, lockout, tokens and LDAP', () => {
    process.env.RW_TEST_GRAFANA_TOKEN = 'grafana-secret-token';
    process.env.RW_TEST_LDAP_PW = 'bind-secret';
    const c = load(`auth:
  metrics_public: true
  session: { idle_minutes: 10, absolute_hours: 8 }
  lockout: { max_failures: 3, window: 5m, lock: 1h }
  tokens:
    - { name: grafana, role: viewer, token_env: RW_TEST_GRAFANA_TOKEN }
    - { name: prom, role: viewer, token_sha256: ${'A'.repeat(64)}, sites: [bj] }
  ldap:
    url: ldap://127.0.0.1:389
    bind_dn: cn=svc,dc=x
    bind_password_env: RW_TEST_LDAP_PW
    user_base: ou=people,dc=x
    group_base: ou=groups,dc=x
    roles: { operator: [noc] }
`);
    expect(c.auth).toMatchObject({ metricsPublic: true, session: { idleMs: 600_000, absoluteMs: 8 * 3_600_000 }, lockout: { maxFailures: 3, windowMs: 300_000, lockMs: 3_600_000 } });
    expect(c.auth.tokens).toEqual([
      { name: 'grafana', role: 'viewer', tokenSha256: sha256Hex('grafana-secret-token'), teams: [], sites: [] },
      { name: 'prom', role: 'viewer', tokenSha256: 'a'.repeat(64), teams: [], sites: ['bj'] },
    ]);
    expect(c.auth.ldap).toMatchObject({ bindPassword: 'bind-secret', userFilter: '(uid={username})', roles: { operator: ['noc'] } });
  });

  it('defaults to closed /metrics, 30 min idle, 12 h absolute, 5 failures', () => {
    expect(load('log_level: info\n').auth).toMatchObject({ metricsPublic: false, session: { idleMs: 1_800_000, absoluteMs: 43_200_000 }, lockout: { maxFailures: 5 }, tokens: [] });
  });

  it('names every problem with its place', () => {
    const text = `auth:
  tokens:
    - { name: grafana, role: superuser, token_sha256: ${'a'.repeat(64)} }
    - { name: both, role: viewer }
  ldap:
    url: ldap://x
    user_base: ou=p
    user_filter: (uid=*)
    roles: {}
`;
    expect(() => load(text)).toThrow(/collector\.yaml:3:\d+: auth\.tokens\.0\.role/);
    const fixed = text.replace('superuser', 'viewer');
    let message = '';
    try {
      load(fixed);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/collector\.yaml:4:\d+: auth\.tokens\.1.*give token_sha256/);
    expect(message).toMatch(/auth\.ldap\.roles: say where groups come from/);
    expect(message).toMatch(/auth\.ldap\.roles: map at least one group to a role/);
    expect(message).toMatch(/auth\.ldap\.user_filter: the filter must contain \{username\}/);
  });
});
