import { parseDuration } from './units.js';

/**
 * Parses a time as API users write it: `now`, `-15m`, `now-1h`, epoch
 * milliseconds, or an ISO-8601 date. Undefined when it does not parse.
 */
export function parseTimeParam(text: string, now: number): number | undefined {
  const t = text.trim();
  if (t === '' || t === 'now') return now;
  const rel = /^(?:now)?-(.+)$/.exec(t);
  if (rel) {
    const ms = parseDuration(rel[1] as string);
    return ms === undefined ? undefined : now - ms;
  }
  if (/^\d+$/.test(t)) return Number(t);
  const parsed = Date.parse(t);
  return Number.isNaN(parsed) ? undefined : parsed;
}
