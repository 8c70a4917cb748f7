import { describe, expect, it } from 'vitest';
import { SeriesWindow, linearFit, valueAt } from '../../collector/rules/window.js';

const S = 1000;
const H = 3_600_000;
const D = 24 * H;
/** A real epoch-ms base (2026-11-18): squares of it overflow float64 precision. */
const BASE = 1.795e12;

function win(points: Array<[number, number]>, opts = { maxAgeMs: 10 * D, maxPoints: 10_000 }): SeriesWindow {
  const w = new SeriesWindow(opts);
  for (const [t, v] of points) w.push(t, v);
  return w;
}

describe('SeriesWindow avg/min/max', () => {
  // t(s):  10 20 30 40 50 60
  // value:  5  1  9  4  7  3
  const w = win([
    [10 * S, 5],
    [20 * S, 1],
    [30 * S, 9],
    [40 * S, 4],
    [50 * S, 7],
    [60 * S, 3],
  ]);

  it('covers (now - window, now]: the point at now - window is excluded, the one at now included', () => {
    // now 60 s, 30 s window → (30, 60] → 4, 7, 3 (9 at exactly 30 s is out): avg 14/3, min 3, max 7.
    expect(w.avg(60 * S, 30 * S)).toBeCloseTo(14 / 3, 12);
    expect(w.min(60 * S, 30 * S)).toBe(3);
    expect(w.max(60 * S, 30 * S)).toBe(7);
  });

  it('ignores points after now', () => {
    // now 50 s, 30 s window → (20, 50] → 9, 4, 7 (3 at 60 s is in the future): avg 20/3, min 4, max 9.
    expect(w.avg(50 * S, 30 * S)).toBeCloseTo(20 / 3, 12);
    expect(w.min(50 * S, 30 * S)).toBe(4);
    expect(w.max(50 * S, 30 * S)).toBe(9);
  });

  it('uses what there is when the window reaches past the first point', () => {
    // 5+1+9+4+7+3 = 29 over 6 samples.
    expect(w.avg(60 * S, H)).toBeCloseTo(29 / 6, 12);
    expect(w.min(60 * S, H)).toBe(1);
    expect(w.max(60 * S, H)).toBe(9);
  });

  it('is undefined for an empty window', () => {
    expect(w.avg(200 * S, 30 * S)).toBeUndefined();
    expect(w.min(5 * S, 30 * S)).toBeUndefined();
    expect(w.max(200 * S, 30 * S)).toBeUndefined();
    expect(new SeriesWindow({ maxAgeMs: H, maxPoints: 10 }).avg(0, H)).toBeUndefined();
  });
});

describe('SeriesWindow rate/delta', () => {
  // Counter at 10 s spacing: 100, 110, 130, reset, 5, 15.
  const w = win([
    [0, 100],
    [10 * S, 110],
    [20 * S, 130],
    [30 * S, 5],
    [40 * S, 15],
  ]);

  it('treats a decrease as a counter reset', () => {
    // increments 10, 20, 5 (the reset: new value counts), 10 = 45 over 40 s = 1.125/s.
    expect(w.rate(40 * S, 60 * S)).toBe(1.125);
  });

  it('rates a partial window', () => {
    // (−10, 20] → 100, 110, 130: 30 over 20 s = 1.5/s.
    expect(w.rate(20 * S, 30 * S)).toBe(1.5);
    // (25, 40] → 5, 15: 10 over 10 s = 1/s.
    expect(w.rate(40 * S, 15 * S)).toBe(1);
  });

  it('needs two points', () => {
    expect(w.rate(40 * S, 5 * S)).toBeUndefined();
    expect(w.delta(40 * S, 5 * S)).toBeUndefined();
  });

  it('delta is last − first, with no reset handling', () => {
    expect(w.delta(40 * S, 60 * S)).toBe(15 - 100); // −85
    expect(w.delta(20 * S, 30 * S)).toBe(130 - 100);
  });
});

