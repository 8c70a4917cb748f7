/**
 * Grafana on the embedded store: the same day of a two-site room is written
 * to a real InfluxDB 1.x and, through `/write`, to roomwatch; then every query
 * of every dashboard (panels, annotations, template variables) runs against
 * influxd's `/query` and roomwatch's, and the answers must match: the same
 * series (name and tags), the same columns, the same rows, values within
 * float tolerance. $timeFilter is rendered with absolute bounds, as Grafana
 * does for a fixed range, so both servers see the same window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import { ROLE_TOKENS, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';
import { peerAvailable } from '../peers.js';
import { DB, inBatches, loadDashboards, panelQueries, regexValue } from './dashboard-queries.js';
import { startInfluxd, type RunningInfluxd } from './influxd.js';
import { seed } from './room-day.js';

interface Series {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}
interface Answer {
  status: number;
  error?: string;
  series: Series[];
}

async function ask(url: string, q: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${url}/query?db=${DB}&epoch=ms&q=${encodeURIComponent(q)}`, { headers });
  const body = (await res.json()) as { error?: string; results?: Array<{ error?: string; series?: Series[] }> };
  const error = body.error ?? body.results?.[0]?.error;
  return { status: res.status, ...(error ? { error } : {}), series: body.results?.[0]?.series ?? [] };
}

const close = (a: unknown, b: unknown) => a === b || (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b)));

/** Series in a canonical order, rows in time order (InfluxDB's order for equal times is not specified). */
function canonical(series: Series[]): Series[] {
  const key = (s: Series) => JSON.stringify([s.name, Object.entries(s.tags ?? {}).sort()]);
  return [...series]
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
    .map((s) => ({ ...s, values: [...s.values].sort((x, y) => (x[0] as number) - (y[0] as number) || (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1)) }));
}

/** The first difference between two answers, or undefined. */
function difference(ours: Answer, theirs: Answer): string | undefined {
  if ((ours.error === undefined) !== (theirs.error === undefined)) return `error: roomwatch ${ours.error ?? 'none'}, influxd ${theirs.error ?? 'none'}`;
  const a = canonical(ours.series);
  const b = canonical(theirs.series);
  if (a.length !== b.length) return `${a.length} series, influxd ${b.length}: ${JSON.stringify(a.map((s) => s.tags)).slice(0, 300)} vs ${JSON.stringify(b.map((s) => s.tags)).slice(0, 300)}`;
  for (const [i, s] of a.entries()) {
    const t = b[i] as Series;
    if (s.name !== t.name || JSON.stringify(s.tags ?? {}) !== JSON.stringify(t.tags ?? {})) return `series ${i}: ${s.name} ${JSON.stringify(s.tags)} vs ${t.name} ${JSON.stringify(t.tags)}`;
    if (JSON.stringify(s.columns) !== JSON.stringify(t.columns)) return `columns ${JSON.stringify(s.columns)} vs ${JSON.stringify(t.columns)}`;
    if (s.values.length !== t.values.length) return `${s.name} ${JSON.stringify(s.tags)}: ${s.values.length} rows vs ${t.values.length}`;
    for (const [j, row] of s.values.entries()) {
      const other = t.values[j] as unknown[];
      if (row.some((v, k) => !close(v, other[k]))) return `${s.name} ${JSON.stringify(s.tags)} row ${j}: ${JSON.stringify(row)} vs ${JSON.stringify(other)}`;
    }
  }
  return undefined;
}

