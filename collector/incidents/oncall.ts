/**
 * On-call rotations: daily or weekly shifts handed over at a local time,
 * members in order, and overrides (a swap, a holiday cover) that win over the
 * rotation — the latest-starting override when several overlap. Shifts are
 * counted in local calendar days, so a DST change does not move the handover.
 */
import { wallClock } from '../../lib/tz.js';

export interface ScheduleSpec {
  timezone: string;
  rotation: 'daily' | 'weekly';
  /** "HH:MM" local time of the handover. */
  handoff: string;
  /** ISO date (YYYY-MM-DD) of the first shift. */
  start: string;
  members: string[];
  overrides?: Array<{ start: number; end: number; member: string }>;
}

const DAY = 86_400_000;

function localParts(at: number, timezone: string): { date: number; minutes: number } {
  const w = wallClock(at, timezone);
  return { date: Date.parse(`${w.date}T00:00:00Z`), minutes: w.hour * 60 + w.minute };
}

/** The member on duty at `at`. */
export function onCall(s: ScheduleSpec, at: number): string {
  const override = (s.overrides ?? []).filter((o) => at >= o.start && at < o.end).sort((a, b) => b.start - a.start)[0];
  if (override) return override.member;
  const [hh, mm] = s.handoff.split(':').map(Number) as [number, number];
  const local = localParts(at, s.timezone);
  // Before the handover time the previous day's shift is still on.
  const day = (local.date - Date.parse(`${s.start}T00:00:00Z`)) / DAY - (local.minutes < hh * 60 + mm ? 1 : 0);
  const shift = Math.floor(day / (s.rotation === 'weekly' ? 7 : 1));
  const n = s.members.length;
  return s.members[((shift % n) + n) % n] as string;
}
