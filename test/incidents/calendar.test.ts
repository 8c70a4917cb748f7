import { describe, expect, it } from 'vitest';
import { BusinessCalendar } from '../../collector/incidents/calendar.js';
import { onCall } from '../../collector/incidents/oncall.js';

const H = 3_600_000;
const weekdays = { mon: ['09:00-18:00'], tue: ['09:00-18:00'], wed: ['09:00-18:00'], thu: ['09:00-18:00'], fri: ['09:00-18:00'] };
/** Shanghai wall time → instant (UTC+8, no DST). */
const sh = (iso: string) => Date.parse(`${iso}+08:00`);

describe('business calendar', () => {
  const cal = new BusinessCalendar({ timezone: 'Asia/Shanghai', hours: weekdays, holidays: ['2026-10-01'], workdays: ['2026-09-27'] });

  it('counts business time across a weekend', () => {
    // Friday 17:30 → Monday 10:00: 30 min Friday + 1 h Monday.
    expect(cal.businessMsBetween(sh('2026-11-20T17:30:00'), sh('2026-11-23T10:00:00'))).toBe(1.5 * H);
  });

  it('puts a 48 h business-time deadline of a Friday 17:30 P3 on the right day', () => {
    // 48 business hours = 5 days of 9 h + 3 h: 30 min Fri, then Mon–Fri 45 h (total 45.5), then 2.5 h on the next Monday → 11:30.
    expect(cal.addBusinessMs(sh('2026-11-20T17:30:00'), 48 * H)).toBe(sh('2026-11-30T11:30:00'));
  });

  it('skips holidays and works make-up days with Monday hours', () => {
    expect(cal.businessMsBetween(sh('2026-10-01T00:00:00'), sh('2026-10-02T00:00:00'))).toBe(0);
    expect(cal.businessMsBetween(sh('2026-09-27T00:00:00'), sh('2026-09-28T00:00:00'))).toBe(9 * H); // a Sunday worked
  });

  it('follows DST in zones that have it', () => {
    const berlin = new BusinessCalendar({ timezone: 'Europe/Berlin', hours: { sun: ['00:00-24:00'] } });
    // Sunday 25 October 2026: clocks go back, the day has 25 hours.
    expect(berlin.businessMsBetween(Date.parse('2026-10-24T22:00:00Z'), Date.parse('2026-10-25T23:00:00Z'))).toBe(25 * H);
  });

  it('handles spans of months quickly', () => {
    const t = performance.now();
    expect(cal.businessMsBetween(sh('2026-01-01T00:00:00'), sh('2026-04-01T00:00:00'))).toBeGreaterThan(0);
    expect(performance.now() - t).toBeLessThan(1_000);
  });
});

describe('on-call rotation', () => {
  const weekly = { timezone: 'Asia/Shanghai', rotation: 'weekly' as const, handoff: '09:00', start: '2026-11-02', members: ['alice', 'bob', 'carol'] };

  it('hands over weekly at 09:00 local time', () => {
    expect(onCall(weekly, sh('2026-11-02T09:00:00'))).toBe('alice');
    expect(onCall(weekly, sh('2026-11-09T08:59:00'))).toBe('alice');
    expect(onCall(weekly, sh('2026-11-09T09:00:00'))).toBe('bob');
    expect(onCall(weekly, sh('2026-11-16T12:00:00'))).toBe('carol');
    expect(onCall(weekly, sh('2026-11-23T12:00:00'))).toBe('alice');
    expect(onCall(weekly, sh('2026-11-30T12:00:00'))).toBe('bob');
    expect(onCall(weekly, sh('2026-10-28T12:00:00'))).toBe('carol'); // before the start, the rotation runs backwards
  });

  it('rotates daily and lets the latest override win', () => {
    const daily = {
      ...weekly,
      rotation: 'daily' as const,
      overrides: [
        { start: sh('2026-11-03T00:00:00'), end: sh('2026-11-05T00:00:00'), member: 'dave' },
        { start: sh('2026-11-04T00:00:00'), end: sh('2026-11-04T12:00:00'), member: 'erin' },
      ],
    };
    expect(onCall(daily, sh('2026-11-02T10:00:00'))).toBe('alice');
    expect(onCall(daily, sh('2026-11-03T10:00:00'))).toBe('dave');
    expect(onCall(daily, sh('2026-11-04T10:00:00'))).toBe('erin');
    expect(onCall(daily, sh('2026-11-05T10:00:00'))).toBe('alice'); // day 3 of a 3-member rotation
  });
});
