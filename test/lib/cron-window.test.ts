/** Recurring maintenance windows on node-cron: open/closed edges, time zones and DST, refused expressions. */
import { describe, expect, it } from 'vitest';
import { CronWindows, cronWindowProblem } from '../../lib/cron-window.js';

const H = 3_600_000;
const MIN = 60_000;
const at = (iso: string) => Date.parse(iso);

describe('CronWindows', () => {
  it('opens on the cron minute and closes after the duration (UTC)', () => {
    const w = new CronWindows();
    const open = (iso: string) => w.isOpen('0 2 * * 0', undefined, 2 * H, at(iso)); // Sundays 02:00-04:00
    expect(open('2026-11-29T01:59:59Z')).toBe(false);
    expect(open('2026-11-29T02:00:00Z')).toBe(true);
    expect(open('2026-11-29T03:59:59Z')).toBe(true);
    expect(open('2026-11-29T04:00:00Z')).toBe(false);
    expect(open('2026-11-28T02:30:00Z')).toBe(false); // a Saturday
    w.clear();
  });

  it('reads the expression in the window time zone', () => {
    const w = new CronWindows();
    // 02:00 in Shanghai (UTC+8) is 18:00 UTC the day before.
    expect(w.isOpen('0 2 * * *', 'Asia/Shanghai', H, at('2026-12-02T18:30:00Z'))).toBe(true);
    expect(w.isOpen('0 2 * * *', 'Asia/Shanghai', H, at('2026-12-03T02:30:00Z'))).toBe(false);
    w.clear();
  });

  it('follows DST: a local time skipped in spring opens nothing, one repeated in autumn opens twice', () => {
    const w = new CronWindows();
    // Europe/Berlin 2026-03-29: 02:00 CET jumps to 03:00 CEST, so 02:30 never happens.
    for (let t = at('2026-03-29T00:00:00Z'); t < at('2026-03-29T03:00:00Z'); t += 10 * MIN) {
      expect(w.isOpen('30 2 * * *', 'Europe/Berlin', 20 * MIN, t), new Date(t).toISOString()).toBe(false);
    }
    // 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:30 happens at 00:30 and at 01:30 UTC.
    expect(w.isOpen('30 2 * * *', 'Europe/Berlin', 20 * MIN, at('2026-10-25T00:40:00Z'))).toBe(true);
    expect(w.isOpen('30 2 * * *', 'Europe/Berlin', 20 * MIN, at('2026-10-25T01:10:00Z'))).toBe(false);
    expect(w.isOpen('30 2 * * *', 'Europe/Berlin', 20 * MIN, at('2026-10-25T01:40:00Z'))).toBe(true);
    // America/Santiago starts DST at midnight (2026-09-06 00:00 -04 becomes 01:00 -03): a midnight window never opens that day.
    expect(w.isOpen('0 0 6 9 *', 'America/Santiago', 30 * MIN, at('2026-09-06T04:10:00Z'))).toBe(false);
    expect(w.isOpen('0 1 6 9 *', 'America/Santiago', 30 * MIN, at('2026-09-06T04:10:00Z'))).toBe(true);
    w.clear();
  });

  it('answers again in a later minute, and for durations that are not whole minutes', () => {
    const w = new CronWindows();
    const start = at('2026-12-03T10:00:00Z');
    expect(w.isOpen('0 10 * * *', undefined, 90_000, start + 89_000)).toBe(true);
    expect(w.isOpen('0 10 * * *', undefined, 90_000, start + 91_000)).toBe(false); // same minute, past the 90 s
    expect(w.isOpen('0 10 * * *', undefined, 5 * MIN, start + 4 * MIN)).toBe(true);
    expect(w.isOpen('0 10 * * *', undefined, 5 * MIN, start + 5 * MIN)).toBe(false);
    w.clear();
  });
});

describe('CronWindows with a bad expression', () => {
  it('answers closed, asked again and again, and never throws', () => {
    const w = new CronWindows();
    for (let i = 0; i < 3; i++) expect(w.isOpen('61 2 * * *', undefined, H, at('2026-12-03T02:30:00Z'))).toBe(false);
    expect(w.isOpen('0 0 2 * * 0', undefined, H, at('2026-12-06T02:00:30Z'))).toBe(false); // seconds field refused
    w.clear();
  });
});

describe('cronWindowProblem', () => {
  it('names what is wrong, and refuses seconds', () => {
    expect(cronWindowProblem('0 2 * * 0')).toBeUndefined();
    expect(cronWindowProblem('0 0 2 * * 0')).toMatch(/must have five fields/);
    expect(cronWindowProblem('61 2 * * *')).toMatch(/^'61 2 \* \* \*' is not a cron expression: minute: /);
    expect(cronWindowProblem('whenever')).toMatch(/five fields/);
  });
});
