/**
 * Runs one plugin: an argument list, never a shell; in its own process group
 * so a timeout kills the plugin *and* whatever it started (a hung ssh, a
 * sleeping child); with its output bounded, so a plugin that prints megabytes
 * costs the agent a fixed amount of memory.
 */
import { spawn } from 'node:child_process';

export interface RunResult {
  /** The exit code, or undefined when the process was killed or could not start. */
  code?: number;
  signal?: string;
  timedOut: boolean;
  /** stdout (and stderr after it), cut at maxOutputBytes. */
  output: string;
  truncated: boolean;
  durationMs: number;
  /** Why the process did not start (ENOENT, EACCES). */
  spawnError?: string;
}

export interface RunOptions {
  argv: string[];
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  maxOutputBytes: number;
  /** How long a plugin has after SIGTERM before its group gets SIGKILL. */
  killGraceMs: number;
  signal: AbortSignal;
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // The group is gone already.
  }
}

export function runPlugin(o: RunOptions): Promise<RunResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const [cmd, ...args] = o.argv;
    const child = spawn(cmd as string, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: o.env, windowsHide: true });
    const chunks: Buffer[] = [];
    let kept = 0;
    let truncated = false;
    let timedOut = false;
    let spawnError: string | undefined;
    const collect = (chunk: Buffer) => {
      // The pipe is drained to the end either way, so the plugin never blocks on a full pipe.
      if (kept >= o.maxOutputBytes) {
        truncated = true;
        return;
      }
      const part = chunk.subarray(0, o.maxOutputBytes - kept);
      if (part.length < chunk.length) truncated = true;
      chunks.push(part);
      kept += part.length;
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let grace: NodeJS.Timeout | undefined;
    const stop = () => {
      if (timedOut || child.pid === undefined) return;
      timedOut = true;
      killGroup(child.pid, 'SIGTERM');
      grace = setTimeout(() => child.pid !== undefined && killGroup(child.pid, 'SIGKILL'), o.killGraceMs);
    };
    const timer = setTimeout(stop, o.timeoutMs);
    o.signal.addEventListener('abort', stop, { once: true });
    child.on('error', (err: NodeJS.ErrnoException) => {
      spawnError = err.code ?? err.message;
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      o.signal.removeEventListener('abort', stop);
      // Children that outlived the plugin and kept its pipe open are killed with their group too.
      if (timedOut && child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      clearTimeout(grace);
      resolve({
        ...(code !== null ? { code } : {}),
        ...(sig ? { signal: sig } : {}),
        timedOut,
        output: Buffer.concat(chunks).toString('utf8'),
        truncated,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        ...(spawnError ? { spawnError } : {}),
      });
    });
  });
}
