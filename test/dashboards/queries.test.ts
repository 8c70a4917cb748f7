/**
 * Every query of every provisioned dashboard runs against a real InfluxDB 1.6
 * (docs/architecture.md §9) holding a realistic day of a small machine room, written in
 * the data model dashboards/README.md describes: each panel target, each
 * annotation and each template variable must parse, run and return rows.
 *
 * Grafana's macros are substituted the way Grafana does: $timeFilter with the
 * last 24 h, $__interval with 5m, $site/$device with ".*" (their "All" value)
 * and once with one real site and device, formatted as Grafana formats a
 * multi-value variable inside a regex: "(value)" with regex characters escaped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { peerAvailable } from '../peers.js';
import { DB, inBatches, influxQuery, loadDashboards, panelQueries, regexValue, render, rowCount } from './dashboard-queries.js';
import { startInfluxd, type RunningInfluxd } from './influxd.js';
import { MUTED, seed } from './room-day.js';

/* -------------------------------------------------------------------- tests */

describe.skipIf(!peerAvailable('influxd', 'influxdb'))('dashboard queries against InfluxDB 1.6', () => {
  let influx: RunningInfluxd;
  const dashboards = loadDashboards();
  const cases = dashboards.map((d) => [d.file, d] as const);

  beforeAll(async () => {
    influx = await startInfluxd();
    const created = await influxQuery(influx.url, `CREATE DATABASE ${DB}`);
    expect(created.error).toBeUndefined();
    const { lines, ms } = await seed(influx.url);
    console.log(`seeded ${lines} lines in ${ms} ms`);
  }, 60_000);

  afterAll(async () => {
    await influx?.stop();
  });

  it('finds every dashboard', () => {
    expect(dashboards.map((d) => d.file)).toEqual([
      'incidents-sla.json',
      'network.json',
      'noc-overview.json',
      'oracle.json',
      'security.json',
      'servers.json',
      'services.json',
      'storage-san-tape.json',
      'ups-ac.json',
    ]);
  });

  it('"Alerts firing now" lists alerts that fired long before the time range, and keeps muted ones apart', async () => {
    const noc = cases.find(([file]) => file === 'noc-overview.json')?.[1];
    const panel = (title: string) => noc?.json.panels.find((p) => p.title === title)?.targets?.[0]?.query ?? '';
    // The last hour only: the FC port (down 22 h ago) and the failed disk (20 h ago) still fire.
    const lastHour = (q: string) => render(q, { site: '.*', device: '.*' }).replaceAll('time > now() - 24h', 'time > now() - 1h');
    const rows = async (q: string) => (await influxQuery(influx.url, lastHour(q))).series.map((x) => `${x.tags?.device} ${x.tags?.rule}`).sort();
    const firing = await rows(panel('Alerts firing now'));
    expect(firing).toContain('nor-san01 storage/FC port down');
    expect(firing).toContain('nor-3par01 storage/Disk failed');
    expect(firing).not.toContain('nor-ups01 ups/UPS on battery'); // resolved 14 h ago
    expect(firing).not.toContain(`${MUTED.device} ${MUTED.rule}`);
    expect(await rows(panel('Alerts muted (maintenance)'))).toEqual([`${MUTED.device} ${MUTED.rule}`]);
  });

  it.each(cases)('%s: template variables return values', async (_file, d) => {
    for (const v of d.json.templating.list) {
      const r = await influxQuery(influx.url, render(v.query, { site: '.*', device: '.*' }));
      expect(r.error, `${v.name}: ${v.query}`).toBeUndefined();
      expect(rowCount(r), `${v.name} returned no values: ${v.query}`).toBeGreaterThan(0);
    }
  });

  it.each(cases)('%s: every query returns rows for all sites and devices', async (file, d) => {
    const queries = panelQueries(file, d.json);
    expect(queries.length).toBeGreaterThan(0);
    const results = await inBatches(queries, 4, async (q) => ({ q, r: await influxQuery(influx.url, render(q.query, { site: '.*', device: '.*' })) }));
    const failures = results
      .filter(({ r }) => r.error !== undefined || rowCount(r) === 0)
      .map(({ q, r }) => `${q.where}: ${r.error ?? 'no rows'}\n    ${render(q.query, { site: '.*', device: '.*' })}`);
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it.each(cases)('%s: every query runs for one real site and device', async (file, d) => {
    const siteVar = d.json.templating.list.find((v) => v.name === 'site');
    const deviceVar = d.json.templating.list.find((v) => v.name === 'device');
    if (!siteVar || !deviceVar) throw new Error('site and device variables are required');
    const sites = (await influxQuery(influx.url, siteVar.query)).series.flatMap((s) => s.values.map((v) => String(v[1])));
    const site = regexValue(sites.sort()[0] ?? 'none');
    const devices = (await influxQuery(influx.url, render(deviceVar.query, { site, device: '.*' }))).series.flatMap((s) => s.values.map((v) => String(v[1])));
    expect(devices.length, `no devices at ${site}`).toBeGreaterThan(0);
    const vars = { site, device: regexValue(devices.sort()[0] ?? 'none') };
    const results = await inBatches(panelQueries(file, d.json), 4, async (q) => ({ q, r: await influxQuery(influx.url, render(q.query, vars)) }));
    const errors = results.filter(({ r }) => r.error !== undefined).map(({ q, r }) => `${q.where}: ${r.error}\n    ${render(q.query, vars)}`);
    expect(errors, errors.join('\n')).toEqual([]);
    // The device the variable offers first has data in this dashboard.
    expect(
      results.some(({ r }) => rowCount(r) > 0),
      `no panel shows ${vars.device} at ${vars.site}`,
    ).toBe(true);
  });
});
