/**
 * snmp target options and the agent's snmp section: the sample file is valid,
 * and mistakes are refused with file:line:col naming the option.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../../agent/config.js';
import { compileSnmpOptions } from '../../agent/probes/snmp.js';
import { ConfigError } from '../../lib/config.js';
import { tempDir } from '../helpers.js';
import { shippedProfiles } from './snmpsim.js';

describe('snmp probe options', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir('rw-snmpopt-');
  });
  afterEach(() => tmp.cleanup());

  it('accepts every target of snmp.sample.yaml, reading secrets from the environment', () => {
    const targets = parse(readFileSync('agent/probes/snmp.sample.yaml', 'utf8')) as Array<{ options: unknown }>;
    const env = { SNMP_COMMUNITY: 'c0mmunity', UPS_AUTH_KEY: 'authkey-123', UPS_PRIV_KEY: 'privkey-456' };
    const [sw, ups] = targets.map((t) => compileSnmpOptions(t.options, shippedProfiles(), env));
    expect(sw?.session).toMatchObject({ host: '10.1.1.1', port: 161, version: 'v2c', community: 'c0mmunity', timeoutMs: 2000, retries: 1, maxRepetitions: 25 });
    expect(sw?.parent).toBe('dist-sw1');
    expect(ups?.session.v3).toMatchObject({ user: 'roomwatch', level: 'authPriv', authProtocol: 'sha256', authKey: 'authkey-123', privProtocol: 'aes', privKey: 'privkey-456' });
  });

  it('refuses bad targets and trap settings with positions, all at once', () => {
    const file = join(tmp.dir, 'agent.yaml');
    writeFileSync(
      file,
      [
        'collector: { url: "http://127.0.0.1:8080", token: x }',
        'snmp:',
        '  traps: { listen: "127.0.0.1:99999", hold: soon }',
        'targets:',
        '  - probe: snmp',
        '    options: { host: 10.0.0.1, profile: nosuch }',
        '  - probe: snmp',
        '    options: { host: 10.0.0.2, version: v3, community: x }',
        '  - probe: snmp',
        '    options: { host: 10.0.0.3, version: v3, v3: { user: u, auth_key: short } }',
        '  - probe: snmp',
        '    options: { host: 10.0.0.4, community_env: NOT_SET_ANYWHERE, request_timeout: 1ms }',
        '',
      ].join('\n'),
    );
    let message = '';
    try {
      loadAgentConfig(file, {});
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/agent\.yaml:3:\d+: snmp\.traps\.listen: port 99999 is not between 1 and 65535/);
    expect(message).toMatch(/agent\.yaml:3:\d+: snmp\.traps\.hold: /);
    expect(message).toMatch(/agent\.yaml:6:\d+: targets\.0\.options\.profile: no profile is named 'nosuch' \(known: .*generic/);
    expect(message).toMatch(/agent\.yaml:8:\d+: targets\.1\.options\.v3: version v3 needs a v3 section/);
    expect(message).toMatch(/agent\.yaml:8:\d+: targets\.1\.options\.community: v3 uses a user/);
    expect(message).toMatch(/agent\.yaml:10:\d+: targets\.2\.options\.v3\.auth_key: authPriv needs an auth_key of at least 8 characters/);
    expect(message).toMatch(/agent\.yaml:10:\d+: targets\.2\.options\.v3\.priv_key: authPriv needs a priv_key/);
    expect(message).toMatch(/agent\.yaml:12:\d+: targets\.3\.options\.community_env: environment variable NOT_SET_ANYWHERE is not set/);
    expect(message).toMatch(/agent\.yaml:12:\d+: targets\.3\.options\.request_timeout: '1ms' is not a duration of at least 50ms/);
  });

  it('fills trap defaults: port 162, 60 s dedup, 5 m hold, 50/s per source', () => {
    const file = join(tmp.dir, 'agent.yaml');
    writeFileSync(file, 'collector: { url: "http://127.0.0.1:8080", token: x }\nsnmp: { traps: {} }\ntargets: []\n');
    const config = loadAgentConfig(file, {});
    expect(config.snmp?.traps).toEqual({ host: '0.0.0.0', port: 162, communities: [], dedupWindowMs: 60_000, holdMs: 300_000, perSourcePerSec: 50, totalPerSec: 500 });
    expect(config.snmp?.concurrency).toBe(64);
  });
});
