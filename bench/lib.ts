/**
 * Shared bench plumbing: JSON-line output, statistics, temp dirs, free ports,
 * the collector child process and a keep-alive HTTP load driver.
 * Every network target is 127.0.0.1.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CollectorReply, CollectorRequest, FiredNotice, RulesOptions } from './collector-proc.js';

export const HOST = '127.0.0.1';
export const AGENT = 'bench-agent';
export const TOKEN = 'rw_bench_token_0123456789abcdef';
/** The benches' reader (auth.tokens in collector-proc.ts): reads the API and /metrics as a viewer. */
export const READ_TOKEN = 'rw_bench_reader_0123456789abcdef';
export const READ_HEADERS = { authorization: `Bearer ${READ_TOKEN}` };

/** One JSON object per line on stdout: the only thing benches print there. */
export function emit(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

/** Progress for humans, on stderr so stdout stays machine-readable. */
export function progress(msg: string): void {
  if (process.env.BENCH_QUIET !== '1') process.stderr.write(`[bench] ${msg}\n`);
}

export function envInt(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}=${raw}: expected an integer ≥ ${min}`);
  return n;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Rounds for printing: 3 significant decimals at most, integers above 1000. */
/** p50, p95 and max of latencies in ms, rounded. */
export function latencyFigures(values: readonly number[]): { p50_ms: number; p95_ms: number; max_ms: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50_ms: r(median(sorted)),
    p95_ms: r(sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? NaN),
    max_ms: r(sorted.at(-1) ?? NaN),
  };
}

export function r(x: number): number {
  if (!Number.isFinite(x)) return x;
  return Math.abs(x) >= 1000 ? Math.round(x) : Math.round(x * 1000) / 1000;
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `roomwatch-bench-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** CPU seconds (all threads) of any process, from /proc/<pid>/stat: utime + stime. */
export const CLK_TCK = clockTicks();
function clockTicks(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    return 100; // Linux USER_HZ on every mainstream kernel
  }
}
/** A `kB` line of /proc/<pid>/status (VmRSS, VmHWM); NaN when absent. */
export function procStatusKb(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

export function procCpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
  return Number(rest[11]) + Number(rest[12]); // fields 14 utime, 15 stime
}

/** The collector (buildApp + listen) in a child process, so load generation does not share its CPU. */
export interface CollectorProc {
  url: string;
  pid: number;
  /** process.cpuUsage() inside the collector, in seconds (user + system). */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

export async function startCollectorProc(
  dataDir: string,
  synchronous: 'full' | 'normal' = 'full',
  rules?: RulesOptions,
  onFired?: (notice: FiredNotice) => void,
  influx?: CollectorRequest extends infer R ? (R extends { op: 'start'; influx?: infer I } ? I : never) : never,
): Promise<CollectorProc> {
  const profDir = process.env.BENCH_COLLECTOR_PROF;
  const child: ChildProcess = fork(new URL('./collector-proc.js', import.meta.url), [], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    execArgv: profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [],
  });
  const pending: Array<(reply: CollectorReply) => void> = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('message', (msg: CollectorReply | FiredNotice) => {
    if (msg.op === 'fired') onFired?.(msg);
    else pending.shift()?.(msg);
  });
  const ask = (req: CollectorRequest) =>
    new Promise<CollectorReply>((resolve, reject) => {
      pending.push(resolve);
      child.send(req, (err) => err && reject(err));
    });
  const failed = new Promise<never>((_resolve, reject) => child.once('exit', (code) => reject(new Error(`collector exited early (${code})`))));
  const ready = await Promise.race([ask({ op: 'start', dataDir, token: TOKEN, agent: AGENT, synchronous, rules, influx }), failed]);
  if (ready.op !== 'started') throw new Error('collector did not start');
  failed.catch(() => undefined);
  return {
    url: ready.url,
    pid: child.pid as number,
    cpuSeconds: async () => {
      const reply = await ask({ op: 'cpu' });
      return reply.op === 'cpu' ? reply.seconds : NaN;
    },
    stop: async () => {
      child.send({ op: 'stop' } satisfies CollectorRequest);
      await exited;
    },
  };
}

/** Keep-alive HTTP client with a fixed number of sockets. */
export function keepAliveAgent(sockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
}

export function post(agent: http.Agent, url: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function getText(url: string): Promise<string> {
  const res = await fetch(url, { headers: READ_HEADERS });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return res.text();
}

/** Sends every body once over `concurrency` keep-alive connections; returns wall milliseconds. */
export async function drive(url: string, bodies: readonly Buffer[], headers: Record<string, string>, concurrency: number, agent: http.Agent): Promise<number> {
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      const { status, text } = await post(agent, url, bodies[i] as Buffer, headers);
      if (status < 200 || status > 299) throw new Error(`POST ${url} → ${status}: ${text.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return performance.now() - started;
}

/** Sum of a Prometheus counter over the series whose labels contain every `match` pair. */
export function promSum(text: string, name: string, match: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([A-Za-z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = m[2] ?? '';
    if (Object.entries(match).every(([k, v]) => labels.includes(`${k}="${v}"`))) sum += Number(m[3]);
  }
  return sum;
}

/**
 * Runs the bundled agent (dist/roomwatch-agent.mjs) on `config` for `seconds`,
 * reading its RSS every 5 s once `warmupMs` has passed; returns the readings in MB.
 * An agent that exits early fails the bench with the tail of its log.
 */
export async function bundledAgentRss(config: string, logFile: string, logFd: number, seconds: number, warmupMs: number): Promise<number[]> {
  const cli = fileURLToPath(new URL('../roomwatch-agent.mjs', import.meta.url));
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const child = spawn(process.execPath, [cli, '--config', config], { cwd: root, stdio: ['ignore', logFd, logFd] });
  const pid = child.pid as number;
  const readings: number[] = [];
  const t0 = performance.now();
  try {
    for (let k = 1; k * 5_000 <= seconds * 1000; k++) {
      await sleep(Math.max(0, t0 + k * 5_000 - performance.now()));
      if (child.exitCode !== null) throw new Error(`agent exited (${child.exitCode}): ${readFileSync(logFile, 'utf8').slice(-2000)}`);
      if (k * 5_000 >= warmupMs) readings.push(procStatusKb(pid, 'VmRSS') / 1024);
    }
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((res) => child.once('exit', res));
    }
  }
  return readings;
}
