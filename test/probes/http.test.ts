/**
 * The http probe against real servers on 127.0.0.1: an HTTPS server whose
 * certificate (from a test CA) expires in 5 days, with redirects, JSON and an
 * endpoint that wants a client certificate; a plain HTTP server; a forward
 * proxy (absolute-URI and CONNECT); a port that hangs and one that is closed.
 */
import { createServer as createHttpServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compileHttpOptions, httpProbe } from '../../agent/probes/http.js';
import { ProbeOptionsError } from '../../agent/probes/types.js';
import type { Sample } from '../../collector/contract/index.js';
import { freePort, tempDir } from '../helpers.js';
import { makePki, type TestPki } from './certs.js';
import { gatherOnce, probeEnv } from './helpers.js';

const env = probeEnv();
const tmp = tempDir('rw-http-');
const servers: Server[] = [];
let pki: TestPki;
let https = 0;
let plain = 0;
let proxy = 0;
let hang = 0;
let closed = 0;
const proxied: string[] = [];

function app(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  if (url === '/old') return void res.writeHead(302, { location: '/health' }).end();
  if (url === '/health') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'UP', db: { ok: true, pools: [{ active: 3 }] } }));
  if (url === '/mtls') {
    const s = req.socket as TLSSocket;
    return void res.writeHead(s.authorized ? 200 : 403).end(s.authorized ? `hello ${s.getPeerCertificate().subject.CN}` : 'no client certificate');
  }
  if (url === '/big') return void res.writeHead(200).end('x'.repeat(3 * 1024 * 1024));
  if (url === '/loop') return void res.writeHead(301, { location: '/loop' }).end();
  res.writeHead(url === '/' ? 200 : 404).end(url === '/' ? '<title>Console</title> Welcome' : 'not found');
}

