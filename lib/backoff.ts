/**
 * Exponential back-off with "equal jitter" (half fixed, half random): the one
 * retry schedule of the agent's sender, the InfluxDB shipper and the
 * notification sender. Half of each delay is random, so a room of agents
 * restarted together does not retry in lockstep; the other half is fixed, so
 * nobody ever retries at once.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** The delay before retry number `attempt` (0 for the first retry). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/** A back-off that counts its own attempts; `reset()` after a success. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly baseMs = 500,
    private readonly maxMs = 30_000,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const delay = backoffDelay(this.attempt, { baseMs: this.baseMs, maxMs: this.maxMs }, this.random);
    this.attempt = Math.min(this.attempt + 1, 30);
    return delay;
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
