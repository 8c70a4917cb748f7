/**
 * Load shapes shared by the ingest benches: the env knobs, a stream of
 * agent-style batches over the synthetic room, and the timed-run loop that
 * measures wall time and the collector's CPU seconds around each run.
 * Bodies are built (and gzipped) before a run starts, so the client does
 * almost nothing while the clock runs.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { gzipSync } from 'node:zlib';
import type { Sample } from '../collector/contract/index.js';
import { AGENT, drive, envInt, getText, median, r, type CollectorProc } from './lib.js';
import { buildRoom, mulberry32, samplesAt, toLineProtocol, type Room } from './room.js';

export interface LoadSettings {
  runs: number;
  batchesPerRun: number;
  batchSamples: number;
  concurrency: number;
  /** Batches sent before the first timed run (series creation, JIT warm-up); not reported. */
  warmupBatches: number;
  synchronous: 'full' | 'normal';
}

export function loadSettings(): LoadSettings {
  const sync = process.env.BENCH_SYNCHRONOUS ?? 'full';
  if (sync !== 'full' && sync !== 'normal') throw new Error(`BENCH_SYNCHRONOUS=${sync}: expected full or normal`);
  return {
    runs: envInt('BENCH_RUNS', 5),
    batchesPerRun: envInt('BENCH_BATCHES', 200),
    batchSamples: envInt('BENCH_BATCH_SAMPLES', 1_000),
    concurrency: envInt('BENCH_CONCURRENCY', 4),
    warmupBatches: envInt('BENCH_WARMUP_BATCHES', 20, 0),
    synchronous: sync,
  };
}

export interface Batch {
  seq: number;
  samples: Sample[];
  values: number;
}

/** Consecutive batches of the room's endless sample stream; scrape rounds 10 s apart from 24 h ago. */
export class BatchStream {
  readonly room: Room = buildRoom();
  private seq = 0;
  private readonly rnd = mulberry32(20_240_601);
  private readonly baseTs: number;

  /** @param startTs first scrape time (default 24 h ago); @param intervalMs scrape spacing; @param calm a room at rest (room.ts). */
  constructor(
    private readonly batchSamples: number,
    startTs = Date.now() - 86_400_000,
    private readonly intervalMs = 10_000,
    private readonly calm = false,
  ) {
    this.baseTs = Math.floor(startTs / 10_000) * 10_000;
  }

  next(count: number): Batch[] {
    const out: Batch[] = [];
    for (let i = 0; i < count; i++, this.seq++) {
      const { samples, values } = samplesAt(this.room, this.seq * this.batchSamples, this.batchSamples, this.baseTs, this.intervalMs, this.rnd, this.calm);
      out.push({ seq: this.seq, samples, values });
    }
    return out;
  }
}

export function jsonBody(b: Batch): Buffer {
  const batchId = `${AGENT}:${b.seq}:${randomBytes(6).toString('hex')}`;
  return Buffer.from(JSON.stringify({ agent: AGENT, seq: b.seq, batch_id: batchId, sent_at: Date.now(), samples: b.samples }));
}

export const lpBody = (b: Batch): Buffer => Buffer.from(toLineProtocol(b.samples));
export const gzipBody = (body: Buffer): Buffer => gzipSync(body);

export interface Target {
  url: string;
  headers: Record<string, string>;
  agent: http.Agent;
  /** CPU seconds consumed so far by the receiving process. */
  cpuSeconds: () => Promise<number>;
  /** Runs after the timed part, before CPU is read: work the peer deferred past its acknowledgement. */
  settle?: () => Promise<void>;
}

export interface RunFigures {
  ms: number;
  /** Receiver CPU seconds over the run, including `settle`. */
  cpuS: number;
  settleMs?: number;
  batches: number;
  samples: number;
  values: number;
  bytes: number;
}

export async function timedRun(target: Target, batches: readonly Batch[], bodies: readonly Buffer[], concurrency: number): Promise<RunFigures> {
  const cpu0 = await target.cpuSeconds();
  const ms = await drive(target.url, bodies, target.headers, concurrency, target.agent);
  const t = performance.now();
  await target.settle?.();
  const settleMs = target.settle ? performance.now() - t : undefined;
  const cpu1 = await target.cpuSeconds();
  return {
    ms,
    cpuS: cpu1 - cpu0,
    ...(settleMs !== undefined ? { settleMs } : {}),
    batches: batches.length,
    samples: batches.reduce((n, b) => n + b.samples.length, 0),
    values: batches.reduce((n, b) => n + b.values, 0),
    bytes: bodies.reduce((n, b) => n + b.length, 0),
  };
}

/** The summary line of one series of runs: medians first, then every run. */
export function summarize(runs: readonly RunFigures[]) {
  const sps = runs.map((x) => x.samples / (x.ms / 1000));
  const perCore = runs.map((x) => x.samples / x.cpuS);
  const settle = runs.flatMap((x) => (x.settleMs === undefined ? [] : [x.settleMs]));
  return {
    samples_per_s: r(median(sps)),
    values_per_s: r(median(runs.map((x) => x.values / (x.ms / 1000)))),
    samples_per_cpu_s: r(median(perCore)),
    cpu_cores_busy: r(median(runs.map((x) => x.cpuS / ((x.ms + (x.settleMs ?? 0)) / 1000)))),
    median_ms: r(median(runs.map((x) => x.ms))),
    mb_per_s: r(median(runs.map((x) => x.bytes / 1e6 / (x.ms / 1000)))),
    runs: runs.length,
    run_samples_per_s: sps.map(r),
    run_samples_per_cpu_s: perCore.map(r),
    run_ms: runs.map((x) => r(x.ms)),
    run_cpu_s: runs.map((x) => r(x.cpuS)),
    ...(settle.length ? { run_settle_ms: settle.map(r) } : {}),
    samples_sent: runs.reduce((n, x) => n + x.samples, 0),
    values_sent: runs.reduce((n, x) => n + x.values, 0),
    body_kb_avg: r(runs.reduce((n, x) => n + x.bytes, 0) / 1024 / runs.reduce((n, x) => n + x.batches, 0)),
  };
}

export function collectorTarget(c: CollectorProc, path: string, headers: Record<string, string>, agent: http.Agent): Target {
  // A query makes the store move its write head into the clustered tables, so that work is counted in the run.
  const settle = async () => void (await getText(`${c.url}/api/v1/query?metric=cpu.usage_pct&device=db01&from=-1m&step=raw`));
  return { url: `${c.url}${path}`, headers, agent, cpuSeconds: () => c.cpuSeconds(), settle };
}