describe('predict and linearFit', () => {
  it('extrapolates an exact line: disk filling 1 %/h from 70 %', () => {
    // A sample every 10 min for 6 h: 70 % at BASE, 76 % at BASE + 6 h.
    const pts: Array<[number, number]> = [];
    for (let k = 0; k <= 36; k++) pts.push([BASE + k * 600_000, 70 + k / 6]);
    const w = win(pts);
    const now = BASE + 6 * H;
    // 3 days later: 76 + 72 h × 1 %/h = 148 %.
    const p = w.predict(now, 6 * H, now + 3 * D)!;
    expect(Math.abs(p.value - 148)).toBeLessThan(1e-6);
    expect(p.slopePerMs).toBeCloseTo(1 / H, 15);
    expect(Math.abs(w.predict(now, 6 * H, now)!.value - 76)).toBeLessThan(1e-6);
  });

  it('matches the hand-computed least-squares answer on noisy data', () => {
    // x (s) 0..4, y 1 3 2 5 4: mean x 2, mean y 3; Σdx² = 10, Σdx·dy = 4+0+0+2+2 = 8
    // → slope 0.8/s = 0.0008/ms, value at x=0: 3 − 0.8·2 = 1.4; at x=10 s: 1.4 + 8 = 9.4.
    const fit = linearFit([0, 1000, 2000, 3000, 4000], [1, 3, 2, 5, 4])!;
    expect(fit.slopePerMs).toBeCloseTo(0.0008, 15);
    expect(fit.x0).toBe(0);
    expect(fit.intercept).toBeCloseTo(1.4, 12);
    expect(valueAt(fit, 10_000)).toBeCloseTo(9.4, 12);

    // The same data at epoch-ms timestamps through the window.
    const w = win([1, 3, 2, 5, 4].map((y, i): [number, number] => [BASE + i * S, y]));
    const p = w.predict(BASE + 4 * S, H, BASE + 10 * S)!;
    expect(Math.abs(p.value - 9.4)).toBeLessThan(1e-6);
    expect(Math.abs(p.slopePerMs - 0.0008)).toBeLessThan(1e-12);
  });

  it('stays exact with epoch-ms timestamps 1 ms apart', () => {
    // v = 2·(t − BASE) + 5 over t = BASE..BASE+9 ms: slope 2/ms, value at BASE+100 = 205.
    // The naive n·Σt² − (Σt)² denominator cancels to exactly 0 here (Σt² ≈ 3e25, ulp ≈ 4e9).
    const ts = Array.from({ length: 10 }, (_, i) => BASE + i);
    const fit = linearFit(
      ts,
      ts.map((t) => 2 * (t - BASE) + 5),
    )!;
    expect(Math.abs(fit.slopePerMs - 2)).toBeLessThan(1e-9);
    expect(Math.abs(valueAt(fit, BASE + 100) - 205)).toBeLessThan(1e-6);
  });

  it('is undefined with fewer than 2 points or zero time spread', () => {
    expect(linearFit([BASE], [1])).toBeUndefined();
    expect(linearFit([BASE, BASE], [1, 2])).toBeUndefined();
    expect(win([[BASE, 1]]).predict(BASE, H, BASE + D)).toBeUndefined();
    expect(win([]).predict(BASE, H, BASE + D)).toBeUndefined();
  });
});

describe('absent', () => {
  it('is true for an empty series', () => {
    expect(new SeriesWindow({ maxAgeMs: H, maxPoints: 10 }).absent(BASE, 3 * 60 * S)).toBe(true);
  });

  it('is true when the last point is stale (including exactly at now − window) and false when fresh', () => {
    const w = win([
      [BASE, 1],
      [BASE + 100 * S, 1],
    ]);
    expect(w.absent(BASE + 300 * S, 180 * S)).toBe(true); // 100 s ≤ 120 s
    expect(w.absent(BASE + 280 * S, 180 * S)).toBe(true); // 100 s = 100 s: not newer
    expect(w.absent(BASE + 279 * S, 180 * S)).toBe(false);
    w.push(BASE + 130 * S, 1);
    expect(w.absent(BASE + 300 * S, 180 * S)).toBe(false); // 130 s > 120 s
  });

  it('remembers the last point of a series that stopped long ago', () => {
    const w = new SeriesWindow({ maxAgeMs: 60 * S, maxPoints: 10 });
    w.push(BASE, 1);
    expect(w.lastTs()).toBe(BASE);
    expect(w.absent(BASE + D, 60 * S)).toBe(true);
    expect(w.absent(BASE + 30 * S, 60 * S)).toBe(false);
  });
});

describe('bounds and ordering', () => {
  it('drops points older than maxAgeMs relative to the newest', () => {
    // 0..120 s every 10 s, value = index; maxAge 60 s keeps 60..120 s (60 s is not older than 60 s).
    const w = new SeriesWindow({ maxAgeMs: 60 * S, maxPoints: 100 });
    for (let i = 0; i <= 12; i++) w.push(i * 10 * S, i);
    expect(w.size).toBe(7);
    expect(w.min(120 * S, D)).toBe(6);
    expect(w.avg(120 * S, D)).toBe(9); // (6+…+12)/7
  });

  it('caps at maxPoints, dropping the oldest', () => {
    const w = new SeriesWindow({ maxAgeMs: D, maxPoints: 3 });
    for (let i = 1; i <= 5; i++) w.push(i * S, i);
    expect(w.size).toBe(3);
    expect(w.capacity).toBe(3);
    expect(w.min(5 * S, D)).toBe(3);
    expect(w.delta(5 * S, D)).toBe(2);
  });

  it('ignores out-of-order points and replaces on equal timestamps', () => {
    const w = win([
      [10 * S, 1],
      [20 * S, 2],
      [15 * S, 99],
    ]);
    expect(w.size).toBe(2);
    expect(w.max(20 * S, H)).toBe(2);
    w.push(20 * S, 7);
    expect(w.size).toBe(2);
    expect(w.last()).toBe(7);
    expect(w.avg(20 * S, H)).toBe(4); // (1 + 7) / 2
  });

  it('ignores NaN values and non-finite timestamps', () => {
    const w = win([
      [10 * S, 1],
      [20 * S, NaN],
      [Infinity, 3],
      [NaN, 4],
    ]);
    expect(w.size).toBe(1);
    expect(w.lastTs()).toBe(10 * S);
  });

  it('rejects bad options', () => {
    expect(() => new SeriesWindow({ maxAgeMs: H, maxPoints: 0 })).toThrow(RangeError);
    expect(() => new SeriesWindow({ maxAgeMs: NaN, maxPoints: 5 })).toThrow(RangeError);
  });
});

