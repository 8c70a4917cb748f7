import { describe, expect, it } from 'vitest';
import { daysUntilFull, daysUntilFullFromStats, usagePoints } from '../../collector/report/forecast.js';
import type { SeriesStats } from '../../collector/report/types.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 23, 16);

/** Hourly points over the last `days` days on the line start + slope·t, plus optional noise. */
function line(slopePerDay: number, valueAtNow: number, days = 2, noise: (i: number) => number = () => 0): Array<[number, number]> {
  return Array.from({ length: days * 24 }, (_, i) => {
    const t = NOW - (days * 24 - i) * HOUR;
    return [t, valueAtNow + slopePerDay * ((t - NOW) / DAY) + noise(i)] as [number, number];
  });
}

describe('daysUntilFull', () => {
  it('gives the exact days for a known slope: 1 %/day from 91 % is 9 days to 100 %', () => {
    expect(daysUntilFull(line(1, 91), NOW)).toBeCloseTo(9, 9);
  });

  it('extends to the given threshold', () => {
    expect(daysUntilFull(line(2, 80), NOW, 90)).toBeCloseTo(5, 9);
    expect(daysUntilFull(line(0.5, 50), NOW, 100)).toBeCloseTo(100, 6);
  });

  it('evaluates the fitted line at now, not the last point, and gives 0 when already full', () => {
    // A last reading of 99.9 % on a line at 98 % now: the fit still says 2 days, not 0.1.
    const pts = line(1, 98);
    pts[pts.length - 1] = [pts[pts.length - 1]![0], 99.9];
    const d = daysUntilFull(pts, NOW)!;
    expect(d).toBeGreaterThan(1.5);
    expect(d).toBeLessThan(2);
    expect(daysUntilFull(line(5, 101), NOW)).toBe(0);
  });

  it('is undefined when flat, decreasing, too slow (beyond a year) or without two distinct times', () => {
    expect(daysUntilFull(line(0, 70), NOW)).toBeUndefined();
    expect(daysUntilFull(line(-1, 70), NOW)).toBeUndefined();
    expect(daysUntilFull(line(0.05, 70), NOW)).toBeUndefined(); // 600 days
    expect(daysUntilFull([[NOW, 90]], NOW)).toBeUndefined();
    expect(
      daysUntilFull(
        [
          [NOW, 90],
          [NOW, 95],
        ],
        NOW,
      ),
    ).toBeUndefined();
    expect(daysUntilFull([], NOW)).toBeUndefined();
  });

  it('sees through noise: 2 %/day with ±1.5 % of noise over 7 days lands near 10 days', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    const d = daysUntilFull(
      line(2, 80, 7, () => 1.5 * rnd()),
      NOW,
    );
    expect(d).toBeDefined();
    expect(d!).toBeGreaterThan(9.5);
    expect(d!).toBeLessThan(10.5);
  });

  it('ignores non-finite points', () => {
    const pts = line(1, 91);
    pts.push([NOW - HOUR, Number.NaN]);
    expect(daysUntilFull(pts, NOW)).toBeCloseTo(9, 9);
  });
});

describe('daysUntilFullFromStats', () => {
  const from = NOW - DAY;
  const stats = (hourly: Array<number | null>, weekAvg?: number): SeriesStats => {
    const vals = hourly.filter((v): v is number => v !== null);
    const s: SeriesStats = {
      metric: 'disk.used_pct',
      tags: { mount: '/u01' },
      hourly,
      day: { min: Math.min(...vals), max: Math.max(...vals), avg: vals.reduce((a, b) => a + b, 0) / vals.length, last: vals[vals.length - 1]!, count: 1440, firstTs: from, lastTs: NOW },
    };
    if (weekAvg !== undefined) s.week = { min: weekAvg, max: weekAvg, avg: weekAvg, last: weekAvg, count: 7 * 1440, firstTs: from - 7 * DAY, lastTs: from };
    return s;
  };

  it('uses hourly averages at mid-hour and the week average at the middle of the week', () => {
    // 1 %/day: 90.5 % at the day's start, 87 % at the week's middle (3.5 days earlier).
    const hourly = Array.from({ length: 24 }, (_, h) => 90.5 + (h + 0.5) / 24);
    const s = stats(hourly, 87);
    const pts = usagePoints(s, from, NOW);
    expect(pts).toHaveLength(25);
    expect(pts[0]![0]).toBe(from + HOUR / 2);
    expect(pts[24]).toEqual([from - 3.5 * DAY, 87]);
    expect(daysUntilFullFromStats(s, from, NOW)).toBeCloseTo(8.5, 9);
  });

  it('skips empty hours and works without history', () => {
    const hourly: Array<number | null> = Array.from({ length: 24 }, (_, h) => (h === 5 || h === 6 ? null : 50 + (h + 0.5) / 2));
    const d = daysUntilFullFromStats(stats(hourly), from, NOW);
    expect(d).toBeCloseTo((100 - 62) / 12, 6); // 12 %/day, 62 % at the day's end
  });

  it('the week average pulls a flat day with an old, lower week into a slow trend', () => {
    const s = stats(
      Array.from({ length: 24 }, () => 80),
      73,
    );
    // The fit through 24 points at 80 and one at 73 (3.5 days back) is slow but rising.
    const d = daysUntilFullFromStats(s, from, NOW)!;
    expect(d).toBeGreaterThan(10);
    expect(d).toBeLessThan(365);
  });

  it('handles a 25-hour DST day by splitting the day into equal buckets', () => {
    const to = from + 25 * HOUR;
    const hourly = Array.from({ length: 25 }, (_, h) => 60 + (h + 0.5) / 25); // 1 % over the 25 h day
    const s = stats(hourly);
    expect(daysUntilFullFromStats(s, from, to)).toBeCloseTo(39 * (25 / 24), 6);
  });
});
