/** Read API: devices, series and range queries over the metric store. */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { parseTimeParam } from '../../lib/time.js';
import { parseDuration } from '../../lib/units.js';
import type { BatchLedger } from '../ingest/dedup.js';
import { Errors } from '../errors.js';
import type { AgentUp } from '../registry/agent-up.js';
import type { DeviceRegistry } from '../registry/devices.js';
import { formatMetric, makeMatcher, parseSelector, SelectorError, type MetricSelector } from '../store/selector.js';
import { AGGREGATIONS, type Aggregation, type MetricStore } from '../store/types.js';

export interface ApiRouteOptions {
  store: MetricStore;
  registry: DeviceRegistry;
  ledger: BatchLedger;
  now: () => number;
  /** Agent hosts' up state from heartbeat freshness; their device rows say `up` and `up_source: heartbeat`. */
  agentUp?: AgentUp;
}

/** Above this many points in all, a query's JSON is written series by series as a stream. */
export const STREAM_POINTS = 50_000;

/** Above this many buckets per series a query is refused: ask for a larger step instead. */
export const MAX_POINTS_PER_SERIES = 11_000;

const QueryParams = Type.Object({
  metric: Type.String({ minLength: 1 }),
  device: Type.Optional(Type.String()),
  from: Type.Optional(Type.String()),
  to: Type.Optional(Type.String()),
  step: Type.Optional(Type.String()),
  agg: Type.Optional(Type.String()),
});

const SeriesParams = Type.Object({
  metric: Type.Optional(Type.String()),
  measurement: Type.Optional(Type.String()),
  device: Type.Optional(Type.String()),
  limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,7}$' })),
});

const DeviceParams = Type.Object({
  class: Type.Optional(Type.String()),
  site: Type.Optional(Type.String()),
});

function selector(text: string): MetricSelector {
  try {
    return parseSelector(text);
  } catch (err) {
    if (err instanceof SelectorError) throw new Errors.BadQuery(`metric: ${err.message}`);
    throw err;
  }
}

/**
 * Default step when none is given: raw points up to an hour, otherwise about
 * 720 buckets (a point every two minutes over a day), rounded to whole minutes.
 */
export function defaultStep(rangeMs: number): number {
  if (rangeMs <= 3_600_000) return 0;
  return Math.ceil(rangeMs / 720 / 60_000) * 60_000;
}

export async function apiRoutes(app: FastifyInstance, opts: ApiRouteOptions): Promise<void> {
  app.get<{ Querystring: Static<typeof DeviceParams> }>('/api/v1/devices', { config: { access: 'viewer' }, schema: { querystring: DeviceParams } }, async (request) => {
    const now = opts.now();
    return {
      devices: opts.registry.list(request.query).map((d) => {
        const state = opts.agentUp?.state(d.name, now);
        return state ? { ...d, up: state === 'up', up_source: 'heartbeat' } : d;
      }),
    };
  });

  app.get('/api/v1/agents', { config: { access: 'viewer' } }, async () => ({ agents: opts.ledger.agents() }));

  app.get<{ Querystring: Static<typeof SeriesParams> }>('/api/v1/series', { config: { access: 'viewer' }, schema: { querystring: SeriesParams } }, async (request) => {
    const q = request.query;
    const sel = q.metric ? selector(q.metric) : undefined;
    const series = await opts.store.listSeries({
      measurement: sel?.measurement ?? q.measurement,
      field: sel?.field,
      device: q.device,
      matchers: sel?.matchers ?? [],
      limit: q.limit ? Math.min(Number(q.limit), 100_000) : 10_000,
    });
    // `metric` is a selector /api/v1/query reads back: names that need it are quoted.
    return { series: series.map((s) => ({ metric: formatMetric(s.measurement, s.field), ...s })) };
  });

  app.get<{ Querystring: Static<typeof QueryParams> }>('/api/v1/query', { config: { access: 'viewer' }, schema: { querystring: QueryParams } }, async (request, reply) => {
    const q = request.query;
    const now = opts.now();
    const sel = selector(q.metric);
    if (q.device) sel.matchers.push(makeMatcher('device', '=', q.device));
    const from = parseTimeParam(q.from ?? '-1h', now);
    const to = parseTimeParam(q.to ?? 'now', now);
    if (from === undefined) throw new Errors.BadQuery(`from: '${q.from}' is not a time (write -15m, now-1h, epoch ms or an ISO date)`);
    if (to === undefined) throw new Errors.BadQuery(`to: '${q.to}' is not a time (write now, -5m, epoch ms or an ISO date)`);
    if (to < from) throw new Errors.BadQuery('to is before from');
    const agg = (q.agg ?? 'avg') as Aggregation;
    if (!AGGREGATIONS.includes(agg)) throw new Errors.BadQuery(`agg: '${q.agg}' is not one of ${AGGREGATIONS.join(', ')}`);
    let stepMs: number;
    if (q.step === undefined) stepMs = defaultStep(to - from);
    else if (q.step === 'raw' || q.step === '0') stepMs = 0;
    else {
      const parsed = parseDuration(q.step);
      if (parsed === undefined || parsed <= 0) throw new Errors.BadQuery(`step: '${q.step}' is not a duration (write 30s, 1m, 1h or raw)`);
      stepMs = parsed;
    }
    if (stepMs > 0 && (to - from) / stepMs > MAX_POINTS_PER_SERIES) {
      throw new Errors.BadQuery(`step ${q.step} gives more than ${MAX_POINTS_PER_SERIES} points per series; use a larger step`);
    }
    const series = await opts.store.query({ measurement: sel.measurement, field: sel.field, matchers: sel.matchers, from, to, stepMs, agg });
    const head = { metric: formatMetric(sel.measurement, sel.field), from, to, step_ms: stepMs, agg };
    if (series.reduce((n, s) => n + s.points.length, 0) <= STREAM_POINTS) return { ...head, series };
    // A room-wide day at 1 m is tens of megabytes of JSON: written in pieces, never one string.
    return reply.type('application/json; charset=utf-8').send(Readable.from(jsonPieces(head, series)));
  });
}

/** The same JSON as `{ ...head, series }`, in pieces of about 64 KiB. */
function* jsonPieces(head: Record<string, unknown>, series: readonly unknown[]): Generator<string> {
  let out = `${JSON.stringify(head).slice(0, -1)},"series":[`;
  for (let i = 0; i < series.length; i++) {
    out += (i > 0 ? ',' : '') + JSON.stringify(series[i]);
    if (out.length >= 65_536) {
      yield out;
      out = '';
    }
  }
  yield `${out}]}`;
}
