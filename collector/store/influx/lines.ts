/**
 * Samples to InfluxDB line protocol, encoded by the client library's Point.
 * Numbers are always written as floats: InfluxDB fixes a field's type on its
 * first write, and a gauge that happens to be whole (42) must not make the
 * next reading (42.5) a type conflict.
 */
import { Point } from '@influxdata/influxdb-client';
import type { Sample } from '../../contract/index.js';

/** Registry attributes added as tags, so Grafana can filter by site and class. */
export const REGISTRY_TAGS = ['site', 'room', 'class'] as const;
export type RegistryTags = Partial<Record<(typeof REGISTRY_TAGS)[number], string>>;

export function sampleToLine(sample: Sample, extra: RegistryTags = {}): string | undefined {
  const point = new Point(sample.measurement);
  for (const [k, v] of Object.entries(extra)) if (v) point.tag(k, v);
  // The sample's own tags win over registry attributes of the same name.
  for (const [k, v] of Object.entries(sample.tags)) if (v !== '') point.tag(k, v);
  for (const [k, v] of Object.entries(sample.fields)) {
    if (typeof v === 'number') {
      if (Number.isFinite(v)) point.floatField(k, v);
    } else if (typeof v === 'boolean') point.booleanField(k, v);
    else point.stringField(k, v);
  }
  point.timestamp(String(sample.ts));
  return point.toLineProtocol();
}