function listen(server: Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

/** A forward proxy: absolute-URI requests for http, CONNECT tunnels for https; it records what it carried. */
function forwardProxy(): Server {
  const server = createHttpServer((req, res) => {
    proxied.push(`GET ${req.url}`);
    const target = new URL(req.url ?? '');
    const up = request({ host: target.hostname, port: target.port, path: target.pathname, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  server.on('connect', (req, socket) => {
    proxied.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? '').split(':');
    const up = connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  return server;
}

beforeAll(async () => {
  pki = makePki(tmp.dir, 5);
  https = await listen(createHttpsServer({ cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requestCert: true, rejectUnauthorized: false }, app));
  plain = await listen(createHttpServer(app));
  proxy = await listen(forwardProxy());
  hang = await listen(createHttpServer(() => undefined));
  closed = await freePort();
});
afterAll(() => {
  for (const s of servers) s.closeAllConnections?.call(s);
  for (const s of servers) s.close();
  tmp.cleanup();
});

const field = (samples: Sample[], device: string, m = 'http') => samples.find((s) => s.tags.device === device && s.measurement === m)?.fields;

describe('http probe', () => {
  it('checks status, JSON, body, redirects and the certificate expiring in 5 days', async () => {
    const base = `https://127.0.0.1:${https}`;
    const tls = { ca_file: pki.caFile };
    const probe = httpProbe.init(
      {
        options: {
          timeout: '3s',
          targets: [
            { url: `${base}/`, device: 'console', tls, expect: { body: 'Welcome' } },
            {
              url: `${base}/old`,
              device: 'api',
              tls,
              expect: {
                json: [
                  { path: 'status', equals: 'UP' },
                  { path: 'db.pools[0].active', matches: '^[0-9]+$' },
                ],
              },
            },
            { url: `${base}/old`, device: 'api-nofollow', tls, follow_redirects: 0 },
            { url: `${base}/health`, device: 'api-down', tls, expect: { json: [{ path: 'status', equals: 'DOWN' }] } },
            { url: `${base}/missing`, device: 'gone', tls },
            { url: `${base}/loop`, device: 'loop', tls, follow_redirects: 3 },
            { url: `${base}/`, device: 'untrusted' },
            { url: `${base}/big`, device: 'big', tls, expect: { body: '^x+$' } },
          ],
        },
      },
      env,
    );
    const samples = await gatherOnce(probe);
    expect(field(samples, 'console')).toMatchObject({ up: 1, status: 200, result: 'ok', body_match: 1, redirects: 0, latency_ms: expect.any(Number) });
    const cert = samples.find((s) => s.tags.device === 'console' && s.measurement === 'tls');
    expect(cert?.tags.host).toBe(`127.0.0.1:${https}`);
    expect(cert?.fields.chain_valid).toBe(1);
    expect(cert?.fields.cert_days_left as number).toBeGreaterThan(4);
    expect(cert?.fields.cert_days_left as number).toBeLessThanOrEqual(5);
    expect(field(samples, 'api')).toMatchObject({ up: 1, status: 200, redirects: 1, body_match: 1 });
    expect(field(samples, 'api-nofollow')).toMatchObject({ up: 1, status: 302, redirects: 0 });
    expect(field(samples, 'api-down')).toMatchObject({ up: 0, status: 200, result: 'mismatch', body_match: 0 });
    expect(field(samples, 'gone')).toMatchObject({ up: 0, status: 404, result: 'status' });
    expect(field(samples, 'loop')).toMatchObject({ up: 0, status: 301, redirects: 3, result: 'status' });
    expect(field(samples, 'untrusted')).toMatchObject({ up: 0, result: 'tls' });
    expect(field(samples, 'untrusted', 'tls')).toMatchObject({ chain_valid: 0, cert_days_left: expect.any(Number) });
    expect(field(samples, 'big')).toMatchObject({ up: 1, bytes: expect.any(Number) });
    expect(field(samples, 'big')?.bytes as number).toBeLessThan(3 * 1024 * 1024);
  });

  it('presents a client certificate where the server asks for one', async () => {
    const url = `https://127.0.0.1:${https}/mtls`;
    const samples = await gatherOnce(
      httpProbe.init(
        {
          options: {
            targets: [
              { url, device: 'with-cert', tls: { ca_file: pki.caFile, cert_file: pki.clientCertFile, key_file: pki.clientKeyFile }, expect: { body: '^hello client$' } },
              { url, device: 'without-cert', tls: { ca_file: pki.caFile } },
            ],
          },
        },
        env,
      ),
    );
    expect(field(samples, 'with-cert')).toMatchObject({ up: 1, status: 200, body_match: 1 });
    expect(field(samples, 'without-cert')).toMatchObject({ up: 0, status: 403, result: 'status' });
  });

  it('goes through a proxy for http and https, unless a target says none', async () => {
    proxied.length = 0;
    const samples = await gatherOnce(
      httpProbe.init(
        {
          options: {
            proxy: `http://127.0.0.1:${proxy}`,
            targets: [
              { url: `http://127.0.0.1:${plain}/health`, device: 'via-proxy', expect: { json: [{ path: 'db.ok', equals: true }] } },
              { url: `https://127.0.0.1:${https}/`, device: 'tunnel', tls: { ca_file: pki.caFile } },
              { url: `http://127.0.0.1:${plain}/`, device: 'direct', proxy: 'none' },
            ],
          },
        },
        env,
      ),
    );
    expect(field(samples, 'via-proxy')).toMatchObject({ up: 1, body_match: 1 });
    expect(field(samples, 'tunnel')).toMatchObject({ up: 1, status: 200 });
    expect(field(samples, 'tunnel', 'tls')).toMatchObject({ chain_valid: 1 });
    expect(field(samples, 'direct')).toMatchObject({ up: 1 });
    expect(proxied.sort()).toEqual([`CONNECT 127.0.0.1:${https}`, `GET http://127.0.0.1:${plain}/health`]);
  });

  it('reports a closed port and a server that never answers as data', async () => {
    const samples = await gatherOnce(
      httpProbe.init(
        {
          options: {
            timeout: '300ms',
            targets: [
              { url: `http://127.0.0.1:${closed}/`, device: 'closed' },
              { url: `http://127.0.0.1:${hang}/`, device: 'hang' },
            ],
          },
        },
        env,
      ),
    );
    expect(field(samples, 'closed')).toEqual({ up: 0, result: 'refused', redirects: 0 });
    expect(field(samples, 'hang')).toEqual({ up: 0, result: 'timeout', redirects: 0 });
  });

  it('refuses bad options with their paths, and accepts the sample', () => {
    try {
      compileHttpOptions({ targets: [{ url: 'https://x/', expect: { body: '(', json: [{ path: 'a' }] }, tls: { key_file: '/nonexistent.key' } }] }, env);
      expect.unreachable();
    } catch (err) {
      expect((err as ProbeOptionsError).problems.map((p) => `${p.path.join('.')}: ${p.message}`)).toEqual([
        'targets.0.expect.json.0: give equals or matches',
        'targets.0.expect.body: invalid regular expression: Invalid regular expression: /(/: Unterminated group',
        'targets.0.tls.cert_file: a client certificate needs both cert_file and key_file',
        'targets.0.tls.key_file: cannot read /nonexistent.key: ENOENT',
      ]);
    }
    const sample = parse(readFileSync('agent/probes/http.sample.yaml', 'utf8')) as Array<{ options: unknown }>;
    for (const t of sample) expect(() => compileHttpOptions(t.options, env)).not.toThrow();
  });
});
