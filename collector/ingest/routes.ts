/** Ingest endpoints: the agent's JSON batches and InfluxDB line protocol for Telegraf. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { ErrorReply, IngestBatch, IngestReply, INGEST_PATH, MIN_TS_MS, type Sample } from '../contract/index.js';
import { Errors } from '../errors.js';
import type { CollectorMetrics } from '../metrics.js';
import { formatDuration } from '../../lib/units.js';
import { tokenFromHeader, type TokenAuth } from './auth.js';
import { decompressRequest } from './gzip.js';
import { parseLineProtocol, parsePrecision } from './line-protocol.js';
import type { IngestService } from './service.js';
import { clientGone, type IngestAdmission } from './admission.js';

export interface IngestRouteOptions {
  auth: TokenAuth;
  ingest: IngestService;
  metrics: CollectorMetrics;
  maxBodyBytes: number;
  maxSamples: number;
  maxFutureMs: number;
  now: () => number;
  admission?: IngestAdmission;
}

const WriteQuery = Type.Object({
  org: Type.Optional(Type.String()),
  bucket: Type.Optional(Type.String()),
  db: Type.Optional(Type.String()),
  precision: Type.Optional(Type.String()),
});

export async function ingestRoutes(app: FastifyInstance, opts: IngestRouteOptions): Promise<void> {
  const authenticate = (request: FastifyRequest): string => {
    const token = tokenFromHeader(request.headers.authorization);
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

  app.post<{ Body: Static<typeof IngestBatch> }>(
    INGEST_PATH,
    {
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
      const result = opts.ingest.apply({
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

  app.post<{ Body: string; Querystring: Static<typeof WriteQuery> }>(
    '/api/v2/write',
    { bodyLimit: opts.maxBodyBytes, schema: { querystring: WriteQuery } },
    async (request, reply) => {
      const agent = (request as FastifyRequest & { agent: string }).agent;
      const precision = parsePrecision(request.query.precision);
      if (!precision) throw new Errors.LineProtocol(`precision '${request.query.precision}' is not one of ns, us, ms, s`);
      if (typeof request.body !== 'string') throw new Errors.LineProtocol('body must be line protocol text');
      const parsed = parseLineProtocol(request.body, { precision, now: opts.now() });
      checkSamples(parsed.samples, (i) => `point ${i + 1}`);
      if (clientGone(request)) throw new Errors.ClientGone();
      if (parsed.samples.length > 0) {
        const timer = opts.metrics.batchSeconds.startTimer({ endpoint: 'write' });
        const result = opts.ingest.apply({ agent, samples: parsed.samples });
        timer();
        opts.metrics.samples.inc({ endpoint: 'write' }, parsed.samples.length);
        opts.metrics.values.inc({ endpoint: 'write' }, result.values);
      }
      if (parsed.errors.length > 0) {
        // InfluxDB's partial-write semantics: good points are kept, the client hears about the bad lines.
        opts.metrics.batches.inc({ endpoint: 'write', result: 'partial' });
        const shown = parsed.errors.slice(0, 10).map((e) => `line ${e.line}: ${e.message}`);
        const more = parsed.errors.length > shown.length ? `; and ${parsed.errors.length - shown.length} more` : '';
        throw new Errors.LineProtocol(`partial write: ${parsed.samples.length} points written, ${parsed.errors.length} rejected: ${shown.join('; ')}${more}`);
      }
      opts.metrics.batches.inc({ endpoint: 'write', result: 'applied' });
      return reply.code(204).send();
    },
  );
}
