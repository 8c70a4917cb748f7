/**
 * Calendar arithmetic in a time zone, on luxon (IANA zones through Intl): the
 * one place that knows where a day, week or month starts and ends. Days are
 * not 24 hours long across a daylight-saving change, and in some zones
 * midnight does not exist on the day clocks go forward (America/Santiago
 * starts 2026-09-06 at 01:00), so none of this is done with fixed offsets.
 */
import { DateTime, IANAZone } from 'luxon';

/** A YYYY-MM-DD that is not a calendar date. */
export class CalendarDateError extends Error {}

/** Whether `zone` is an IANA time-zone name this runtime knows (`Asia/Shanghai`, `UTC`). */
export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

function parseDate(date: string, zone: string): DateTime {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new CalendarDateError(`'${date}' is not a date; write YYYY-MM-DD, e.g. 2026-11-22`);
  if (!isValidTimeZone(zone)) throw new CalendarDateError(`'${zone}' is not a time zone (an IANA name such as Asia/Shanghai)`);
  const d = DateTime.fromISO(date, { zone });
  if (!d.isValid || d.toISODate() !== date) throw new CalendarDateError(`'${date}' is not a calendar date`);
  return d;
}

/** Epoch ms of the first instant of `date` in `zone` (local midnight, or the first time after it that exists). */
export function startOfDay(date: string, zone: string): number {
  return parseDate(date, zone).startOf('day').toMillis();
}

/** The calendar day in `zone` that contains `ms`, as YYYY-MM-DD. */
export function dateIn(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toISODate() as string;
}

/** `date` moved by `days` calendar days (negative for earlier). */
export function addDays(date: string, days: number): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate() as string;
}

/** The day before the one containing `ms` in `zone`: what a morning report covers. */
export function previousDate(ms: number, zone: string): string {
  return addDays(dateIn(ms, zone), -1);
}

/** [from, to) in epoch ms of the local calendar day `date`. */
export function dayRange(date: string, zone: string): { from: number; to: number } {
  return { from: startOfDay(date, zone), to: startOfDay(addDays(date, 1), zone) };
}

/** [from, to) of the ISO week (Monday first) that contains `date`, and its Monday. */
export function weekRange(date: string, zone: string): { from: number; to: number; monday: string } {
  const monday = parseDate(date, zone).startOf('week');
  return { from: monday.toMillis(), to: monday.plus({ weeks: 1 }).startOf('day').toMillis(), monday: monday.toISODate() as string };
}

/** [from, to) of the calendar month that contains `date`, and its first day. */
export function monthRange(date: string, zone: string): { from: number; to: number; first: string } {
  const first = parseDate(date, zone).startOf('month');
  return { from: first.toMillis(), to: first.plus({ months: 1 }).startOf('day').toMillis(), first: first.toISODate() as string };
}

/** The local wall-clock fields of `ms` in `zone`, for formatting. */
export function wallClock(ms: number, zone: string): { date: string; hour: number; minute: number; second: number } {
  const d = DateTime.fromMillis(ms, { zone });
  return { date: d.toISODate() as string, hour: d.hour, minute: d.minute, second: d.second };
}

/**
 * `ms` as local wall-clock time in `zone`, in ISO order ("2026-11-23 00:30",
 * with `seconds` "2026-11-23 00:30:05", with `timeOnly` "00:30"): the same in
 * every language, so reports and messages need no locale formats.
 */
export function formatLocal(ms: number, zone: string, opts: { seconds?: boolean; timeOnly?: boolean } = {}): string {
  const d = DateTime.fromMillis(ms, { zone });
  if (!d.isValid) throw new CalendarDateError(`'${zone}' is not a time zone (${d.invalidExplanation ?? d.invalidReason ?? 'invalid'})`);
  const time = opts.seconds ? 'HH:mm:ss' : 'HH:mm';
  return d.toFormat(opts.timeOnly ? time : `yyyy-MM-dd ${time}`);
}

/** The UTC offset of `zone` at instant `ms`, in ms (Asia/Shanghai: +8 h; DST-aware). */
export function offsetMs(ms: number, zone: string): number {
  const d = DateTime.fromMillis(ms, { zone });
  if (!d.isValid) throw new CalendarDateError(`'${zone}' is not a time zone (${d.invalidExplanation ?? d.invalidReason ?? 'invalid'})`);
  return d.offset * 60_000;
}
