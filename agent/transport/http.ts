/** A minimal POST over node:http(s) with keep-alive, a timeout and an optional private CA. */
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';

export interface PostResult {
  status: number;
  body: string;
  /** The collector's Retry-After (seconds or an HTTP date), in ms, when it sent one. */
  retryAfterMs?: number;
}

/** Retry-After as milliseconds from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface HttpPoster {
  post(path: string, body: Buffer, headers: Record<string, string>, timeoutMs: number): Promise<PostResult>;
  close(): void;
}

export function createPoster(baseUrl: string, ca?: Buffer): HttpPoster {
  const url = new URL(baseUrl);
  const secure = url.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true, maxSockets: 2, ca }) : new HttpAgent({ keepAlive: true, maxSockets: 2 });
  const request = secure ? httpsRequest : httpRequest;
  const prefix = url.pathname.replace(/\/+$/, '');
  return {
    post(path, body, headers, timeoutMs) {
      return new Promise((resolve, reject) => {
        const req = request(
          {
            protocol: url.protocol,
            hostname: url.hostname,
            port: url.port,
            path: `${prefix}${path}`,
            method: 'POST',
            agent,
            headers: { ...headers, 'content-length': String(body.length) },
            timeout: timeoutMs,
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (c: Buffer) => {
              // An answer is a short JSON object; never buffer an unexpected flood.
              if (size < 64 * 1024) chunks.push(c);
              size += c.length;
            });
            const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }));
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on('error', reject);
        req.end(body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}
