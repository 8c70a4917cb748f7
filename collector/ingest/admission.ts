/**
 * Load shedding for the ingest endpoints. Ingest work is bounded by the
 * number of requests in flight and by the body bytes they announce
 * (Content-Length, or ingest.max_body when a body is chunked); past either
 * bound a request is answered 429 with Retry-After before its body is read,
 * so the collector's memory stays bounded and /healthz and /metrics, which
 * never pass through here, keep answering. The agent waits at least
 * Retry-After before it sends again and keeps the batch in its spool, so
 * nothing acknowledged is lost: shedding only delays.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Errors } from '../errors.js';

export interface AdmissionLimits {
  maxInflight: number;
  maxInflightBytes: number;
  /** Worst case for a body without Content-Length. */
  maxBodyBytes: number;
  retryAfterS: number;
  /**
   * Event-loop lag past which new ingest is shed. Bodies usually arrive whole,
   * so the queue builds up in socket buffers rather than as requests in
   * flight; the lag is what /healthz waiting behind ingest looks like.
   */
  maxLagMs: number;
}

/**
 * Measures how late a 50 ms timer fires: the event loop's current backlog.
 * The lowest of the last three readings counts, so one slow moment (a
 * compaction, a busy neighbour) does not shed; sustained overload does.
 */
export class LagSampler {
  lagMs = 0;
  private readonly recent = [0, 0, 0];
  private readonly timer: NodeJS.Timeout;
  constructor(periodMs = 50) {
    let expected = performance.now() + periodMs;
    let i = 0;
    this.timer = setInterval(() => {
      const now = performance.now();
      this.recent[i++ % this.recent.length] = Math.max(0, now - expected);
      this.lagMs = Math.min(...this.recent);
      expected = now + periodMs;
    }, periodMs);
    this.timer.unref();
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

const ADMITTED = Symbol('admitted');
type Tracked = FastifyRequest & { [ADMITTED]?: number };

export class IngestAdmission {
  private inflight = 0;
  private inflightBytes = 0;
  shed = 0;

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly lag: { lagMs: number } = { lagMs: 0 },
  ) {}

  get load(): { requests: number; bytes: number } {
    return { requests: this.inflight, bytes: this.inflightBytes };
  }

  /** onRequest: admits the request or throws the 429 (Retry-After set on the reply). */
  admit(request: FastifyRequest, reply: FastifyReply): void {
    const announced = Number(request.headers['content-length']);
    const bytes = Number.isFinite(announced) && announced >= 0 ? Math.min(announced, this.limits.maxBodyBytes) : this.limits.maxBodyBytes;
    const busy = this.lag.lagMs > this.limits.maxLagMs;
    if (busy || this.inflight >= this.limits.maxInflight || (this.inflight > 0 && this.inflightBytes + bytes > this.limits.maxInflightBytes)) {
      this.shed++;
      void reply.header('retry-after', String(this.limits.retryAfterS));
      throw new Errors.Overloaded(this.inflight, this.inflightBytes, this.limits.retryAfterS);
    }
    this.inflight++;
    this.inflightBytes += bytes;
    (request as Tracked)[ADMITTED] = bytes;
  }

  /** onResponse and onRequestAbort: frees what admit() took, once. */
  release(request: FastifyRequest): void {
    const bytes = (request as Tracked)[ADMITTED];
    if (bytes === undefined) return;
    (request as Tracked)[ADMITTED] = undefined;
    this.inflight--;
    this.inflightBytes -= bytes;
  }
}

/** True when the client has gone: its batch would be retried anyway, so applying it only adds load. */
export function clientGone(request: FastifyRequest): boolean {
  // The socket, not the request stream: a request whose body has been read is
  // itself "destroyed" (autoDestroy) while its client still waits for the answer.
  return request.raw.socket?.destroyed === true;
}
