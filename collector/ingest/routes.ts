/**
 * Ingest endpoints: the agent's JSON batches, and InfluxDB line protocol for
 * Telegraf and anything else that speaks it, at InfluxDB 1.x's `/write` and
 * 2.x's `/api/v2/write`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { ErrorReply, IngestBatch, IngestReply, INGEST_PATH, MIN_TS_MS, type Sample } from '../contract/index.js';
import { Errors } from '../errors.js';
import type { CollectorMetrics } from '../metrics.js';
import { formatDuration } from '../../lib/units.js';
import type { TokenAuth } from './auth.js';
import { decompressRequest } from './gzip.js';
import { deviceHints, presentedToken } from './influx-compat.js';
import { parseLineProtocol, parsePrecision } from './line-protocol.js';
import type { NamePolicy } from './names.js';
import type { IngestService } from './service.js';
import { clientGone, type IngestAdmission } from './admission.js';

export interface IngestRouteOptions {
  auth: TokenAuth;
  ingest: IngestService;
  metrics: CollectorMetrics;
  maxBodyBytes: number;
  maxSamples: number;
  maxFutureMs: number;
  /** Line-protocol name policy (names.ts). */
  names?: NamePolicy;
  /** The inventory's class for a device, given to line-protocol devices that have none. */
  inventoryClass?: (device: string) => string | undefined;
  now: () => number;
  admission?: IngestAdmission;
}

const WriteQuery = Type.Object({
  org: Type.Optional(Type.String()),
  orgID: Type.Optional(Type.String()),
  bucket: Type.Optional(Type.String()),
  db: Type.Optional(Type.String()),
  precision: Type.Optional(Type.String()),
});

/** InfluxDB 1.x `/write`: there is one store, so `db` and `rp` are accepted and not used. */
const WriteV1Query = Type.Object({
  db: Type.Optional(Type.String()),
  rp: Type.Optional(Type.String()),
  precision: Type.Optional(Type.String()),
  consistency: Type.Optional(Type.String()),
  u: Type.Optional(Type.String()),
  p: Type.Optional(Type.String()),
});

/** Bad lines named per write; the count of the rest follows. */
const SHOWN_ERRORS = 10;

