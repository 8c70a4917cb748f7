/**
 * AIX error log in summary form (`errpt`, `errpt -s MMDDhhmmYY`):
 *
 *   IDENTIFIER TIMESTAMP  T C RESOURCE_NAME  DESCRIPTION
 *   F3846E13   0820122510 P H ent2           ETHERCHANNEL FAILOVER
 *
 * The probe runs `errptSince(last)` and keeps `errptNewestTimestamp(stdout)` as
 * state, so each run counts only entries logged since the previous one.
 */
import type { Parser } from '../types.js';
import { Collector, METRIC, splitLines } from './common.js';

const ENTRY = /^([0-9A-F]{8})\s+(\d{10})\s+([PTIU])\s+([HSOU])\s+(\S+)\s+(.*?)\s*$/;
const HEADER = /^IDENTIFIER\s+TIMESTAMP\s+T\s+C\s+RESOURCE_NAME\s+DESCRIPTION/;

/** MMDDhhmmYY -> epoch ms (UTC; the clock's zone does not matter for ordering and adding a minute). */
function toEpoch(stamp: string): number | undefined {
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(stamp);
  if (!m) return undefined;
  const [, mo, dd, hh, mi, yy] = m.map(Number) as [number, number, number, number, number, number];
  // errpt's two-digit years: AIX error logging did not exist before 1970.
  const year = yy < 70 ? 2000 + yy : 1900 + yy;
  if (mo < 1 || mo > 12 || dd < 1 || dd > 31 || hh > 23 || mi > 59) return undefined;
  return Date.UTC(year, mo - 1, dd, hh, mi);
}

function fromEpoch(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCFullYear() % 100)}`;
}

/**
 * The command for entries after `lastTimestamp` (MMDDhhmmYY), or plain `errpt`
 * on the first run. `errpt -s` includes its start minute, so one minute is added:
 * otherwise the newest entry would be counted again on every run and keep an
 * alert firing forever. The price is missing an entry logged later in that
 * same minute, which is the smaller harm.
 */
export function errptSince(lastTimestamp: string | undefined): string {
  const ms = lastTimestamp === undefined ? undefined : toEpoch(lastTimestamp);
  return ms === undefined ? 'errpt' : `errpt -s ${fromEpoch(ms + 60_000)}`;
}

/**
 * The newest TIMESTAMP in errpt output (errpt lists newest first, but do not
 * rely on it), or `previous` when that is newer or the output has no entry.
 */
export function errptNewestTimestamp(stdout: string, previous?: string): string | undefined {
  const previousMs = previous === undefined ? undefined : toEpoch(previous);
  let newest: { stamp: string; ms: number } | undefined = previous !== undefined && previousMs !== undefined ? { stamp: previous, ms: previousMs } : undefined;
  for (const { text } of splitLines(stdout)) {
    const stamp = ENTRY.exec(text)?.[2];
    const ms = stamp === undefined ? undefined : toEpoch(stamp);
    if (stamp !== undefined && ms !== undefined && (!newest || ms > newest.ms)) newest = { stamp, ms };
  }
  return newest?.stamp;
}

/**
 * errlog.new_entries per type (P permanent, T temporary, I informational,
 * U unknown) and class (H hardware, S software, O operator, U undetermined).
 * errpt prints nothing at all when there is no entry, so empty output is zero
 * entries, not an error. The newest entry goes to errlog.entry for the alert text.
 */
export const parseErrptAix: Parser = (stdout) => {
  const out = new Collector('errpt');
  const counts = new Map<string, { type: string; klass: string; n: number }>();
  let newest: { ms: number; label: string } | undefined;
  for (const line of splitLines(stdout)) {
    if (line.text.trim() === '' || HEADER.test(line.text)) continue;
    const m = ENTRY.exec(line.text);
    const ms = m ? toEpoch(m[2] as string) : undefined;
    if (!m || ms === undefined) {
      out.lineError(line, 'not an errpt summary line');
      continue;
    }
    const [, id, , type, klass, resource, description] = m as unknown as [string, string, string, string, string, string, string];
    const key = `${type}${klass}`;
    const c = counts.get(key) ?? { type, klass, n: 0 };
    c.n += 1;
    counts.set(key, c);
    if (!newest || ms > newest.ms) newest = { ms, label: `${id} ${resource} ${description}` };
  }
  for (const { type, klass, n } of counts.values()) {
    out.add(METRIC.errlog.m, { [METRIC.errlog.newEntries]: n }, { type, class: klass });
  }
  if (newest) out.add(METRIC.errlog.m, { [METRIC.errlog.entry]: newest.label });
  return out.result();
};
