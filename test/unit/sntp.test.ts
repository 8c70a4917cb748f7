import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { querySntp, readNtpTimestamp, SntpError, writeNtpTimestamp } from '../../agent/probes/sntp.js';

type Reply = (request: Buffer) => Buffer | undefined;

/** A real SNTP server on 127.0.0.1 whose clock runs `skewMs` ahead, or answers as `reply` says. */
async function startResponder(reply: Reply, address = '127.0.0.1'): Promise<{ port: number; close: () => Promise<void> }> {
  const socket = dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4');
  socket.on('message', (msg, rinfo) => {
    const out = reply(msg);
    if (out) socket.send(out, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  return {
    port: (socket.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function serverReply(request: Buffer, skewMs: number, patch?: (b: Buffer) => void): Buffer {
  const b = Buffer.alloc(48);
  b[0] = (0 << 6) | (4 << 3) | 4; // no leap warning, version 4, mode 4 (server)
  b[1] = 2; // stratum 2
  b.write('GPS\0', 12, 'ascii');
  request.copy(b, 24, 40, 48); // origin = the client's transmit timestamp
  writeNtpTimestamp(Date.now() + skewMs, b, 32);
  writeNtpTimestamp(Date.now() + skewMs, b, 40);
  patch?.(b);
  return b;
}

let responders: { close: () => Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(responders.map((r) => r.close()));
  responders = [];
});

async function responder(reply: Reply, address?: string): Promise<number> {
  const r = await startResponder(reply, address);
  responders.push(r);
  return r.port;
}

async function rejection(p: Promise<unknown>): Promise<SntpError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SntpError);
  return err as SntpError;
}

describe('querySntp', () => {
  it('measures a server running 2.5 s ahead', async () => {
    const port = await responder((req) => serverReply(req, 2_500));
    const { offsetMs, delayMs } = await querySntp('127.0.0.1', port);
    expect(Math.abs(offsetMs - 2_500)).toBeLessThan(100);
    expect(delayMs).toBeGreaterThanOrEqual(0);
    expect(delayMs).toBeLessThan(1_000);
  });

  it('resolves host names', async () => {
    // Listen where 'localhost' resolves on this machine, which may be ::1.
    const { address } = await lookup('localhost');
    const port = await responder((req) => serverReply(req, -1_000), address);
    const { offsetMs } = await querySntp('localhost', port);
    expect(Math.abs(offsetMs + 1_000)).toBeLessThan(100);
  });

  it('uses the injected clock for t1 and t4', async () => {
    const port = await responder((req) => serverReply(req, 0));
    // A local clock one minute fast makes the server look one minute behind.
    const { offsetMs } = await querySntp('127.0.0.1', port, undefined, () => Date.now() + 60_000);
    expect(Math.abs(offsetMs + 60_000)).toBeLessThan(100);
  });

  it('rejects a kiss-of-death with its code', async () => {
    const port = await responder((req) =>
      serverReply(req, 0, (b) => {
        b[1] = 0;
        b.write('RATE', 12, 'ascii');
      }),
    );
    const err = await rejection(querySntp('127.0.0.1', port));
    expect(err.code).toBe('kiss_of_death');
    expect(err.kissCode).toBe('RATE');
  });

  it('rejects a reply whose origin timestamp is not our request', async () => {
    const port = await responder((req) => serverReply(req, 0, (b) => b.fill(0, 24, 32)));
    expect((await rejection(querySntp('127.0.0.1', port))).code).toBe('bad_packet');
  });

  it('rejects a reply in the wrong mode', async () => {
    const port = await responder((req) => serverReply(req, 0, (b) => void (b[0] = (4 << 3) | 3)));
    const err = await rejection(querySntp('127.0.0.1', port));
    expect(err.code).toBe('bad_packet');
    expect(err.message).toMatch(/mode 3/);
  });

  it('rejects a short packet and an unsynchronized server', async () => {
    const short = await responder(() => Buffer.alloc(20));
    expect((await rejection(querySntp('127.0.0.1', short))).code).toBe('bad_packet');
    const alarm = await responder((req) => serverReply(req, 0, (b) => void (b[0] = (3 << 6) | (4 << 3) | 4)));
    expect((await rejection(querySntp('127.0.0.1', alarm))).code).toBe('unsynchronized');
  });

  it('times out when the server stays silent', async () => {
    const port = await responder(() => undefined);
    const started = Date.now();
    const err = await rejection(querySntp('127.0.0.1', port, undefined, Date.now, 200));
    expect(err.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('stops when the signal aborts, and at once when it already has', async () => {
    const port = await responder(() => undefined);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    expect((await rejection(querySntp('127.0.0.1', port, ac.signal))).code).toBe('aborted');
    expect((await rejection(querySntp('127.0.0.1', port, AbortSignal.abort()))).code).toBe('aborted');
  });
});

describe('NTP timestamps', () => {
  it('round-trip epoch milliseconds, including after the 2036 era rollover', () => {
    const b = Buffer.alloc(8);
    for (const ms of [Date.UTC(2025, 0, 1, 12, 0, 0, 250), Date.UTC(2036, 1, 7, 6, 28, 20), Date.UTC(2040, 5, 1)]) {
      writeNtpTimestamp(ms, b, 0);
      expect(Math.abs(readNtpTimestamp(b, 0) - ms)).toBeLessThan(0.001);
    }
  });
});
