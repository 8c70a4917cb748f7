/**
 * GET /api/v1/reports            the archive's index (newest first)
 * GET /api/v1/reports/:date      a report built now: ?lang=zh-CN|en, ?format=html|text|json, ?site=
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

export async function reportRoutes(app: FastifyInstance, opts: { reports: ReportService }): Promise<void> {
  app.get('/api/v1/reports', async () => ({ reports: opts.reports.index() }));

  app.get<{ Params: Static<typeof Params>; Querystring: Static<typeof Query> }>(
    '/api/v1/reports/:date',
    { schema: { params: Params, querystring: Query } },
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
