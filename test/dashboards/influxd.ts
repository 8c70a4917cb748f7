/**
 * A real InfluxDB 1.x server (Debian package `influxdb`, docs/architecture.md §9) on free
 * 127.0.0.1 ports with every directory in a temporary folder, for suites that
 * need InfluxQL answered for real: the dashboards' queries, the InfluxDB store.
 *
 * influxd logs a line per request and per compaction; its output goes to
 * `influxd.log` in the temporary folder, whose last lines are quoted when the
 * server does not come up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers.js';

export interface RunningInfluxd {
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface InfluxdOptions {
  /** The influxd binary; `influxd` on the PATH by default. */
  binary?: string;
  /** How long to wait for `/ping` to answer. */
  startTimeoutMs?: number;
}

const ATTEMPTS = 3;

/**
 * A configuration with nothing listening beyond 127.0.0.1 and nothing that
 * phones home or writes outside `dir`. The internal monitor store, retention
 * and shard pre-creation are off so a short test run does no background work.
 */
export function influxdConfig(dir: string, httpPort: number, rpcPort: number): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = "${join(dir, 'meta')}"
  retention-autocreate = true
  logging-enabled = false

[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  wal-fsync-delay = "0s"
  index-version = "inmem"
  query-log-enabled = false
  trace-logging-enabled = false

[retention]
  enabled = false

[shard-precreation]
  enabled = false

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  auth-enabled = false
  log-enabled = false
  write-tracing = false
  pprof-enabled = false
  max-body-size = 0

[logging]
  level = "warn"
  suppress-logo = true

[subscriber]
  enabled = false

[[graphite]]
  enabled = false

[[collectd]]
  enabled = false

[[opentsdb]]
  enabled = false

[[udp]]
  enabled = false

[continuous_queries]
  enabled = false
`;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited(child);
  clearTimeout(timer);
}

function logTail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitForPing(url: string, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) });
      if (res.status === 204) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/**
 * Starts influxd and resolves once `/ping` answers 204. A port taken between
 * choosing and binding makes influxd exit; that is retried with new ports.
 */
export async function startInfluxd(options: InfluxdOptions = {}): Promise<RunningInfluxd> {
  const binary = options.binary ?? 'influxd';
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  let lastError = '';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'roomwatch-influxd-'));
    const port = await freePort();
    let rpcPort = await freePort();
    while (rpcPort === port) rpcPort = await freePort();
    const configFile = join(dir, 'influxdb.conf');
    writeFileSync(configFile, influxdConfig(dir, port, rpcPort));
    const logFile = join(dir, 'influxd.log');
    const logFd = openSync(logFile, 'a');
    const child = spawn(binary, ['-config', configFile], { stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    const spawnError = new Promise<boolean>((resolve) => child.once('error', () => resolve(false)));
    const url = `http://127.0.0.1:${port}`;
    const up = await Promise.race([waitForPing(url, child, startTimeoutMs), spawnError]);
    if (up) {
      return {
        url,
        port,
        async stop() {
          await stopChild(child);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    lastError = logTail(logFile);
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  }
  throw new Error(`influxd did not answer /ping after ${ATTEMPTS} attempts; its log ends:\n${lastError}`);
}
