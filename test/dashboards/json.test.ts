/**
 * The provisioned Grafana dashboards are well-formed before any Grafana sees
 * them: valid JSON in the 10/11 schema, unique panel ids, every panel and query
 * on the provisioned datasource, a grid without overlaps, the site and device
 * variables, and queries that honour the time picker and the variables.
 * (test/dashboards/queries.test.ts runs the same queries against InfluxDB.)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { packageRoot } from '../../lib/paths.js';

const ROOT = join(packageRoot(), 'dashboards');
const JSON_DIR = join(ROOT, 'json');
const EXPECTED = ['incidents-sla', 'network', 'noc-overview', 'oracle', 'security', 'servers', 'services', 'storage-san-tape', 'ups-ac'];
/** The collector's room-wide snapshot has no site or device tags (README "Data model"). */
const ROOM_WIDE = /FROM "noc"/;

interface DatasourceRef {
  type?: string;
  uid?: string;
}

interface Target {
  refId?: string;
  datasource?: DatasourceRef;
  query?: string;
  rawQuery?: boolean;
}

interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

interface Panel {
  id: number;
  type: string;
  title?: string;
  gridPos: GridPos;
  datasource?: DatasourceRef;
  targets?: Target[];
  panels?: Panel[];
  fieldConfig?: { defaults?: { unit?: string } };
}

interface Variable {
  name: string;
  type: string;
  query: string;
  datasource?: DatasourceRef;
  multi?: boolean;
  includeAll?: boolean;
}

interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
  annotations?: { list?: Array<{ name?: string; builtIn?: number; datasource?: DatasourceRef; query?: string }> };
}

interface DatasourceProvisioning {
  apiVersion: number;
  datasources: Array<{ uid: string; type: string; url: string; jsonData?: Record<string, unknown>; secureJsonData?: Record<string, unknown> }>;
}

function provisionedDatasource(): DatasourceProvisioning['datasources'][number] {
  const file = parse(readFileSync(join(ROOT, 'provisioning', 'datasources', 'roomwatch.yaml'), 'utf8')) as DatasourceProvisioning;
  expect(file.datasources).toHaveLength(1);
  const ds = file.datasources[0];
  if (!ds) throw new Error('no datasource provisioned');
  return ds;
}

