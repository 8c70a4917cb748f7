/**
 * ingest_json: agent batches (JSON, 1,000 samples each) POSTed to the real
 * collector's /api/v1/ingest over keep-alive connections, plain and gzip runs
 * interleaved so the growing database weighs on both alike. The collector runs
 * in a child process; its CPU seconds (process.cpuUsage) give samples per
 * CPU-second, i.e. per core — the target is 100,000.
 */
import { join } from 'node:path';
import { INGEST_PATH } from '../collector/contract/index.js';
import { BatchStream, collectorTarget, gzipBody, jsonBody, loadSettings, summarize, timedRun, type RunFigures } from './batches.js';
import { emit, getText, keepAliveAgent, progress, promSum, r, startCollectorProc, tempDir, TOKEN } from './lib.js';

const ENCODINGS = ['plain', 'gzip'] as const;
type Encoding = (typeof ENCODINGS)[number];

export async function benchIngestJson(): Promise<void> {
  const s = loadSettings();
  const tmp = tempDir('json');
  const collector = await startCollectorProc(join(tmp.dir, 'data'), s.synchronous);
  const http = keepAliveAgent(s.concurrency);
  try {
    const stream = new BatchStream(s.batchSamples);
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const targets = {
      plain: collectorTarget(collector, INGEST_PATH, headers, http),
      gzip: collectorTarget(collector, INGEST_PATH, { ...headers, 'content-encoding': 'gzip' }, http),
    };
    const encode = (enc: Encoding, body: Buffer) => (enc === 'gzip' ? gzipBody(body) : body);

    if (s.warmupBatches > 0) {
      progress(`ingest_json: warm-up, ${s.warmupBatches} batches`);
      for (const enc of ENCODINGS) {
        const batches = stream.next(Math.ceil(s.warmupBatches / 2));
        await timedRun(
          targets[enc],
          batches,
          batches.map((b) => encode(enc, jsonBody(b))),
          s.concurrency,
        );
      }
    }
    const before = promSum(await getText(`${collector.url}/metrics`), 'roomwatch_ingest_values_total');

    const runs: Record<Encoding, RunFigures[]> = { plain: [], gzip: [] };
    for (let run = 1; run <= s.runs; run++) {
      for (const enc of ENCODINGS) {
        const batches = stream.next(s.batchesPerRun);
        const fig = await timedRun(
          targets[enc],
          batches,
          batches.map((b) => encode(enc, jsonBody(b))),
          s.concurrency,
        );
        runs[enc].push(fig);
        progress(`ingest_json ${enc} run ${run}/${s.runs}: ${Math.round(fig.samples / (fig.ms / 1000))} samples/s, ${fig.cpuS.toFixed(2)} collector CPU s`);
      }
    }

    const stored = promSum(await getText(`${collector.url}/metrics`), 'roomwatch_ingest_values_total') - before;
    const common = {
      batch_samples: s.batchSamples,
      batches_per_run: s.batchesPerRun,
      concurrency: s.concurrency,
      synchronous: s.synchronous,
      room_samples_per_scrape: stream.room.templates.length,
      target_samples_per_cpu_s: 100_000,
    };
    const plain = summarize(runs.plain);
    const gzip = summarize(runs.gzip);
    emit({ bench: 'ingest_json', encoding: 'plain', ...plain, ...common });
    emit({
      bench: 'ingest_json',
      encoding: 'gzip',
      ...gzip,
      ...common,
      gzip_vs_plain_samples_per_s: r(gzip.samples_per_s / plain.samples_per_s),
      gzip_cpu_per_sample_vs_plain: r(plain.samples_per_cpu_s / gzip.samples_per_cpu_s),
    });
    const sent = plain.values_sent + gzip.values_sent;
    if (stored !== sent) emit({ bench: 'ingest_json', warning: `collector counted ${stored} values applied, ${sent} were sent` });
  } finally {
    http.destroy();
    await collector.stop();
    tmp.cleanup();
  }
}
