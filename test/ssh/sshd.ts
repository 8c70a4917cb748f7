/**
 * A real OpenSSH server for the tests (docs/architecture.md §9): /usr/sbin/sshd on
 * 127.0.0.1 and a free port, with a generated host key, a generated user key
 * for the current user, and an authorized_keys entry whose environment puts a
 * directory of fixture commands first on PATH.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface Sshd {
  port: number;
  dir: string;
  /** Directory first on the session's PATH: put fixture commands here. */
  bin: string;
  user: string;
  userKey: Buffer;
  hostKeyFingerprint: string;
  knownHostsLine: string;
  /** Adds an executable script to the fixture PATH. */
  addCommand(name: string, script: string, binDir?: string): void;
  /**
   * A further key for the same account whose sessions get their own directory
   * first on PATH: one sshd can then play a Linux host and an AIX host.
   * `unprivileged`: when the tests run as root, the key's commands run as
   * nobody (setpriv, util-linux), as they would for a monitoring account.
   */
  addKey(name: string, opts?: { unprivileged?: boolean }): { key: Buffer; bin: string };
  stop(): Promise<void>;
  /** Stops sshd and cuts every open session, as a reboot or a crash would. */
  kill(): Promise<void>;
  /** Starts sshd again on the same port (after stop), optionally with a fresh host key. */
  start(opts?: { newHostKey?: boolean }): Promise<void>;
  cleanup(): Promise<void>;
}

export async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function keygen(file: string, type = 'ed25519'): void {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-f', file]);
}

function fingerprint(pubFile: string): string {
  return (execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile], { encoding: 'utf8' }).split(/\s+/)[1] ?? '').trim();
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startSshd(): Promise<Sshd> {
  const dir = mkdtempSync(join(tmpdir(), 'rw-sshd-'));
  chmodSync(dir, 0o755);
  const bin = join(dir, 'bin');
  mkdirSync(bin, { mode: 0o755 });
  const port = await freeTcpPort();
  const user = userInfo().username;
  keygen(join(dir, 'host_key'));
  keygen(join(dir, 'user_key'));
  const pub = readFileSync(join(dir, 'user_key.pub'), 'utf8').trim();
  writeFileSync(join(dir, 'authorized_keys'), `environment="PATH=${bin}:/usr/local/bin:/usr/bin:/bin" ${pub}\n`, { mode: 0o600 });
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_key')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'PermitRootLogin prohibit-password',
    'PermitUserEnvironment yes',
    'StrictModes no',
    'UsePAM no',
    'MaxSessions 20',
    'MaxStartups 100:30:200',
    'LogLevel ERROR',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'sshd_config'), config);
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  let child: ChildProcess | undefined;
  const hostKeyLine = () => readFileSync(join(dir, 'host_key.pub'), 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const sshd: Sshd = {
    port,
    dir,
    bin,
    user,
    userKey: readFileSync(join(dir, 'user_key')),
    hostKeyFingerprint: fingerprint(join(dir, 'host_key.pub')),
    knownHostsLine: `[127.0.0.1]:${port} ${hostKeyLine()}`,
    addCommand(name, script, binDir = bin) {
      writeFileSync(join(binDir, name), script.startsWith('#!') ? script : `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    },
    addKey(name, opts = {}) {
      const keyBin = join(dir, `bin-${name}`);
      mkdirSync(keyBin, { mode: 0o755 });
      keygen(join(dir, `key-${name}`));
      const keyPub = readFileSync(join(dir, `key-${name}.pub`), 'utf8').trim();
      const drop = opts.unprivileged && userInfo().uid === 0 ? 'command="exec setpriv --reuid=nobody --regid=nogroup --clear-groups /bin/sh -c \\"$SSH_ORIGINAL_COMMAND\\"",' : '';
      appendFileSync(join(dir, 'authorized_keys'), `${drop}environment="PATH=${keyBin}:/usr/local/bin:/usr/bin:/bin" ${keyPub}\n`);
      return { key: readFileSync(join(dir, `key-${name}`)), bin: keyBin };
    },
    async stop() {
      if (child && child.exitCode === null) {
        const c = child;
        c.kill('SIGTERM');
        await new Promise((r) => c.once('exit', r));
      }
      child = undefined;
    },
    async kill() {
      // sshd forks a process per connection and those outlive the listener: find them by parent first.
      const parent = child?.pid;
      const sessions: number[] = [];
      for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent) sessions.push(Number(pid));
        } catch {
          // The process ended meanwhile.
        }
      }
      for (const pid of sessions) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await sshd.stop();
    },
    async start(opts = {}) {
      if (opts.newHostKey) {
        rmSync(join(dir, 'host_key'), { force: true });
        rmSync(join(dir, 'host_key.pub'), { force: true });
        keygen(join(dir, 'host_key'));
        sshd.hostKeyFingerprint = fingerprint(join(dir, 'host_key.pub'));
        sshd.knownHostsLine = `[127.0.0.1]:${port} ${hostKeyLine()}`;
      }
      // -D: stay in the foreground as our child; -e: log to stderr.
      child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-2000);
      });
      const c = child;
      await Promise.race([waitForPort(port, 10_000), new Promise((_, reject) => c.once('exit', (code) => reject(new Error(`sshd exited ${code}: ${stderr}`))))]);
    },
    async cleanup() {
      await sshd.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await sshd.start();
  return sshd;
}
