/**
 * Talking to InfluxDB: writing line protocol (v2 through the client library's
 * WriteApi; v1 to `/write?db=&rp=`) and reading with InfluxQL through `/query`.
 *
 * WriteApi batches and gzips; its in-memory retry buffer is switched off on
 * purpose (maxRetries 0): retries with back-off belong to the outbox shipper,
 * whose rows are on disk, so a collector restart during an outage loses no
 * point. Re-sending a batch is harmless: a point with the same series and
 * timestamp overwrites itself in InfluxDB.
 */
import { gzipSync } from 'node:zlib';
import { InfluxDB, type WriteApi } from '@influxdata/influxdb-client';
import type { InfluxQueryResponse } from './influxql.js';

export interface InfluxSettings {
  url: string;
  api: 'v1' | 'v2';
  org?: string;
  bucket?: string;
  token?: string;
  /** InfluxQL database: the v1 write target, and the DBRP-mapped name for 2.x/3.x reads. */
  database: string;
  retentionPolicy?: string;
  username?: string;
  password?: string;
  timeoutMs: number;
}

export interface LineWriter {
  /** Resolves once InfluxDB accepted every line; rejects otherwise (nothing is retried here). */
  write(lines: string[]): Promise<void>;
  close(): Promise<void>;
}

/** Lines per request: InfluxDB's own advice is 5,000–10,000. */
export const WRITE_BATCH_LINES = 5_000;
const GZIP_THRESHOLD_BYTES = 1_000;

export class V2Writer implements LineWriter {
  private readonly api: WriteApi;

  constructor(s: InfluxSettings) {
    this.api = new InfluxDB({ url: s.url, token: s.token, timeout: s.timeoutMs }).getWriteApi(s.org ?? '', s.bucket ?? s.database, 'ms', {
      batchSize: WRITE_BATCH_LINES,
      flushInterval: 0,
      gzipThreshold: GZIP_THRESHOLD_BYTES,
      maxRetries: 0,
      maxBufferLines: WRITE_BATCH_LINES * 4,
      // The library logs failures itself; the shipper reports them once, with back-off.
      writeFailed: () => undefined,
    });
  }

  async write(lines: string[]): Promise<void> {
    this.api.writeRecords(lines);
    await this.api.flush();
  }

  async close(): Promise<void> {
    await this.api.close().catch(() => undefined);
  }
}

function basicAuth(s: InfluxSettings): Record<string, string> {
  if (s.username === undefined) return {};
  return { authorization: `Basic ${Buffer.from(`${s.username}:${s.password ?? ''}`).toString('base64')}` };
}

function authHeaders(s: InfluxSettings): Record<string, string> {
  return s.api === 'v2' && s.token ? { authorization: `Token ${s.token}` } : basicAuth(s);
}

export class InfluxHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'InfluxHttpError';
  }
}

/** InfluxDB 1.x: `/write?db=&rp=&precision=ms`, gzip above 1 kB. */
export class V1Writer implements LineWriter {
  constructor(private readonly s: InfluxSettings) {}

  async write(lines: string[]): Promise<void> {
    const params = new URLSearchParams({ db: this.s.database, precision: 'ms' });
    if (this.s.retentionPolicy) params.set('rp', this.s.retentionPolicy);
    const text = lines.join('\n');
    const gzip = Buffer.byteLength(text) > GZIP_THRESHOLD_BYTES;
    const res = await fetch(`${this.s.url}/write?${params}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=utf-8', ...(gzip ? { 'content-encoding': 'gzip' } : {}), ...basicAuth(this.s) },
      body: gzip ? gzipSync(text) : text,
      signal: AbortSignal.timeout(this.s.timeoutMs),
    });
    if (res.status !== 204 && res.status !== 200) throw new InfluxHttpError(res.status, `InfluxDB /write answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  }

  async close(): Promise<void> {}
}

export function makeWriter(s: InfluxSettings): LineWriter {
  return s.api === 'v2' ? new V2Writer(s) : new V1Writer(s);
}

/** Runs InfluxQL through `/query` with epoch-millisecond timestamps. */
export async function influxQuery(s: InfluxSettings, statement: string): Promise<InfluxQueryResponse> {
  const params = new URLSearchParams({ db: s.database, q: statement, epoch: 'ms' });
  if (s.retentionPolicy) params.set('rp', s.retentionPolicy);
  const res = await fetch(`${s.url}/query?${params}`, { headers: authHeaders(s), signal: AbortSignal.timeout(s.timeoutMs) });
  const text = await res.text();
  if (!res.ok) throw new InfluxHttpError(res.status, `InfluxDB /query answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as InfluxQueryResponse;
}

/** Reachability and version, for /healthz. */
export async function influxPing(s: InfluxSettings): Promise<{ ok: boolean; version?: string; error?: string }> {
  try {
    const res = await fetch(`${s.url}/ping`, { headers: authHeaders(s), signal: AbortSignal.timeout(Math.min(s.timeoutMs, 5_000)) });
    return { ok: res.status === 204 || res.ok, version: res.headers.get('x-influxdb-version') ?? undefined };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
