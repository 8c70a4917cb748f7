/**
 * Runs one fping process for a whole round of ping targets and parses its
 * per-target summary. With `-C count -q` fping prints, on stderr, one line per
 * target: `host : 0.05 0.04 -` (a `-` is a lost reply). Lines it prints for
 * unresolvable names or send errors are kept apart so the probe can tell a
 * target that is down from one that could not be asked.
 */
import { spawn } from 'node:child_process';

export interface FpingOptions {
  /** argv prefix, e.g. ['fping'] or ['ip', 'vrf', 'exec', 'mgmt', 'fping']. */
  command: string[];
  count: number;
  /** Milliseconds between pings to the same target (fping -p). */
  periodMs: number;
  /** Milliseconds to wait for a reply (fping -t). */
  timeoutMs: number;
  /** Milliseconds between packets to any target (fping -i). */
  sendIntervalMs: number;
}

export interface FpingResult {
  /** One round-trip time per packet sent, undefined where it was lost. */
  rtts: Map<string, Array<number | undefined>>;
  /** Targets fping reported an error for (cannot resolve, cannot send). */
  errors: Map<string, string>;
}

/** fping's stderr is small (one line per target); this bound only guards against a runaway wrapper. */
const MAX_STDERR_BYTES = 16 * 1024 * 1024;

export class FpingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FpingError';
  }
}

export function fpingArgs(o: FpingOptions): string[] {
  return ['-C', String(o.count), '-p', String(o.periodMs), '-t', String(o.timeoutMs), '-i', String(o.sendIntervalMs), '-q', '-B', '1', '-r', '0'];
}

/** Parses fping's stderr; `hosts` is the list asked for, in fping's spelling. */
export function parseFping(stderr: string, hosts: readonly string[]): FpingResult {
  const asked = new Set(hosts);
  const rtts = new Map<string, Array<number | undefined>>();
  const errors = new Map<string, string>();
  for (const raw of stderr.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const summary = /^(\S+)\s+:\s+((?:(?:\d+(?:\.\d+)?|-)\s*)+)$/.exec(line);
    if (summary && asked.has(summary[1] as string)) {
      rtts.set(
        summary[1] as string,
        (summary[2] as string)
          .trim()
          .split(/\s+/)
          .map((v) => (v === '-' ? undefined : Number(v))),
      );
      continue;
    }
    const hostError = /^(\S+?):\s+(.+)$/.exec(line);
    if (hostError && asked.has(hostError[1] as string)) {
      errors.set(hostError[1] as string, (hostError[2] as string).slice(0, 200));
      continue;
    }
    if (/can't create socket|must run as root|operation not permitted|permission denied/i.test(line)) {
      throw new FpingError(`fping cannot open a raw ICMP socket (${line}); run 'setcap cap_net_raw+ep $(command -v fping)' or run the agent with CAP_NET_RAW`);
    }
  }
  return { rtts, errors };
}

/** One fping round; targets go on stdin so thousands of them never hit the argv limit. */
export function runFping(o: FpingOptions, hosts: readonly string[], signal: AbortSignal): Promise<FpingResult> {
  const [cmd, ...prefix] = o.command;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, [...prefix, ...fpingArgs(o)], { stdio: ['pipe', 'ignore', 'pipe'], signal });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < MAX_STDERR_BYTES) stderr += chunk;
    });
    child.stdin.on('error', () => undefined); // fping may exit before reading every target (bad option); the exit code says why.
    child.stdin.end(`${hosts.join('\n')}\n`);
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') reject(new FpingError(`'${cmd}' not found: install fping (apt-get install fping) or set the ping option command`));
      else if (err.code === 'EACCES') reject(new FpingError(`'${cmd}' is not executable by the agent's user`));
      else reject(err);
    });
    child.on('close', (code) => {
      // 0: all answered, 1: some did not, 2: some names did not resolve; all are data. 3 and 4 are fping's own failures.
      try {
        if (code !== null && code > 2) {
          parseFping(stderr, hosts); // throws the permission hint when that is the cause
          reject(new FpingError(`fping exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 500)}`));
          return;
        }
        resolve(parseFping(stderr, hosts));
      } catch (err) {
        reject(err);
      }
    });
  });
}
