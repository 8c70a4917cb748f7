/**
 * Names of the metrics the reachability and service probes emit (docs/architecture.md §11):
 * ping, tcp, http, tls, check (monitoring plugins) and log (syslog). Rules,
 * dashboards and tests use these names; nothing spells them inline.
 */
export const PING = {
  measurement: 'ping',
  up: 'up',
  lossPct: 'loss_pct',
  rttMs: 'rtt_ms',
  rttMinMs: 'rtt_min_ms',
  rttMaxMs: 'rtt_max_ms',
  sent: 'sent',
  received: 'received',
  result: 'result',
} as const;
export const DEVICE = { measurement: 'device', up: 'up', result: 'result' } as const;
export const TCP = { measurement: 'tcp', up: 'up', connectMs: 'connect_ms', responseMs: 'response_ms', result: 'result', tagPort: 'port' } as const;
export const HTTP = {
  measurement: 'http',
  up: 'up',
  status: 'status',
  latencyMs: 'latency_ms',
  redirects: 'redirects',
  bodyMatch: 'body_match',
  bytes: 'bytes',
  result: 'result',
  tagUrl: 'url',
} as const;
export const TLS = { measurement: 'tls', certDaysLeft: 'cert_days_left', chainValid: 'chain_valid', tagHost: 'host' } as const;
export const CHECK = { measurement: 'check', status: 'status', durationMs: 'duration_ms', output: 'output', tagCheck: 'check' } as const;
export const LOG = {
  measurement: 'log',
  matches: 'matches',
  messagesPs: 'messages_ps',
  received: 'received',
  rateLimited: 'rate_limited',
  truncated: 'truncated',
  gbk: 'gbk',
  binary: 'binary',
  tagPattern: 'pattern',
  tagSeverity: 'severity',
} as const;

/** Why a check did not succeed, in the `result` field; a short closed vocabulary for rules and dashboards. */
export type ProbeResult = 'ok' | 'status' | 'timeout' | 'refused' | 'unreachable' | 'unresolved' | 'loss' | 'mismatch' | 'tls' | 'error';

/** What a socket error says about the target, for `result` (shared by tcp and http). */
export function classifySocketError(err: NodeJS.ErrnoException): ProbeResult {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'unreachable';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'unresolved';
    case 'ETLSVERIFY':
      return 'tls';
    default:
      return err.code?.startsWith('ERR_SSL') || err.code?.startsWith('ERR_TLS') ? 'tls' : 'error';
  }
}
