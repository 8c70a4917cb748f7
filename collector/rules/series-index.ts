/**
 * The engine's in-memory view of the series that rules read: one bounded
 * window per series, found by series key, by metric, or by device + metric.
 * Only metrics that some rule names are kept.
 */
import type { MetricSelector } from '../store/selector.js';
import { matchTags } from '../store/selector.js';
import { tagSetKey } from '../store/sqlite.js';
import type { RuleRef } from './rule-index.js';
import { SeriesWindow } from './window.js';

export interface SeriesEntry {
  key: string;
  metric: string;
  device: string;
  tags: Record<string, string>;
  window: SeriesWindow;
  /** The rule selectors that match this series, filled by the engine on first evaluation. */
  refs?: readonly RuleRef[];
}

export interface WindowStats {
  series: number;
  points: number;
  /** Bytes allocated for points (16 a point of capacity); object overhead comes on top. */
  bytes: number;
}

/** A hard cap per series: with 16 bytes a point, 10,000 points are 160 KB. */
export const MAX_POINTS_PER_SERIES = 10_000;

export class SeriesIndex {
  private readonly bySeries = new Map<string, SeriesEntry>();
  private readonly byMetric = new Map<string, SeriesEntry[]>();
  private readonly byDeviceMetric = new Map<string, SeriesEntry[]>();

  /** @param maxAge how much history each metric's windows keep (longest rule window + margin). */
  constructor(private readonly maxAge: ReadonlyMap<string, number>) {}

  wants(metric: string): boolean {
    return this.maxAge.has(metric);
  }

  get size(): number {
    return this.bySeries.size;
  }

  /** The entry for a series, created on first sight. `tagKey` may be passed when already computed. */
  entry(metric: string, tags: Record<string, string>, tagKey = tagSetKey(tags)): SeriesEntry {
    const key = `${metric}{${tagKey}}`;
    let e = this.bySeries.get(key);
    if (!e) {
      const maxAgeMs = this.maxAge.get(metric) ?? 0;
      e = {
        key,
        metric,
        device: tags.device as string,
        tags,
        window: new SeriesWindow({ maxAgeMs, maxPoints: MAX_POINTS_PER_SERIES }),
      };
      this.bySeries.set(key, e);
      push(this.byMetric, metric, e);
      push(this.byDeviceMetric, `${e.device}\u0000${metric}`, e);
    }
    return e;
  }

  /** Walks every window: for /metrics scrapes, not the ingest path. */
  stats(): WindowStats {
    let points = 0;
    let capacity = 0;
    for (const e of this.bySeries.values()) {
      points += e.window.size;
      capacity += e.window.capacity;
    }
    return { series: this.bySeries.size, points, bytes: capacity * 16 };
  }

  metricEntries(metric: string): readonly SeriesEntry[] {
    return this.byMetric.get(metric) ?? [];
  }

  /**
   * The series a secondary selector reads for an alert: same device, matching
   * tags, preferring the one that shares most tags with the alert's own series
   * (so `disk.free_bytes` pairs with the same mount as `disk.used_pct`).
   */
  resolve(selector: MetricSelector, device: string, like: Record<string, string>): SeriesEntry | undefined {
    const candidates = this.byDeviceMetric.get(`${device}\u0000${selector.measurement}.${selector.field}`);
    if (!candidates) return undefined;
    let best: SeriesEntry | undefined;
    let bestScore = -1;
    for (const c of candidates) {
      if (!matchTags(c.tags, selector.matchers)) continue;
      let score = 0;
      for (const k in c.tags) if (like[k] === c.tags[k]) score++;
      if (score > bestScore) {
        best = c;
        bestScore = score;
      }
    }
    return best;
  }

  /** The latest value of `measurement.field` on a device (for templates). */
  latest(metric: string, device: string): number | undefined {
    return this.byDeviceMetric.get(`${device}\u0000${metric}`)?.[0]?.window.last();
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
