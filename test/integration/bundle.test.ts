/**
 * The bundled agent (dist/roomwatch-agent.mjs, what a monitored host runs)
 * loads every probe kind, its profiles and command sets: `--check` on a file
 * with host, snmp and ssh targets succeeds, and a broken one names the line.
 * Each test copies the bundle alone into an empty directory, as onto a host,
 * so nothing of the repository can be found beside it.
 * `npm test` builds the bundle before vitest runs.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../../lib/paths.js';
import { tempDir } from '../helpers.js';

const exec = promisify(execFile);
const built = join(packageRoot(), 'dist', 'roomwatch-agent.mjs');

/** The bundle copied alone into `dir`, run from there. */
function run(dir: string, args: string[]) {
  const bundle = join(dir, 'roomwatch-agent.mjs');
  copyFileSync(built, bundle);
  return exec(process.execPath, [bundle, ...args], { cwd: dir });
}

describe('the bundled agent', () => {
  let tmp: ReturnType<typeof tempDir>;
  afterEach(() => tmp?.cleanup());

  it('checks a configuration with host, snmp and ssh targets', async () => {
    tmp = tempDir();
    writeFileSync(join(tmp.dir, 'id'), 'key');
    const file = join(tmp.dir, 'agent.yaml');
    writeFileSync(
      file,
      [
        'collector: { url: "http://127.0.0.1:8080", token: x }',
        'snmp: { traps: { listen: "127.0.0.1:1162" } }',
        'targets:',
        '  - probe: host',
        '  - { probe: snmp, device: sw1, options: { host: 10.0.0.1, community: public, profile: cisco-ios } }',
        `  - { probe: ssh, device: aix1, options: { host: 10.0.0.2, user: mon, key_file: "${join(tmp.dir, 'id')}", host_key: { known_hosts: /etc/ssh/ssh_known_hosts }, platform: aix } }`,
        '',
      ].join('\n'),
    );
    const { stdout } = await run(tmp.dir, ['--config', file, '--check']);
    expect(stdout).toMatch(/3 targets/);
  });

  it('refuses a bad snmp target with its line', async () => {
    tmp = tempDir();
    const file = join(tmp.dir, 'agent.yaml');
    writeFileSync(file, ['collector: { url: "http://127.0.0.1:8080", token: x }', 'targets:', '  - { probe: snmp, options: { host: 10.0.0.1, profile: nosuch } }', ''].join('\n'));
    const err = (await run(tmp.dir, ['--config', file, '--check']).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/agent\.yaml:3:\d+: targets\.0\.options\.profile: no profile is named 'nosuch'/);
  });
});
