/** The collector's own Prometheus metrics (prom-client), one registry per app. */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const METRIC_PREFIX = 'roomwatch_';
/** Reads the local store answered instead of InfluxDB, by reason (collector/store/influx/reads.ts). */
export const STORE_READ_FALLBACKS = `${METRIC_PREFIX}store_read_fallbacks_total`;

export const INGEST_INFLIGHT = `${METRIC_PREFIX}ingest_inflight_requests`;
export const INGEST_SHED = `${METRIC_PREFIX}ingest_shed_total`;
export const INFLUX_DEAD_LETTERS = `${METRIC_PREFIX}influx_dead_letters_total`;
/** Rule selectors a sample's series was tested against (the rule index's candidates), and rule evaluations run (collector/rules/engine.ts). */
export const RULE_CANDIDATES = `${METRIC_PREFIX}rule_candidates_total`;
export const RULE_EVALUATIONS = `${METRIC_PREFIX}rule_evaluations_total`;
/** What the rule engine's windows hold in memory: series, points, and bytes allocated for points. */
export const RULE_WINDOW_SERIES = `${METRIC_PREFIX}rule_window_series`;
export const RULE_WINDOW_POINTS = `${METRIC_PREFIX}rule_window_points`;
export const RULE_WINDOW_BYTES = `${METRIC_PREFIX}rule_window_bytes`;

export function createCollectorMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  return {
    registry,
    batches: new Counter({
      name: `${METRIC_PREFIX}ingest_batches_total`,
      help: 'Ingest requests by endpoint and result (applied, duplicate, rejected).',
      labelNames: ['endpoint', 'result'] as const,
      registers: [registry],
    }),
    samples: new Counter({
      name: `${METRIC_PREFIX}ingest_samples_total`,
      help: 'Samples applied to the store.',
      labelNames: ['endpoint'] as const,
      registers: [registry],
    }),
    values: new Counter({
      name: `${METRIC_PREFIX}ingest_values_total`,
      help: 'Field values applied to the store (a sample carries one or more).',
      labelNames: ['endpoint'] as const,
      registers: [registry],
    }),
    influxDeadLetters: new Counter({
      name: INFLUX_DEAD_LETTERS,
      help: 'Lines InfluxDB refused for their content (type conflict, unparsable), moved to the influx_dead_letters table.',
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: `${METRIC_PREFIX}ingest_batch_duration_seconds`,
      help: 'Time from request body parsed to batch committed.',
      labelNames: ['endpoint'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    storeReadFallbacks: new Counter({
      name: STORE_READ_FALLBACKS,
      help: 'Reads answered by the local store instead of InfluxDB, by reason (outbox_backlog by design; influx_error and influx_down when InfluxDB reads fail).',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
  };
}
export type CollectorMetrics = ReturnType<typeof createCollectorMetrics>;