describe('ring buffer growth and wrap-around', () => {
  it('stays correct after wrapping many times at a small cap', () => {
    // maxPoints 5 (not a power of two); after 1000 pushes the window holds i = 995..999 at 1 s spacing.
    const w = new SeriesWindow({ maxAgeMs: D, maxPoints: 5 });
    for (let i = 0; i < 1000; i++) w.push(BASE + i * S, i);
    const now = BASE + 999 * S;
    expect(w.size).toBe(5);
    expect(w.capacity).toBe(5);
    expect(w.avg(now, D)).toBe(997);
    expect(w.min(now, D)).toBe(995);
    expect(w.max(now, D)).toBe(999);
    expect(w.delta(now, D)).toBe(4);
    expect(w.rate(now, D)).toBe(1); // 4 over 4 s
    expect(w.avg(now, 2500)).toBe(998); // (996.5 s, 999 s] → 997, 998, 999
    expect(w.predict(now, D, now + 10 * S)!.value).toBeCloseTo(1009, 6);
  });

  it('grows while wrapped, keeping order', () => {
    // maxAge 3.5 s at 1 s spacing keeps 4 points, so head laps the initial 8-slot ring;
    // then a 10 ms burst of 50 points forces growth from a wrapped state.
    const w = new SeriesWindow({ maxAgeMs: 3500, maxPoints: 100 });
    for (let i = 0; i < 20; i++) w.push(i * S, i);
    expect(w.capacity).toBe(8);
    for (let k = 1; k <= 50; k++) w.push(19 * S + k * 10, 100 + k);
    // Kept: 16 s..19 s (16, 17, 18, 19) and the 50 burst points 101..150.
    const now = 19 * S + 500;
    expect(w.size).toBe(54);
    expect(w.capacity).toBe(64);
    expect(w.min(now, D)).toBe(16);
    expect(w.delta(now, D)).toBe(150 - 16);
    expect(w.avg(now, D)).toBe((16 + 17 + 18 + 19 + (101 + 150) * 25) / 54);
    expect(w.avg(now, 100)).toBe((141 + 150) / 2); // (19.4 s, 19.5 s] → 141..150
  });

  it('agrees with a plain-array model on a random stream', () => {
    let seed = 42;
    const rnd = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const maxAgeMs = 20 * S;
    const maxPoints = 13;
    const w = new SeriesWindow({ maxAgeMs, maxPoints });
    let model: Array<[number, number]> = [];
    let t = BASE;
    for (let step = 0; step < 3000; step++) {
      const r = rnd();
      t += r < 0.1 ? -500 : r < 0.15 ? 0 : Math.floor(rnd() * 3 * S);
      const v = Math.floor(rnd() * 100);
      w.push(t, v);
      const lastT = model.at(-1)?.[0];
      if (lastT === undefined || t > lastT) model.push([t, v]);
      else if (t === lastT) model[model.length - 1] = [t, v];
      if (model.length > maxPoints) model.shift();
      const newest = model.at(-1)![0];
      model = model.filter(([ts]) => ts >= newest - maxAgeMs);
      t = Math.max(t, newest);

      expect(w.size).toBe(model.length);
      const now = newest + Math.floor(rnd() * 2 * S);
      const span = Math.floor(rnd() * 15 * S);
      const inWin = model.filter(([ts]) => ts > now - span && ts <= now).map(([, x]) => x);
      const mean = inWin.length ? inWin.reduce((a, b) => a + b, 0) / inWin.length : undefined;
      expect(w.avg(now, span)).toBe(mean);
      expect(w.min(now, span)).toBe(inWin.length ? Math.min(...inWin) : undefined);
      expect(w.max(now, span)).toBe(inWin.length ? Math.max(...inWin) : undefined);
      expect(w.delta(now, span)).toBe(inWin.length > 1 ? inWin.at(-1)! - inWin[0]! : undefined);
    }
  });
});
