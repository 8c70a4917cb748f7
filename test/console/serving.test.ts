/** The console's shell and assets as the collector serves them (inject, no browser). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleCollector, type ConsoleFixture } from './fixture.js';

describe('console serving', () => {
  let f: ConsoleFixture;
  beforeAll(async () => {
    f = await consoleCollector({ bundle: true });
  });
  afterAll(() => f?.close());

  it('serves the shell on every console path and on unknown paths, with no-cache and a strict CSP', async () => {
    for (const url of ['/', '/incidents/42', '/devices/db01', '/alerts', '/wall', '/login', '/kb?q=disk', '/no/such/page']) {
      const res = await f.c.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control'], url).toBe('no-cache');
      expect(res.headers['content-security-policy'], url).toContain("script-src 'self'");
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.body).toContain('<div id="app">');
      expect(res.body).not.toContain('__RW_VERSION__');
    }
  });

  it('never answers an /api/ path with the shell', async () => {
    for (const url of ['/api/v1/nope', '/api/', '/api/v2/nothing?x=1']) {
      const res = await f.c.app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'], url).toMatch(/^application\/json/);
      expect(res.json().code).toBe('RW_NOT_FOUND');
    }
  });

  it('serves assets with their content types; versioned URLs are immutable, others revalidate by ETag', async () => {
    const shell = (await f.c.app.inject({ url: '/' })).body;
    const js = /src="(\/assets\/console\.js\?v=[0-9a-f]+)"/.exec(shell)?.[1];
    const css = /href="(\/assets\/console\.css\?v=[0-9a-f]+)"/.exec(shell)?.[1];
    expect(js && css).toBeTruthy();
    const script = await f.c.app.inject({ url: js as string });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    // uPlot is inside the bundle: nothing is fetched from another origin.
    expect(script.body.includes('u-legend'), 'uPlot bundled').toBe(true);
    expect(/https?:\/\/(cdn|unpkg|fonts\.googleapis)/.test(script.body), 'no CDN URL').toBe(false);
    const style = await f.c.app.inject({ url: css as string });
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await f.c.app.inject({ url: '/assets/uplot.css' })).headers['content-type']).toBe('text/css; charset=utf-8');

    const plain = await f.c.app.inject({ url: '/assets/console.js' });
    expect(plain.headers['cache-control']).toBe('no-cache');
    const again = await f.c.app.inject({ url: '/assets/console.js', headers: { 'if-none-match': plain.headers.etag as string } });
    expect(again.statusCode).toBe(304);
    expect((await f.c.app.inject({ url: '/assets/%2e%2e%2fpackage.json' })).statusCode).toBe(404);
    expect((await f.c.app.inject({ url: '/assets/nope.js' })).statusCode).toBe(404);
    expect((await f.c.app.inject({ url: '/assets/index.html' })).statusCode).toBe(404);
  });

  it('says the console is not built instead of serving nothing', async () => {
    const bare = await consoleCollector({ bundle: false });
    try {
      const res = await bare.c.app.inject({ url: '/' });
      expect(res.statusCode).toBe(503);
      expect(res.body).toMatch(/npm run build/);
    } finally {
      await bare.close();
    }
  });
});
