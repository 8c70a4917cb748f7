/**
 * The `tcp` probe: is the port open, how long the connect took, and
 * optionally whether the service answers as expected (send a line, expect a
 * regular expression back) — over TLS too, with the certificate's days left.
 * See tcp.sample.yaml. A closed or silent port is data: tcp.up=0 and
 * tcp.result (refused | timeout | unreachable | mismatch | tls | error).
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import Type, { type Static } from 'typebox';
import type { DeviceMeta, Sample } from '../../collector/contract/index.js';
import { DEVICE_CLASSES } from '../../collector/contract/index.js';
import { parseHostPort } from './host.js';
import { classifySocketError, TCP, type ProbeResult } from './net-metrics.js';
import { checkSchema, durationOption } from './options.js';
import { compileTls, peerCertificate, tlsSample, TlsOptionsSchema, type CompiledTls, type PeerCertificate } from './tls-info.js';
import { ProbeOptionsError, type OptionProblem, type Probe, type ProbeContext, type ProbeEnv, type ProbeKind, type TargetSpec } from './types.js';
import { mapLimit } from './limit.js';

const Duration = Type.Union([Type.String(), Type.Number()]);

const TcpTarget = Type.Object(
  {
    address: Type.String({ minLength: 1, maxLength: 261 }),
    device: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    class: Type.Optional(Type.Enum([...DEVICE_CLASSES])),
    send: Type.Optional(Type.String({ maxLength: 4096 })),
    expect: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    tls: Type.Optional(Type.Union([Type.Boolean(), TlsOptionsSchema])),
  },
  { additionalProperties: false },
);

export const TcpOptionsSchema = Type.Object(
  {
    targets: Type.Array(TcpTarget, { minItems: 1, maxItems: 5_000 }),
    timeout: Type.Optional(Duration),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_024 })),
  },
  { additionalProperties: false },
);
export type TcpOptions = Static<typeof TcpOptionsSchema>;

export const TCP_DEFAULTS = { timeoutMs: 5_000, concurrency: 64, maxReplyBytes: 64 * 1024 };

interface TcpCheck {
  host: string;
  port: number;
  device: string;
  meta?: DeviceMeta;
  send?: string;
  expect?: RegExp;
  tls?: CompiledTls;
}

export interface CompiledTcp {
  checks: TcpCheck[];
  timeoutMs: number;
  concurrency: number;
}

/** `\r`, `\n` and `\t` in `send` are written as escapes in YAML single quotes too; both work. */
function unescape(text: string): string {
  return text.replace(/\\([rnt\\])/g, (_, c: string) => ({ r: '\r', n: '\n', t: '\t', '\\': '\\' })[c] as string);
}

/** `host:port` or `[v6]:port`; a bare IPv6 address has colons but no port. */
export function hasPort(address: string): boolean {
  return /^\[[^\]]+\]:\d+$/.test(address) || /^[^:]+:\d+$/.test(address);
}

export function compileTcpOptions(options: unknown, env: Pick<ProbeEnv, 'site' | 'room'>, device?: string): CompiledTcp {
  const o = checkSchema<TcpOptions>(TcpOptionsSchema, options);
  const problems: OptionProblem[] = [];
  const timeoutMs = durationOption(problems, ['timeout'], o.timeout, TCP_DEFAULTS.timeoutMs, 10, 120_000);
  const checks = o.targets.map((t, i): TcpCheck => {
    const hp = parseHostPort(t.address, 1);
    let host = t.address;
    let port = 0;
    if (typeof hp === 'string') problems.push({ path: ['targets', i, 'address'], message: `${hp}; write host:port` });
    else if (!hasPort(t.address)) problems.push({ path: ['targets', i, 'address'], message: `'${t.address}' has no port; write host:port, e.g. ${t.address}:443` });
    else ({ host, port } = hp);
    let expect: RegExp | undefined;
    if (t.expect !== undefined) {
      try {
        expect = new RegExp(t.expect);
      } catch (err) {
        problems.push({ path: ['targets', i, 'expect'], message: `invalid regular expression: ${(err as Error).message}` });
      }
    }
    const tls = t.tls === undefined || t.tls === false ? undefined : compileTls(t.tls === true ? undefined : t.tls, ['targets', i, 'tls'], problems);
    const name = t.device ?? device ?? host;
    const meta = t.class ? { name, class: t.class, address: host, ...(env.site ? { site: env.site } : {}), ...(env.room ? { room: env.room } : {}) } : undefined;
    return { host, port, device: name, meta, send: t.send === undefined ? undefined : unescape(t.send), expect, tls };
  });
  if (problems.length > 0) throw new ProbeOptionsError(problems);
  return { checks, timeoutMs, concurrency: o.concurrency ?? TCP_DEFAULTS.concurrency };
}

