/**
 * ssh_checks: checks per second over one reused SSH connection against one
 * connection (handshake, key exchange, auth) per check, on the real sshd; and
 * ssh_agent_rss: the bundled agent's memory with 100 SSH targets configured.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SshConnection, type SshConnectionOptions } from '../agent/ssh/connection.js';
import { startSshd, type Sshd } from '../test/ssh/sshd.js';
import { AGENT, bundledAgentRss, emit, envInt, median, progress, r, sleep, startCollectorProc, tempDir, TOKEN, READ_HEADERS } from './lib.js';

function options(sshd: Sshd): SshConnectionOptions {
  return {
    host: '127.0.0.1',
    port: sshd.port,
    user: sshd.user,
    privateKey: sshd.userKey,
    hostKey: { kind: 'fingerprint', fingerprints: [sshd.hostKeyFingerprint] },
    connectTimeoutMs: 10_000,
    keepaliveIntervalMs: 15_000,
    maxSessions: 4,
  };
}

/** What a check costs on the remote side is the same in both modes: a shell and `uptime`. */
const CHECK = 'uptime';

export async function benchSshChecks(): Promise<void> {
  const checks = envInt('BENCH_SSH_CHECKS', 100);
  const runs = envInt('BENCH_RUNS', 5);
  const sshd = await startSshd();
  try {
    const reused: number[] = [];
    const fresh: number[] = [];
    const handshakeMs: number[] = [];
    for (let run = 0; run < runs; run++) {
      const conn = new SshConnection(options(sshd));
      await conn.ready();
      let t0 = performance.now();
      for (let i = 0; i < checks; i++) await conn.exec(CHECK, 10_000);
      reused.push((checks / (performance.now() - t0)) * 1000);
      conn.close();

      t0 = performance.now();
      for (let i = 0; i < checks; i++) {
        const c = new SshConnection(options(sshd));
        const h0 = performance.now();
        await c.ready();
        handshakeMs.push(performance.now() - h0);
        await c.exec(CHECK, 10_000);
        c.close();
      }
      fresh.push((checks / (performance.now() - t0)) * 1000);
      progress(`ssh_checks run ${run + 1}: reused ${reused.at(-1)?.toFixed(1)}/s, new connection ${fresh.at(-1)?.toFixed(1)}/s`);
    }
    emit({
      bench: 'ssh_checks',
      checks_per_run: checks,
      command: CHECK,
      runs,
      reused_checks_per_s: r(median(reused)),
      new_connection_checks_per_s: r(median(fresh)),
      ratio_reused_vs_new: r(median(reused) / median(fresh)),
      // What a new connection adds (TCP, key exchange, host-key check, public-key auth), and what
      // one command costs on a reused one (a channel, the account's shell, the command).
      handshake_ms_median: r(median(handshakeMs)),
      exec_ms_median: r(1000 / median(reused)),
      peer: 'OpenSSH sshd on 127.0.0.1, sequential checks',
    });
  } finally {
    await sshd.cleanup();
  }
}

export async function benchSshAgentRss(): Promise<void> {
  const targets = envInt('BENCH_SSH_TARGETS', 100);
  const seconds = envInt('BENCH_SSH_AGENT_SECONDS', 60, 20);
  const sshd = await startSshd();
  const tmp = tempDir('ssh-agent');
  const collector = await startCollectorProc(join(tmp.dir, 'data'));
  const logFile = join(tmp.dir, 'agent.log');
  const logFd = openSync(logFile, 'a');
  try {
    writeFileSync(join(tmp.dir, 'id'), sshd.userKey, { mode: 0o600 });
    const lines = [`agent: { name: ${AGENT} }`, `collector: { url: "${collector.url}", token: ${TOKEN} }`, 'interval: 30s', `spool: { dir: "${join(tmp.dir, 'spool')}" }`, 'targets:'];
    for (let i = 0; i < targets; i++) {
      lines.push(
        '  - probe: ssh',
        `    device: host${String(i).padStart(3, '0')}`,
        '    interval: 30s',
        `    options: { host: "127.0.0.1:${sshd.port}", user: ${sshd.user}, key_file: "${join(tmp.dir, 'id')}", host_key: { fingerprint: "${sshd.hostKeyFingerprint}" }, platform: linux, checks: [load, memory, filesystems] }`,
      );
    }
    const config = join(tmp.dir, 'agent.yaml');
    writeFileSync(config, `${lines.join('\n')}\n`);
    const readings = await bundledAgentRss(config, logFile, logFd, seconds, 35_000);
    const samples = /roomwatch_ingest_samples_total\{[^}]*\} (\d+)/.exec(await (await fetch(`${collector.url}/metrics`, { headers: READ_HEADERS })).text());
    emit({
      bench: 'ssh_agent_rss',
      targets,
      checks_per_target: 3,
      interval_s: 30,
      seconds,
      rss_mb_median: r(median(readings)),
      rss_mb_max: r(Math.max(...readings)),
      readings: readings.map(r),
      samples_received: samples ? Number(samples[1]) : undefined,
      sshd: 'OpenSSH on 127.0.0.1, one connection per target',
    });
  } finally {
    closeSync(logFd);
    await collector.stop();
    await sshd.cleanup();
    tmp.cleanup();
  }
}
