/**
 * The systemd units pass `systemd-analyze verify`, and deploy/install-agent.sh
 * installs the agent into a scratch root: user, directories, bundle,
 * configuration and unit; run again, it changes nothing and keeps an edited
 * agent.yaml. The installed bundle checks the installed configuration.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../lib/paths.js';
import { tempDir } from '../helpers.js';
import { peerAvailable } from '../peers.js';

const exec = promisify(execFile);
const deploy = join(packageRoot(), 'deploy');
const haveSystemd = peerAvailable('systemd-analyze', 'systemd');
const haveUseradd = peerAvailable('useradd', 'passwd');

describe.runIf(haveSystemd)('systemd units', () => {
  it.each(['roomwatch-agent.service', 'roomwatch-collector.service'])('%s passes systemd-analyze verify', async (name) => {
    const tmp = tempDir();
    try {
      // verify checks that ExecStart's program exists: give it this machine's node.
      const unit = readFileSync(join(deploy, 'systemd', name), 'utf8').replaceAll('/usr/bin/node ', `${process.execPath} `);
      writeFileSync(join(tmp.dir, name), unit);
      const { stderr } = await exec('systemd-analyze', ['verify', join(tmp.dir, name)]);
      expect(stderr.replace(/.*(Cannot add dependency|network-online).*\n?/g, '')).toBe('');
      expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
      expect(unit).toMatch(/^NoNewPrivileges=yes$/m);
      expect(unit).toMatch(/^ProtectSystem=strict$/m);
      expect(unit).toMatch(/^User=roomwatch$/m);
    } finally {
      tmp.cleanup();
    }
  });
});

describe.runIf(haveSystemd && haveUseradd)('install-agent.sh', () => {
  it('installs into a scratch root, and a second run changes nothing', async () => {
    const tmp = tempDir();
    try {
      const root = join(tmp.dir, 'root');
      mkdirSync(join(root, 'etc'), { recursive: true });
      for (const f of ['passwd', 'group', 'shadow', 'gshadow']) writeFileSync(join(root, 'etc', f), '');
      const config = join(tmp.dir, 'agent.yaml');
      writeFileSync(config, 'collector: { url: "http://127.0.0.1:8080", token: x }\nspool: { dir: /var/lib/roomwatch/spool }\ntargets:\n  - probe: host\n');
      const bundle = join(packageRoot(), 'dist', 'roomwatch-agent.mjs');
      const install = () => exec('sh', [join(deploy, 'install-agent.sh'), '--root', root, '--bundle', bundle, '--config', config, '--node', process.execPath]);

      const first = await install();
      expect(first.stdout).toMatch(/created user roomwatch/);
      expect(first.stdout).toMatch(/installed \/etc\/systemd\/system\/roomwatch-agent.service/);
      const passwd = readFileSync(join(root, 'etc', 'passwd'), 'utf8');
      expect(passwd).toMatch(/^roomwatch:x:\d+:\d+::[^:]*:\/usr\/sbin\/nologin$/m);
      const unit = readFileSync(join(root, 'etc', 'systemd', 'system', 'roomwatch-agent.service'), 'utf8');
      expect(unit).toContain(`ExecStart=${process.execPath} /opt/roomwatch/roomwatch-agent.mjs --config /etc/roomwatch/agent.yaml`);
      await exec('systemd-analyze', ['verify', join(root, 'etc', 'systemd', 'system', 'roomwatch-agent.service')]);

      // An operator edits agent.yaml; a rerun (an upgrade) keeps it and changes nothing else.
      const installed = join(root, 'etc', 'roomwatch', 'agent.yaml');
      writeFileSync(installed, `${readFileSync(installed, 'utf8')}  - { probe: host, name: second }\n`);
      const second = await install();
      expect(second.stdout.trim()).toBe(`roomwatch agent installed under ${root}`);
      expect(readFileSync(join(root, 'etc', 'passwd'), 'utf8')).toBe(passwd);
      expect(readFileSync(installed, 'utf8')).toMatch(/name: second/);

      const check = await exec(process.execPath, [join(root, 'opt', 'roomwatch', 'roomwatch-agent.mjs'), '--config', installed, '--check']);
      expect(check.stdout).toMatch(/ok \(2 targets/);
    } finally {
      tmp.cleanup();
    }
  });

  it('refuses a missing bundle and an unknown option', async () => {
    const script = join(deploy, 'install-agent.sh');
    const missing = (await exec('sh', [script, '--root', '/nonexistent', '--bundle', '/no/such/file']).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no bundle at \/no\/such\/file/);
    const unknown = (await exec('sh', [script, '--frob']).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--frob'/);
  });
});
