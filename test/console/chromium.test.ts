/**
 * The console in a real headless Chromium (Debian `chromium`, puppeteer-core),
 * the acceptance walk of issue #16: sign in (changing the one-time password),
 * a breaching sample appears on the board without a reload, the incident is
 * acknowledged and closed with cause and fix, the fix is found in the
 * knowledge base; a viewer is refused an action; a forged cross-origin request
 * and a same-origin one without the CSRF token change nothing; an expired
 * session lands on sign-in; zh-CN and the wall screen render CJK glyphs.
 * One browser for the file; pages in separate contexts (separate cookies).
 */
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'puppeteer-core';
import { PNG } from 'pngjs';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders } from '../helpers.js';
import { peerAvailable } from '../peers.js';
import { launchChromium } from './browser.js';
import { consoleCollector, diskSample, type ConsoleFixture } from './fixture.js';

const run = peerAvailable('chromium', 'chromium');
const MIN = 60_000;
const FIRST = { olga: 'Amber-first-pass-2026', vic: 'Cobalt-first-pass-2026' };
const NEXT = { olga: 'Amber-second-pass-2026!', vic: 'Cobalt-second-pass-2026!' };

/** Waits for a condition in the page (a function body as text: the test's tsconfig has no DOM types). */
const until = (page: Page, body: string, ...args: unknown[]) => page.waitForFunction(new Function('...args', body) as (...a: unknown[]) => unknown, { timeout: 15_000, polling: 100 }, ...args);
const text = (page: Page, selector: string) => page.$eval(selector, (n) => (n as unknown as { textContent: string }).textContent);

