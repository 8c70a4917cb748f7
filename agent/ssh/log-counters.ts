/**
 * What counts in a watched log's new text, besides the Oracle alert log's
 * ORA- codes (alert-log.ts): the Clusterware alert log's CRS- codes, and the
 * HP-UX Event Monitoring Service's text log, counted by event severity. Each
 * returns counts by label; the probe (checks.ts) keeps the read offset and
 * reports labels seen before at 0 so their alerts clear.
 */

const lines = (chunk: string) => {
  const all = chunk.split(/\r?\n/);
  if (all.at(-1) === '') all.pop();
  return all;
};

/**
 * CRS- codes in the Clusterware alert log (11.2: $GRID_HOME/log/<host>/alert<host>.log;
 * 12.1.0.2 and later: $ORACLE_BASE/diag/crs/<host>/crs/trace/alert.log). Lines look like
 * `2026-11-23 01:00:00.123 [OCSSD(4321)]CRS-1612: Network communication with node rac2 (2)
 * missing for 50% of timeout interval.`; a code repeated on one line counts once.
 */
export function countCrsCodes(chunk: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines(chunk)) {
    const codes = new Set([...line.matchAll(/\bCRS-(\d{4,5})\b/g)].map((m) => `CRS-${m[1] as string}`));
    for (const code of codes) counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  return counts;
}

/**
 * The EMS severities ("Using the Event Monitoring Service", HP, June 2007: CRITICAL,
 * SERIOUS, MAJOR WARNING, MINOR WARNING, INFORMATION), as tag values.
 */
export const EMS_SEVERITIES: Readonly<Record<string, string>> = {
  CRITICAL: 'critical',
  SERIOUS: 'serious',
  'MAJOR WARNING': 'major_warning',
  MAJOR_WARNING: 'major_warning',
  'MINOR WARNING': 'minor_warning',
  MINOR_WARNING: 'minor_warning',
  INFORMATION: 'information',
  INFORMATIONAL: 'information',
};

/**
 * HP-UX EMS hardware events in the textlog (default /var/opt/resmon/log/event.log).
 * Each notification block carries one `Severity.....: SERIOUS` line in its
 * "Event data from monitor" part; one such line is one event. A severity the
 * table does not know is counted as `other`, so a new one is not lost.
 */
export function countEmsEvents(chunk: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines(chunk)) {
    const m = /^\s*Severity\s*\.*\s*:\s*(.+?)\s*$/i.exec(line);
    if (!m) continue;
    const severity = EMS_SEVERITIES[(m[1] as string).toUpperCase().replace(/\s+/g, ' ')] ?? 'other';
    counts.set(severity, (counts.get(severity) ?? 0) + 1);
  }
  return counts;
}
