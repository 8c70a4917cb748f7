/**
 * After a start or a reload the engine's windows are empty. Warm-up refills
 * them from the store, so `avg(…, 5m)` and `predict(…, 6h)` work at once and a
 * device that went silent while the collector was down is still noticed by
 * absence rules.
 */
import type { MetricStore } from '../store/types.js';
import type { RuleEngine } from './engine.js';

/** Series silent for longer than this are forgotten by absence rules after a restart. */
export const ABSENCE_HORIZON_MS = 24 * 3_600_000;

export async function warmUp(engine: RuleEngine, store: MetricStore, now: number): Promise<{ series: number; points: number }> {
  let series = 0;
  let points = 0;
  for (const { metric, maxAgeMs, absence } of engine.historyNeeds()) {
    const [measurement, field] = splitMetric(metric);
    const seen = new Set<string>();
    if (maxAgeMs > 0) {
      const raw = await store.query({ measurement, field, matchers: [], from: now - maxAgeMs, to: now, stepMs: 0, agg: 'last' });
      for (const s of raw) {
        const numeric = s.points.filter((p): p is [number, number] => typeof p[1] === 'number');
        engine.preload(metric, s.tags, numeric);
        seen.add(JSON.stringify(s.tags));
        series++;
        points += numeric.length;
      }
    }
    if (absence) {
      // Hourly last values are enough to know that a series existed and roughly when it went quiet.
      const hourly = await store.query({ measurement, field, matchers: [], from: now - ABSENCE_HORIZON_MS, to: now, stepMs: 3_600_000, agg: 'last' });
      for (const s of hourly) {
        if (seen.has(JSON.stringify(s.tags))) continue;
        const last = s.points.filter((p): p is [number, number] => typeof p[1] === 'number').at(-1);
        if (last) {
          engine.preload(metric, s.tags, [last]);
          series++;
          points++;
        }
      }
    }
  }
  return { series, points };
}

function splitMetric(metric: string): [string, string] {
  const i = metric.indexOf('.');
  return [metric.slice(0, i), metric.slice(i + 1)];
}
