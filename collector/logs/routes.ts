/**
 * Syslog lines in and out:
 *   POST /api/v1/logs/ingest  agents (bearer token; gzip allowed), a batch of raw lines
 *   GET  /api/v1/logs?device=&since=&until=&q=&limit=&before=  newest first, paginated
 * `since`/`until` take what /api/v1/query takes (`-1h`, epoch ms, ISO-8601);
 * `q` is a case-insensitive substring; `limit` is at most 1,000 (default 100);
 * `next` in the answer is the `before` of the following page.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { parseTimeParam } from '../../lib/time.js';
import { ErrorReply, LogBatch, LogBatchReply, LOGS_INGEST_PATH, LOGS_PATH } from '../contract/index.js';
import { Errors } from '../errors.js';
import type { TokenAuth } from '../ingest/auth.js';
import { decompressRequest } from '../ingest/gzip.js';
import { presentedToken } from '../ingest/influx-compat.js';
import type { LogStore } from './store.js';

export interface LogRouteOptions {
  auth: TokenAuth;
  store: LogStore;
  now: () => number;
  maxBodyBytes: number;
  /** Lines stored, for roomwatch_syslog_lines_total. */
  onStored?: (lines: number) => void;
}

const MAX_LIMIT = 1_000;

const LogsQuery = Type.Object(
  {
    device: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    since: Type.Optional(Type.String({ maxLength: 64 })),
    until: Type.Optional(Type.String({ maxLength: 64 })),
    q: Type.Optional(Type.String({ maxLength: 256 })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,7}$' })),
    before: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
  },
  { additionalProperties: false },
);

/** Ingest: its own encapsulated plugin, so the agent-token hook covers this route only. */
async function logIngestRoute(app: FastifyInstance, opts: LogRouteOptions): Promise<void> {
  app.addHook('onRequest', async (request) => {
    const token = presentedToken(request, false);
    if (!token) throw new Errors.AuthMissing();
    const agent = opts.auth.verify(token);
    if (!agent) throw new Errors.AuthInvalid();
    (request as FastifyRequest & { agent?: string }).agent = agent;
  });
  app.addHook('preParsing', async (request, _reply, payload) => decompressRequest(request, payload));
  app.post<{ Body: Static<typeof LogBatch> }>(
    LOGS_INGEST_PATH,
    { bodyLimit: opts.maxBodyBytes, config: { access: 'agent' }, schema: { body: LogBatch, response: { 200: LogBatchReply, '4xx': ErrorReply } } },
    async (request) => {
      const agent = (request as FastifyRequest & { agent: string }).agent;
      const batch = request.body;
      if (batch.agent !== agent) throw new Errors.AgentMismatch(batch.agent, agent);
      const applied = opts.store.apply(agent, batch.batch_id, batch.lines, opts.now());
      if (applied) opts.onStored?.(batch.lines.length);
      return { ok: true, batch_id: batch.batch_id, duplicate: !applied, accepted: applied ? batch.lines.length : 0 };
    },
  );
}

export async function logRoutes(app: FastifyInstance, opts: LogRouteOptions): Promise<void> {
  await app.register(logIngestRoute, opts);
  app.get<{ Querystring: Static<typeof LogsQuery> }>(LOGS_PATH, { config: { access: 'viewer' }, schema: { querystring: LogsQuery } }, async (request) => {
    const q = request.query;
    const now = opts.now();
    const time = (name: 'since' | 'until') => {
      const text = q[name];
      if (text === undefined) return undefined;
      const t = parseTimeParam(text, now);
      if (t === undefined) throw new Errors.BadQuery(`${name}: '${text}' is not a time; write e.g. -1h, an epoch in ms or 2026-11-23T08:00:00Z`);
      return t;
    };
    const limit = q.limit === undefined ? 100 : Number(q.limit);
    if (limit < 1 || limit > MAX_LIMIT) throw new Errors.BadQuery(`limit: ${q.limit} is out of range; give 1 to ${MAX_LIMIT}`);
    const { lines, next } = opts.store.query({ device: q.device, since: time('since'), until: time('until'), q: q.q, limit, before: q.before === undefined ? undefined : Number(q.before) });
    return { lines, ...(next !== undefined ? { next } : {}) };
  });
}
