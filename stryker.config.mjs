// Mutation check of the core modules (npm run mutation; not part of npm test). See docs/mutation.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  coverageAnalysis: 'perTest',
  mutate: [
    'collector/rules/lifecycle.ts',
    'collector/incidents/escalation.ts',
    'collector/incidents/manager.ts',
    'collector/ingest/dedup.ts',
    'collector/ingest/line-protocol.ts',
    'lib/backoff.ts',
    'agent/transport/spool.ts',
    'agent/transport/sender.ts',
  ],
  mutator: { excludedMutations: ['StringLiteral'] },
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 20000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['dist', '.ci/out', 'reports', 'bench/out'],
};
