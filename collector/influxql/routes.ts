/**
 * InfluxDB 1.x's read API on the embedded store: `/query` (GET and POST, `db`,
 * `q`, `epoch`, several statements separated by `;`) and `/ping`, so Grafana's
 * InfluxDB datasource in InfluxQL mode shows the shipped dashboards with no
 * InfluxDB at all.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import type { InfluxSource } from './execute.js';
import { runQuery } from './run.js';

export interface QueryRouteOptions {
  source: InfluxSource;
  now: () => number;
}

const QueryParams = Type.Object({
  q: Type.Optional(Type.String()),
  db: Type.Optional(Type.String()),
  rp: Type.Optional(Type.String()),
  epoch: Type.Optional(Type.Union([Type.Literal('ns'), Type.Literal('n'), Type.Literal('u'), Type.Literal('µ'), Type.Literal('ms'), Type.Literal('s'), Type.Literal('m'), Type.Literal('h')])),
  u: Type.Optional(Type.String()),
  p: Type.Optional(Type.String()),
  pretty: Type.Optional(Type.String()),
  chunked: Type.Optional(Type.String()),
});
type QueryParams = Static<typeof QueryParams>;

export async function queryRoutes(app: FastifyInstance, opts: QueryRouteOptions): Promise<void> {
  // Grafana's POST mode sends the parameters as a form.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  const answer = async (request: FastifyRequest, params: QueryParams, reply: import('fastify').FastifyReply) => {
    if (!params.q) return reply.code(400).send({ error: 'missing required parameter "q"' });
    const result = await runQuery(params.q, opts.source, { now: opts.now(), epoch: params.epoch, database: params.db });
    // A query that does not parse is a 400, as in influxd; statement errors ride in a 200.
    return reply
      .code(result.error ? 400 : 200)
      .header('X-Influxdb-Build', 'roomwatch')
      .send(result);
  };

  // Readers are viewers with a personal API token or an auth.tokens entry, presented the InfluxDB v1
  // ways Grafana sends it (`?u=&p=`, Basic auth, `Authorization: Token`): see collector/auth/service.ts.
  app.get<{ Querystring: QueryParams }>('/query', { config: { access: 'viewer' }, schema: { querystring: QueryParams } }, async (request, reply) => answer(request, request.query, reply));
  app.post<{ Querystring: QueryParams; Body: QueryParams | undefined }>('/query', { config: { access: 'viewer' }, schema: { querystring: QueryParams } }, async (request, reply) => {
    const body = request.body && typeof request.body === 'object' ? request.body : {};
    return answer(request, { ...request.query, ...body }, reply);
  });

  // Clients check the server this way before they write or query; no token needed, as in influxd.
  const ping = async (_request: FastifyRequest, reply: import('fastify').FastifyReply) => reply.code(204).header('X-Influxdb-Build', 'roomwatch').header('X-Influxdb-Version', '1.8-roomwatch').send();
  app.get('/ping', { config: { access: 'public' } }, ping);
}
