/**
 * The InfluxQL engine's view of the embedded store: series with the registry's
 * `site`, `room` and `class` added as tags — what the InfluxDB store writes on
 * every point — so the same dashboards filter the same way on either store.
 * The registry's current values are used, where InfluxDB keeps those at write time.
 */
import type { DeviceRegistry } from '../registry/devices.js';
import type { SqliteMetricStore } from '../store/sqlite.js';
import type { InfluxSource, SourceSeries } from './execute.js';

const REGISTRY_TAGS = ['site', 'room', 'class'] as const;

export function sqliteSource(store: SqliteMetricStore, registry: DeviceRegistry): InfluxSource {
  // One registry read per query; a query may enrich thousands of series.
  let cache: { at: number; attrs: Map<string, Record<string, string>> } | undefined;
  const attrs = (): Map<string, Record<string, string>> => {
    if (cache && Date.now() - cache.at < 1_000) return cache.attrs;
    const map = new Map<string, Record<string, string>>();
    for (const d of registry.list()) {
      const a: Record<string, string> = {};
      for (const k of REGISTRY_TAGS) if (d[k]) a[k] = d[k] as string;
      map.set(d.name, a);
    }
    cache = { at: Date.now(), attrs: map };
    return map;
  };
  // The sample's own tags win over registry attributes of the same name, as in the InfluxDB store.
  const enrich = (tags: Record<string, string>, a: Map<string, Record<string, string>>) => ({ ...(a.get(tags.device ?? '') ?? {}), ...tags });
  return {
    async series(measurement?: string): Promise<SourceSeries[]> {
      const a = attrs();
      const list = await store.listSeries(measurement !== undefined ? { measurement } : {});
      return list.map((s) => ({ measurement: s.measurement, field: s.field, tags: enrich(s.tags, a) }));
    },
    async points(measurement, field, from, to, keep) {
      const a = attrs();
      const out = await store.rawPoints(measurement, field, from, to, (tags) => keep(enrich(tags, a)));
      return out.map((s) => ({ tags: enrich(s.tags, a), points: s.points }));
    },
  };
}
