/**
 * `uptime` of any Unix. The part between "up" and the user count or the load
 * averages is a comma-separated list whose pieces differ by platform:
 * "12 days", "10 day(s)", "3:04", "17 mins", "5 min", "19 hr(s)".
 */
import type { Parser } from '../types.js';
import { Collector, METRIC, isBlank, splitLines } from './common.js';

const UNIT_SECONDS: Record<string, number> = { day: 86400, hr: 3600, hour: 3600, min: 60, sec: 1 };

/** Seconds of one piece of the uptime list, or undefined when the piece is unknown. */
function pieceSeconds(piece: string): number | undefined {
  const clock = /^(\d+):(\d{2})$/.exec(piece);
  if (clock) return Number(clock[1]) * 3600 + Number(clock[2]) * 60;
  const counted = /^(\d+)\s*(day|hr|hour|min|sec)s?(\(s\))?$/.exec(piece);
  if (counted) return Number(counted[1]) * (UNIT_SECONDS[counted[2] as string] as number);
  return undefined;
}

export const parseUptime: Parser = (stdout) => {
  const out = new Collector('uptime');
  const line = splitLines(stdout).find((l) => /\bup\b/.test(l.text));
  if (!line) {
    out.error(isBlank(stdout) ? 'no output' : 'no "up" in output');
    return out.result();
  }
  const load = /load averages?:\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)/.exec(line.text);
  if (load) {
    out.add(METRIC.load.m, { [METRIC.load.l1]: Number(load[1]), [METRIC.load.l5]: Number(load[2]), [METRIC.load.l15]: Number(load[3]) });
  } else {
    out.lineError(line, 'no load averages');
  }
  // Everything after "up" until the user count ("3 users", "1 user") or the load averages.
  const span = /\bup\s+(.*?)(?:,\s*\d+\s+users?\b|,?\s*load averages?:|$)/.exec(line.text)?.[1] ?? '';
  const pieces = span
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  let seconds = 0;
  for (const piece of pieces) {
    const s = pieceSeconds(piece);
    if (s === undefined) {
      out.lineError(line, `unknown uptime piece "${piece}"`);
      return out.result();
    }
    seconds += s;
  }
  if (pieces.length === 0) out.lineError(line, 'no uptime');
  else out.add(METRIC.system.m, { [METRIC.system.uptime]: seconds });
  return out.result();
};
