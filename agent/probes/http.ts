/**
 * The `http` probe: does the application answer, how fast, with the expected
 * status, body or JSON; following redirects, through a proxy, with a client
 * certificate when the service wants one; and how many days the TLS
 * certificate has left. See http.sample.yaml; the exchange itself is in
 * http-client.ts. A failing site is data: http.up=0 and http.result.
 */
import Type, { type Static } from 'typebox';
import type { DeviceMeta, Sample } from '../../collector/contract/index.js';
import { DEVICE_CLASSES } from '../../collector/contract/index.js';
import { exchange, type HopResponse } from './http-client.js';
import { mapLimit } from './limit.js';
import { classifySocketError, HTTP, type ProbeResult } from './net-metrics.js';
import { checkSchema, durationOption } from './options.js';
import { compileTls, tlsSample, TlsOptionsSchema, type CompiledTls, type PeerCertificate } from './tls-info.js';
import { ProbeOptionsError, type OptionProblem, type Probe, type ProbeContext, type ProbeEnv, type ProbeKind, type TargetSpec } from './types.js';

const Duration = Type.Union([Type.String(), Type.Number()]);
const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);

const Expect = Type.Object(
  {
    status: Type.Optional(Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { minItems: 1, maxItems: 32 })),
    body: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    json: Type.Optional(
      Type.Array(
        Type.Object({ path: Type.String({ minLength: 1, maxLength: 256 }), equals: Type.Optional(Scalar), matches: Type.Optional(Type.String({ minLength: 1 })) }, { additionalProperties: false }),
        { minItems: 1, maxItems: 32 },
      ),
    ),
  },
  { additionalProperties: false },
);

const HttpTarget = Type.Object(
  {
    url: Type.String({ pattern: '^https?://', maxLength: 2048 }),
    device: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    class: Type.Optional(Type.Enum([...DEVICE_CLASSES])),
    method: Type.Optional(Type.Enum(['GET', 'HEAD', 'POST', 'PUT', 'OPTIONS'])),
    headers: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]+$' }), Type.String({ maxLength: 4096 }))),
    body: Type.Optional(Type.String({ maxLength: 65_536 })),
    expect: Type.Optional(Expect),
    follow_redirects: Type.Optional(Type.Integer({ minimum: 0, maximum: 20 })),
    tls: Type.Optional(TlsOptionsSchema),
    /** `none` overrides the probe's proxy for one target. */
    proxy: Type.Optional(Type.String({ pattern: '^(http://.+|none)$' })),
  },
  { additionalProperties: false },
);

export const HttpOptionsSchema = Type.Object(
  {
    targets: Type.Array(HttpTarget, { minItems: 1, maxItems: 5_000 }),
    timeout: Type.Optional(Duration),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_024 })),
    proxy: Type.Optional(Type.String({ pattern: '^http://.+' })),
    max_body: Type.Optional(Type.Integer({ minimum: 1_024, maximum: 64 * 1024 * 1024 })),
  },
  { additionalProperties: false },
);
export type HttpOptions = Static<typeof HttpOptionsSchema>;

export const HTTP_DEFAULTS = { timeoutMs: 10_000, concurrency: 32, followRedirects: 5, maxBodyBytes: 1024 * 1024 };

interface JsonExpectation {
  path: (string | number)[];
  text: string;
  equals?: unknown;
  matches?: RegExp;
}

interface HttpCheck {
  url: URL;
  label: string;
  device: string;
  meta?: DeviceMeta;
  method: string;
  headers: Record<string, string>;
  body?: string;
  status?: number[];
  bodyRe?: RegExp;
  json: JsonExpectation[];
  followRedirects: number;
  tls: CompiledTls;
  proxy?: URL;
}

export interface CompiledHttp {
  checks: HttpCheck[];
  timeoutMs: number;
  concurrency: number;
  maxBodyBytes: number;
}

