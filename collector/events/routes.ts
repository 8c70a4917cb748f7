/**
 * GET /api/v1/events  server-sent events for the console (viewer): `incident`
 *                     (a board row) and `alert` (a transition), `hello` first.
 * GET /api/v1/board   the board's rows and the alert counts, read once at load
 *                     and again after every reconnect (events are not replayed).
 */
import type { FastifyInstance } from 'fastify';
import Type from 'typebox';
import type { IncidentStore } from '../incidents/store.js';
import type { Incident } from '../incidents/types.js';
import type { RuleEngine } from '../rules/engine.js';
import { BOARD_LIMIT, BOARD_STATUSES, boardRow } from './board.js';
import type { ConsoleEvent, EventBus } from './bus.js';

export interface EventRouteOptions {
  bus: EventBus;
  engine: RuleEngine;
  store: IncidentStore;
  slaView: (incident: Incident, now: number) => Record<string, unknown>;
  now: () => number;
  /** Streams end after this long so the browser reconnects and its session is checked again. */
  maxStreamMs?: number;
  heartbeatMs?: number;
  /** Beyond this many open streams a new one is refused with 503 (each holds a socket). */
  maxStreams?: number;
}

/** A stream whose socket buffer grows past this is a client that stopped reading: it is dropped and reconnects. */
const MAX_BUFFERED_BYTES = 1 << 20;
const NoQuery = Type.Object({}, { additionalProperties: false });

export function alertCounts(engine: RuleEngine): Record<'firing' | 'pending' | 'suppressed' | 'muted', number> {
  const counts = { firing: 0, pending: 0, suppressed: 0, muted: 0 };
  for (const a of engine.alerts()) {
    if (a.muted && (a.state === 'firing' || a.state === 'pending')) counts.muted++;
    else if (a.state === 'firing' || a.state === 'pending' || a.state === 'suppressed') counts[a.state]++;
  }
  return counts;
}

export async function eventRoutes(app: FastifyInstance, opts: EventRouteOptions): Promise<void> {
  const maxStreamMs = opts.maxStreamMs ?? 10 * 60_000;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const maxStreams = opts.maxStreams ?? 200;
  // Open streams are ended before the server closes; otherwise close() waits for each browser to leave.
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  app.get('/api/v1/board', { config: { access: 'viewer' }, schema: { querystring: NoQuery } }, async () => {
    const now = opts.now();
    const rows = opts.store.list({ status: [...BOARD_STATUSES], limit: BOARD_LIMIT }).map((i) => boardRow(i, opts.slaView, now));
    return { now, rows, alerts: alertCounts(opts.engine) };
  });

  app.get('/api/v1/events', { config: { access: 'viewer' }, exposeHeadRoute: false, schema: { querystring: NoQuery } }, (request, reply) => {
    if (opts.bus.size >= maxStreams) {
      return reply
        .code(503)
        .header('retry-after', '10')
        .send({ statusCode: 503, code: 'RW_TOO_MANY_STREAMS', error: 'Service Unavailable', message: `${maxStreams} event streams are open; retry later` });
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // A reverse proxy (nginx) must pass events through instead of buffering them.
      'x-accel-buffering': 'no',
    });
    let seq = 0;
    const write = (chunk: string) => {
      if (res.destroyed) return;
      res.write(chunk);
      if (res.writableLength > MAX_BUFFERED_BYTES) end();
    };
    const send = (e: ConsoleEvent | { type: 'hello'; data: { now: number } }) => write(`id: ${++seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`);
    const unsubscribe = opts.bus.subscribe(send);
    const heartbeat = setInterval(() => write(': ping\n\n'), heartbeatMs);
    const lifetime = setTimeout(() => end(), maxStreamMs);
    heartbeat.unref();
    lifetime.unref();
    open.add(end);
    function end() {
      open.delete(end);
      unsubscribe();
      clearInterval(heartbeat);
      clearTimeout(lifetime);
      if (!res.destroyed) res.end();
    }
    request.raw.on('close', end);
    write('retry: 3000\n\n');
    send({ type: 'hello', data: { now: opts.now() } });
    // inject() (tests walking the route table) waits for the end of the response; give it the greeting and stop.
    if (request.headers['user-agent'] === 'lightMyRequest') end();
  });
}
