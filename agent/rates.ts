/**
 * Per-second rates from monotonically increasing counters (interface octets,
 * disk sectors, error counts).
 *
 * docs/architecture.md §3 asks that wraps and resets be detected and that a sample after a
 * timeout be dropped, never turned into a spike. Every doubtful reading therefore
 * becomes a new baseline and yields `undefined`: one missing point on a graph is
 * harmless, a 40 Tb/s spike pages someone at 3 a.m.
 */

export interface CounterRatesOptions {
  /** Readings further apart than this are a gap (a timeout, a missed tick): no rate. */
  maxGapMs?: number;
}

export interface RateOptions {
  /** The counter's width. Only 32-bit counters can wrap plausibly between two readings. */
  bits?: 32 | 64;
  /** Overrides the instance's gap limit for this key. */
  maxGapMs?: number;
}

/** Five minutes: generous enough for any probe interval that does not set its own limit. */
export const DEFAULT_MAX_GAP_MS = 300_000;

/** Baselines idle for this many gap limits belong to a vanished interface or disk. */
const PRUNE_AFTER_GAPS = 10;

const TWO_POW_32 = 2 ** 32;

interface Baseline {
  value: number;
  tsMs: number;
  maxGapMs: number;
}

export class CounterRates {
  private readonly baselines = new Map<string, Baseline>();
  private readonly maxGapMs: number;
  private newestTsMs = Number.NEGATIVE_INFINITY;
  private lastSweepMs: number | undefined;

  constructor(opts: CounterRatesOptions = {}) {
    const maxGapMs = opts.maxGapMs ?? DEFAULT_MAX_GAP_MS;
    if (!Number.isFinite(maxGapMs) || maxGapMs <= 0) {
      throw new RangeError(`maxGapMs must be a positive number of milliseconds, got ${maxGapMs}`);
    }
    this.maxGapMs = maxGapMs;
  }

  /** How many baselines are held; it shrinks as idle keys are pruned. */
  get size(): number {
    return this.baselines.size;
  }

  /**
   * Records `value` for `key` at `tsMs` and returns the per-second increase since
   * the previous reading, or undefined when there is no trustworthy rate yet.
   */
  rate(key: string, value: number, tsMs: number, opts: RateOptions = {}): number | undefined {
    // A reading without a usable time cannot be placed; the old baseline stays valid.
    if (!Number.isFinite(tsMs)) return undefined;
    this.sweep(tsMs);
    // A counter never goes negative or non-finite; such a reading says nothing, and the
    // baseline before it cannot be trusted to pair with the next good reading either.
    if (!Number.isFinite(value) || value < 0) {
      this.baselines.delete(key);
      return undefined;
    }
    const maxGapMs = opts.maxGapMs ?? this.maxGapMs;
    const prev = this.baselines.get(key);
    if (prev === undefined) {
      this.baselines.set(key, { value, tsMs, maxGapMs });
      return undefined;
    }
    const elapsedMs = tsMs - prev.tsMs;
    // A repeated or out-of-order reading would divide by zero or run time backwards;
    // ignoring it keeps the older, still valid baseline.
    if (elapsedMs <= 0) return undefined;
    this.baselines.set(key, { value, tsMs, maxGapMs });
    if (elapsedMs > maxGapMs) return undefined;
    const delta = this.increase(prev.value, value, opts.bits ?? 64);
    return delta === undefined ? undefined : delta / (elapsedMs / 1000);
  }

  /** Drops the baselines of keys starting with `keyPrefix` (a removed interface or disk). */
  forget(keyPrefix: string): number {
    return this.dropPrefix(keyPrefix);
  }

  /**
   * Drops the baselines of keys starting with `keyPrefix` because the device restarted
   * (its uptime went backwards): its counters started again from zero, so the next
   * reading must be a baseline rather than a difference against the old life.
   */
  reset(keyPrefix: string): number {
    return this.dropPrefix(keyPrefix);
  }

  /** The increase from `prev` to `value`, or undefined when the counter was reset. */
  private increase(prev: number, value: number, bits: 32 | 64): number | undefined {
    if (value >= prev) return value - prev;
    // A 64-bit counter does not wrap within any realistic gap, so going down means a reset.
    // A 32-bit one does (10 GbE wraps it in under 4 s), and a wrap is only believable when
    // the distance through the top is less than half the counter's range.
    if (bits === 32 && prev < TWO_POW_32 && value < TWO_POW_32) {
      const wrapped = TWO_POW_32 - prev + value;
      if (wrapped < TWO_POW_32 / 2) return wrapped;
    }
    return undefined;
  }

  private dropPrefix(keyPrefix: string): number {
    let dropped = 0;
    for (const key of this.baselines.keys()) {
      if (key.startsWith(keyPrefix)) {
        this.baselines.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  /**
   * Prunes idle baselines, at most once per gap limit of reading time, so memory
   * stays bounded when interfaces and disks come and go without rate() paying for a
   * full scan on every call.
   */
  private sweep(tsMs: number): void {
    if (tsMs > this.newestTsMs) this.newestTsMs = tsMs;
    if (this.lastSweepMs === undefined) {
      this.lastSweepMs = this.newestTsMs;
      return;
    }
    if (this.newestTsMs - this.lastSweepMs < this.maxGapMs) return;
    this.lastSweepMs = this.newestTsMs;
    for (const [key, baseline] of this.baselines) {
      if (this.newestTsMs - baseline.tsMs > PRUNE_AFTER_GAPS * baseline.maxGapMs) this.baselines.delete(key);
    }
  }
}
