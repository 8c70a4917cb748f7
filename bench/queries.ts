/**
 * queries: room-wide range queries against VictoriaMetrics on the same data,
 * in the same run. `BENCH_QUERY_DEVICES` (1,000) devices send cpu.usage_pct
 * every `BENCH_QUERY_INTERVAL_S` (10) s for `BENCH_QUERY_HOURS` (24) h; the
 * very same line-protocol bodies go to the collector (a child process,
 * /api/v2/write) and to victoria-metrics (/api/v2/write). Then each query runs
 * `BENCH_RUNS` (5) times, alternating roomwatch and victoria, timed at the
 * client from request to the last byte of the body:
 *   roomwatch  GET /api/v1/query?metric=cpu.usage_pct&from=…&to=…&step=1m&agg=avg
 *   victoria   GET /api/v1/query_range?query=avg_over_time(cpu_usage_pct[1m])&start=…&end=…&step=60&nocache=1
 * `nocache=1` turns VictoriaMetrics' result cache off: roomwatch has none either
 * (its rollups are stored data, kept as samples arrive, not cached answers).
 */
import type http from 'node:http';
import { join } from 'node:path';
import { emit, envInt, keepAliveAgent, median, post, progress, r, READ_TOKEN, sleep, startCollectorProc, tempDir, TOKEN } from './lib.js';
import { findVictoria, startVictoria, type Victoria } from './victoria.js';

const LINES_PER_BODY = 10_000;

interface QueryCase {
  name: string;
  stepS: number;
  device?: string;
}

const cases = (devices: number, hours: number): QueryCase[] => [
  { name: `all_devices_${hours}h_step_1m`, stepS: 60 },
  { name: `all_devices_${hours}h_step_1h`, stepS: 3_600 },
  { name: `one_device_${hours}h_step_1m`, stepS: 60, device: deviceName(devices >> 1) },
];

const deviceName = (d: number) => `srv${String(d).padStart(4, '0')}`;

/** The day's line-protocol bodies, built as they are sent (a day at 10 s is 8.6 million lines). */
function* bodies(devices: number, start: number, end: number, intervalMs: number): Generator<[Buffer, number]> {
  let lines: string[] = [];
  for (let ts = start; ts < end; ts += intervalMs) {
    for (let d = 0; d < devices; d++) {
      const value = (((ts / intervalMs) * 7 + d * 13) % 1_000) / 10;
      lines.push(`cpu,device=${deviceName(d)} usage_pct=${value} ${ts + ((d * 137) % Math.min(intervalMs, 2_000))}`);
    }
    if (lines.length >= LINES_PER_BODY) {
      yield [Buffer.from(lines.join('\n')), lines.length];
      lines = [];
    }
  }
  if (lines.length > 0) yield [Buffer.from(lines.join('\n')), lines.length];
}

/** POSTs a body, waiting out 429/503 (load shedding) as an agent would. */
async function send(agent: http.Agent, url: string, body: Buffer, headers: Record<string, string>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const { status, text } = await post(agent, url, body, headers);
    if (status >= 200 && status < 300) return;
    if ((status === 429 || status === 503) && attempt < 100) {
      await sleep(500);
      continue;
    }
    throw new Error(`POST ${url} → ${status}: ${text.slice(0, 300)}`);
  }
}