// One walk through the console: each step starts where the one before left the browser, so the order is fixed.
describe.skipIf(!run)('the console in Chromium', { shuffle: false }, () => {
  let f: ConsoleFixture;
  let base: string;
  let browser: Browser;
  let offset = 0;
  let attacker: Server;
  let attackerUrl: string;
  const contexts: BrowserContext[] = [];
  const shots: string[] = [];

  beforeAll(async () => {
    f = await consoleCollector({ bundle: true, now: () => Date.now() + offset });
    base = await f.c.app.listen({ host: '127.0.0.1', port: 0 });
    for (const [username, role] of [
      ['olga', 'operator'],
      ['vic', 'viewer'],
    ] as const) {
      const res = await f.c.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: authHeaders('admin'),
        payload: { username, role, display: username === 'olga' ? 'Olga Operator' : 'Vic Viewer', password: FIRST[username] },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    // Another origin (another port) whose page tries to comment on an incident with the operator's cookie.
    attacker = createServer((req, res) => {
      const target = new URL(req.url ?? '/', 'http://x').searchParams.get('target') ?? '';
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        `<script>fetch(${JSON.stringify(target)}, {method:'POST', mode:'no-cors', credentials:'include', headers:{'content-type':'text/plain'}, body: JSON.stringify({text:'forged comment', by:'olga'})}).finally(() => { document.title = 'sent'; });</script>`,
      );
    });
    await new Promise<void>((ok) => attacker.listen(0, '127.0.0.1', ok));
    attackerUrl = `http://127.0.0.1:${(attacker.address() as { port: number }).port}/`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    if (attacker) await new Promise((ok) => attacker.close(ok));
    await f?.close();
  });

  async function signIn(username: 'olga' | 'vic', path = '/'): Promise<Page> {
    const context = await browser.createBrowserContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${base}${path}`);
    // Not signed in: the console sends us to sign-in and back.
    await page.waitForSelector('form[data-form="login"] input[name="username"]');
    expect(new URL(page.url()).pathname).toBe('/login');
    // Keyboard only: the user name has focus, Tab to the password, Enter submits.
    await page.keyboard.type(username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(FIRST[username]);
    await page.keyboard.press('Enter');
    await page.waitForSelector('form[data-form="change-password"] input[name="next"]');
    await page.type('input[name="next"]', NEXT[username]);
    await page.keyboard.press('Enter');
    await until(page, `return location.pathname === args[0] && document.querySelector('main h1')`, path);
    return page;
  }

  let incidentId = 0;
  let olga: Page;

  it('signs in, shows a breaching sample on the board without a reload, acknowledges and closes it, and finds it in the knowledge base', async () => {
    olga = await signIn('olga');
    expect(await text(olga, 'header .who')).toContain('Olga Operator');
    await until(olga, `return document.querySelector('.live')?.dataset.live === 'on'`);
    await olga.evaluate('window.__sameDocument = true');

    expect(await f.ingest([diskSample('db-chrome', 97.5, Date.now() + offset)])).toBe(200);
    await olga.waitForSelector('tr[data-device="db-chrome"]', { timeout: 10_000 });
    expect(await olga.evaluate('window.__sameDocument')).toBe(true);
    incidentId = Number(await olga.$eval('tr[data-device="db-chrome"]', (n) => (n as unknown as { dataset: { incident: string } }).dataset.incident));
    expect(await text(olga, 'tr[data-device="db-chrome"]')).toMatch(/P2.*db-chrome disk 97\.5 % full.*(29m \d\d|30m 00)s left/);

    // Keyboard: the row's link is focusable; Enter opens the incident page.
    await olga.focus(`a[data-key="inc-${incidentId}"]`);
    await olga.keyboard.press('Enter');
    await olga.waitForSelector('button[data-action="ack"]');
    expect(new URL(olga.url()).pathname).toBe(`/incidents/${incidentId}`);
    await olga.click('button[data-action="ack"]');
    await until(olga, `return document.querySelector('section.summary')?.dataset.status === 'acknowledged'`);

    // The alert clears (P2 resolves by itself); the operator closes with cause and fix.
    expect(await f.ingest([diskSample('db-chrome', 40, Date.now() + offset)])).toBe(200);
    await until(olga, `return document.querySelector('section.summary')?.dataset.status === 'resolved'`);
    await olga.type('form[data-action="close"] textarea[name="cause"]', 'RMAN archive logs filled /u01');
    await olga.type('form[data-action="close"] textarea[name="fix"]', 'moved archivelogs to the NAS and fixed the RMAN retention');
    await olga.click('form[data-action="close"] button[type="submit"]');
    await until(olga, `return document.querySelector('section.summary')?.dataset.status === 'closed'`);
    const closed = (await f.c.app.inject({ url: `/api/v1/incidents/${incidentId}`, headers: authHeaders('viewer') })).json();
    expect(closed.incident).toMatchObject({ status: 'closed', acknowledgedBy: 'olga', cause: 'RMAN archive logs filled /u01' });
    expect(closed.timeline.find((e: { type: string }) => e.type === 'closed').actor).toBe('olga');

    await olga.click('header nav a[href="/kb"]');
    await olga.waitForSelector('input[type="search"]');
    await olga.type('input[type="search"]', 'rman retention');
    await olga.waitForSelector(`li[data-kb="${incidentId}"]`);
    expect(await text(olga, `li[data-kb="${incidentId}"]`)).toContain('moved archivelogs to the NAS');
    // The board no longer lists it.
    await olga.click('header nav a[href="/"]');
    await olga.waitForSelector('main .counts');
    expect(await olga.$(`tr[data-incident="${incidentId}"]`)).toBeNull();
  }, 90_000);

  it('refuses a viewer an action: no action forms, and the API says 403', async () => {
    expect(await f.ingest([diskSample('db-viewer', 95, Date.now() + offset)])).toBe(200);
    const id = (await f.c.app.inject({ url: '/api/v1/incidents?device=db-viewer', headers: authHeaders('viewer') })).json().incidents[0].id as number;
    const vic = await signIn('vic', `/incidents/${id}`);
    await vic.waitForSelector('[data-readonly]');
    expect(await vic.$('button[data-action="ack"]')).toBeNull();
    const refused = (await vic.evaluate(`(async () => {
      const me = await (await fetch('/api/v1/auth/me')).json();
      const res = await fetch('/api/v1/incidents/${id}/ack', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrf }, body: JSON.stringify({ by: 'vic' }) });
      return { status: res.status, body: await res.json() };
    })()`)) as { status: number; body: { error: string; message: string } };
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: 'forbidden', message: expect.stringMatching(/operator/) });
    const after = (await f.c.app.inject({ url: `/api/v1/incidents/${id}`, headers: authHeaders('viewer') })).json();
    expect(after.incident.status).toBe('open');
  }, 60_000);

  it('refuses forged requests: another origin with the cookie, and this origin without the CSRF token', async () => {
    expect(incidentId).toBeGreaterThan(0);
    const target = `${base}/api/v1/incidents/${incidentId}/comment`;
    const evil = await olga.browserContext().newPage();
    await evil.goto(`${attackerUrl}?target=${encodeURIComponent(target)}`);
    await until(evil, `return document.title === 'sent'`);
    await evil.close();
    const missing = (await olga.evaluate(`(async () => {
      const res = await fetch(${JSON.stringify(target)}, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'no token', by: 'olga' }) });
      const wrong = await fetch(${JSON.stringify(target)}, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': 'guessed' }, body: JSON.stringify({ text: 'wrong token', by: 'olga' }) });
      return [res.status, (await res.json()).error, wrong.status];
    })()`)) as [number, string, number];
    expect(missing).toEqual([403, 'csrf', 403]);
    const timeline = (await f.c.app.inject({ url: `/api/v1/incidents/${incidentId}`, headers: authHeaders('viewer') })).json().timeline as Array<{ type: string; detail: { text?: string } }>;
    expect(timeline.filter((e) => e.type === 'comment')).toEqual([]);
  }, 60_000);

  it('sends an expired session to sign-in, and back to the page after signing in again', async () => {
    offset += 31 * MIN; // past auth.session.idle_minutes (30)
    await olga.click('header nav a[href="/alerts"]');
    await olga.waitForSelector('[data-expired]');
    const url = new URL(olga.url());
    expect(url.pathname).toBe('/login');
    expect(url.searchParams.get('next')).toBe('/alerts');
    await olga.type('input[name="username"]', 'olga');
    await olga.type('input[name="password"]', NEXT.olga);
    await olga.keyboard.press('Enter');
    await until(olga, `return location.pathname === '/alerts' && document.querySelector('.tabs')`);
  }, 60_000);

  it('renders the zh-CN console and the wall screen with CJK glyphs', async () => {
    expect(await f.ingest([diskSample('db-wall', 99, Date.now() + offset), { measurement: 'ups', tags: { device: 'ups-wall' }, fields: { on_battery: 1 }, ts: Date.now() + offset }])).toBe(200);
    await olga.click('header nav a[href="/"]');
    await olga.waitForSelector('tr[data-device="db-wall"]');
    await olga.click('header button.lang');
    await until(olga, `return document.documentElement.lang === 'zh-CN' && document.querySelector('main h1')?.textContent === '故障'`);
    const cdp = await olga.createCDPSession();
    const cjkFonts = async (page: Page, selector: string) => {
      const session = page === olga ? cdp : await page.createCDPSession();
      await session.send('DOM.enable');
      await session.send('CSS.enable');
      const { root } = await session.send('DOM.getDocument');
      const { nodeId } = await session.send('DOM.querySelector', { nodeId: root.nodeId, selector });
      const { fonts } = await session.send('CSS.getPlatformFontsForNode', { nodeId });
      return fonts;
    };
    const width = (page: Page, selector: string) => page.$eval(selector, (n) => (n as unknown as { getBoundingClientRect(): { width: number } }).getBoundingClientRect().width);
    expect(await width(olga, 'main h1')).toBeGreaterThan(20);
    const boardFonts = await cjkFonts(olga, 'main h1');
    expect(boardFonts.map((x) => x.familyName).join(', ')).toMatch(/CJK|Source Han|WenQuanYi|Droid Sans Fallback/i);
    const boardShot = join(f.dir, 'console-zh.png');
    await olga.screenshot({ path: boardShot as `${string}.png` });
    shots.push(boardShot);

    // On a phone the page does not scroll sideways: the board's table scrolls inside its own box.
    await olga.setViewport({ width: 390, height: 844, isMobile: true });
    await olga.waitForSelector('tr[data-device="db-wall"]');
    expect(await olga.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(391);
    const phoneShot = join(f.dir, 'console-phone.png');
    await olga.screenshot({ path: phoneShot as `${string}.png` });
    shots.push(phoneShot);
    await olga.setViewport({ width: 1280, height: 900 });

    // The wall: no navigation, P1 before P2, in the chosen language (kept in localStorage).
    await olga.goto(`${base}/wall`);
    await olga.waitForSelector('.wall-card[data-device="ups-wall"]');
    expect(await olga.$('header.top')).toBeNull();
    const order = (await olga.$$eval('.wall-card', (cards) => cards.map((c) => (c as unknown as { dataset: { device: string } }).dataset.device))) as string[];
    expect(order.indexOf('ups-wall')).toBeLessThan(order.indexOf('db-wall'));
    expect(await text(olga, '.wall-head h1')).toBe('未关闭的故障');
    expect(await width(olga, '.wall-head h1')).toBeGreaterThan(50);
    const wallFonts = await cjkFonts(olga, '.wall-head h1');
    expect(wallFonts.map((x) => x.familyName).join(', ')).toMatch(/CJK|Source Han|WenQuanYi|Droid Sans Fallback/i);
    const wallShot = join(f.dir, 'wall-zh.png');
    await olga.screenshot({ path: wallShot as `${string}.png` });
    shots.push(wallShot);
    // Not blank: the dark wall with coloured cards has many colours.
    const image = PNG.sync.read(readFileSync(wallShot));
    const colours = new Set<number>();
    for (let i = 0; i < image.data.length; i += 16) colours.add(((image.data[i] as number) << 16) | ((image.data[i + 1] as number) << 8) | (image.data[i + 2] as number));
    expect(colours.size).toBeGreaterThan(30);
    if (process.env.ROOMWATCH_KEEP_SHOTS) for (const s of shots) writeFileSync(join(process.env.ROOMWATCH_KEEP_SHOTS, s.split('/').pop() as string), readFileSync(s));
  }, 60_000);
});
