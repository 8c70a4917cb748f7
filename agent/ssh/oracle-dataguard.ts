/**
 * Data Guard as the instance reading it sees it. A primary has no
 * V$DATAGUARD_STATS rows, which is not a lag of zero; a standby's lags go
 * stale when redo transport stops, so their age (from DATUM_TIME) is a metric
 * of its own; apply lag means something only on the instance where the
 * managed recovery process (MRP) applies redo.
 */
import type { Reading } from './oracle-reading.js';

const M = 'oracle';
const STANDBY = new Set(['PHYSICAL STANDBY', 'SNAPSHOT STANDBY', 'LOGICAL STANDBY']);

/** "+00 00:00:05", "+01 02:03:04.250" -> seconds; undefined when not an interval. */
export function intervalSeconds(value: string): number | undefined {
  const m = /^([+-])?(\d+) (\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(value.trim());
  if (!m) return undefined;
  const s = Number(m[2]) * 86400 + Number(m[3]) * 3600 + Number(m[4]) * 60 + Number(m[5]);
  return m[1] === '-' ? -s : s;
}

export function dataguard(r: Reading): void {
  const stats = r.rows.get('dataguard_stats');
  const mrp = r.rows.get('dataguard_mrp')?.[0];
  const standby = r.role !== undefined && STANDBY.has(r.role);
  if (r.role === 'PRIMARY') {
    // No stats rows on a primary is normal, and says nothing about the standby: its destinations do.
    for (const [dest, gap] of r.rows.get('dataguard_dests') ?? []) {
      r.out.add(M, { dg_dest_gap: gap === 'NO GAP' ? 0 : 1 }, { dest: dest as string });
    }
  }
  if (!standby) return;

  let applyingHere: boolean | undefined;
  if (mrp && r.role === 'PHYSICAL STANDBY') {
    const here = r.number('dataguard_mrp', 'local', mrp[0]);
    const anywhere = r.number('dataguard_mrp', 'total', mrp[1]);
    if (anywhere !== undefined) r.out.add(M, { dg_mrp_running: anywhere > 0 ? 1 : 0 });
    if (here !== undefined) applyingHere = here > 0;
  }

  const gap = r.rows.get('dataguard_gap')?.[0]?.[0];
  if (gap !== undefined) {
    const logs = r.number('dataguard_gap', 'logs', gap);
    if (logs !== undefined) r.out.add(M, { dg_archive_gap_logs: logs });
  }

  if (!stats) return;
  if (stats.length === 0) {
    r.out.errors.push(`oracle query 'dataguard_stats': no rows on a ${r.role?.toLowerCase()} (is redo transport configured?)`);
    return;
  }
  let stale: number | undefined;
  for (const [name, value, staleS] of stats) {
    const age = staleS === undefined || staleS === '' ? undefined : r.number('dataguard_stats', `${name} datum age`, staleS);
    if (age !== undefined && (name === 'transport lag' || stale === undefined)) stale = Math.max(0, age);
    // Not computed yet (apply just started), or not this instance's to say: nothing, rather than a zero.
    if (value === undefined || value === '') continue;
    if (name === 'apply lag' && applyingHere === false) continue;
    const seconds = intervalSeconds(value);
    if (seconds === undefined) {
      r.out.errors.push(`oracle query 'dataguard_stats': ${name} is not an interval: ${JSON.stringify(value)}`);
      continue;
    }
    if (name === 'apply lag') r.out.add(M, { dg_apply_lag_s: seconds });
    if (name === 'transport lag') r.out.add(M, { dg_transport_lag_s: seconds });
  }
  if (stale !== undefined) r.out.add(M, { dg_transport_stale_s: stale });
}
