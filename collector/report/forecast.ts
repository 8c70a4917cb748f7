/**
 * Days-until-full forecasts for the daily report (filesystems, tablespaces,
 * ASM disk groups, FRA, storage pools).
 *
 * Method: ordinary least-squares regression of usage (percent) on time over the
 * points given. The fitted line is evaluated at `now` (not the last sample, so
 * one noisy reading does not move the forecast) and extended to `threshold`:
 *
 *   slope b = Σ(t−t̄)(y−ȳ) / Σ(t−t̄)²,  fitted(now) = ȳ + b·(now − t̄),
 *   days   = (threshold − fitted(now)) / b   (in days; 0 when already there).
 *
 * This is the same linear extrapolation as the rules' `predict(...)` and
 * Prometheus' predict_linear, so the report and the alerts agree. No forecast
 * (undefined) when the usage is flat or shrinking, when there are fewer than
 * two distinct times, or when the line reaches the threshold more than a year
 * out — a year-away date is noise, not a plan.
 */
import type { SeriesStats } from './types.js';

const DAY_MS = 86_400_000;
/** Growth slower than this (percentage points per day) counts as flat. */
const FLAT_PER_DAY = 1e-6;
const HORIZON_DAYS = 365;

export type UsagePoint = [ts: number, pct: number];

export function daysUntilFull(points: UsagePoint[], now: number, threshold = 100): number | undefined {
  const finite = points.filter(([t, y]) => Number.isFinite(t) && Number.isFinite(y));
  if (finite.length < 2) return undefined;
  // Work in days relative to `now` to keep the sums well conditioned.
  const xs = finite.map(([t]) => (t - now) / DAY_MS);
  const ys = finite.map(([, y]) => y);
  const n = finite.length;
  const xMean = xs.reduce((a, b) => a + b, 0) / n;
  const yMean = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - xMean;
    sxx += dx * dx;
    sxy += dx * (ys[i]! - yMean);
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  if (!(slope > FLAT_PER_DAY)) return undefined;
  const fittedNow = yMean + slope * (0 - xMean);
  if (fittedNow >= threshold) return 0;
  const days = (threshold - fittedNow) / slope;
  return days > HORIZON_DAYS ? undefined : days;
}

/**
 * The points behind a series' forecast: each non-empty hourly average at the
 * middle of its hour (the day [from, to) is split into `hourly.length` equal
 * buckets, so 23- and 25-hour DST days work), plus the previous week's average
 * at the middle of that week when there is history. The week point carries the
 * 7-day trend; the hourly points the shape of the last day.
 */
export function usagePoints(s: SeriesStats, from: number, to: number): UsagePoint[] {
  const points: UsagePoint[] = [];
  const buckets = s.hourly.length;
  if (buckets > 0) {
    const width = (to - from) / buckets;
    s.hourly.forEach((v, i) => {
      if (v !== null && Number.isFinite(v)) points.push([from + (i + 0.5) * width, v]);
    });
  }
  if (points.length === 0 && s.day.count > 0) {
    // No hourly detail: fall back to the day's average at the middle of its samples.
    points.push([(s.day.firstTs + s.day.lastTs) / 2, s.day.avg]);
  }
  if (s.week && s.week.count > 0) points.push([(s.week.firstTs + s.week.lastTs) / 2, s.week.avg]);
  return points;
}

export function daysUntilFullFromStats(s: SeriesStats, from: number, to: number, threshold = 100): number | undefined {
  return daysUntilFull(usagePoints(s, from, to), to, threshold);
}
