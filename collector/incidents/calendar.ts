/**
 * Business hours in a time zone, for SLA clocks of P3/P4 (docs/architecture.md §5):
 * weekly hours per weekday, holidays, and make-up working days (a Saturday
 * worked to bridge a holiday, common in China) that follow Monday's hours.
 * Wall-clock times are turned into instants with Intl, so DST is respected.
 */
import { offsetMs } from '../../lib/tz.js';

export interface CalendarSpec {
  timezone: string;
  /** mon..sun → ["09:00-18:00", …] */
  hours: Partial<Record<Weekday, string[]>>;
  /** ISO dates (YYYY-MM-DD) with no business hours. */
  holidays?: string[];
  /** ISO dates worked with Monday's hours although they fall on a weekend. */
  workdays?: string[];
}

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const DAY = 86_400_000;
const RANGE = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;

/** Minutes since midnight for "HH:MM-HH:MM"; undefined when malformed or empty. */
export function parseRange(text: string): [number, number] | undefined {
  const m = RANGE.exec(text);
  if (!m) return undefined;
  const a = Number(m[1]) * 60 + Number(m[2]);
  const b = Number(m[3]) * 60 + Number(m[4]);
  return b > a && b <= 1440 ? [a, b] : undefined;
}

export class BusinessCalendar {
  private readonly ranges: Record<Weekday, Array<[number, number]>>;
  private readonly holidays: Set<string>;
  private readonly workdays: Set<string>;

  constructor(readonly spec: CalendarSpec) {
    this.ranges = Object.fromEntries(WEEKDAYS.map((d) => [d, (spec.hours[d] ?? []).map(parseRange).filter((r): r is [number, number] => r !== undefined)])) as unknown as Record<
      Weekday,
      Array<[number, number]>
    >;
    this.holidays = new Set(spec.holidays ?? []);
    this.workdays = new Set(spec.workdays ?? []);
  }

  /** The zone's offset from UTC at an instant, in ms. */
  private offset(at: number): number {
    return offsetMs(at, this.spec.timezone);
  }

  /** The instant of a wall-clock time in the zone (DST-aware: the offset is re-checked once). */
  private instant(localMs: number): number {
    const guess = localMs - this.offset(localMs);
    return localMs - this.offset(guess);
  }

  /** Local midnight (as a UTC-based "wall" number) of the day containing `at`. */
  private localDay(at: number): number {
    const wall = at + this.offset(at);
    return wall - (((wall % DAY) + DAY) % DAY);
  }

  /** Business intervals [start, end) as instants for the local day starting at wall time `day`. */
  private intervals(day: number): Array<[number, number]> {
    const iso = new Date(day).toISOString().slice(0, 10);
    if (this.holidays.has(iso)) return [];
    const weekday = WEEKDAYS[(new Date(day).getUTCDay() + 6) % 7] as Weekday;
    const ranges = this.workdays.has(iso) ? this.ranges.mon : this.ranges[weekday];
    return ranges.map(([a, b]) => [this.instant(day + a * 60_000), this.instant(day + b * 60_000)]);
  }

  /** Business milliseconds in [from, to). */
  businessMsBetween(from: number, to: number): number {
    if (to <= from) return 0;
    let total = 0;
    for (let day = this.localDay(from); this.instant(day) < to; day += DAY) {
      for (const [a, b] of this.intervals(day)) total += Math.max(0, Math.min(b, to) - Math.max(a, from));
    }
    return total;
  }

  /** The instant at which `ms` business milliseconds have passed since `from`. */
  addBusinessMs(from: number, ms: number): number {
    let left = ms;
    for (let day = this.localDay(from), guard = 0; guard < 3_700; day += DAY, guard++) {
      for (const [a, b] of this.intervals(day)) {
        const start = Math.max(a, from);
        if (b <= start) continue;
        if (b - start >= left) return start + left;
        left -= b - start;
      }
    }
    return Number.POSITIVE_INFINITY;
  }
}
