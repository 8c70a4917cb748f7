/**
 * Per-series sample windows for rule evaluation (docs/architecture.md §4): the data behind
 * last/avg/min/max/rate/delta, absent() and predict().
 *
 * Memory: a point is two float64s, 16 bytes. Capacity starts small and doubles
 * up to maxPoints, so a series never holds more than 16 * maxPoints bytes of
 * samples (plus a fixed per-object overhead), whatever its sample rate.
 *
 * push() is on the ingest hot path, so it is O(1) amortised and allocates only
 * when the ring grows; queries binary-search the window start (timestamps are
 * kept strictly increasing) and touch only the points inside the window.
 */

const INITIAL_CAPACITY = 8;

/** A fitted line: value(t) = intercept + slopePerMs * (t - x0). */
export interface LinearFit {
  /**
   * The first point's timestamp. Anchoring near the data (not at epoch 0) keeps
   * `t - x0` exact for epoch-ms timestamps and the intercept well conditioned.
   */
  x0: number;
  /** Fitted value at x0. */
  intercept: number;
  slopePerMs: number;
}

export function valueAt(fit: LinearFit, at: number): number {
  return fit.intercept + fit.slopePerMs * (at - fit.x0);
}

/**
 * Numerically stable least-squares fit. The textbook one-pass formula needs
 * Σt², which for epoch ms (~1.8e12, squared ~3e24) is far beyond float64's 53
 * bits, and n·Σt² − (Σt)² then cancels (to exactly 0 for 10 points 1 ms apart).
 * We shift timestamps by the first one (exact: integers well below 2^53), then
 * use two passes with centred deviations. undefined with fewer than 2 points or no time spread.
 */
export function linearFit(ts: ArrayLike<number>, values: ArrayLike<number>): LinearFit | undefined {
  return fitRing(ts, values, 0, ts.length, 0, Math.min(ts.length, values.length));
}