export interface TcpOutcome {
  result: ProbeResult;
  connectMs?: number;
  responseMs?: number;
  cert?: PeerCertificate;
  detail?: string;
}

/** One check: connect (and handshake), then optionally send and wait for `expect`. Never throws. */
export function checkTcp(c: TcpCheck, timeoutMs: number, signal: AbortSignal, now: () => number): Promise<TcpOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    let connectMs: number | undefined;
    let cert: PeerCertificate | undefined;
    let reply = '';
    let settled = false;
    const socket: Socket = c.tls
      ? tlsConnect({
          host: c.host,
          port: c.port,
          servername: c.tls.serverName ?? (/^[\d.:]+$/.test(c.host) ? undefined : c.host),
          ca: c.tls.ca,
          cert: c.tls.cert,
          key: c.tls.key,
          rejectUnauthorized: false,
        })
      : netConnect({ host: c.host, port: c.port });
    const done = (outcome: TcpOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve({ ...outcome, ...(connectMs !== undefined ? { connectMs } : {}), ...(cert ? { cert } : {}) });
    };
    const timer = setTimeout(() => done({ result: 'timeout', detail: connectMs === undefined ? 'no connection' : 'no expected reply' }), timeoutMs);
    const onAbort = () => done({ result: 'timeout', detail: 'aborted' });
    signal.addEventListener('abort', onAbort, { once: true });
    const onReady = () => {
      connectMs = Math.round((performance.now() - started) * 100) / 100;
      if (c.tls) {
        cert = peerCertificate(socket as TLSSocket, now());
        if (c.tls.verify && cert && !cert.chainValid) return done({ result: 'tls', detail: cert.error });
      }
      if (c.send !== undefined) socket.write(c.send);
      if (!c.expect) return done({ result: 'ok' });
    };
    socket.once(c.tls ? 'secureConnect' : 'connect', onReady);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      if (reply.length < TCP_DEFAULTS.maxReplyBytes) reply += chunk;
      if (c.expect?.test(reply)) done({ result: 'ok', responseMs: Math.round((performance.now() - started) * 100) / 100 });
      else if (reply.length >= TCP_DEFAULTS.maxReplyBytes) done({ result: 'mismatch', detail: 'reply too long without a match' });
    });
    socket.on('end', () => done({ result: c.expect ? 'mismatch' : 'ok', detail: `closed after ${reply.length} bytes` }));
    socket.on('error', (err: NodeJS.ErrnoException) => done({ result: classifySocketError(err), detail: err.message }));
  });
}

export function tcpSamples(c: TcpCheck, o: TcpOutcome, ts: number): Sample[] {
  const fields: Sample['fields'] = { [TCP.up]: o.result === 'ok' ? 1 : 0, [TCP.result]: o.result };
  if (o.connectMs !== undefined) fields[TCP.connectMs] = o.connectMs;
  if (o.responseMs !== undefined) fields[TCP.responseMs] = o.responseMs;
  const out: Sample[] = [{ measurement: TCP.measurement, tags: { device: c.device, [TCP.tagPort]: String(c.port) }, fields, ts }];
  if (o.cert) out.push(tlsSample(c.device, c.tls?.serverName ?? `${c.host}:${c.port}`, o.cert, ts));
  return out;
}

export class TcpProbe implements Probe {
  constructor(private readonly compiled: CompiledTcp) {}

  devices(): DeviceMeta[] {
    return this.compiled.checks.flatMap((c) => (c.meta ? [c.meta] : []));
  }

  async gather(ctx: ProbeContext): Promise<Sample[]> {
    const { checks, timeoutMs, concurrency } = this.compiled;
    const outcomes = await mapLimit(checks, concurrency, (c) => checkTcp(c, timeoutMs, ctx.signal, ctx.now));
    return checks.flatMap((c, i) => tcpSamples(c, outcomes[i] as TcpOutcome, ctx.now()));
  }
}

export const tcpProbe: ProbeKind<TcpOptions> = {
  kind: 'tcp',
  options: TcpOptionsSchema,
  init: (target: TargetSpec<TcpOptions>, env: ProbeEnv) => new TcpProbe(compileTcpOptions(target.options, env, target.device)),
};
