/**
 * The rule engine's figures on /metrics: how many rule selectors samples
 * touched and how many evaluations ran (counters), and what the windows hold
 * in memory (gauges, computed when scraped so the ingest path pays nothing).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { RULE_CANDIDATES, RULE_EVALUATIONS, RULE_WINDOW_BYTES, RULE_WINDOW_POINTS, RULE_WINDOW_SERIES } from '../metrics.js';
import type { RuleEngine } from './engine.js';

export function registerEngineMetrics(registry: Registry, engine: RuleEngine): void {
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  counter(RULE_CANDIDATES, 'Rule selectors that matched the series of an ingested value (what the rule index handed to evaluation).', () => engine.counters().candidates);
  counter(RULE_EVALUATIONS, 'Rule evaluations run (per sample and per tick).', () => engine.counters().evaluations);
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge(RULE_WINDOW_SERIES, 'Series the rule engine keeps a window for.', () => engine.windowStats().series);
  gauge(RULE_WINDOW_POINTS, 'Points held in the rule engine windows.', () => engine.windowStats().points);
  gauge(RULE_WINDOW_BYTES, 'Bytes allocated for points in the rule engine windows (16 per point of capacity; each series is capped at 10,000 points).', () => engine.windowStats().bytes);
}
