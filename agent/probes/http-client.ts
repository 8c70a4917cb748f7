/**
 * One HTTP(S) exchange for the http probe, on node:http over a socket this
 * module opens itself: directly, through a proxy (absolute-URI requests for
 * http, a CONNECT tunnel for https), with TLS verification recorded rather
 * than enforced so that a bad certificate is still measured.
 */
import { request, type IncomingMessage } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { peerCertificate, type CompiledTls, type PeerCertificate } from './tls-info.js';

export interface HopRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  proxy?: URL;
  tls: CompiledTls;
  maxBodyBytes: number;
  signal: AbortSignal;
  now: () => number;
}

export interface HopResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
  bytes: number;
  truncated: boolean;
  cert?: PeerCertificate;
}

function defaultPort(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

function waitFor(socket: Socket, event: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      socket.destroy();
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once(event, () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    socket.once('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      reject(err);
    });
  });
}

/** Opens a CONNECT tunnel through an HTTP proxy; the proxy's refusal is an error naming its status. */
async function tunnel(proxy: URL, host: string, port: number, signal: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const auth = proxy.username ? { 'proxy-authorization': `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}` } : {};
    const req = request({ host: proxy.hostname, port: defaultPort(proxy), method: 'CONNECT', path: `${host}:${port}`, headers: { host: `${host}:${port}`, ...auth }, signal });
    req.once('connect', (res, socket) => {
      if (res.statusCode === 200) return resolve(socket);
      socket.destroy();
      const err = new Error(`proxy refused CONNECT with ${res.statusCode}`) as NodeJS.ErrnoException;
      err.code = 'EPROXY';
      reject(err);
    });
    req.once('error', reject);
    req.end();
  });
}

async function openSocket(r: HopRequest): Promise<{ socket: Socket; cert?: PeerCertificate }> {
  const host = r.url.hostname.replace(/^\[|\]$/g, '');
  const port = defaultPort(r.url);
  if (r.url.protocol === 'http:') {
    const target = r.proxy ? { host: r.proxy.hostname, port: defaultPort(r.proxy) } : { host, port };
    const socket = netConnect(target);
    await waitFor(socket, 'connect', r.signal);
    return { socket };
  }
  const raw = r.proxy ? await tunnel(r.proxy, host, port, r.signal) : undefined;
  const servername = r.tls.serverName ?? (/^[\d.:]+$/.test(host) ? undefined : host);
  const socket: TLSSocket = tlsConnect({
    ...(raw ? { socket: raw } : { host, port }),
    servername,
    ca: r.tls.ca,
    cert: r.tls.cert,
    key: r.tls.key,
    rejectUnauthorized: false,
    ALPNProtocols: ['http/1.1'],
  });
  await waitFor(socket, 'secureConnect', r.signal);
  return { socket, cert: peerCertificate(socket, r.now()) };
}

/** One request and its (bounded) body; connection errors reject with their errno code. */
export async function exchange(r: HopRequest): Promise<HopResponse> {
  const { socket, cert } = await openSocket(r);
  if (cert && r.tls.verify && !cert.chainValid) {
    socket.destroy();
    const err = new Error(`certificate does not verify: ${cert.error ?? 'unknown'}`) as NodeJS.ErrnoException & { cert?: PeerCertificate };
    err.code = 'ETLSVERIFY';
    err.cert = cert;
    throw err;
  }
  // A proxied plain-http request names the whole URL; everything else names the path.
  const path = r.proxy && r.url.protocol === 'http:' ? r.url.href : `${r.url.pathname}${r.url.search}`;
  const headers: Record<string, string> = { host: r.url.host, 'user-agent': 'roomwatch-agent', accept: '*/*', 'accept-encoding': 'identity', connection: 'close', ...r.headers };
  if (r.body !== undefined) headers['content-length'] = String(Buffer.byteLength(r.body));
  return new Promise((resolve, reject) => {
    const req = request({ method: r.method, path, headers, createConnection: () => socket, signal: r.signal });
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      let truncated = false;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes <= r.maxBodyBytes) chunks.push(chunk);
        else if (!truncated) {
          truncated = true;
          chunks.push(chunk.subarray(0, chunk.length - (bytes - r.maxBodyBytes)));
          // Enough to judge the page; the rest is not worth the bandwidth.
          res.destroy();
          finish();
        }
      });
      const finish = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), bytes, truncated, ...(cert ? { cert } : {}) });
      res.once('end', finish);
      res.once('error', (err) => (truncated ? undefined : reject(err)));
    });
    req.end(r.body);
  });
}
