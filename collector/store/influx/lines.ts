/**
 * Samples to InfluxDB line protocol, encoded by the client library's Point.
 * Numbers are always written as floats: InfluxDB fixes a field's type on its
 * first write, and a gauge that happens to be whole (42) must not make the
 * next reading (42.5) a type conflict.
 *
 * InfluxDB cannot store a tag key or value, field key or measurement that
 * ends in a backslash: the backslash escapes the separator after it and
 * influxd answers "invalid tag format" whether it is doubled or not (checked
 * against influxd 1.6). Like Telegraf's serializer we trim trailing
 * backslashes, so the Windows mount `C:\` is stored as `C:`; a value that is
 * nothing but backslashes is left out. The local store keeps the exact name.
 */
import { Point } from '@influxdata/influxdb-client';
import type { Sample } from '../../contract/index.js';

/** Registry attributes added as tags, so Grafana can filter by site and class. */
export const REGISTRY_TAGS = ['site', 'room', 'class'] as const;
export type RegistryTags = Partial<Record<(typeof REGISTRY_TAGS)[number], string>>;

export function sampleToLine(sample: Sample, extra: RegistryTags = {}): string | undefined {
  const measurement = lp(sample.measurement);
  if (measurement === '') return undefined;
  const point = new Point(measurement);
  const tag = (k: string, v: string) => {
    const key = lp(k);
    const value = lp(v);
    if (key !== '' && value !== '') point.tag(key, value);
  };
  for (const [k, v] of Object.entries(extra)) if (v) tag(k, v);
  // The sample's own tags win over registry attributes of the same name.
  for (const [k, v] of Object.entries(sample.tags)) tag(k, v);
  for (const [key, v] of Object.entries(sample.fields)) {
    const k = lp(key);
    if (k === '') continue;
    if (typeof v === 'number') {
      if (Number.isFinite(v)) point.floatField(k, v);
    } else if (typeof v === 'boolean') point.booleanField(k, v);
    else point.stringField(k, v);
  }
  point.timestamp(String(sample.ts));
  return point.toLineProtocol();
}

/** Trailing backslashes cannot be written (see above). */
function lp(name: string): string {
  return name.endsWith('\\') ? name.replace(/\\+$/, '') : name;
}
