/**
 * Overload (issue 14): the collector under offered load at 2× and 4× its
 * measured capacity, then 100 agents draining spools after an outage.
 * Senders behave like agents: a 429/503 batch is kept and sent again after
 * Retry-After, so "acknowledged samples lost" compares what was answered 200
 * with what the collector applied (it must be 0).
 *
 * Knobs (environment): BENCH_OVERLOAD_SECONDS (60), BENCH_OVERLOAD_BATCH (500
 * samples), BENCH_DRAIN_AGENTS (100), BENCH_OUTAGE_MINUTES (10; each agent
 * spools one 100-sample batch per 15 s of outage).
 */
import type http from 'node:http';
import { AGENT, procStatusKb, emit, envInt, getText, keepAliveAgent, promSum, r, sleep, startCollectorProc, TOKEN, tempDir, type CollectorProc } from './lib.js';
import { BatchStream, jsonBody } from './batches.js';

const HEADERS = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

async function postOnce(agent: http.Agent, url: string, body: Buffer): Promise<{ status: number; retryAfterS: number }> {
  const { request } = await import('node:http');
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent, headers: { ...HEADERS, 'content-length': String(body.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfterS: Number(res.headers['retry-after'] ?? 1) }));
    });
    req.on('error', () => resolve({ status: 0, retryAfterS: 1 }));
    req.end(body);
  });
}

function p99(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? NaN;
}

/** Polls /healthz every 100 ms until stopped; returns the latencies. */
function watchHealth(url: string): { stop: () => Promise<number[]> } {
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t = performance.now();
      try {
        await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(30_000) });
      } catch {
        // A time-out counts at its length.
      }
      latencies.push(performance.now() - t);
      await sleep(100);
    }
  })();
  return { stop: async () => ((running = false), await loop, latencies) };
}

async function capacity(c: CollectorProc, stream: BatchStream, batch: number): Promise<number> {
  const agent = keepAliveAgent(4);
  const bodies = stream.next(60).map(jsonBody);
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let i = next++; i < bodies.length; i = next++) await postOnce(agent, `${c.url}/api/v1/ingest`, bodies[i] as Buffer);
    }),
  );
  agent.destroy();
  return (bodies.length * batch) / ((performance.now() - t) / 1000);
}

async function offered(c: CollectorProc, stream: BatchStream, batch: number, samplesPerS: number, seconds: number) {
  const agent = keepAliveAgent(256);
  const url = `${c.url}/api/v1/ingest`;
  // Bodies are made before the clock starts: on a busy machine the sender itself would otherwise be the bottleneck.
  const bodies = stream.next(Math.ceil((samplesPerS * seconds) / batch) + 10).map(jsonBody);
  let made = 0;
  const before = promSum(await getText(`${c.url}/metrics`), 'roomwatch_ingest_samples_total');
  const health = watchHealth(c.url);
  let acked = 0;
  let answered = 0;
  let shed = 0;
  let peakRssKb = 0;
  const inflight = new Set<Promise<void>>();
  const send = async (body: Buffer): Promise<void> => {
    for (;;) {
      const { status, retryAfterS } = await postOnce(agent, url, body);
      answered++;
      if (status === 200) {
        acked += batch;
        return;
      }
      if (status === 429 || status === 503) shed++;
      await sleep(retryAfterS * 1000);
    }
  };
  const started = performance.now();
  const perTick = samplesPerS / batch / 10;
  let owed = 0;
  while (performance.now() - started < seconds * 1000) {
    owed += perTick;
    while (owed >= 1 && inflight.size < 2_000) {
      owed--;
      const body = bodies[made++];
      if (!body) break;
      const p = send(body).finally(() => inflight.delete(p));
      inflight.add(p);
    }
    peakRssKb = Math.max(peakRssKb, procStatusKb(c.pid, 'VmRSS'));
    await sleep(100);
  }
  const offeredSeconds = (performance.now() - started) / 1000;
  await Promise.all(inflight);
  agent.destroy();
  const latencies = await health.stop();
  const applied = promSum(await getText(`${c.url}/metrics`), 'roomwatch_ingest_samples_total') - before;
  return {
    acknowledged_samples_per_s: r(acked / ((performance.now() - started) / 1000)),
    offered_seconds: r(offeredSeconds),
    share_429_503: r(shed / Math.max(1, answered)),
    healthz_p99_ms: r(p99(latencies)),
    healthz_max_ms: r(Math.max(...latencies)),
    peak_rss_mb: r(Math.max(peakRssKb, procStatusKb(c.pid, 'VmHWM')) / 1024),
    acknowledged_samples_lost: Math.max(0, acked - applied),
  };
}

async function drain(c: CollectorProc, agents: number, outageMinutes: number) {
  const perAgent = Math.max(1, Math.round((outageMinutes * 60) / 15));
  const streams = Array.from({ length: agents }, () => new BatchStream(100));
  const spools = streams.map((s) => s.next(perAgent).map(jsonBody));
  const http = keepAliveAgent(agents);
  const url = `${c.url}/api/v1/ingest`;
  let shed = 0;
  const t = performance.now();
  await Promise.all(
    spools.map(async (spool) => {
      for (const body of spool) {
        for (;;) {
          const { status, retryAfterS } = await postOnce(http, url, body);
          if (status === 200) break;
          shed++;
          await sleep(retryAfterS * 1000);
        }
      }
    }),
  );
  http.destroy();
  return { agents, batches_per_agent: perAgent, samples: agents * perAgent * 100, drain_seconds: r((performance.now() - t) / 1000), answered_429: shed };
}

export async function benchOverload(): Promise<void> {
  const seconds = envInt('BENCH_OVERLOAD_SECONDS', 60);
  const batch = envInt('BENCH_OVERLOAD_BATCH', 500);
  const tmp = tempDir('roomwatch-bench-overload-');
  const c = await startCollectorProc(tmp.dir);
  try {
    const stream = new BatchStream(batch);
    const cap = await capacity(c, stream, batch);
    emit({ bench: 'overload', phase: 'capacity', samples_per_s: r(cap), agent: AGENT });
    for (const factor of [2, 4]) {
      emit({ bench: 'overload', phase: `offered_${factor}x`, offered_samples_per_s: r(cap * factor), ...(await offered(c, stream, batch, cap * factor, seconds)) });
    }
    emit({
      bench: 'overload',
      phase: 'drain_after_outage',
      outage_minutes: envInt('BENCH_OUTAGE_MINUTES', 10),
      ...(await drain(c, envInt('BENCH_DRAIN_AGENTS', 100), envInt('BENCH_OUTAGE_MINUTES', 10))),
    });
  } finally {
    await c.stop();
    tmp.cleanup();
  }
}
