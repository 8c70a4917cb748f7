/**
 * The queries of the provisioned dashboards, and how Grafana renders them
 * (test/dashboards/queries.test.ts describes the substitutions).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../lib/paths.js';

export const DB = 'roomwatch';
const JSON_DIR = join(packageRoot(), 'dashboards', 'json');

export interface DashboardQuery {
  dashboard: string;
  where: string;
  query: string;
}

export interface GrafanaPanel {
  title?: string;
  type?: string;
  targets?: Array<{ refId?: string; query?: string }>;
  panels?: GrafanaPanel[];
}

export interface GrafanaDashboard {
  title: string;
  panels: GrafanaPanel[];
  annotations?: { list?: Array<{ name?: string; query?: string }> };
  templating: { list: Array<{ name: string; query: string }> };
}

export function loadDashboards(): Array<{ file: string; json: GrafanaDashboard }> {
  return readdirSync(JSON_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, json: JSON.parse(readFileSync(join(JSON_DIR, file), 'utf8')) as GrafanaDashboard }));
}

export function panelQueries(file: string, d: GrafanaDashboard): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  const walk = (panels: GrafanaPanel[]) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (t.query) out.push({ dashboard: file, where: `panel '${p.title}' target ${t.refId}`, query: t.query });
      walk(p.panels ?? []);
    }
  };
  walk(d.panels);
  for (const a of d.annotations?.list ?? []) if (a.query) out.push({ dashboard: file, where: `annotation '${a.name}'`, query: a.query });
  return out;
}

/** Grafana's escaping of a variable value inside an InfluxQL regex. */
export function regexValue(value: string): string {
  return `(${value.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&')})`;
}

export function render(query: string, vars: { site: string; device: string }): string {
  const out = query
    .replaceAll('$timeFilter', 'time > now() - 24h')
    .replaceAll('$__interval_ms', '300000')
    .replaceAll('$__interval', '5m')
    .replace(/\$site\b/g, vars.site)
    .replace(/\$device\b/g, vars.device);
  const left = /\$(?:\w|\{|\[)/.exec(out);
  if (left) throw new Error(`unsubstituted Grafana variable at '${out.slice(left.index, left.index + 20)}' in: ${out}`);
  return out;
}

export interface QueryResult {
  error?: string;
  series: Array<{ name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }>;
}

export async function influxQuery(url: string, q: string, headers: Record<string, string> = {}): Promise<QueryResult> {
  const res = await fetch(`${url}/query?db=${DB}&q=${encodeURIComponent(q)}`, { headers });
  const body = (await res.json()) as { error?: string; results?: Array<{ error?: string; series?: QueryResult['series'] }> };
  const first = body.results?.[0];
  const error = body.error ?? first?.error ?? (res.ok ? undefined : `HTTP ${res.status}`);
  return { ...(error ? { error } : {}), series: first?.series ?? [] };
}

export const rowCount = (r: QueryResult) => r.series.reduce((n, s) => n + s.values.length, 0);

export async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}
