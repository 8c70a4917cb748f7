/**
 * Defect 5 of the hardening campaign: past its capacity the collector never
 * shed load, /healthz stopped answering and RSS grew. Ingest is now bounded
 * by requests and announced body bytes in flight; past the bound the answer
 * is 429 with Retry-After, before the body is read, while /healthz and
 * /metrics answer. A client that gives up frees its slot.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import { authHeaders, AGENT, serverSamples, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';

const NOW = Date.UTC(2026, 10, 23, 8, 0, 0);

/** Sends headers and half a body, then waits: a request that holds its admission slot. */
function halfSentRequest(port: number, length: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(`POST /api/v1/ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n{"agent":`);
      setTimeout(() => resolve(s), 100);
    });
    s.on('error', reject);
  });
}

describe('ingest load shedding', () => {
  let tmp: ReturnType<typeof tempDir>;
  let c: Collector | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await c?.app.close();
    tmp.cleanup();
  });

  it('answers 429 with Retry-After past the bound, keeps /healthz and /metrics answering, and frees a slot when a client leaves', async () => {
    tmp = tempDir();
    c = await buildApp({ config: testCollectorConfig(tmp.dir, { maxInflight: 2, retryAfterMs: 3_000 }), now: () => NOW, logger: false });
    await c.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (c.app.server.address() as { port: number }).port;
    const base = `http://127.0.0.1:${port}`;
    let seq = 0;
    const post = () =>
      fetch(`${base}/api/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ agent: AGENT, seq: ++seq, batch_id: `overload-${seq}`, samples: serverSamples(NOW - 1000, 1) }),
      });

    sockets.push(await halfSentRequest(port, 10_000), await halfSentRequest(port, 10_000));
    const shed = await post();
    expect(shed.status).toBe(429);
    expect(shed.headers.get('retry-after')).toBe('3');
    expect(((await shed.json()) as { code: string }).code).toBe('RW_OVERLOADED');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`, { headers: authHeaders() })).text();
    expect(metrics).toMatch(/roomwatch_ingest_inflight_requests 2/);
    expect(metrics).toMatch(/roomwatch_ingest_shed_total 1/);

    sockets.shift()?.destroy();
    let ok = 0;
    for (let i = 0; i < 50 && ok === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      if ((await post()).status === 200) ok++;
    }
    expect(ok).toBe(1);
  });

  it('bounds announced body bytes in flight', async () => {
    tmp = tempDir();
    c = await buildApp({ config: testCollectorConfig(tmp.dir, { maxInflight: 100, maxBodyBytes: 64 * 1024, maxInflightBytes: 100 * 1024 }), now: () => NOW, logger: false });
    await c.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (c.app.server.address() as { port: number }).port;
    sockets.push(await halfSentRequest(port, 60_000));
    const second = await halfSentRequest(port, 60_000);
    sockets.push(second);
    const answer = await new Promise<string>((resolve) => second.once('data', (d: Buffer) => resolve(d.toString())));
    expect(answer).toMatch(/^HTTP\/1.1 429/);
    expect(answer).toMatch(/retry-after: 2/i);
  });
});
