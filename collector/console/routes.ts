/**
 * The NOC console at `/`: the app shell for every console path (the app
 * routes in the browser, so /incidents/42 can be bookmarked and linked from a
 * notification), and its static files under /assets/. All of it is public:
 * the shell holds no data, and every API call it makes is guarded. /api/*
 * never answers with the shell; an unknown API path stays a JSON 404.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { defaultAssetsDir, loadConsoleAssets } from './assets.js';

/** The console's own paths (also listed in docs: DESIGN §11 / the auth contract). */
export const CONSOLE_PATHS = ['/', '/login', '/wall', '/alerts', '/room', '/maintenance', '/kb', '/reports', '/rules', '/audit', '/incidents/:id', '/devices/:device'] as const;

const SECURITY_HEADERS = {
  // Scripts, styles and data only from the collector itself; no framing (clickjacking an acknowledge button).
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
};

export interface ConsoleRouteOptions {
  /** Where the built console lives; defaults to dist/console. */
  assetsDir?: string;
}

export async function consoleRoutes(app: FastifyInstance, opts: ConsoleRouteOptions): Promise<void> {
  const assets = loadConsoleAssets(opts.assetsDir ?? defaultAssetsDir());
  if (!assets.shell) app.log.warn({ dir: assets.dir }, 'the console is not built (no index.html): run npm run build; / answers 503 until then');

  const notFound = (reply: FastifyReply, url: string) => reply.code(404).send({ statusCode: 404, code: 'RW_NOT_FOUND', error: 'Not Found', message: `no route GET ${url.split('?')[0]}` });

  const shell = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0] as string;
    if (path.startsWith('/api/') || path.startsWith('/assets/')) return notFound(reply, request.url);
    if (!assets.shell) return reply.code(503).type('text/plain; charset=utf-8').send('the console is not built: run npm run build');
    return reply
      .headers({ ...SECURITY_HEADERS, 'cache-control': 'no-cache' })
      .type('text/html; charset=utf-8')
      .send(assets.shell);
  };
  for (const path of CONSOLE_PATHS) app.get(path, { config: { access: 'public' } }, shell);
  // Any other path a browser asks for gets the shell, which shows its own "not found" view.
  app.get('/*', { config: { access: 'public' } }, shell);

  app.get<{ Params: { file: string }; Querystring: { v?: string } }>('/assets/:file', { config: { access: 'public' } }, async (request, reply) => {
    const file = assets.files.get(request.params.file);
    if (!file) return notFound(reply, request.url);
    if (request.headers['if-none-match'] === file.etag) return reply.code(304).header('etag', file.etag).send();
    // A URL versioned with the current build never changes; an unversioned one is revalidated each time.
    const cache = request.query.v === assets.version ? 'public, max-age=31536000, immutable' : 'no-cache';
    return reply.headers({ 'cache-control': cache, etag: file.etag, 'x-content-type-options': 'nosniff' }).type(file.type).send(file.body);
  });
}