async function timedGet(agent: http.Agent, url: string, headers: Record<string, string> = {}): Promise<{ ms: number; body: string }> {
  const { request } = await import('node:http');
  const started = performance.now();
  const body = await new Promise<string>((resolve, reject) => {
    request(url, { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`GET ${url} → ${res.statusCode}: ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`)),
      );
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
  return { ms: performance.now() - started, body };
}

export async function benchQueries(): Promise<void> {
  const devices = envInt('BENCH_QUERY_DEVICES', 1_000);
  const hours = envInt('BENCH_QUERY_HOURS', 24);
  const intervalMs = envInt('BENCH_QUERY_INTERVAL_S', 10) * 1_000;
  const runs = envInt('BENCH_RUNS', 5);
  const bin = findVictoria();
  if (!bin) emit({ bench: 'queries', target: 'victoria', skipped: 'victoria-metrics not installed' });
  const tmp = tempDir('queries');
  const collector = await startCollectorProc(join(tmp.dir, 'data'), 'normal');
  const http = keepAliveAgent(4);
  let vm: Victoria | undefined;
  try {
    if (bin) vm = await startVictoria(bin, join(tmp.dir, 'victoria'));
    const end = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
    const start = end - hours * 3_600_000;
    const rwWrite = `${collector.url}/api/v2/write?precision=ms`;
    const rwHeaders = { 'content-type': 'text/plain; charset=utf-8', authorization: `Token ${TOKEN}` };
    const t0 = performance.now();
    let lines = 0;
    let batch: Buffer[] = [];
    const flush = async () => {
      // Two bodies in flight per server, both servers at once.
      await Promise.all(batch.map((b) => Promise.all([send(http, rwWrite, b, rwHeaders), vm ? send(http, `${vm.url}/api/v2/write?precision=ms`, b, { 'content-type': 'text/plain' }) : undefined])));
      batch = [];
    };
    for (const [body, n] of bodies(devices, start, end, intervalMs)) {
      batch.push(body);
      lines += n;
      if (batch.length === 2) await flush();
      if (lines % 500_000 === 0) progress(`queries: loaded ${lines.toLocaleString()} lines in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
    await flush();
    if (vm) await timedGet(http, `${vm.url}/internal/force_flush`);
    const loadS = (performance.now() - t0) / 1000;
    progress(`queries: loaded both in ${loadS.toFixed(0)} s`);

    const rwUrl = (c: QueryCase) =>
      `${collector.url}/api/v1/query?metric=${encodeURIComponent('cpu.usage_pct')}${c.device ? `&device=${c.device}` : ''}&from=${start}&to=${end}&step=${c.stepS}s&agg=avg`;
    const vmUrl = (c: QueryCase) =>
      `${vm?.url}/api/v1/query_range?query=${encodeURIComponent(`avg_over_time(cpu_usage_pct${c.device ? `{device="${c.device}"}` : ''}[${c.stepS}s])`)}&start=${start / 1000}&end=${end / 1000}&step=${c.stepS}&nocache=1`;
    // One unreported query each: roomwatch catches its rollups up, both warm their caches of the index.
    const list = cases(devices, hours);
    const reader = { authorization: `Bearer ${READ_TOKEN}` };
    await timedGet(http, rwUrl(list[0] as QueryCase), reader);
    if (vm) await timedGet(http, vmUrl(list[0] as QueryCase));
    for (const c of list) {
      const rw: number[] = [];
      const vmMs: number[] = [];
      let rwShape = { series: 0, points: 0 };
      let vmShape = { series: 0, points: 0 };
      for (let run = 0; run < runs; run++) {
        const a = await timedGet(http, rwUrl(c), reader);
        rw.push(a.ms);
        const parsed = JSON.parse(a.body) as { series: Array<{ points: unknown[] }> };
        rwShape = { series: parsed.series.length, points: parsed.series.reduce((n, s) => n + s.points.length, 0) };
        if (vm) {
          const b = await timedGet(http, vmUrl(c));
          vmMs.push(b.ms);
          const v = JSON.parse(b.body) as { data: { result: Array<{ values: unknown[] }> } };
          vmShape = { series: v.data.result.length, points: v.data.result.reduce((n, s) => n + s.values.length, 0) };
        }
        progress(`queries ${c.name} run ${run + 1}/${runs}: roomwatch ${a.ms.toFixed(0)} ms${vm ? `, victoria ${(vmMs[run] as number).toFixed(0)} ms` : ''}`);
      }
      emit({
        bench: 'queries',
        query: c.name,
        devices,
        hours,
        interval_s: intervalMs / 1000,
        samples_loaded: lines,
        load_s: r(loadS),
        roomwatch_ms_median: r(median(rw)),
        roomwatch_runs_ms: rw.map(r),
        roomwatch_series: rwShape.series,
        roomwatch_points: rwShape.points,
        ...(vm
          ? {
              victoria_ms_median: r(median(vmMs)),
              victoria_runs_ms: vmMs.map(r),
              victoria_series: vmShape.series,
              victoria_points: vmShape.points,
              roomwatch_vs_victoria_time: r(median(rw) / median(vmMs)),
              target_ratio: 2,
            }
          : {}),
      });
    }
  } finally {
    http.destroy();
    await vm?.stop();
    await collector.stop();
    tmp.cleanup();
  }
}
