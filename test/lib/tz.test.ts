/**
 * Calendar arithmetic across daylight-saving changes in several zones, each
 * case checked against the zone's published transition: a day can be 23, 24
 * or 25 hours long (23.5 and 24.5 on Lord Howe Island), and in Santiago
 * midnight does not exist on the day clocks go forward.
 */
import { describe, expect, it } from 'vitest';
import { addDays, CalendarDateError, dateIn, dayRange, isValidTimeZone, monthRange, previousDate, startOfDay, wallClock, weekRange } from '../../lib/tz.js';

const HOUR = 3_600_000;
const hoursOf = (date: string, zone: string) => {
  const { from, to } = dayRange(date, zone);
  return (to - from) / HOUR;
};

describe('time zones', () => {
  it.each([
    // zone, day, expected length in hours, why
    ['Europe/Berlin', '2026-03-29', 23, 'CET → CEST at 02:00'],
    ['Europe/Berlin', '2026-10-25', 25, 'CEST → CET at 03:00'],
    ['America/New_York', '2026-03-08', 23, 'EST → EDT'],
    ['America/New_York', '2026-11-01', 25, 'EDT → EST'],
    ['America/Santiago', '2026-09-06', 23, 'clocks go from 24:00 to 01:00'],
    ['America/Santiago', '2026-04-04', 25, 'at 24:00 on Saturday clocks go back to 23:00'],
    ['Australia/Lord_Howe', '2026-10-04', 23.5, 'half-hour DST'],
    ['Australia/Lord_Howe', '2026-04-05', 24.5, 'half-hour DST ends'],
    ['Asia/Shanghai', '2026-03-29', 24, 'no DST'],
    ['UTC', '2026-10-25', 24, 'no DST'],
  ])('%s %s is %s hours long (%s)', (zone, date, hours) => {
    expect(hoursOf(date, zone)).toBe(hours);
  });

  it('starts a Santiago day at 01:00 when midnight does not exist (the old zonedMidnight said 23:00 the day before)', () => {
    const start = startOfDay('2026-09-06', 'America/Santiago');
    expect(wallClock(start, 'America/Santiago')).toEqual({ date: '2026-09-06', hour: 1, minute: 0, second: 0 });
    expect(new Date(start).toISOString()).toBe('2026-09-06T04:00:00.000Z');
  });

  it('finds the local day of an instant, and the day before it', () => {
    // 2026-11-22 23:30 in Shanghai is 15:30 UTC.
    const ms = Date.UTC(2026, 10, 22, 15, 30);
    expect(dateIn(ms, 'Asia/Shanghai')).toBe('2026-11-22');
    expect(dateIn(ms + HOUR, 'Asia/Shanghai')).toBe('2026-11-23');
    expect(previousDate(ms + HOUR, 'Asia/Shanghai')).toBe('2026-11-22');
    // Just after a Berlin fall-back night, the previous day is the 25-hour one.
    expect(previousDate(Date.UTC(2026, 9, 26, 6), 'Europe/Berlin')).toBe('2026-10-25');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
  });

  it('gives weeks from Monday and whole months, across a DST change', () => {
    const week = weekRange('2026-10-28', 'Europe/Berlin');
    expect(week.monday).toBe('2026-10-26');
    expect((week.to - week.from) / HOUR).toBe(168);
    const dstWeek = weekRange('2026-10-25', 'Europe/Berlin');
    expect(dstWeek.monday).toBe('2026-10-19');
    expect((dstWeek.to - dstWeek.from) / HOUR).toBe(169);
    const march = monthRange('2026-03-15', 'Europe/Berlin');
    expect(march.first).toBe('2026-03-01');
    expect((march.to - march.from) / HOUR).toBe(31 * 24 - 1);
    const feb = monthRange('2028-02-10', 'Asia/Shanghai');
    expect((feb.to - feb.from) / HOUR).toBe(29 * 24);
  });

  it('refuses what is not a date or a zone', () => {
    expect(() => startOfDay('2026-02-30', 'UTC')).toThrow(CalendarDateError);
    expect(() => startOfDay('22/11/2026', 'UTC')).toThrow(/write YYYY-MM-DD/);
    expect(() => startOfDay('2026-11-22', 'Mars/Base')).toThrow(/'Mars\/Base' is not a time zone/);
    expect(isValidTimeZone('Asia/Shanghai')).toBe(true);
    expect(isValidTimeZone('Mars/Base')).toBe(false);
  });
});
