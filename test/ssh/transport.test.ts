/**
 * The SSH transport against a real OpenSSH server on 127.0.0.1: key auth,
 * host-key pinning, command timeouts, bounded sessions, reuse, reconnects
 * and a jump host.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandTimeoutError, SshConnection, SshError, type SshConnectionOptions } from '../../agent/ssh/connection.js';
import type { HostKeyPolicy } from '../../agent/ssh/hostkeys.js';
import { peerAvailable } from '../peers.js';
import { startSshd, type Sshd } from './sshd.js';

const run = peerAvailable('/usr/sbin/sshd', 'openssh-server');

describe.skipIf(!run)('SSH transport against a real sshd', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await startSshd();
  }, 30_000);
  afterAll(async () => sshd?.cleanup());

  const options = (over: Partial<SshConnectionOptions> = {}, hostKey?: HostKeyPolicy): SshConnectionOptions => ({
    host: '127.0.0.1',
    port: sshd.port,
    user: sshd.user,
    privateKey: sshd.userKey,
    hostKey: hostKey ?? { kind: 'fingerprint', fingerprints: [sshd.hostKeyFingerprint] },
    connectTimeoutMs: 5_000,
    keepaliveIntervalMs: 5_000,
    maxSessions: 4,
    ...over,
  });

  it('runs commands with key auth over one reused connection, exit codes as results', async () => {
    const c = new SshConnection(options());
    try {
      const r = await c.exec('echo out; echo err >&2; exit 3', 5_000);
      expect(r).toMatchObject({ stdout: 'out\n', stderr: 'err\n', code: 3 });
      for (let i = 0; i < 20; i++) expect((await c.exec(`echo ${i}`, 5_000)).stdout).toBe(`${i}\n`);
      expect(c.connects).toBe(1);
      expect(c.fingerprint).toBe(sshd.hostKeyFingerprint);
      const input = await c.exec('wc -c', 5_000, { input: 'twelve bytes' });
      expect(input.stdout.trim()).toBe('12');
    } finally {
      c.close();
    }
  });

  it('refuses a server whose key is not the pinned one, before authenticating', async () => {
    const wrong = new SshConnection(options({}, { kind: 'fingerprint', fingerprints: ['SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'] }));
    const err = await wrong.ready().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SshError);
    expect((err as SshError).failure).toBe('hostkey_mismatch');
    expect((err as Error).message).toContain(sshd.hostKeyFingerprint);
    wrong.close();
  });

  it('trusts a known_hosts entry and refuses when the host key is swapped; TOFU pins the first key', async () => {
    const kh = join(sshd.dir, 'known_hosts');
    writeFileSync(kh, `# test\n${sshd.knownHostsLine}\n`);
    const store = join(sshd.dir, 'tofu.json');
    const viaKnownHosts = new SshConnection(options({}, { kind: 'known_hosts', file: kh }));
    const viaTofu = new SshConnection(options({}, { kind: 'tofu', store }));
    try {
      await viaKnownHosts.ready();
      await viaTofu.ready();
      expect(JSON.parse(readFileSync(store, 'utf8'))).toEqual({ [`[127.0.0.1]:${sshd.port}`]: sshd.hostKeyFingerprint });
    } finally {
      viaKnownHosts.close();
      viaTofu.close();
    }
    const oldFingerprint = sshd.hostKeyFingerprint;
    await sshd.stop();
    await sshd.start({ newHostKey: true });
    expect(sshd.hostKeyFingerprint).not.toBe(oldFingerprint);
    const policies: HostKeyPolicy[] = [
      { kind: 'known_hosts', file: kh },
      { kind: 'tofu', store },
      { kind: 'fingerprint', fingerprints: [oldFingerprint] },
    ];
    for (const policy of policies) {
      const c = new SshConnection(options({}, policy));
      const err = await c.ready().catch((e: unknown) => e);
      expect((err as SshError).failure, policy.kind).toBe('hostkey_mismatch');
      c.close();
    }
  }, 30_000);

  it('kills a command that outlives its timeout, with its process group', async () => {
    sshd.addCommand('hang', `echo $$ > ${join(sshd.dir, 'hang.pid')}\nsleep 60`);
    const c = new SshConnection(options());
    try {
      const started = Date.now();
      const err = await c.exec('hang', 800).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CommandTimeoutError);
      expect(Date.now() - started).toBeLessThan(5_000);
      const pid = Number(readFileSync(join(sshd.dir, 'hang.pid'), 'utf8'));
      await new Promise((r) => setTimeout(r, 300));
      expect(() => process.kill(pid, 0)).toThrow();
      // The connection is still good for the next command.
      expect((await c.exec('echo still here', 5_000)).stdout).toBe('still here\n');
    } finally {
      c.close();
    }
  });

  it('runs at most maxSessions commands at once', async () => {
    const log = join(sshd.dir, 'sessions.log');
    sshd.addCommand('slow', `echo "start $(date +%s%N)" >> ${log}\nsleep 0.4\necho "end $(date +%s%N)" >> ${log}`);
    const c = new SshConnection(options({ maxSessions: 2 }));
    try {
      const started = Date.now();
      await Promise.all(Array.from({ length: 6 }, () => c.exec('slow', 10_000)));
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_200);
      const events = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' ') as [string, string])
        .sort((a, b) => Number(BigInt(a[1]) - BigInt(b[1])));
      let running = 0;
      let peak = 0;
      for (const [kind] of events) {
        running += kind === 'start' ? 1 : -1;
        peak = Math.max(peak, running);
      }
      expect(events).toHaveLength(12);
      expect(peak).toBe(2);
      expect(c.connects).toBe(1);
    } finally {
      c.close();
    }
  });

  it('reconnects after sshd restarts', async () => {
    const c = new SshConnection(options());
    try {
      expect((await c.exec('echo one', 5_000)).stdout).toBe('one\n');
      await sshd.kill();
      const down = await c.exec('echo two', 5_000).catch((e: unknown) => e);
      expect(down).toBeInstanceOf(Error);
      await sshd.start();
      expect((await c.exec('echo three', 5_000)).stdout).toBe('three\n');
      expect(c.connects).toBe(2);
    } finally {
      c.close();
    }
  }, 30_000);

  it('goes through a jump host', async () => {
    const c = new SshConnection(
      options({ jump: { host: '127.0.0.1', port: sshd.port, user: sshd.user, privateKey: sshd.userKey, hostKey: { kind: 'fingerprint', fingerprints: [sshd.hostKeyFingerprint] } } }),
    );
    try {
      expect((await c.exec('echo via-jump', 5_000)).stdout).toBe('via-jump\n');
    } finally {
      c.close();
    }
    expect(existsSync(sshd.dir)).toBe(true);
  });
});
