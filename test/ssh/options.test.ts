/**
 * ssh target options: the sample file is valid, and mistakes are refused with
 * file:line:col naming the option.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../../agent/config.js';
import { compileSshOptions } from '../../agent/probes/ssh.js';
import { platforms } from '../../agent/ssh/platforms.js';
import { parserNames } from '../../agent/ssh/parsers/index.js';
import { ProbeOptionsError } from '../../agent/probes/types.js';
import { tempDir } from '../helpers.js';

describe('ssh probe options', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir('rw-sshopt-');
  });
  afterEach(() => tmp.cleanup());

  it('accepts the targets of ssh.sample.yaml (given their key files)', () => {
    const key = join(tmp.dir, 'id');
    writeFileSync(key, 'not read at load');
    const targets = parse(readFileSync('agent/probes/ssh.sample.yaml', 'utf8').replaceAll('/etc/roomwatch/ssh/id_ed25519', key)) as Array<{ options: unknown }>;
    const [aix, array] = targets.map((t) => compileSshOptions(t.options));
    expect(aix).toMatchObject({
      platform: 'aix',
      deviceClass: 'minicomputer',
      commandTimeoutMs: 30_000,
      checks: ['cpu', 'load', 'memory', 'paging_space', 'lvm', 'filesystems', 'errlog', 'multipath'],
    });
    expect(aix?.connection.hostKey).toEqual({ kind: 'fingerprint', fingerprints: ['SHA256:Q7nfCqJmsRW3Jg3s9gqzK9zfQnqBJ1lM2mT0pR6Xy7s'] });
    expect(aix?.oracle[0]).toMatchObject({ sid: 'ORCL1', device: 'orcl-rac', rac: true, asm: true });
    expect(array).toMatchObject({ platform: '3par', deviceClass: 'storage', checks: ['system', 'disks', 'pools', 'controllers'] });
    expect(array?.connection.hostKey).toEqual({ kind: 'known_hosts', file: '/etc/roomwatch/ssh/known_hosts' });
  });

  it('every parser platforms.yaml names exists', () => {
    const names = new Set(parserNames());
    for (const checks of Object.values(platforms())) for (const c of Object.values(checks)) expect(names, c.parser).toContain(c.parser);
  });

  it('refuses a target without a host-key policy, with two, or with unknown checks', () => {
    const problems = (o: unknown) => {
      try {
        compileSshOptions(o, {});
      } catch (err) {
        if (err instanceof ProbeOptionsError) return err.problems.map((p) => `${p.path.join('.')}: ${p.message}`);
        throw err;
      }
      return [];
    };
    expect(problems({ host: 'h', user: 'u', password_env: 'P', host_key: {}, platform: 'linux' })).toEqual([
      'host_key: give exactly one of fingerprint (SHA256:…, from ssh-keygen -lf), known_hosts (a file), or trust_on_first_use: true',
      'password_env: environment variable P is not set',
    ]);
    expect(problems({ host: 'h', user: 'u', key_file: '/nonexistent/key', host_key: { known_hosts: '/k', trust_on_first_use: true }, platform: 'linux', checks: ['errlog'] })).toEqual([
      'key_file: /nonexistent/key does not exist',
      'host_key: give exactly one of fingerprint (SHA256:…, from ssh-keygen -lf), known_hosts (a file), or trust_on_first_use: true',
      "checks.0: 'errlog' is not a check on linux (there: cpu, load, memory, filesystems, inodes, multipath)",
    ]);
  });

  it('reports problems in agent.yaml with file:line:col', () => {
    const file = join(tmp.dir, 'agent.yaml');
    writeFileSync(
      file,
      [
        'collector: { url: "http://127.0.0.1:8080", token: x }',
        'targets:',
        '  - probe: ssh',
        '    options: { host: db1, user: u, key_file: /nope, host_key: { fingerprint: "SHA256:short" }, platform: linux }',
        '  - probe: ssh',
        '    options: { host: db2, user: u, key_file: /nope, host_key: { trust_on_first_use: true }, platform: vms }',
        '',
      ].join('\n'),
    );
    let message = '';
    try {
      loadAgentConfig(file, {});
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/agent\.yaml:4:\d+: targets\.0\.options\.host_key\.fingerprint: 'SHA256:short' is not an OpenSSH SHA256 fingerprint/);
    expect(message).toMatch(/agent\.yaml:4:\d+: targets\.0\.options\.key_file: \/nope does not exist/);
    expect(message).toMatch(/agent\.yaml:6:\d+: targets\.1\.options\.platform: must be one of "linux", "aix", "hpux", "solaris", "3par"$/m);
    expect(message).not.toMatch(/constant/);
  });
});