export async function ingestRoutes(app: FastifyInstance, opts: IngestRouteOptions): Promise<void> {
  const authenticate = (request: FastifyRequest): string => {
    const token = presentedToken(request, request.url.startsWith('/write'));
    if (!token) throw new Errors.AuthMissing();
    const agent = opts.auth.verify(token);
    if (!agent) throw new Errors.AuthInvalid();
    return agent;
  };

  const checkSamples = (samples: readonly Sample[], path: (i: number) => string): void => {
    if (samples.length > opts.maxSamples) throw new Errors.TooManySamples(samples.length, opts.maxSamples);
    const latest = opts.now() + opts.maxFutureMs;
    for (let i = 0; i < samples.length; i++) {
      const ts = (samples[i] as Sample).ts;
      if (ts > latest) throw new Errors.TimestampInFuture(path(i), ts, formatDuration(opts.maxFutureMs));
      if (ts < MIN_TS_MS) throw new Errors.TimestampTooOld(path(i), ts);
    }
  };

  // Authenticate before the body is read, so an unauthenticated client cannot make us parse megabytes.
  app.addHook('onRequest', async (request, reply) => {
    (request as FastifyRequest & { agent?: string }).agent = authenticate(request);
    opts.admission?.admit(request, reply);
  });
  app.addHook('onResponse', async (request) => opts.admission?.release(request));
  app.addHook('onRequestAbort', async (request) => opts.admission?.release(request));
  app.addHook('preParsing', async (request, _reply, payload) => decompressRequest(request, payload));
  // Line protocol arrives with any Content-Type or none: InfluxDB ignores it, and so do
  // curl -d (form-urlencoded) and InfluxData's own examples. JSON still goes to JSON.
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: opts.maxBodyBytes }, (request, body, done) => {
    if (request.url.startsWith(INGEST_PATH)) done(new Errors.UnsupportedMediaType(String(request.headers['content-type'] ?? '(none)')), undefined);
    else done(null, body);
  });

  app.post<{ Body: Static<typeof IngestBatch> }>(
    INGEST_PATH,
    {
      config: { access: 'agent' },
      bodyLimit: opts.maxBodyBytes,
      schema: { body: IngestBatch, response: { 200: IngestReply, '4xx': ErrorReply } },
    },
    async (request) => {
      const agent = (request as FastifyRequest & { agent: string }).agent;
      const batch = request.body;
      if (batch.agent !== agent) throw new Errors.AgentMismatch(batch.agent, agent);
      checkSamples(batch.samples, (i) => `body/samples/${i}/ts`);
      if (clientGone(request)) throw new Errors.ClientGone();
      const timer = opts.metrics.batchSeconds.startTimer({ endpoint: 'ingest' });
      const result = await opts.ingest.apply({
        agent,
        batchId: batch.batch_id,
        seq: batch.seq,
        devices: batch.devices,
        samples: batch.samples,
      });
      timer();
      if (result.warnings.length > 0) request.log.warn({ agent, warnings: result.warnings }, 'batch applied with changes');
      opts.metrics.batches.inc({ endpoint: 'ingest', result: result.duplicate ? 'duplicate' : 'applied' });
      if (!result.duplicate) {
        opts.metrics.samples.inc({ endpoint: 'ingest' }, batch.samples.length);
        opts.metrics.values.inc({ endpoint: 'ingest' }, result.values);
      }
      return {
        ok: true,
        batch_id: batch.batch_id,
        duplicate: result.duplicate,
        accepted: result.duplicate ? 0 : batch.samples.length,
        server_time: opts.now(),
        ...(result.warnings.length > 0 ? { warnings: result.warnings } : {}),
      };
    },
  );

  /**
   * One body of line protocol. Good lines are stored and bad ones named, as
   * InfluxDB does: 204 when every line was good, else 400 whose message starts
   * with "partial write" (some stored) or "unable to parse" (none stored) —
   * the phrases Telegraf looks for before dropping a batch instead of retrying it.
   */
  const writeLines = async (request: FastifyRequest, reply: FastifyReply, precisionText: string | undefined, v1: boolean) => {
    const agent = (request as FastifyRequest & { agent: string }).agent;
    const precision = parsePrecision(precisionText);
    if (!precision) throw new Errors.LineProtocol(`precision '${precisionText}' is not one of ${v1 ? 'n, u, ms, s, m, h' : 'ns, us, ms, s'}`);
    const body = typeof request.body === 'string' ? request.body : request.body === undefined || request.body === null ? '' : undefined;
    if (body === undefined) throw new Errors.LineProtocol('body must be line protocol text');
    const now = opts.now();
    const parsed = parseLineProtocol(body, {
      precision,
      now,
      // Lines naming neither `device` nor `host` belong to the sender.
      defaultDevice: agent,
      names: opts.names,
      unsigned: !v1,
      window: { min: MIN_TS_MS, max: now + opts.maxFutureMs, maxLabel: formatDuration(opts.maxFutureMs) },
    });
    if (parsed.samples.length > opts.maxSamples) throw new Errors.TooManySamples(parsed.samples.length, opts.maxSamples);
    // A client that gave up will retry: applying its batch now would only double the work.
    if (clientGone(request)) throw new Errors.ClientGone();
    if (parsed.samples.length > 0) {
      const timer = opts.metrics.batchSeconds.startTimer({ endpoint: 'write' });
      const hints = deviceHints(parsed.samples, opts.inventoryClass ?? (() => undefined));
      const result = await opts.ingest.apply({ agent, samples: parsed.samples, hints });
      timer();
      opts.metrics.samples.inc({ endpoint: 'write' }, parsed.samples.length);
      opts.metrics.values.inc({ endpoint: 'write' }, result.values);
    }
    if (parsed.rejected === 0) {
      opts.metrics.batches.inc({ endpoint: 'write', result: 'applied' });
      return reply.code(204).send();
    }
    opts.metrics.batches.inc({ endpoint: 'write', result: parsed.samples.length > 0 ? 'partial' : 'rejected' });
    const shown = parsed.errors.slice(0, SHOWN_ERRORS).map((e) => `line ${e.line}: ${e.message}`);
    const more = parsed.rejected > shown.length ? `; and ${parsed.rejected - shown.length} more` : '';
    const head = parsed.samples.length > 0 ? 'partial write' : 'unable to parse';
    const message = `${head}: ${parsed.samples.length} points written, ${parsed.rejected} rejected: ${shown.join('; ')}${more}`;
    return reply.code(400).send({ statusCode: 400, code: 'RW_LINE_PROTOCOL', error: v1 ? message : 'Bad Request', message });
  };

  app.post<{ Body: string; Querystring: Static<typeof WriteQuery> }>(
    '/api/v2/write',
    { config: { access: 'agent' }, bodyLimit: opts.maxBodyBytes, schema: { querystring: WriteQuery } },
    async (request, reply) => writeLines(request, reply, request.query.precision, false),
  );

  app.post<{ Body: string; Querystring: Static<typeof WriteV1Query> }>(
    '/write',
    { config: { access: 'agent' }, bodyLimit: opts.maxBodyBytes, schema: { querystring: WriteV1Query } },
    async (request, reply) => writeLines(request, reply, request.query.precision, true),
  );
}