/** Fit over logical points [lo, hi) of a ring starting at physical `head` with capacity `cap`. */
function fitRing(ts: ArrayLike<number>, vs: ArrayLike<number>, head: number, cap: number, lo: number, hi: number): LinearFit | undefined {
  const n = hi - lo;
  if (n < 2) return undefined;
  const start = head + lo < cap ? head + lo : head + lo - cap;
  const x0 = ts[start]!;
  let sx = 0,
    sy = 0;
  for (let k = 0, j = start; k < n; k++) {
    sx += ts[j]! - x0;
    sy += vs[j]!;
    if (++j === cap) j = 0;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0,
    sxy = 0;
  for (let k = 0, j = start; k < n; k++) {
    const dx = ts[j]! - x0 - mx;
    sxx += dx * dx;
    sxy += dx * (vs[j]! - my);
    if (++j === cap) j = 0;
  }
  if (sxx === 0) return undefined;
  const slopePerMs = sxy / sxx;
  return { x0, intercept: my - slopePerMs * mx, slopePerMs };
}

export class SeriesWindow {
  readonly maxAgeMs: number;
  readonly maxPoints: number;
  private tss: Float64Array;
  private vals: Float64Array;
  /** Physical index of the oldest point. */
  private head = 0;
  private len = 0;
  /** Logical range [lo, hi) set by select(); fields rather than a returned tuple so queries don't allocate. */
  private lo = 0;
  private hi = 0;
  /** Timestamp of the first point this series ever got (NaN before), for coverage(). */
  private firstTs = NaN;

  constructor(opts: { maxAgeMs: number; maxPoints: number }) {
    if (!(opts.maxAgeMs >= 0)) throw new RangeError(`maxAgeMs must be >= 0, got ${opts.maxAgeMs}`);
    if (!(Number.isInteger(opts.maxPoints) && opts.maxPoints >= 1)) throw new RangeError(`maxPoints must be a positive integer, got ${opts.maxPoints}`);
    this.maxAgeMs = opts.maxAgeMs;
    this.maxPoints = opts.maxPoints;
    const cap = Math.min(INITIAL_CAPACITY, opts.maxPoints);
    this.tss = new Float64Array(cap);
    this.vals = new Float64Array(cap);
  }

  get size(): number {
    return this.len;
  }

  /** Allocated points (grows by doubling, never above maxPoints). */
  get capacity(): number {
    return this.tss.length;
  }

  /**
   * Out-of-order points are dropped (windows need sorted timestamps, and a
   * late sample is a retry or clock step that must not rewrite history);
   * an equal timestamp replaces the last value (a resent sample). A NaN value
   * or non-finite timestamp is dropped: it would poison every aggregate.
   */
  push(ts: number, value: number): void {
    if (!Number.isFinite(ts) || Number.isNaN(value)) return;
    if (this.len > 0) {
      const last = this.phys(this.len - 1);
      const lastTs = this.tss[last]!;
      if (ts < lastTs) return;
      if (ts === lastTs) {
        this.vals[last] = value;
        return;
      }
    }
    if (this.len === this.tss.length) {
      if (this.len < this.maxPoints) this.grow();
      else this.dropOldest();
    }
    if (Number.isNaN(this.firstTs)) this.firstTs = ts;
    const j = this.phys(this.len);
    this.tss[j] = ts;
    this.vals[j] = value;
    this.len++;
    // Age trim relative to the newest point; the newest itself always stays, so
    // lastTs() (and absent()) survives a series that stops reporting.
    const oldest = ts - this.maxAgeMs;
    while (this.tss[this.head]! < oldest) this.dropOldest();
  }

  lastTs(): number | undefined {
    return this.len > 0 ? this.tss[this.phys(this.len - 1)] : undefined;
  }

  last(): number | undefined {
    return this.len > 0 ? this.vals[this.phys(this.len - 1)] : undefined;
  }

  /**
   * Arithmetic mean of the samples, not time-weighted: agents sample at a
   * fixed interval, so both agree on regular data, and after a gap the mean
   * does not let the one sample before the gap dominate the window.
   */
  avg(now: number, windowMs: number): number | undefined {
    const n = this.select(now, windowMs);
    if (n === 0) return undefined;
    let sum = 0;
    for (let k = 0, j = this.phys(this.lo); k < n; k++) {
      sum += this.vals[j]!;
      if (++j === this.tss.length) j = 0;
    }
    return sum / n;
  }

  min(now: number, windowMs: number): number | undefined {
    const n = this.select(now, windowMs);
    if (n === 0) return undefined;
    let m = Infinity;
    for (let k = 0, j = this.phys(this.lo); k < n; k++) {
      if (this.vals[j]! < m) m = this.vals[j]!;
      if (++j === this.tss.length) j = 0;
    }
    return m;
  }

  max(now: number, windowMs: number): number | undefined {
    const n = this.select(now, windowMs);
    if (n === 0) return undefined;
    let m = -Infinity;
    for (let k = 0, j = this.phys(this.lo); k < n; k++) {
      if (this.vals[j]! > m) m = this.vals[j]!;
      if (++j === this.tss.length) j = 0;
    }
    return m;
  }

  /**
   * Per-second increase of a counter. A decrease is a reset (agent restart,
   * 32-bit SNMP wrap): the counter restarted from 0, so the new value is the
   * increment. No extrapolation to the window edges, unlike Prometheus: rules
   * compare against thresholds and a guessed tail would only add noise.
   */
  rate(now: number, windowMs: number): number | undefined {
    const n = this.select(now, windowMs);
    if (n < 2) return undefined;
    const cap = this.tss.length;
    let j = this.phys(this.lo);
    const firstTs = this.tss[j]!;
    let prev = this.vals[j]!;
    let inc = 0;
    for (let k = 1; k < n; k++) {
      if (++j === cap) j = 0;
      const v = this.vals[j]!;
      inc += v >= prev ? v - prev : v;
      prev = v;
    }
    // Timestamps are strictly increasing, so the span is > 0 with 2+ points.
    return inc / ((this.tss[j]! - firstTs) / 1000);
  }

  /**
   * How much of the window `(now − W, now]` this series has been watched for,
   * 0…1: from its first point (or the window start, if that is later) to now.
   * A window function on a series seen for 15 s says nothing about 10 minutes.
   * Gaps inside the window do not lower it: a series that was watched all along
   * and missed polls still has its samples averaged as before.
   */
  coverage(now: number, windowMs: number): number {
    if (this.len === 0 || windowMs <= 0) return this.len === 0 ? 0 : 1;
    const start = Math.max(now - windowMs, this.firstTs);
    return Math.min(1, Math.max(0, (now - start) / windowMs));
  }

  /**
   * How many times the value went down between consecutive samples in the
   * window (a reboot seen in uptime, a counter reset). A first sample has no
   * predecessor, so it is never a reset, whatever its value.
   */
  resets(now: number, windowMs: number): number | undefined {
    const n = this.select(now, windowMs);
    if (n === 0) return undefined;
    const cap = this.tss.length;
    // The point just before the window counts as the predecessor of the first one inside it.
    let j = this.phys(this.lo > 0 ? this.lo - 1 : this.lo);
    let prev = this.vals[j]!;
    let count = 0;
    for (let k = this.lo > 0 ? 0 : 1; k < n; k++) {
      if (++j === cap) j = 0;
      const v = this.vals[j]!;
      if (v < prev) count++;
      prev = v;
    }
    return count;
  }

  delta(now: number, windowMs: number): number | undefined {
    const n = this.select(now, windowMs);
    if (n < 2) return undefined;
    return this.vals[this.phys(this.hi - 1)]! - this.vals[this.phys(this.lo)]!;
  }

  /** Least-squares line over the window, evaluated at absolute time `at` (the engine passes now + within). */
  predict(now: number, windowMs: number, at: number): { value: number; slopePerMs: number } | undefined {
    this.select(now, windowMs);
    const fit = fitRing(this.tss, this.vals, this.head, this.tss.length, this.lo, this.hi);
    return fit && { value: valueAt(fit, at), slopePerMs: fit.slopePerMs };
  }

  /**
   * true when no point has ts > now - windowMs. Answered from the newest point,
   * which trimming never drops, so a series that stopped completely (no pushes
   * since) still reads as absent rather than unknown.
   */
  absent(now: number, windowMs: number): boolean {
    return this.len === 0 || this.tss[this.phys(this.len - 1)]! <= now - windowMs;
  }

  /** Selects points with ts in (now - windowMs, now]; returns how many. */
  private select(now: number, windowMs: number): number {
    this.lo = this.firstAfter(now - windowMs);
    // Usual case: evaluation time is at or after the newest sample; skip the second search.
    this.hi = this.len > 0 && this.tss[this.phys(this.len - 1)]! <= now ? this.len : this.firstAfter(now);
    if (this.hi < this.lo) this.hi = this.lo;
    return this.hi - this.lo;
  }

  /** First logical index whose ts is > bound (len when none). */
  private firstAfter(bound: number): number {
    let lo = 0;
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.tss[this.phys(mid)]! > bound) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private phys(i: number): number {
    const j = this.head + i;
    return j >= this.tss.length ? j - this.tss.length : j;
  }

  private dropOldest(): void {
    this.head = this.phys(1);
    this.len--;
  }

  /** Only called when full: unwrap [head, cap) + [0, head) into a larger ring starting at 0. */
  private grow(): void {
    const cap = this.tss.length;
    const next = Math.min(cap * 2, this.maxPoints);
    const unwrap = (a: Float64Array): Float64Array => {
      const b = new Float64Array(next);
      b.set(a.subarray(this.head));
      b.set(a.subarray(0, this.head), cap - this.head);
      return b;
    };
    this.tss = unwrap(this.tss);
    this.vals = unwrap(this.vals);
    this.head = 0;
  }
}
