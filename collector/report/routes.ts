/**
 * GET /api/v1/reports            the archive's index (newest first)
 * GET /api/v1/reports/:date      a report built now: ?lang=zh-CN|en, ?format=html|text|json, ?site=
 * GET /api/v1/reports/week/:label   a weekly report (label: the week's Monday, or `last`), ?lang, ?format
 * GET /api/v1/reports/month/:label  a monthly report (label: YYYY-MM, or `last`)
 */
import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import { ReportDateError } from './gather.js';
import type { ReportService } from './service.js';

const Params = Type.Object({ date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }) });
const Query = Type.Object(
  {
    lang: Type.Optional(Type.Enum(['zh-CN', 'en'])),
    format: Type.Optional(Type.Enum(['html', 'text', 'json'])),
    site: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  },
  { additionalProperties: false },
);

const PeriodParams = Type.Object({ period: Type.Enum(['week', 'month']), label: Type.String({ pattern: '^(last|\\d{4}-\\d{2}(-\\d{2})?)$' }) });
const PeriodQuery = Type.Object({ lang: Type.Optional(Type.Enum(['zh-CN', 'en'])), format: Type.Optional(Type.Enum(['html', 'text', 'json'])) }, { additionalProperties: false });

export async function reportRoutes(app: FastifyInstance, opts: { reports: ReportService }): Promise<void> {
  app.get('/api/v1/reports', { config: { access: 'viewer' } }, async () => ({ reports: opts.reports.index(), periods: opts.reports.periods.index() }));

  app.get<{ Params: Static<typeof PeriodParams>; Querystring: Static<typeof PeriodQuery> }>(
    '/api/v1/reports/:period/:label',
    { config: { access: 'viewer' }, schema: { params: PeriodParams, querystring: PeriodQuery } },
    async (request, reply) => {
      const { period, label } = request.params;
      try {
        const built = await opts.reports.periods.build(period as 'week' | 'month', label === 'last' ? undefined : label, request.query.lang as 'zh-CN' | 'en' | undefined);
        if (request.query.format === 'json') return built.report;
        if (request.query.format === 'text') return reply.type('text/plain; charset=utf-8').send(built.text);
        return reply.type('text/html; charset=utf-8').send(built.html);
      } catch (err) {
        if (err instanceof ReportDateError) return reply.code(400).send({ statusCode: 400, code: 'RW_BAD_DATE', error: 'Bad Request', message: err.message });
        throw err;
      }
    },
  );

  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>(
    '/api/v1/reports/:date',
    { config: { access: 'viewer' }, schema: { params: Params, querystring: Query } },
    async (request, reply) => {
      const q = request.query;
      try {
        const built = await opts.reports.build(request.params.date, q.lang as 'zh-CN' | 'en' | undefined, q.site);
        switch (q.format ?? 'html') {
          case 'text':
            return reply.type('text/plain; charset=utf-8').send(built.text);
          case 'json':
            return built.report;
          default:
            return reply.type('text/html; charset=utf-8').send(built.html);
        }
      } catch (err) {
        if (err instanceof ReportDateError) return reply.code(400).send({ statusCode: 400, code: 'RW_BAD_DATE', error: 'Bad Request', message: err.message });
        throw err;
      }
    },
  );
}
