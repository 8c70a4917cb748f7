/**
 * The `syslog` probe: a receiver in the agent (agent/syslog/receiver.ts) whose
 * every gather reports what arrived since the last one: log.matches per device
 * and pattern (rules/syslog/patterns.yaml and the agent's own files), the
 * message rate per severity, and the receiver's counters (rate-limited drops,
 * truncated, GBK-decoded and binary messages). See syslog.sample.yaml.
 *
 * The listeners open on the first gather, not in init, so `agent --check`
 * never binds a port.
 */
import { existsSync, readFileSync } from 'node:fs';
import Type, { type Static } from 'typebox';
import { LOG_TEXT_MAX, type DeviceMeta, type LogLine, type Sample } from '../../collector/contract/index.js';
import { ConfigError, formatProblem } from '../../lib/config.js';
import { SEVERITIES } from '../syslog/parse.js';
import { loadPatterns, shippedPatternsFile, type SyslogPattern } from '../syslog/patterns.js';
import { SyslogReceiver, type ReceivedMessage, type SyslogSettings } from '../syslog/receiver.js';
import { parseHostPort } from './host.js';
import { LOG } from './net-metrics.js';
import { checkSchema } from './options.js';
import { ProbeOptionsError, type OptionProblem, type Probe, type ProbeContext, type ProbeEnv, type ProbeKind, type TargetSpec } from './types.js';

export const SyslogOptionsSchema = Type.Object(
  {
    listen: Type.Object(
      {
        udp: Type.Optional(Type.String({ minLength: 1 })),
        tcp: Type.Optional(Type.String({ minLength: 1 })),
        tls: Type.Optional(Type.Object({ listen: Type.String({ minLength: 1 }), cert_file: Type.String({ minLength: 1 }), key_file: Type.String({ minLength: 1 }) }, { additionalProperties: false })),
      },
      { additionalProperties: false },
    ),
    /** Pattern files read after the shipped one (unless shipped_patterns: false). */
    patterns: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 32 })),
    shipped_patterns: Type.Optional(Type.Boolean()),
    /** Source address → device name; other senders are named by their address. */
    devices: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.String({ minLength: 1, maxLength: 256 }))),
    rate_limit: Type.Optional(Type.Object({ per_source: Type.Optional(Type.Integer({ minimum: 1 })), total: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false })),
    max_message: Type.Optional(Type.Integer({ minimum: 480, maximum: 1024 * 1024 })),
    max_connections: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    /** Ship every admitted line to the collector (GET /api/v1/logs, incident context). Default true. */
    forward: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type SyslogOptions = Static<typeof SyslogOptionsSchema>;

export const SYSLOG_DEFAULTS = { perSourcePerSec: 200, totalPerSec: 5_000, maxMessageBytes: 8_192, maxConnections: 1_024, recent: 1_000, forgetMs: 24 * 3_600_000 };

export interface CompiledSyslog {
  settings: SyslogSettings;
  patterns: SyslogPattern[];
  devices: Map<string, string>;
  forward: boolean;
}

/**
 * The shipped pattern file lives in the package (rules/syslog/); the single-file
 * agent copied alone has none, which is a problem to report, not a crash.
 */
function shippedPatterns(problems: OptionProblem[]): string[] {
  let file: string | undefined;
  try {
    file = shippedPatternsFile();
  } catch {
    file = undefined;
  }
  if (file && existsSync(file)) return [file];
  problems.push({
    path: ['shipped_patterns'],
    message: 'the shipped rules/syslog/patterns.yaml is not beside this agent (a single-file install): copy it, list it in patterns and set shipped_patterns: false',
  });
  return [];
}

