import { describe, expect, it } from 'vitest';
import { CounterRates } from '../../agent/rates.js';

const TWO_POW_32 = 2 ** 32;

describe('CounterRates', () => {
  it('returns undefined for the first reading and a per-second rate after it', () => {
    const r = new CounterRates({ maxGapMs: 60_000 });
    expect(r.rate('eth0/rx', 1_000, 0)).toBeUndefined();
    expect(r.rate('eth0/rx', 16_000, 15_000)).toBe(1_000);
    expect(r.rate('eth0/rx', 16_000, 30_000)).toBe(0);
    expect(r.size).toBe(1);
  });

  it('keeps separate baselines per key', () => {
    const r = new CounterRates();
    r.rate('a', 0, 0);
    r.rate('b', 100, 0);
    expect(r.rate('a', 10, 1_000)).toBe(10);
    expect(r.rate('b', 300, 1_000)).toBe(200);
  });

  it('treats a plausible fall of a 32-bit counter as a wrap', () => {
    const r = new CounterRates();
    r.rate('if1/in', TWO_POW_32 - 1_000, 0, { bits: 32 });
    expect(r.rate('if1/in', 4_000, 10_000, { bits: 32 })).toBe(500);
  });

  it('treats an implausible fall of a 32-bit counter as a reset', () => {
    const r = new CounterRates();
    r.rate('if1/in', 3_000_000_000, 0, { bits: 32 });
    // Through the top would be 2^32 - 3e9 + 2.5e9 ≈ 3.8e9, more than half the range.
    expect(r.rate('if1/in', 2_500_000_000, 10_000, { bits: 32 })).toBeUndefined();
    // The reset reading became the baseline.
    expect(r.rate('if1/in', 2_500_010_000, 20_000, { bits: 32 })).toBe(1_000);
  });

  it('treats any fall of a 64-bit counter as a reset, never a wrap', () => {
    const r = new CounterRates();
    r.rate('hc', TWO_POW_32 - 1_000, 0, { bits: 64 });
    expect(r.rate('hc', 4_000, 10_000, { bits: 64 })).toBeUndefined();
    expect(r.rate('hc', 14_000, 20_000)).toBe(1_000);
  });

  it('drops the rate across a gap and starts from the new reading', () => {
    const r = new CounterRates({ maxGapMs: 20_000 });
    r.rate('k', 0, 0);
    expect(r.rate('k', 1_000_000, 45_000)).toBeUndefined();
    expect(r.rate('k', 1_015_000, 60_000)).toBe(1_000);
  });

  it('lets a key override the gap limit', () => {
    const r = new CounterRates({ maxGapMs: 20_000 });
    r.rate('slow', 0, 0, { maxGapMs: 120_000 });
    expect(r.rate('slow', 60_000, 60_000, { maxGapMs: 120_000 })).toBe(1_000);
  });

  it('drops the baseline on a non-finite or negative value', () => {
    const r = new CounterRates();
    r.rate('k', 100, 0);
    expect(r.rate('k', Number.NaN, 1_000)).toBeUndefined();
    expect(r.size).toBe(0);
    expect(r.rate('k', 200, 2_000)).toBeUndefined();
    expect(r.rate('k', Number.POSITIVE_INFINITY, 3_000)).toBeUndefined();
    expect(r.rate('k', 300, 4_000)).toBeUndefined();
    expect(r.rate('k', -1, 5_000)).toBeUndefined();
    expect(r.size).toBe(0);
  });

  it('ignores a reading at the same or an earlier time and keeps the baseline', () => {
    const r = new CounterRates();
    r.rate('k', 100, 10_000);
    expect(r.rate('k', 500, 10_000)).toBeUndefined();
    expect(r.rate('k', 500, 5_000)).toBeUndefined();
    expect(r.rate('k', 1_100, 11_000)).toBe(1_000);
  });

  it('prunes baselines idle for ten gap limits, lazily', () => {
    const r = new CounterRates({ maxGapMs: 1_000 });
    r.rate('gone', 1, 0);
    r.rate('kept', 1, 0);
    r.rate('kept', 2, 900);
    expect(r.size).toBe(2);
    for (let t = 1_800; t <= 9_900; t += 900) r.rate('kept', t, t);
    // 'gone' is 9.9 s old: under ten gap limits, still held.
    expect(r.size).toBe(2);
    r.rate('kept', 11_000, 11_000);
    expect(r.size).toBe(1);
    expect(r.rate('gone', 5, 11_500)).toBeUndefined();
  });

  it('forget(prefix) and reset(prefix) drop only matching baselines', () => {
    const r = new CounterRates();
    for (const k of ['net/eth0/rx', 'net/eth0/tx', 'net/eth1/rx', 'diskio/sda/read']) r.rate(k, 0, 0);
    expect(r.forget('net/eth0/')).toBe(2);
    expect(r.size).toBe(2);
    expect(r.rate('net/eth0/rx', 1_000, 1_000)).toBeUndefined();
    expect(r.rate('net/eth1/rx', 1_000, 1_000)).toBe(1_000);
    // After a device restart its counters start again near zero: no reset-as-rate, no wrap.
    expect(r.reset('net/')).toBe(2);
    expect(r.rate('net/eth1/rx', 10, 2_000)).toBeUndefined();
    expect(r.rate('diskio/sda/read', 2_000, 2_000)).toBe(1_000);
    expect(r.reset('')).toBe(2);
    expect(r.size).toBe(0);
  });

  it('refuses a non-positive gap limit', () => {
    expect(() => new CounterRates({ maxGapMs: 0 })).toThrow(RangeError);
  });
});