/** `a.b[0].c` or `a.b.0.c`: object keys and array indexes. */
function jsonPath(text: string): (string | number)[] {
  return text
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function regex(text: string, path: (string | number)[], problems: OptionProblem[]): RegExp | undefined {
  try {
    return new RegExp(text);
  } catch (err) {
    problems.push({ path, message: `invalid regular expression: ${(err as Error).message}` });
    return undefined;
  }
}

export function compileHttpOptions(options: unknown, env: Pick<ProbeEnv, 'site' | 'room'>, device?: string): CompiledHttp {
  const o = checkSchema<HttpOptions>(HttpOptionsSchema, options);
  const problems: OptionProblem[] = [];
  const timeoutMs = durationOption(problems, ['timeout'], o.timeout, HTTP_DEFAULTS.timeoutMs, 10, 300_000);
  const parseUrl = (text: string, path: (string | number)[]): URL | undefined => {
    try {
      return new URL(text);
    } catch {
      problems.push({ path, message: `'${text}' is not a URL` });
      return undefined;
    }
  };
  const probeProxy = o.proxy === undefined ? undefined : parseUrl(o.proxy, ['proxy']);
  const checks = o.targets.map((t, i): HttpCheck => {
    const path = ['targets', i];
    const url = parseUrl(t.url, [...path, 'url']) ?? new URL('http://invalid');
    const proxy = t.proxy === 'none' ? undefined : t.proxy !== undefined ? parseUrl(t.proxy, [...path, 'proxy']) : probeProxy;
    const json = (t.expect?.json ?? []).map((j, k): JsonExpectation => {
      if (j.equals === undefined && j.matches === undefined) problems.push({ path: [...path, 'expect', 'json', k], message: 'give equals or matches' });
      return { path: jsonPath(j.path), text: j.path, equals: j.equals, matches: j.matches === undefined ? undefined : regex(j.matches, [...path, 'expect', 'json', k, 'matches'], problems) };
    });
    const name = t.device ?? device ?? url.hostname;
    return {
      url,
      label: t.url,
      device: name,
      meta: t.class ? { name, class: t.class, address: url.hostname, ...(env.site ? { site: env.site } : {}), ...(env.room ? { room: env.room } : {}) } : undefined,
      method: t.method ?? 'GET',
      headers: Object.fromEntries(Object.entries(t.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
      body: t.body,
      status: t.expect?.status,
      bodyRe: t.expect?.body === undefined ? undefined : regex(t.expect.body, [...path, 'expect', 'body'], problems),
      json,
      followRedirects: t.follow_redirects ?? HTTP_DEFAULTS.followRedirects,
      tls: compileTls(t.tls, [...path, 'tls'], problems),
      proxy,
    };
  });
  if (problems.length > 0) throw new ProbeOptionsError(problems);
  return { checks, timeoutMs, concurrency: o.concurrency ?? HTTP_DEFAULTS.concurrency, maxBodyBytes: o.max_body ?? HTTP_DEFAULTS.maxBodyBytes };
}

export interface HttpOutcome {
  result: ProbeResult;
  status?: number;
  latencyMs?: number;
  redirects: number;
  bytes?: number;
  bodyMatch?: boolean;
  /** The certificate of each https host visited, by host:port. */
  certs: Map<string, PeerCertificate>;
  detail?: string;
}

function dig(value: unknown, path: (string | number)[]): unknown {
  let v = value;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[p] : undefined;
  return v;
}

/** Whether the final response is what the target expects; a reason when not. */
function judge(c: HttpCheck, res: HopResponse): { ok: boolean; result: ProbeResult; bodyMatch?: boolean; detail?: string } {
  const statusOk = c.status ? c.status.includes(res.status) : res.status >= 200 && res.status < (c.followRedirects === 0 ? 400 : 300);
  if (!statusOk) return { ok: false, result: 'status', detail: `status ${res.status}` };
  if (!c.bodyRe && c.json.length === 0) return { ok: true, result: 'ok' };
  if (c.bodyRe && !c.bodyRe.test(res.body)) return { ok: false, result: 'mismatch', bodyMatch: false, detail: `body does not match /${c.bodyRe.source}/` };
  if (c.json.length > 0) {
    let doc: unknown;
    try {
      doc = JSON.parse(res.body);
    } catch {
      return { ok: false, result: 'mismatch', bodyMatch: false, detail: res.truncated ? 'JSON body longer than max_body' : 'body is not JSON' };
    }
    for (const j of c.json) {
      const v = dig(doc, j.path);
      const okEq = j.equals === undefined || v === j.equals;
      const okRe = j.matches === undefined || (v !== undefined && j.matches.test(typeof v === 'string' ? v : JSON.stringify(v)));
      if (!okEq || !okRe) return { ok: false, result: 'mismatch', bodyMatch: false, detail: `${j.text} is ${JSON.stringify(v)?.slice(0, 100)}` };
    }
  }
  return { ok: true, result: 'ok', bodyMatch: true };
}

function classify(err: NodeJS.ErrnoException, signal: AbortSignal): ProbeResult {
  if (signal.aborted || err.name === 'AbortError' || err.name === 'TimeoutError') return 'timeout';
  return classifySocketError(err);
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** One check with its redirects, inside one timeout. Never throws. */
export async function checkHttp(c: HttpCheck, compiled: Pick<CompiledHttp, 'timeoutMs' | 'maxBodyBytes'>, outer: AbortSignal, now: () => number): Promise<HttpOutcome> {
  const signal = AbortSignal.any([outer, AbortSignal.timeout(compiled.timeoutMs)]);
  const started = performance.now();
  const certs = new Map<string, PeerCertificate>();
  let url = c.url;
  let method = c.method;
  let body = c.body;
  let redirects = 0;
  try {
    for (;;) {
      const res = await exchange({ url, method, headers: c.headers, body, proxy: c.proxy, tls: c.tls, maxBodyBytes: compiled.maxBodyBytes, signal, now });
      if (res.cert) certs.set(url.host, res.cert);
      const location = res.headers.location;
      if (REDIRECTS.has(res.status) && location && redirects < c.followRedirects) {
        redirects++;
        url = new URL(location, url);
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        continue;
      }
      const verdict = judge(c, res);
      return {
        result: verdict.result,
        status: res.status,
        latencyMs: Math.round((performance.now() - started) * 100) / 100,
        redirects,
        bytes: res.bytes,
        bodyMatch: verdict.bodyMatch,
        certs,
        detail: verdict.detail,
      };
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { cert?: PeerCertificate };
    if (e.cert) certs.set(url.host, e.cert);
    return { result: classify(e, signal), redirects, certs, detail: e.message };
  }
}

export function httpSamples(c: HttpCheck, o: HttpOutcome, ts: number): Sample[] {
  const fields: Sample['fields'] = { [HTTP.up]: o.result === 'ok' ? 1 : 0, [HTTP.result]: o.result, [HTTP.redirects]: o.redirects };
  if (o.status !== undefined) fields[HTTP.status] = o.status;
  if (o.latencyMs !== undefined) fields[HTTP.latencyMs] = o.latencyMs;
  if (o.bytes !== undefined) fields[HTTP.bytes] = o.bytes;
  if (o.bodyMatch !== undefined) fields[HTTP.bodyMatch] = o.bodyMatch ? 1 : 0;
  const out: Sample[] = [{ measurement: HTTP.measurement, tags: { device: c.device, [HTTP.tagUrl]: c.label.slice(0, 256) }, fields, ts }];
  for (const [host, cert] of o.certs) out.push(tlsSample(c.device, host, cert, ts));
  return out;
}

export class HttpProbe implements Probe {
  constructor(private readonly compiled: CompiledHttp) {}

  devices(): DeviceMeta[] {
    return this.compiled.checks.flatMap((c) => (c.meta ? [c.meta] : []));
  }

  async gather(ctx: ProbeContext): Promise<Sample[]> {
    const outcomes = await mapLimit(this.compiled.checks, this.compiled.concurrency, (c) => checkHttp(c, this.compiled, ctx.signal, ctx.now));
    return this.compiled.checks.flatMap((c, i) => httpSamples(c, outcomes[i] as HttpOutcome, ctx.now()));
  }
}

export const httpProbe: ProbeKind<HttpOptions> = {
  kind: 'http',
  options: HttpOptionsSchema,
  init: (target: TargetSpec<HttpOptions>, env: ProbeEnv) => new HttpProbe(compileHttpOptions(target.options, env, target.device)),
};
