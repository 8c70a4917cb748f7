/**
 * The tests the mutation check (stryker.config.mjs, `npm run mutation`) runs
 * against each mutant: the fast, peer-free tests of the core modules. Peers
 * and timing-heavy suites stay out, so one mutant costs seconds, not minutes.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/rules/engine.test.ts',
      'test/rules/topology.test.ts',
      'test/rules/lifecycle.test.ts',
      'test/rules/window.test.ts',
      'test/rules/parser.test.ts',
      'test/incidents/*.test.ts',
      'test/collector/dedup.test.ts',
      'test/collector/ingest.test.ts',
      'test/unit/line-protocol.test.ts',
      'test/unit/spool.test.ts',
      'test/agent/sender.test.ts',
      'test/agent/backoff.test.ts',
    ],
    testTimeout: 30_000,
    pool: 'forks',
  },
});
