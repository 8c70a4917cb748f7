/**
 * console_board (issue #16): with 500 firing alerts and 100 open incidents on
 * the board, the time from posting a breaching sample to its incident row in
 * the board's DOM in headless Chromium (p50/p95 over BENCH_CONSOLE_SAMPLES),
 * and the console's first load (navigation to 100 rendered rows), cold (new
 * browser context, empty cache) and warm (reload: versioned assets cached).
 * The collector runs in this process (buildApp + listen); Chromium is its own
 * process. Both timestamps of a latency come from the same machine clock
 * (Date.now() here and in the page).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import { buildApp } from '../collector/app.js';
import { COLLECTOR_DEFAULTS, type CollectorConfig } from '../collector/config.js';
import { sha256Hex } from '../collector/ingest/auth.js';
import { AGENT, emit, envInt, latencyFigures, median, progress, r, sleep, tempDir, TOKEN } from './lib.js';

const ADMIN_TOKEN = 'rw_bench_admin_token_0123456789abcdef';
const MOUNTS = ['/', '/u01', '/u02', '/u03', '/u04'];
const root = join(fileURLToPath(import.meta.url), '..', '..', '..');

function config(dataDir: string, rulesFile: string): CollectorConfig {
  return {
    ...structuredClone(COLLECTOR_DEFAULTS),
    listen: { host: '127.0.0.1', port: 0 },
    dataDir,
    logLevel: 'silent',
    agents: [{ name: AGENT, tokenSha256: sha256Hex(TOKEN) }],
    ingest: { ...COLLECTOR_DEFAULTS.ingest, maxLagMs: 3_600_000 },
    rules: { ...COLLECTOR_DEFAULTS.rules, paths: [rulesFile] },
    auth: { ...COLLECTOR_DEFAULTS.auth, tokens: [{ name: 'bench-admin', role: 'admin', tokenSha256: sha256Hex(ADMIN_TOKEN), teams: [], sites: [] }] },
  };
}

export async function benchConsole(): Promise<void> {
  const samples = envInt('BENCH_CONSOLE_SAMPLES', 40);
  const loads = envInt('BENCH_CONSOLE_LOADS', 5);
  const tmp = tempDir('console-bench');
  const rulesFile = join(tmp.dir, 'rules.yaml');
  writeFileSync(
    rulesFile,
    'group: bench\nrules:\n  - name: Disk almost full\n    when: disk.used_pct > 90\n    priority: P2\n    summary: "{{device}} {{mount}} {{value}} %"\n  - name: Breach\n    when: bench.breach > 0\n    priority: P1\n    summary: "{{device}} breached"\n',
  );
  const assets = join(tmp.dir, 'console');
  execFileSync(process.execPath, [join(root, 'scripts/bundle-console.mjs'), assets], { cwd: root });
  const c = await buildApp({ config: config(join(tmp.dir, 'data'), rulesFile), logger: false, consoleAssets: assets });
  const base = await c.app.listen({ host: '127.0.0.1', port: 0 });
  let seq = 0;
  const ingest = async (batch: unknown[]) => {
    const res = await c.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { agent: AGENT, seq: ++seq, batch_id: `${AGENT}:console:${seq}`, samples: batch },
    });
    if (res.statusCode !== 200) throw new Error(`ingest answered ${res.statusCode}: ${res.body}`);
  };
  const browser = await puppeteer.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking'],
  });
  try {
    // 100 devices × 5 mounts: 500 firing alerts, correlated into 100 incidents (one per device).
    const now = Date.now();
    await ingest(
      Array.from({ length: 100 }, (_, d) => MOUNTS.map((mount) => ({ measurement: 'disk', tags: { device: `srv${String(d).padStart(3, '0')}`, mount }, fields: { used_pct: 95 }, ts: now }))).flat(),
    );
    const alerts = (await c.app.inject({ url: '/api/v1/alerts?state=firing', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json().alerts.length as number;
    const open = (await c.app.inject({ url: '/api/v1/incidents?status=open', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json().incidents.length as number;
    progress(`console_board: ${alerts} firing alerts, ${open} open incidents`);

    // A signed-in operator: created with a one-time password, changed once, as the console would.
    const password = 'Amber-first-pass-2026';
    const created = await c.app.inject({ method: 'POST', url: '/api/v1/users', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { username: 'bench', role: 'operator', password } });
    if (created.statusCode !== 201) throw new Error(`user create failed: ${created.statusCode} ${created.body}`);
    const login = await c.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'bench', password } });
    const cookie = /rw_session=([^;]+)/.exec(String(login.headers['set-cookie']))?.[1];
    if (!cookie) throw new Error(`sign-in failed: ${login.statusCode} ${login.body}`);
    await c.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: { cookie: `rw_session=${cookie}`, 'x-csrf-token': login.json().csrf },
      payload: { current: password, next: 'Amber-second-pass-2026!' },
    });

    // First load: from navigation start to 100 rows in the DOM.
    const cold: number[] = [];
    const warm: number[] = [];
    const untilRows = `(() => new Promise((ok) => { const check = () => document.querySelectorAll('tr[data-incident]').length >= 100 ? ok(performance.now()) : requestAnimationFrame(check); check(); }))()`;
    for (let i = 0; i < loads; i++) {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      await page.setCookie({ name: 'rw_session', value: cookie, url: base });
      await page.goto(`${base}/`, { waitUntil: 'domcontentloaded' });
      cold.push((await page.evaluate(untilRows)) as number);
      await page.reload({ waitUntil: 'domcontentloaded' });
      warm.push((await page.evaluate(untilRows)) as number);
      await context.close();
    }

    const page = await browser.newPage();
    await page.setCookie({ name: 'rw_session', value: cookie, url: base });
    await page.goto(`${base}/`, { waitUntil: 'domcontentloaded' });
    await page.evaluate(untilRows);
    await page.waitForFunction(`document.querySelector('.live')?.dataset.live === 'on'`);
    // Each new row is stamped on the frame after it enters the DOM: the moment it can be seen.
    await page.evaluate(`(() => {
      window.__seen = {};
      new MutationObserver(() => {
        for (const row of document.querySelectorAll('tr[data-device^="lat-"]')) {
          const d = row.dataset.device;
          if (!(d in window.__seen)) { window.__seen[d] = 0; requestAnimationFrame(() => { window.__seen[d] = Date.now(); }); }
        }
      }).observe(document.body, { childList: true, subtree: true });
    })()`);
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const device = `lat-${String(i).padStart(4, '0')}`;
      const sent = Date.now();
      await ingest([{ measurement: 'bench', tags: { device }, fields: { breach: 1 }, ts: sent }]);
      await page.waitForFunction(`window.__seen[${JSON.stringify(device)}] > 0`, { timeout: 30_000, polling: 10 });
      latencies.push(((await page.evaluate(`window.__seen[${JSON.stringify(device)}]`)) as number) - sent);
      await sleep(100);
    }
    emit({ bench: 'console_board', firing_alerts: alerts, open_incidents: open, samples, ...latencyFigures(latencies) });
    emit({ bench: 'console_first_load', rows: 100, loads, cold_median_ms: r(median(cold)), cold_max_ms: r(Math.max(...cold)), warm_median_ms: r(median(warm)), warm_max_ms: r(Math.max(...warm)) });
  } finally {
    await browser.close();
    await c.app.close();
    tmp.cleanup();
  }
}
