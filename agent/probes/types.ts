/**
 * The probe contract, after Telegraf's `Input`: a probe kind validates and
 * compiles its options once (`init`), then `gather` runs on every tick.
 *
 * A target that is down, slow or answering garbage is *data*: the probe records
 * `device.up=0` (or `proc.up=0`, `result=timeout` …) and returns normally. A
 * thrown error means the probe itself failed; the scheduler counts it in
 * `agent.probe_errors` and carries on with the other probes.
 */
import type { LogLine } from '../../collector/contract/index.js';
import type { TSchema } from 'typebox';
import type { DeviceMeta, Sample } from '../../collector/contract/index.js';

export interface ProbeContext {
  /** Aborted when the probe's timeout passes or the agent shuts down. */
  readonly signal: AbortSignal;
  /** The agent's clock in epoch milliseconds; injected so tests control time. */
  now(): number;
  /**
   * Reports a problem that did not stop the probe (a device that did not answer,
   * a value of the wrong type); each call counts in agent.probe_errors.
   */
  error?(message: string): void;
}

export interface Probe {
  /** The devices this probe reports on, sent to the collector's registry. */
  devices(): DeviceMeta[];
  /** One round of measurements. */
  gather(ctx: ProbeContext): Promise<Sample[]>;
  /** Releases sockets, sessions and timers. */
  close?(): Promise<void>;
}

/** What the agent offers every probe it creates. */
export interface ProbeEnv {
  agentName: string;
  /** This host's name, the default device name of local probes. */
  hostname: string;
  site?: string;
  room?: string;
  /** The target's configured interval, so counters can tell a gap from a normal tick. */
  intervalMs: number;
  /**
   * The latest estimate of the collector's clock minus this host's, in seconds
   * (NTP's sign: positive means this host is behind); undefined until known.
   */
  collectorClockOffset(): number | undefined;
  log: ProbeLog;
  /** Agent-wide SNMP settings shared by every snmp target. */
  snmp?: SnmpSettings;
  /** Where raw syslog lines go to be shipped to the collector (agent/transport/log-shipper.ts). */
  logs?: { push(line: LogLine): void };
}

export interface SnmpSettings {
  /** Devices polled at the same time across all snmp targets. */
  concurrency: number;
  /** Profile directories: the shipped one first, then the agent's own. */
  profileDirs: string[];
}

export interface ProbeLog {
  debug(msg: string, extra?: Record<string, unknown>): void;
  info(msg: string, extra?: Record<string, unknown>): void;
  warn(msg: string, extra?: Record<string, unknown>): void;
  error(msg: string, extra?: Record<string, unknown>): void;
}

/** A problem in a target's options, with the path below `options`. */
export interface OptionProblem {
  path: (string | number)[];
  message: string;
}

export class ProbeOptionsError extends Error {
  constructor(readonly problems: OptionProblem[]) {
    super(problems.map((p) => `${p.path.join('.')}: ${p.message}`).join('; '));
    this.name = 'ProbeOptionsError';
  }
}

export interface TargetSpec<O> {
  /** The device name from the target, when it names one. */
  device?: string;
  options: O;
}

export interface ProbeKind<O = unknown> {
  readonly kind: string;
  /** Strict TypeBox schema of the target's `options` (unknown keys are errors). */
  readonly options: TSchema;
  /**
   * Checks the options beyond the schema and builds the probe; throws ProbeOptionsError.
   * No I/O here (sockets and sessions open on the first gather): `agent --check` runs it dry.
   */
  init(target: TargetSpec<O>, env: ProbeEnv): Probe;
}
