/**
 * The retry back-off (lib/backoff.ts; the agent sender uses it): doubling
 * from the base up to the cap, "equal jitter" (half fixed, half random) so
 * agents never retry at once, and a reset after a success.
 */
import { describe, expect, it } from 'vitest';
import { Backoff } from '../../lib/backoff.js';

describe('Backoff', () => {
  it('doubles from the base to the cap, half of each delay fixed', () => {
    const low = new Backoff(100, 1_000, () => 0);
    expect(Array.from({ length: 6 }, () => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
    const high = new Backoff(100, 1_000, () => 1);
    expect(Array.from({ length: 6 }, () => high.next())).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    const mid = new Backoff(100, 1_000, () => 0.5);
    expect([mid.next(), mid.next()]).toEqual([75, 150]);
  });

  it('counts attempts, stops counting at 30 and starts over after reset', () => {
    const b = new Backoff(100, 1_000, () => 0);
    for (let i = 0; i < 40; i++) b.next();
    expect(b.attempts).toBe(30);
    expect(b.next()).toBe(500);
    b.reset();
    expect(b.attempts).toBe(0);
    expect(b.next()).toBe(50);
    expect(b.attempts).toBe(1);
  });

  it('defaults to 0.5 s doubling to 30 s', () => {
    const b = new Backoff(undefined, undefined, () => 1);
    const delays = Array.from({ length: 10 }, () => b.next());
    expect(delays.slice(0, 3)).toEqual([500, 1_000, 2_000]);
    expect(delays.at(-1)).toBe(30_000);
  });
});
