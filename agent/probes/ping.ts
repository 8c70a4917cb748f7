/**
 * The `ping` probe: reachability, packet loss and round-trip time for many
 * targets through one fping process per round (agent/probes/fping.ts), not
 * one process per target. See ping.sample.yaml for every option.
 *
 * A target that does not answer is data: ping.up=0, ping.loss_pct=100 and
 * ping.result; only a missing or powerless fping is a probe failure.
 */
import Type, { type Static } from 'typebox';
import type { DeviceMeta, Sample } from '../../collector/contract/index.js';
import { DEVICE_CLASSES } from '../../collector/contract/index.js';
import { runFping, type FpingOptions, type FpingResult } from './fping.js';
import { DEVICE, PING } from './net-metrics.js';
import { checkSchema, durationOption, findExecutable } from './options.js';
import { ProbeOptionsError, type OptionProblem, type Probe, type ProbeContext, type ProbeEnv, type ProbeKind, type TargetSpec } from './types.js';

const Duration = Type.Union([Type.String(), Type.Number()]);
const DeviceName = Type.String({ minLength: 1, maxLength: 256 });
const Host = Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9_.:%-]+$' });

const PingTarget = Type.Union([
  Host,
  Type.Object(
    {
      host: Host,
      device: Type.Optional(DeviceName),
      class: Type.Optional(Type.Enum([...DEVICE_CLASSES])),
      parent: Type.Optional(DeviceName),
      device_up: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
]);

export const PingOptionsSchema = Type.Object(
  {
    targets: Type.Array(PingTarget, { minItems: 1, maxItems: 20_000 }),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    interval: Type.Optional(Duration),
    timeout: Type.Optional(Duration),
    send_interval: Type.Optional(Duration),
    device_up: Type.Optional(Type.Boolean()),
    class: Type.Optional(Type.Enum([...DEVICE_CLASSES])),
    command: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 16 })),
  },
  { additionalProperties: false },
);
export type PingOptions = Static<typeof PingOptionsSchema>;

export const PING_DEFAULTS = { count: 3, periodMs: 1_000, timeoutMs: 1_000, sendIntervalMs: 1, command: ['fping'] };

interface PingTargetSpec {
  host: string;
  device: string;
  /** Registered with the collector only when given (or when ping is the device's reachability source). */
  meta?: DeviceMeta;
  deviceUp: boolean;
}

export interface CompiledPing {
  fping: FpingOptions;
  targets: PingTargetSpec[];
}

/** Validates the options; every problem at once. The probe's device is the default name of nothing: each target names its own. */
export function compilePingOptions(options: unknown, env: Pick<ProbeEnv, 'intervalMs' | 'site' | 'room'>): CompiledPing {
  const o = checkSchema<PingOptions>(PingOptionsSchema, options);
  const problems: OptionProblem[] = [];
  const count = o.count ?? PING_DEFAULTS.count;
  const periodMs = durationOption(problems, ['interval'], o.interval, PING_DEFAULTS.periodMs, 10, 60_000);
  const timeoutMs = durationOption(problems, ['timeout'], o.timeout, PING_DEFAULTS.timeoutMs, 10, 60_000);
  const sendIntervalMs = durationOption(problems, ['send_interval'], o.send_interval, PING_DEFAULTS.sendIntervalMs, 1, 10_000);
  const command = o.command ?? PING_DEFAULTS.command;
  if (!findExecutable(command[0] as string)) {
    problems.push({ path: ['command', 0], message: `'${command[0]}' is not an executable on PATH: install fping (apt-get install fping) or give its full path` });
  }
  // The last reply is awaited `timeout` after the last of `count` pings, each `interval` apart.
  const roundMs = (count - 1) * periodMs + timeoutMs + o.targets.length * sendIntervalMs;
  if (roundMs > env.intervalMs) {
    problems.push({
      path: ['count'],
      message: `a round takes about ${Math.ceil(roundMs)} ms (count × interval + timeout + targets × send_interval), longer than the target's interval of ${env.intervalMs} ms`,
    });
  }
  const seenHosts = new Map<string, number>();
  const seenDevices = new Map<string, number>();
  const targets = o.targets.map((t, i): PingTargetSpec => {
    const spec = typeof t === 'string' ? { host: t } : t;
    const device = spec.device ?? spec.host;
    if (seenHosts.has(spec.host)) problems.push({ path: ['targets', i], message: `host '${spec.host}' is already targets[${seenHosts.get(spec.host)}]` });
    if (seenDevices.has(device)) problems.push({ path: ['targets', i], message: `device '${device}' is already targets[${seenDevices.get(device)}]` });
    seenHosts.set(spec.host, i);
    seenDevices.set(device, i);
    const deviceUp = spec.device_up ?? o.device_up ?? false;
    const cls = spec.class ?? o.class;
    const register = cls !== undefined || deviceUp;
    const meta: DeviceMeta | undefined = register
      ? {
          name: device,
          class: cls ?? 'network',
          address: spec.host,
          ...(env.site ? { site: env.site } : {}),
          ...(env.room ? { room: env.room } : {}),
          ...(spec.parent ? { parent: spec.parent } : {}),
        }
      : undefined;
    return { host: spec.host, device, meta, deviceUp };
  });
  if (problems.length > 0) throw new ProbeOptionsError(problems);
  return { fping: { command, count, periodMs, timeoutMs, sendIntervalMs }, targets };
}

