/**
 * VictoriaMetrics single-node as the reference peer for line protocol ingest:
 * started on a free 127.0.0.1 port with a temporary storage directory, waited
 * for on /health, stopped (SIGTERM, then SIGKILL) at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CLK_TCK, freePort, HOST, procCpuTicks, sleep } from './lib.js';

export interface Victoria {
  url: string;
  pid: number;
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

/** The binary: $BENCH_VICTORIA_BIN, else `victoria-metrics` on PATH; undefined when absent. */
export function findVictoria(): string | undefined {
  const explicit = process.env.BENCH_VICTORIA_BIN;
  const candidates = explicit
    ? [explicit]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, 'victoria-metrics'));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

export async function startVictoria(bin: string, storageDir: string): Promise<Victoria> {
  const port = await freePort();
  const url = `http://${HOST}:${port}`;
  const child: ChildProcess = spawn(bin, [`-httpListenAddr=${HOST}:${port}`, `-storageDataPath=${storageDir}`, '-retentionPeriod=30d', '-loggerLevel=ERROR'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-2_000);
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve();
    }),
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`victoria-metrics exited (${exitCode}): ${stderr.trim()}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`victoria-metrics did not answer /health within 30 s: ${stderr.trim()}`);
    }
    await sleep(100);
  }
  const pid = child.pid as number;
  return {
    url,
    pid,
    cpuSeconds: async () => procCpuTicks(pid) / CLK_TCK,
    stop: async () => {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
