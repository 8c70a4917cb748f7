/**
 * A minimal SNTP client (RFC 4330) for the host probe's clock-offset check.
 *
 * One request, one reply, no clock filtering: the probe only needs to know
 * whether this host's clock has drifted by milliseconds or by minutes. The
 * offset follows NTP's convention: positive means the server is ahead, so the
 * local clock is behind.
 */
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { randomInt } from 'node:crypto';
import { isIP } from 'node:net';

export interface SntpResult {
  /** Server clock minus local clock, in milliseconds. */
  offsetMs: number;
  /** Round-trip network delay, in milliseconds. */
  delayMs: number;
}

export type SntpErrorCode = 'timeout' | 'aborted' | 'network' | 'bad_packet' | 'kiss_of_death' | 'unsynchronized';

export class SntpError extends Error {
  constructor(
    readonly code: SntpErrorCode,
    message: string,
    /** The four-letter code of a kiss-of-death reply (RATE, DENY, RSTR …). */
    readonly kissCode?: string,
  ) {
    super(message);
    this.name = 'SntpError';
  }
}

/** Without a caller's signal a lost datagram must still end the query. */
export const DEFAULT_SNTP_TIMEOUT_MS = 3_000;

const PACKET_BYTES = 48;
const NTP_VERSION = 4;
const MODE_CLIENT = 3;
const MODE_SERVER = 4;
const LEAP_ALARM = 3;
const MAX_STRATUM = 15;
/** Seconds from the NTP epoch (1900-01-01) to the Unix epoch. */
const NTP_TO_UNIX_S = 2_208_988_800;
const TWO_POW_32 = 2 ** 32;
const OFFSET_ORIGIN = 24;
const OFFSET_RECEIVE = 32;
const OFFSET_TRANSMIT = 40;

/** Writes epoch milliseconds as a 64-bit NTP timestamp. */
export function writeNtpTimestamp(ms: number, buf: Buffer, offset: number): void {
  const seconds = Math.floor(ms / 1000);
  const fraction = Math.floor(((ms - seconds * 1000) / 1000) * TWO_POW_32);
  buf.writeUInt32BE((seconds + NTP_TO_UNIX_S) % TWO_POW_32, offset);
  buf.writeUInt32BE(fraction, offset + 4);
}

/**
 * Reads a 64-bit NTP timestamp as epoch milliseconds. Seconds with the top bit clear
 * belong to era 1 (from 2036-02-07), as RFC 4330 §3 recommends.
 */
export function readNtpTimestamp(buf: Buffer, offset: number): number {
  const seconds = buf.readUInt32BE(offset);
  const fraction = buf.readUInt32BE(offset + 4);
  const era = seconds >= 0x8000_0000 ? 0 : 1;
  return (seconds + era * TWO_POW_32 - NTP_TO_UNIX_S) * 1000 + (fraction / TWO_POW_32) * 1000;
}

/** Queries `host` once; rejects with an SntpError on timeout, abort or an unusable reply. */
export function querySntp(host: string, port = 123, signal?: AbortSignal, now: () => number = Date.now, timeoutMs = DEFAULT_SNTP_TIMEOUT_MS): Promise<SntpResult> {
  return new Promise<SntpResult>((resolve, reject) => {
    let socket: dgram.Socket | undefined;
    let settled = false;
    const where = `${host}:${port}`;

    const finish = (err: Error | undefined, result?: SntpResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      try {
        socket?.close();
      } catch {
        // The socket was already closed by an error; nothing is left to release.
      }
      if (err) reject(err);
      else resolve(result as SntpResult);
    };
    const onAbort = (): void => finish(new SntpError('aborted', `SNTP query to ${where} aborted`));
    const timer = setTimeout(() => finish(new SntpError('timeout', `no SNTP reply from ${where} within ${timeoutMs} ms`)), timeoutMs);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });

    resolveAddress(host).then(
      ({ address, family }) => {
        if (settled) return;
        const request = Buffer.alloc(PACKET_BYTES);
        let t1 = 0;
        socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
        socket.on('error', (err) => finish(new SntpError('network', `SNTP to ${where}: ${err.message}`)));
        socket.on('message', (reply) => {
          const t4 = now();
          try {
            finish(undefined, parseReply(reply, request, t1, t4));
          } catch (err) {
            finish(err as Error);
          }
        });
        // A connected socket only delivers datagrams from the server's address and port.
        socket.connect(port, address, () => {
          if (settled || !socket) return;
          request[0] = (NTP_VERSION << 3) | MODE_CLIENT;
          t1 = now();
          writeNtpTimestamp(t1, request, OFFSET_TRANSMIT);
          // Bits below the millisecond carry no time here; random ones make the origin
          // check a real defence against blind spoofing and stray replies.
          request.writeUInt16BE(randomInt(0x10000), OFFSET_TRANSMIT + 6);
          socket.send(request);
        });
      },
      (err: Error) => finish(new SntpError('network', `cannot resolve ${host}: ${err.message}`)),
    );
  });
}

async function resolveAddress(host: string): Promise<{ address: string; family: number }> {
  const family = isIP(host);
  if (family !== 0) return { address: host, family };
  return lookup(host);
}

/** Validates a server reply against our request (RFC 4330 §5) and computes offset and delay. */
function parseReply(reply: Buffer, request: Buffer, t1: number, t4: number): SntpResult {
  if (reply.length < PACKET_BYTES) throw new SntpError('bad_packet', `reply of ${reply.length} bytes, expected ${PACKET_BYTES}`);
  const first = reply[0] as number;
  const leap = first >> 6;
  const version = (first >> 3) & 0x7;
  const mode = first & 0x7;
  const stratum = reply[1] as number;
  if (mode !== MODE_SERVER) throw new SntpError('bad_packet', `reply in mode ${mode}, expected ${MODE_SERVER} (server)`);
  if (version < 1 || version > NTP_VERSION) throw new SntpError('bad_packet', `reply with NTP version ${version}`);
  if (stratum === 0) {
    const kiss = reply.toString('ascii', 12, 16).replace(/[^\x20-\x7e]/g, '');
    throw new SntpError('kiss_of_death', `server sent kiss-of-death ${kiss || '(no code)'}`, kiss);
  }
  if (!reply.subarray(OFFSET_ORIGIN, OFFSET_ORIGIN + 8).equals(request.subarray(OFFSET_TRANSMIT, OFFSET_TRANSMIT + 8))) {
    throw new SntpError('bad_packet', 'origin timestamp does not match our request');
  }
  if (leap === LEAP_ALARM || stratum > MAX_STRATUM) {
    throw new SntpError('unsynchronized', `server is not synchronized (leap ${leap}, stratum ${stratum})`);
  }
  if (isZero(reply, OFFSET_RECEIVE) || isZero(reply, OFFSET_TRANSMIT)) {
    throw new SntpError('bad_packet', 'reply without receive or transmit timestamp');
  }
  const t2 = readNtpTimestamp(reply, OFFSET_RECEIVE);
  const t3 = readNtpTimestamp(reply, OFFSET_TRANSMIT);
  return {
    offsetMs: (t2 - t1 + (t3 - t4)) / 2,
    // Millisecond local timestamps can make a fast loopback round trip look negative.
    delayMs: Math.max(0, t4 - t1 - (t3 - t2)),
  };
}

function isZero(buf: Buffer, offset: number): boolean {
  return buf.readUInt32BE(offset) === 0 && buf.readUInt32BE(offset + 4) === 0;
}