const round1 = (v: number) => Math.round(v * 1000) / 1000;

/** Turns one fping round into samples; exported for tests on recorded output. */
export function pingSamples(targets: readonly PingTargetSpec[], result: FpingResult, count: number, ts: number): Sample[] {
  const out: Sample[] = [];
  for (const t of targets) {
    const rtts = result.rtts.get(t.host);
    const replies = (rtts ?? []).filter((v): v is number => v !== undefined);
    const up = replies.length > 0;
    const fields: Sample['fields'] = {
      [PING.up]: up ? 1 : 0,
      [PING.sent]: rtts?.length ?? 0,
      [PING.received]: replies.length,
      [PING.lossPct]: rtts && rtts.length > 0 ? round1((100 * (rtts.length - replies.length)) / rtts.length) : 100,
    };
    let why: string;
    if (!rtts) why = result.errors.has(t.host) ? 'error' : 'unresolved';
    else why = !up ? 'timeout' : replies.length < count ? 'loss' : 'ok';
    fields[PING.result] = why;
    if (up) {
      fields[PING.rttMs] = round1(replies.reduce((a, b) => a + b, 0) / replies.length);
      fields[PING.rttMinMs] = round1(Math.min(...replies));
      fields[PING.rttMaxMs] = round1(Math.max(...replies));
    }
    out.push({ measurement: PING.measurement, tags: { device: t.device }, fields, ts });
    if (t.deviceUp) out.push({ measurement: DEVICE.measurement, tags: { device: t.device }, fields: { [DEVICE.up]: up ? 1 : 0, [DEVICE.result]: why }, ts });
  }
  return out;
}

export class PingProbe implements Probe {
  private readonly hosts: string[];

  constructor(private readonly compiled: CompiledPing) {
    this.hosts = compiled.targets.map((t) => t.host);
  }

  devices(): DeviceMeta[] {
    return this.compiled.targets.flatMap((t) => (t.meta ? [t.meta] : []));
  }

  async gather(ctx: ProbeContext): Promise<Sample[]> {
    const ts = ctx.now();
    const result = await runFping(this.compiled.fping, this.hosts, ctx.signal);
    for (const [host, message] of result.errors) ctx.error?.(`fping ${host}: ${message}`);
    return pingSamples(this.compiled.targets, result, this.compiled.fping.count, ts);
  }
}

export const pingProbe: ProbeKind<PingOptions> = {
  kind: 'ping',
  options: PingOptionsSchema,
  init: (target: TargetSpec<PingOptions>, env: ProbeEnv) => new PingProbe(compilePingOptions(target.options, env)),
};
