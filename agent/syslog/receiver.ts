/**
 * The agent's syslog receiver: UDP, TCP and (optionally) TLS listeners, TCP
 * framed by octet counting (RFC 6587 §3.4.1) or by newlines (§3.4.2, what
 * most network gear sends), a token bucket per source and for all sources
 * together so a storm costs bounded CPU (drops are counted), and the shipped
 * patterns applied to every admitted message.
 *
 * Nothing a sender does can crash it: oversized frames are cut and marked,
 * undecodable bytes are escaped and marked, a connection that misbehaves is
 * closed.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { parseSyslog, type SyslogMessage } from './parse.js';
import type { SyslogPattern } from './patterns.js';

export interface Endpoint {
  host: string;
  port: number;
}

export interface SyslogSettings {
  udp?: Endpoint;
  tcp?: Endpoint;
  tls?: Endpoint & { cert: Buffer; key: Buffer };
  maxMessageBytes: number;
  perSourcePerSec: number;
  totalPerSec: number;
  maxConnections: number;
}

export interface SyslogStats {
  received: number;
  rateLimited: number;
  truncated: number;
  gbk: number;
  binary: number;
  matched: number;
}

export interface ReceivedMessage {
  source: string;
  receivedAt: number;
  message: SyslogMessage;
  patterns: string[];
}

export interface ReceiverDeps {
  patterns: SyslogPattern[];
  now: () => number;
  /** Hears every admitted message with the patterns it matched. */
  onMessage(m: ReceivedMessage): void;
  onError(message: string): void;
}

class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly perSec: number,
    now: number,
  ) {
    this.tokens = perSec;
    this.last = now;
  }
  take(now: number): boolean {
    this.tokens = Math.min(this.perSec, this.tokens + ((now - this.last) / 1000) * this.perSec);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Sources remembered for rate limiting; a storm of spoofed addresses resets the table instead of growing it. */
const MAX_SOURCES = 10_000;
const IDLE_CONNECTION_MS = 10 * 60_000;

export class SyslogReceiver {
  readonly stats: SyslogStats = { received: 0, rateLimited: 0, truncated: 0, gbk: 0, binary: 0, matched: 0 };
  private udp: UdpSocket | undefined;
  private servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly perSource = new Map<string, TokenBucket>();
  private readonly total: TokenBucket;
  private started: Promise<void> | undefined;
  /** The ports actually bound (port 0 in tests picks a free one). */
  readonly bound: { udp?: number; tcp?: number; tls?: number } = {};

  constructor(
    private readonly settings: SyslogSettings,
    private readonly deps: ReceiverDeps,
  ) {
    this.total = new TokenBucket(settings.totalPerSec, deps.now());
  }

  start(): Promise<void> {
    this.started ??= this.listen();
    return this.started;
  }

  private async listen(): Promise<void> {
    const s = this.settings;
    if (s.udp) {
      const udp = createSocket({ type: s.udp.host.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });
      udp.on('message', (buf, rinfo) => this.accept(buf, rinfo.address));
      udp.on('error', (err) => this.deps.onError(`syslog udp: ${err.message}`));
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(s.udp?.port, s.udp?.host, () => {
          udp.off('error', reject);
          resolve();
        });
      });
      this.udp = udp;
      this.bound.udp = udp.address().port;
    }
    if (s.tcp)
      this.bound.tcp = await this.serve(
        createServer((c) => this.connection(c)),
        s.tcp,
      );
    if (s.tls)
      this.bound.tls = await this.serve(
        createTlsServer({ cert: s.tls.cert, key: s.tls.key }, (c) => this.connection(c)),
        s.tls,
      );
  }

  private async serve(server: Server, at: Endpoint): Promise<number> {
    server.maxConnections = this.settings.maxConnections;
    server.on('error', (err) => this.deps.onError(`syslog tcp: ${err.message}`));
    server.on('tlsClientError', (err: Error) => this.deps.onError(`syslog tls: ${err.message}`));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(at.port, at.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.servers.push(server);
    return (server.address() as { port: number }).port;
  }

  /** One TCP stream: octet-counted when a frame starts with a digit, newline-framed otherwise. */
  private connection(socket: Socket): void {
    this.sockets.add(socket);
    socket.setTimeout(IDLE_CONNECTION_MS, () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const source = socket.remoteAddress?.replace(/^::ffff:/, '') ?? 'unknown';
    const max = this.settings.maxMessageBytes;
    let buf: Buffer = Buffer.alloc(0);
    let skipping = 0;
    let skipLine = false;
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      for (;;) {
        if (skipping > 0) {
          const n = Math.min(skipping, buf.length);
          skipping -= n;
          buf = buf.subarray(n);
          if (skipping > 0) return;
        }
        if (buf.length === 0) return;
        const counted = /^(\d{1,9}) /.exec(buf.subarray(0, 11).toString('latin1'));
        if (counted) {
          const len = Number(counted[1]);
          const start = counted[0].length;
          if (len > max) {
            // Keep the first max+1 bytes (parsing marks the message truncated); skip the rest of the frame as it arrives.
            if (buf.length < start + max + 1) return;
            this.accept(buf.subarray(start, start + max + 1), source);
            skipping = Math.max(0, start + len - buf.length);
            buf = buf.subarray(Math.min(buf.length, start + len));
            continue;
          }
          if (buf.length < start + len) return;
          this.accept(buf.subarray(start, start + len), source);
          buf = buf.subarray(start + len);
          continue;
        }
        const nl = buf.indexOf(0x0a);
        if (nl < 0) {
          if (skipLine) {
            buf = Buffer.alloc(0);
            return;
          }
          if (buf.length > max) {
            // A line longer than any message: keep its start, drop the rest up to its newline.
            this.accept(buf, source);
            buf = Buffer.alloc(0);
            skipLine = true;
          }
          return;
        }
        if (skipLine) {
          skipLine = false;
          buf = buf.subarray(nl + 1);
          continue;
        }
        const frame = buf.subarray(0, nl);
        buf = buf.subarray(nl + 1);
        if (frame.length > 0 && !(frame.length === 1 && frame[0] === 0x0d)) this.accept(frame, source);
      }
    });
  }

  /** Rate limit, parse, match, hand on. Exposed for benchmarks and tests that skip the sockets. */
  accept(bytes: Buffer, source: string): void {
    const now = this.deps.now();
    let bucket = this.perSource.get(source);
    if (!bucket) {
      if (this.perSource.size >= MAX_SOURCES) this.perSource.clear();
      bucket = new TokenBucket(this.settings.perSourcePerSec, now);
      this.perSource.set(source, bucket);
    }
    if (!bucket.take(now) || !this.total.take(now)) {
      this.stats.rateLimited++;
      return;
    }
    this.stats.received++;
    const message = parseSyslog(bytes, now, this.settings.maxMessageBytes);
    if (message.truncated) this.stats.truncated++;
    if (message.encoding === 'gbk') this.stats.gbk++;
    else if (message.encoding === 'binary') this.stats.binary++;
    const patterns: string[] = [];
    for (const p of this.deps.patterns) if (p.test(message)) patterns.push(p.name);
    if (patterns.length > 0) this.stats.matched++;
    this.deps.onMessage({ source, receivedAt: now, message, patterns });
  }

  async stop(): Promise<void> {
    this.udp?.close();
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.servers = [];
  }
}