export function compileSyslogOptions(options: unknown): CompiledSyslog {
  const o = checkSchema<SyslogOptions>(SyslogOptionsSchema, options);
  const problems: OptionProblem[] = [];
  const endpoint = (text: string | undefined, path: string[], port: number) => {
    if (text === undefined) return undefined;
    const hp = parseHostPort(text, port);
    if (typeof hp === 'string') {
      problems.push({ path, message: `${hp}; e.g. 0.0.0.0:${port}` });
      return undefined;
    }
    return hp;
  };
  const udp = endpoint(o.listen.udp, ['listen', 'udp'], 514);
  const tcp = endpoint(o.listen.tcp, ['listen', 'tcp'], 514);
  const tlsAt = endpoint(o.listen.tls?.listen, ['listen', 'tls', 'listen'], 6514);
  const read = (file: string, path: string[]): Buffer | undefined => {
    try {
      return readFileSync(file);
    } catch (err) {
      problems.push({ path, message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      return undefined;
    }
  };
  const cert = o.listen.tls ? read(o.listen.tls.cert_file, ['listen', 'tls', 'cert_file']) : undefined;
  const key = o.listen.tls ? read(o.listen.tls.key_file, ['listen', 'tls', 'key_file']) : undefined;
  if (!o.listen.udp && !o.listen.tcp && !o.listen.tls) problems.push({ path: ['listen'], message: 'give at least one of udp, tcp, tls' });
  let patterns: SyslogPattern[] = [];
  const shipped = o.shipped_patterns === false ? [] : shippedPatterns(problems);
  try {
    patterns = loadPatterns([...shipped, ...(o.patterns ?? [])]);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // The pattern file's own positions are the useful ones; they travel in the message.
    for (const p of err.problems) problems.push({ path: ['patterns'], message: formatProblem(p) });
  }
  if (problems.length > 0) throw new ProbeOptionsError(problems);
  return {
    settings: {
      udp,
      tcp,
      tls: tlsAt && cert && key ? { ...tlsAt, cert, key } : undefined,
      maxMessageBytes: o.max_message ?? SYSLOG_DEFAULTS.maxMessageBytes,
      perSourcePerSec: o.rate_limit?.per_source ?? SYSLOG_DEFAULTS.perSourcePerSec,
      totalPerSec: o.rate_limit?.total ?? SYSLOG_DEFAULTS.totalPerSec,
      maxConnections: o.max_connections ?? SYSLOG_DEFAULTS.maxConnections,
    },
    patterns,
    devices: new Map(Object.entries(o.devices ?? {})),
    forward: o.forward ?? true,
  };
}

export interface LogRecord {
  device: string;
  source: string;
  ts: number;
  facility: number;
  severity: number;
  host?: string;
  app?: string;
  mnemonic?: string;
  text: string;
  encoding: string;
  patterns: string[];
}

const cut = (v: string | undefined, n = 256): string | undefined => (v === undefined ? undefined : v.slice(0, n));

/** The wire shape of a received line (collector/contract/logs.ts), with the contract's length bounds. */
export function toLogLine(r: LogRecord, receivedAt: number): LogLine {
  return {
    device: r.device.slice(0, 256),
    ts: Math.max(0, Math.round(r.ts)),
    received_at: receivedAt,
    source: r.source.slice(0, 256),
    facility: r.facility,
    severity: r.severity,
    ...(r.host ? { host: cut(r.host) } : {}),
    ...(r.app ? { app: cut(r.app) } : {}),
    ...(r.mnemonic ? { mnemonic: cut(r.mnemonic) } : {}),
    text: r.text.slice(0, LOG_TEXT_MAX),
    encoding: r.encoding,
    ...(r.patterns.length ? { patterns: r.patterns.slice(0, 64).map((p) => p.slice(0, 256)) } : {}),
  };
}

export class SyslogProbe implements Probe {
  readonly receiver: SyslogReceiver;
  /** Matches since the last gather, by device and pattern; and when each pair last matched. */
  private readonly matches = new Map<string, { device: string; pattern: string; count: number; last: number }>();
  private readonly severities = new Array<number>(8).fill(0);
  private lastGather: number;
  /** The latest messages (at least 1,000, at most 2,000), newest last; bounded. */
  readonly recent: LogRecord[] = [];

  constructor(
    private readonly compiled: CompiledSyslog,
    private readonly device: string,
    now: () => number = Date.now,
    private readonly sink?: ProbeEnv['logs'],
  ) {
    this.lastGather = now();
    this.receiver = new SyslogReceiver(compiled.settings, { patterns: compiled.patterns, now, onMessage: (m) => this.record(m), onError: () => undefined });
  }

  private record(m: ReceivedMessage): void {
    const device = this.compiled.devices.get(m.source) ?? m.source;
    this.severities[m.message.severity] = (this.severities[m.message.severity] ?? 0) + 1;
    for (const pattern of m.patterns) {
      const key = `${device}\u0000${pattern}`;
      const entry = this.matches.get(key) ?? { device, pattern, count: 0, last: m.receivedAt };
      entry.count++;
      entry.last = m.receivedAt;
      this.matches.set(key, entry);
    }
    const { message: msg } = m;
    this.recent.push({
      device,
      source: m.source,
      ts: msg.timestamp ?? m.receivedAt,
      facility: msg.facility,
      severity: msg.severity,
      host: msg.host,
      app: msg.app,
      mnemonic: msg.mnemonic,
      text: msg.text,
      encoding: msg.encoding,
      patterns: m.patterns,
    });
    if (this.compiled.forward) this.sink?.push(toLogLine(this.recent.at(-1) as LogRecord, m.receivedAt));
    // Trimmed in chunks: cutting one element per message would copy the whole buffer every time.
    if (this.recent.length >= 2 * SYSLOG_DEFAULTS.recent) this.recent.splice(0, this.recent.length - SYSLOG_DEFAULTS.recent);
  }

  devices(): DeviceMeta[] {
    return [];
  }

  async gather(ctx: ProbeContext): Promise<Sample[]> {
    await this.receiver.start();
    const ts = ctx.now();
    const seconds = Math.max(0.001, (ts - this.lastGather) / 1000);
    this.lastGather = ts;
    const out: Sample[] = [];
    for (const [key, m] of this.matches) {
      // A pair that matched before reports 0 (so alerts on `> 0` clear) until it has been quiet for a day.
      out.push({ measurement: LOG.measurement, tags: { device: m.device, [LOG.tagPattern]: m.pattern }, fields: { [LOG.matches]: m.count }, ts });
      if (m.count === 0 && ts - m.last > SYSLOG_DEFAULTS.forgetMs) this.matches.delete(key);
      m.count = 0;
    }
    this.severities.forEach((n, i) => {
      out.push({ measurement: LOG.measurement, tags: { device: this.device, [LOG.tagSeverity]: SEVERITIES[i] as string }, fields: { [LOG.messagesPs]: Math.round((n / seconds) * 1000) / 1000 }, ts });
      this.severities[i] = 0;
    });
    const s = this.receiver.stats;
    out.push({
      measurement: LOG.measurement,
      tags: { device: this.device },
      fields: { [LOG.received]: s.received, [LOG.rateLimited]: s.rateLimited, [LOG.truncated]: s.truncated, [LOG.gbk]: s.gbk, [LOG.binary]: s.binary },
      ts,
    });
    return out;
  }

  close(): Promise<void> {
    return this.receiver.stop();
  }
}

export const syslogProbe: ProbeKind<SyslogOptions> = {
  kind: 'syslog',
  options: SyslogOptionsSchema,
  init: (target: TargetSpec<SyslogOptions>, env: ProbeEnv) => new SyslogProbe(compileSyslogOptions(target.options), target.device ?? env.hostname, Date.now, env.logs),
};
