/** Names of the agent's self metrics (docs/architecture.md §3 "self"); never inline strings elsewhere. */
export const AGENT_MEASUREMENT = 'agent';
export const AgentField = {
  heartbeat: 'heartbeat',
  probeMs: 'probe_ms',
  probeErrors: 'probe_errors',
  /** A check that ran but lacked a privilege (device, module): docs/architecture.md §11. */
  probeWarnings: 'probe_warnings',
  spoolBytes: 'spool_bytes',
  droppedSamples: 'dropped_samples',
  rejectedSamples: 'rejected_samples',
  /** Samples of devices another agent owns (403 RW_DEVICE_NOT_OWNED), set aside in spool/dead-letter.jsonl. */
  deadLetterSamples: 'dead_letter_samples',
  skippedRuns: 'skipped_runs',
  /** Raw syslog lines the collector acknowledged, and those lost on the way (buffer full, spool bound, rejected). */
  logLinesSent: 'log_lines_sent',
  logLinesDropped: 'log_lines_dropped',
  trapsReceived: 'traps_received',
  trapsRateLimited: 'traps_rate_limited',
  trapsDeduplicated: 'traps_deduplicated',
  trapsUnknown: 'traps_unknown',
} as const;