describe.skipIf(!peerAvailable('influxd', 'influxdb'))('dashboard queries on the embedded store match InfluxDB 1.x', () => {
  let influx: RunningInfluxd;
  let tmp: ReturnType<typeof tempDir>;
  let c: Collector;
  let rw = '';
  // Agents write; Grafana reads with a viewer's token (auth.tokens or a personal API token).
  const agentAuth = { authorization: `Token ${TOKEN}` };
  const auth = { authorization: `Token ${ROLE_TOKENS.viewer}` };
  const dashboards = loadDashboards();
  // One day, written to both and queried with the same fixed window.
  const endS = Math.floor(Date.now() / 60_000) * 60;
  const to = endS * 1000;
  const from = to - 86_400_000;
  const render = (q: string, vars: { site: string; device: string }) =>
    q
      .replaceAll('$timeFilter', `time >= ${from}ms and time <= ${to}ms`)
      .replaceAll('$__interval_ms', '300000')
      .replaceAll('$__interval', '5m')
      .replace(/\$site\b/g, vars.site)
      .replace(/\$device\b/g, vars.device);

  beforeAll(async () => {
    influx = await startInfluxd();
    await fetch(`${influx.url}/query?q=${encodeURIComponent(`CREATE DATABASE ${DB}`)}`, { method: 'POST' });
    tmp = tempDir();
    c = await buildApp({ config: testCollectorConfig(tmp.dir, { maxSamples: 20_000 }), logger: false, background: false });
    rw = await c.app.listen({ host: '127.0.0.1', port: 0 });
    await Promise.all([seed(influx.url, {}, endS), seed(rw, agentAuth, endS)]);
  }, 180_000);

  afterAll(async () => {
    await c?.app.close();
    tmp?.cleanup();
    await influx?.stop();
  });

  const compareAll = async (vars: { site: string; device: string }) => {
    const queries = dashboards.flatMap((d) => [...panelQueries(d.file, d.json), ...d.json.templating.list.map((v) => ({ dashboard: d.file, where: `variable ${v.name}`, query: v.query }))]);
    const results = await inBatches(queries, 4, async (q) => {
      const text = render(q.query, vars);
      const [ours, theirs] = await Promise.all([ask(rw, text, auth), ask(influx.url, text)]);
      return { q, text, ours, theirs, diff: difference(ours, theirs) };
    });
    return results;
  };

  it('answers every query of every dashboard as influxd does, for all sites and devices', async () => {
    const results = await compareAll({ site: '.*', device: '.*' });
    expect(results.length).toBeGreaterThan(120);
    const failures = results.filter((r) => r.diff !== undefined).map((r) => `${r.q.dashboard} ${r.q.where}: ${r.diff}\n    ${r.text}`);
    expect(failures, failures.join('\n')).toEqual([]);
    // Not a vacuous match: influxd returned data for nearly all of them.
    expect(results.filter((r) => r.theirs.series.length > 0).length).toBeGreaterThan(results.length * 0.9);
  });

  it('answers them alike for one site and one device', async () => {
    const vars = { site: regexValue('dc-north'), device: regexValue('nor-ups01') };
    const results = await compareAll(vars);
    const failures = results.filter((r) => r.diff !== undefined).map((r) => `${r.q.dashboard} ${r.q.where}: ${r.diff}\n    ${r.text}`);
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('answers SHOW statements, several statements, errors and CREATE DATABASE in InfluxDB 1.x shapes', async () => {
    const measurements = await ask(rw, 'SHOW MEASUREMENTS', auth);
    expect(difference(measurements, await ask(influx.url, 'SHOW MEASUREMENTS'))).toBeUndefined();
    const two = await fetch(`${rw}/query?db=${DB}&epoch=ms&q=${encodeURIComponent('SELECT last("on_battery") FROM "ups" GROUP BY "device"; SHOW TAG KEYS FROM "ups"')}`, { headers: auth });
    const body = (await two.json()) as { results: Array<{ statement_id: number; series?: Series[] }> };
    expect(body.results.map((r) => r.statement_id)).toEqual([0, 1]);
    expect(body.results[1]?.series?.[0]?.columns).toEqual(['tagKey']);
    const bad = await fetch(`${rw}/query?q=${encodeURIComponent('SELECT FROM')}`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^error parsing query: found FROM, expected identifier, string, number, bool at line 1, char 8/);
    const post = await fetch(`${rw}/query`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ q: 'CREATE DATABASE "telegraf"' }),
    });
    expect(await post.json()).toEqual({ results: [{ statement_id: 0 }] });
    expect((await fetch(`${rw}/query?q=SHOW%20MEASUREMENTS`)).status).toBe(401);
    expect((await fetch(`${rw}/query?u=grafana&p=${ROLE_TOKENS.viewer}&q=SHOW%20MEASUREMENTS`)).status).toBe(200);
    const basic = Buffer.from(`grafana:${ROLE_TOKENS.viewer}`).toString('base64');
    expect((await fetch(`${rw}/query?q=SHOW%20MEASUREMENTS`, { headers: { authorization: `Basic ${basic}` } })).status).toBe(200);
    // An agent token writes samples; it does not read them.
    expect((await fetch(`${rw}/query?u=grafana&p=${TOKEN}&q=SHOW%20MEASUREMENTS`)).status).toBe(401);
  });
});
