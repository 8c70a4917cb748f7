/**
 * rules_latency (issue 15): breaching sample → `fired`, and → incident visible
 * through GET /api/v1/incidents, at a fixed offered load (half the capacity the
 * rules mode measured), not at saturation: at saturation every request waits
 * behind the queue, and load shedding (issue 14) answers for that.
 *
 * The load is open-loop: one batch every batchSamples / offered seconds,
 * whatever the answers, continuing the data stream (so the collector's data
 * clock keeps advancing). A probe is one sample for a new device that the
 * synthetic `latency probe` rule (no `for`) fires on, sent every 100 ms; its
 * incident is polled every 5 ms from the moment it is sent.
 */
import { INGEST_PATH } from '../collector/contract/index.js';
import { BatchStream, jsonBody } from './batches.js';
import { AGENT, envInt, keepAliveAgent, latencyFigures, post, progress, r, sleep, READ_HEADERS, type CollectorProc } from './lib.js';

const PROBE_EVERY_MS = 100;
const POLL_EVERY_MS = 5;
/** Open requests past which the load generator stops offering more (it counts what it skipped); below ingest.max_inflight (32), so the probes are never shed. */
const MAX_OPEN = 16;

export interface LatencyFigures {
  capacity_samples_per_s: number;
  offered_samples_per_s: number;
  achieved_samples_per_s: number;
  offers_skipped: number;
  probes: number;
  fired_seen: number;
  fired_p50_ms: number;
  fired_p95_ms: number;
  fired_max_ms: number;
  incident_seen: number;
  incident_p50_ms: number;
  incident_p95_ms: number;
  incident_max_ms: number;
  target_fired_p95_ms: number;
  target_incident_p95_ms: number;
  note: string;
}

export interface LatencyOptions {
  collector: CollectorProc;
  stream: BatchStream;
  batchSamples: number;
  headers: Record<string, string>;
  /** device → epoch ms (performance.timeOrigin + now) of its `fired` event, filled by the collector's IPC notices. */
  fired: ReadonlyMap<string, number>;
  offeredSamplesPerS: number;
  capacitySamplesPerS: number;
  mode: string;
}

const clock = () => performance.timeOrigin + performance.now();

export async function measureLatency(o: LatencyOptions): Promise<LatencyFigures> {
  const probes = envInt('BENCH_LATENCY_PROBES', 100);
  const durationMs = probes * PROBE_EVERY_MS;
  const intervalMs = (o.batchSamples / o.offeredSamplesPerS) * 1000;
  const batches = o.stream.next(Math.ceil(durationMs / intervalMs) + 2);
  const bodies = batches.map(jsonBody);
  const url = `${o.collector.url}${INGEST_PATH}`;
  const http = keepAliveAgent(MAX_OPEN + 2);
  progress(`rules_latency ${o.mode}: ${probes} probes at ${Math.round(o.offeredSamplesPerS)} samples/s offered`);

  let open = 0;
  let skipped = 0;
  let acked = 0;
  let latestTs = batches[0]?.samples[0]?.ts ?? Date.now();
  const load = (async () => {
    const started = performance.now();
    for (let i = 0; i < bodies.length; i++) {
      const due = started + i * intervalMs;
      if (due - started > durationMs) break;
      await sleep(Math.max(0, due - performance.now()));
      if (open >= MAX_OPEN) {
        skipped++;
        continue;
      }
      open++;
      const b = batches[i];
      latestTs = Math.max(latestTs, ...(b?.samples.map((s) => s.ts) ?? []));
      void post(http, url, bodies[i] as Buffer, o.headers)
        .then((res) => {
          if (res.status === 200) acked += b?.samples.length ?? 0;
        })
        .catch(() => undefined)
        .finally(() => open--);
    }
    return performance.now() - started;
  })();

  const sent = new Map<string, number>();
  const incident = new Map<string, number>();
  const polls: Array<Promise<void>> = [];
  const probePosts: Array<Promise<void>> = [];
  for (let i = 0; i < probes; i++) {
    const device = `lat-${String(i).padStart(4, '0')}`;
    // The probe carries the data clock's time, like the room's samples beside it.
    const body = Buffer.from(
      JSON.stringify({
        agent: AGENT,
        seq: 1_000_000 + i,
        batch_id: `${AGENT}:probe:${o.mode.replace(/[^A-Za-z0-9]/g, '_')}:${i}`,
        samples: [{ measurement: 'bench', tags: { device }, fields: { latency_probe: 1 }, ts: latestTs }],
      }),
    );
    const t = clock();
    sent.set(device, t);
    const posting = post(http, url, body, o.headers).then((res) => {
      if (res.status !== 200) throw new Error(`probe ${i}: ${res.status} ${res.text.slice(0, 200)}`);
    });
    probePosts.push(posting);
    polls.push(pollIncident(o.collector.url, device, t, incident, posting));
    await sleep(PROBE_EVERY_MS);
  }
  const loadMs = await load;
  await Promise.all(polls);
  // A refused probe is a broken bench, not a slow collector.
  await Promise.all(probePosts);
  while (open > 0) await sleep(10);
  http.destroy();

  const firedMs = [...sent].flatMap(([d, t]) => (o.fired.has(d) ? [(o.fired.get(d) as number) - t] : []));
  const incidentMs = [...sent].flatMap(([d, t]) => (incident.has(d) ? [(incident.get(d) as number) - t] : []));
  const f = latencyFigures(firedMs);
  const inc = latencyFigures(incidentMs);
  return {
    capacity_samples_per_s: r(o.capacitySamplesPerS),
    offered_samples_per_s: r(o.offeredSamplesPerS),
    achieved_samples_per_s: r(acked / (loadMs / 1000)),
    offers_skipped: skipped,
    probes,
    fired_seen: firedMs.length,
    fired_p50_ms: f.p50_ms,
    fired_p95_ms: f.p95_ms,
    fired_max_ms: f.max_ms,
    incident_seen: incidentMs.length,
    incident_p50_ms: inc.p50_ms,
    incident_p95_ms: inc.p95_ms,
    incident_max_ms: inc.max_ms,
    target_fired_p95_ms: 50,
    target_incident_p95_ms: 100,
    note: 'client send of a breaching sample → the fired event in the collector (IPC, same clock) and → the incident listed by GET /api/v1/incidents?device= (polled every 5 ms); at a fixed open-loop load of half the capacity this mode measured; includes HTTP, the SQLite commit (fsync), evaluation and incident creation',
  };
}

/** Polls the incident list for one device until it shows up (at most 10 s). */
async function pollIncident(base: string, device: string, sentAt: number, seen: Map<string, number>, posting: Promise<unknown>): Promise<void> {
  const deadline = sentAt + 10_000;
  void posting.catch(() => undefined);
  while (clock() < deadline) {
    try {
      const res = await fetch(`${base}/api/v1/incidents?device=${encodeURIComponent(device)}&limit=1`, { headers: READ_HEADERS });
      const body = (await res.json()) as { incidents?: unknown[] };
      if (body.incidents && body.incidents.length > 0) {
        seen.set(device, clock());
        return;
      }
    } catch {
      // A failed poll is retried; the probe counts as unseen if none succeeds in time.
    }
    await sleep(POLL_EVERY_MS);
  }
}