const files = readdirSync(JSON_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
const dashboards = files.map((file) => ({ file, text: readFileSync(join(JSON_DIR, file), 'utf8') }));

/** Every panel, including those inside collapsed rows. */
function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

function queriesOf(d: Dashboard): Array<{ where: string; query: string }> {
  const out: Array<{ where: string; query: string }> = [];
  for (const p of allPanels(d.panels)) for (const t of p.targets ?? []) out.push({ where: `panel ${p.id} '${p.title}' ${t.refId}`, query: t.query ?? '' });
  for (const a of d.annotations?.list ?? []) if (!a.builtIn) out.push({ where: `annotation '${a.name}'`, query: a.query ?? '' });
  return out;
}

function overlaps(a: GridPos, b: GridPos): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

describe('provisioning', () => {
  it('provisions the InfluxQL datasource the dashboards use', () => {
    const ds = provisionedDatasource();
    expect(ds).toMatchObject({ uid: 'roomwatch-influxdb', type: 'influxdb', url: '$INFLUX_URL' });
    expect(ds.jsonData).toMatchObject({ dbName: 'roomwatch', version: 'InfluxQL', httpHeaderName1: 'Authorization' });
    expect(ds.secureJsonData).toEqual({ httpHeaderValue1: 'Token $INFLUX_TOKEN' });
  });

  it('loads the dashboards from the mounted folder into "roomwatch"', () => {
    const file = parse(readFileSync(join(ROOT, 'provisioning', 'dashboards', 'roomwatch.yaml'), 'utf8')) as {
      providers: Array<{ type: string; folder: string; options: { path: string } }>;
    };
    expect(file.providers).toHaveLength(1);
    expect(file.providers[0]).toMatchObject({ type: 'file', folder: 'roomwatch', options: { path: '/var/lib/grafana/dashboards/roomwatch' } });
  });

  it('ships every dashboard of the NOC', () => {
    expect(files).toEqual(EXPECTED.map((n) => `${n}.json`));
  });

  it('gives every dashboard its own uid', () => {
    const uids = dashboards.map((d) => (JSON.parse(d.text) as Dashboard).uid);
    expect(new Set(uids).size).toBe(uids.length);
  });
});

function parseDashboard(text: string): { dashboard?: Dashboard; error?: string } {
  try {
    return { dashboard: JSON.parse(text) as Dashboard };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

describe.each(dashboards)('$file', ({ text }) => {
  const uid = provisionedDatasource().uid;
  const parsed = parseDashboard(text);
  // The other checks need a parsed dashboard; an unparseable file fails the first test with the parser's message.
  const d = parsed.dashboard ?? ({ uid: '', title: '', schemaVersion: 0, panels: [], templating: { list: [] } } satisfies Dashboard);

  it('is valid JSON in the Grafana 10/11 schema', () => {
    expect(parsed.error).toBeUndefined();
    expect(d.schemaVersion).toBeGreaterThanOrEqual(38);
    expect(d.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(d.title).toMatch(/^roomwatch — /);
    expect(Array.isArray(d.panels) && d.panels.length).toBeTruthy();
  });

  it('has unique panel ids, rows included', () => {
    const ids = allPanels(d.panels).map((p) => p.id);
    expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('puts every panel, target, variable and annotation on the provisioned datasource', () => {
    const wrong: string[] = [];
    for (const p of allPanels(d.panels)) {
      if (p.type === 'row') continue;
      if (p.datasource?.uid !== uid) wrong.push(`panel ${p.id} '${p.title}': ${JSON.stringify(p.datasource)}`);
      if (!p.targets?.length) wrong.push(`panel ${p.id} '${p.title}': no targets`);
      for (const t of p.targets ?? []) if (t.datasource?.uid !== uid) wrong.push(`panel ${p.id} target ${t.refId}: ${JSON.stringify(t.datasource)}`);
    }
    for (const v of d.templating.list) if (v.type === 'query' && v.datasource?.uid !== uid) wrong.push(`variable ${v.name}`);
    for (const a of d.annotations?.list ?? []) if (!a.builtIn && a.datasource?.uid !== uid) wrong.push(`annotation ${a.name}`);
    expect(wrong).toEqual([]);
  });

  it('lays panels out on the 24-column grid without overlaps', () => {
    const bad: string[] = [];
    const checkLevel = (panels: Panel[]) => {
      for (const p of panels) {
        const g = p.gridPos;
        if (!(g.x >= 0 && g.y >= 0 && g.w >= 1 && g.h >= 1 && g.x + g.w <= 24)) bad.push(`panel ${p.id} '${p.title}': ${JSON.stringify(g)}`);
      }
      for (let i = 0; i < panels.length; i++)
        for (let j = i + 1; j < panels.length; j++) {
          const a = panels[i];
          const b = panels[j];
          if (a && b && overlaps(a.gridPos, b.gridPos)) bad.push(`panels ${a.id} '${a.title}' and ${b.id} '${b.title}' overlap`);
        }
      for (const p of panels) if (p.panels?.length) checkLevel(p.panels);
    };
    checkLevel(d.panels);
    expect(bad).toEqual([]);
  });

  it('has the site and device variables, multi-value with All', () => {
    const site = d.templating.list.find((v) => v.name === 'site');
    const device = d.templating.list.find((v) => v.name === 'device');
    expect(site).toMatchObject({ type: 'query', multi: true, includeAll: true, query: 'SHOW TAG VALUES FROM "device" WITH KEY = "site"' });
    expect(device).toMatchObject({ type: 'query', multi: true, includeAll: true });
    expect(device?.query).toMatch(/^SHOW TAG VALUES FROM "\w+" WITH KEY = "device" WHERE "site" =~ \/\^\$site\$\//);
  });

  it('references $timeFilter in every query', () => {
    const queries = queriesOf(d);
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.filter((q) => !q.query.includes('$timeFilter')).map((q) => q.where)).toEqual([]);
  });

  it('filters every query on $site and $device with regex matchers', () => {
    const unfiltered = queriesOf(d)
      .filter((q) => !ROOM_WIDE.test(q.query))
      .filter((q) => !q.query.includes('"site" =~ /^$site$/') || !q.query.includes('"device" =~ /^$device$/'))
      .map((q) => q.where);
    expect(unfiltered).toEqual([]);
  });

  it('groups by time($__interval) only, so the picker sets the resolution', () => {
    const fixed = queriesOf(d)
      .filter((q) => /GROUP BY time\((?!\$__interval\))/.test(q.query))
      .map((q) => q.where);
    expect(fixed).toEqual([]);
  });

  it('sets a unit on every panel and uses raw InfluxQL', () => {
    const bad: string[] = [];
    for (const p of allPanels(d.panels)) {
      if (p.type === 'row') continue;
      if (!p.fieldConfig?.defaults?.unit) bad.push(`panel ${p.id} '${p.title}': no unit`);
      for (const t of p.targets ?? []) if (t.rawQuery !== true || !/^SELECT /.test(t.query ?? '')) bad.push(`panel ${p.id} ${t.refId}: not a raw SELECT`);
    }
    expect(bad).toEqual([]);
  });
});
