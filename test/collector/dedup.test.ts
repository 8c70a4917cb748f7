/**
 * The dedup window (ingest.dedup_window): a batch id is remembered for the
 * whole window, so an agent replaying its spool after a long outage is still
 * acknowledged without applying twice, and forgotten only after the window.
 */
import { describe, expect, it } from 'vitest';
import { openDb } from '../../collector/db.js';
import { BatchLedger } from '../../collector/ingest/dedup.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 23, 0, 0, 0);

describe('the batch ledger keeps ids for the dedup window', () => {
  it('remembers an id until the window has passed, then forgets exactly the old ones', () => {
    const ledger = new BatchLedger(openDb(':memory:'), 7 * DAY);
    ledger.remember('a:1', 'a', 1, T0);
    ledger.remember('a:2', 'a', 2, T0 + 3 * DAY);
    // Exactly one window old: not yet forgotten.
    expect(ledger.prune(T0 + 7 * DAY)).toBe(0);
    expect(ledger.seen('a:1')).toBe(true);
    // Just past it: the first id goes, the younger one stays until its own window ends.
    expect(ledger.prune(T0 + 7 * DAY + 1)).toBe(1);
    expect([ledger.seen('a:1'), ledger.seen('a:2')]).toEqual([false, true]);
    expect(ledger.prune(T0 + 10 * DAY)).toBe(0);
    expect(ledger.prune(T0 + 10 * DAY + 1)).toBe(1);
    expect(ledger.seen('a:2')).toBe(false);
    // The agent's sequence is kept apart from the forgotten ids.
    expect(ledger.agents()).toEqual([{ name: 'a', last_seq: 2, last_batch_ms: T0 + 3 * DAY, batches: 2 }]);
  });

  it('follows the configured window, not a fixed one', () => {
    const ledger = new BatchLedger(openDb(':memory:'), 3_600_000);
    ledger.remember('b:1', 'b', 1, T0);
    expect(ledger.prune(T0 + 3_599_999)).toBe(0);
    expect(ledger.prune(T0 + 3_600_001)).toBe(1);
  });
});
