/**
 * Sign-in throttling: after `maxFailures` failed sign-ins within `windowMs`,
 * a user name — and, separately, a client address — is locked for `lockMs`
 * (429 with Retry-After). Counting addresses too stops one client guessing
 * across many names; counting names stops many clients guessing one. Kept in
 * memory: a restart forgets the counts, which costs a guesser nothing it could
 * not get by waiting out the lock.
 */
export interface LockoutSettings {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

interface Entry {
  failures: number[];
  lockedUntil: number;
}

/** Bounds the memory a flood of made-up names can take. */
const MAX_KEYS = 50_000;

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly settings: LockoutSettings,
    private readonly now: () => number,
  ) {}

  /** Milliseconds until these keys may try again, 0 when they may now. */
  retryAfterMs(keys: string[]): number {
    const now = this.now();
    let wait = 0;
    for (const k of keys) {
      const e = this.entries.get(k);
      if (e && e.lockedUntil > now) wait = Math.max(wait, e.lockedUntil - now);
    }
    return wait;
  }

  /** Counts a failure against each key; true when one of them is now locked. */
  fail(keys: string[]): boolean {
    const now = this.now();
    let locked = false;
    if (this.entries.size > MAX_KEYS) this.prune(now);
    for (const k of keys) {
      const e = this.entries.get(k) ?? { failures: [], lockedUntil: 0 };
      e.failures = e.failures.filter((t) => now - t < this.settings.windowMs);
      e.failures.push(now);
      if (e.failures.length >= this.settings.maxFailures) {
        e.lockedUntil = now + this.settings.lockMs;
        e.failures = [];
        locked = true;
      }
      this.entries.set(k, e);
    }
    return locked;
  }

  /** A successful sign-in clears the name's count (not the address's: one right guess does not excuse the others). */
  succeed(key: string): void {
    this.entries.delete(key);
  }

  private prune(now: number): void {
    for (const [k, e] of this.entries) {
      if (e.lockedUntil <= now && e.failures.every((t) => now - t >= this.settings.windowMs)) this.entries.delete(k);
    }
    // Still full of live entries: drop the oldest rather than grow without bound.
    for (const k of this.entries.keys()) {
      if (this.entries.size <= MAX_KEYS / 2) break;
      this.entries.delete(k);
    }
  }
}
