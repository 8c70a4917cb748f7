/** The tcp probe against real sockets on 127.0.0.1: a banner server, a closed port, a silent server and TLS. */
import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compileTcpOptions, tcpProbe } from '../../agent/probes/tcp.js';
import { ProbeOptionsError } from '../../agent/probes/types.js';
import { freePort, tempDir } from '../helpers.js';
import { makePki, type TestPki } from './certs.js';
import { gatherOnce, probeEnv } from './helpers.js';

const env = probeEnv();
const servers: Server[] = [];
let banner = 0;
let silent = 0;
let tlsPort = 0;
let closed = 0;
let pki: TestPki;
const tmp = tempDir('rw-tcp-');

function listen(server: Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

beforeAll(async () => {
  banner = await listen(
    createServer((s) => {
      s.write('220 mail ESMTP ready\r\n');
      s.on('data', (d) => {
        if (d.toString().startsWith('QUIT')) s.end('221 bye\r\n');
      });
      s.on('error', () => undefined);
    }),
  );
  silent = await listen(createServer((s) => s.on('error', () => undefined)));
  pki = makePki(tmp.dir, 5);
  tlsPort = await listen(
    createTlsServer({ cert: pki.serverCert, key: pki.serverKey }, (s) => {
      s.end('+OK\r\n');
      s.on('error', () => undefined);
    }) as unknown as Server,
  );
  closed = await freePort();
});
afterAll(() => {
  for (const s of servers) s.close();
  tmp.cleanup();
});

describe('tcp probe', () => {
  it('reports an open port, a banner match, a refused port and a silent one', async () => {
    const probe = tcpProbe.init(
      {
        device: 'mail1',
        options: {
          timeout: '300ms',
          targets: [
            { address: `127.0.0.1:${banner}` },
            { address: `127.0.0.1:${banner}`, device: 'mail-smtp', send: 'QUIT\\r\\n', expect: '^220 .*\\r\\n221' },
            { address: `127.0.0.1:${closed}`, device: 'gone' },
            { address: `127.0.0.1:${silent}`, device: 'mute', expect: '^220' },
          ],
        },
      },
      env,
    );
    const samples = await gatherOnce(probe);
    const of = (device: string) => samples.find((s) => s.tags.device === device && s.measurement === 'tcp');
    expect(of('mail1')?.tags.port).toBe(String(banner));
    expect(of('mail1')?.fields).toMatchObject({ up: 1, result: 'ok', connect_ms: expect.any(Number) });
    expect(of('mail-smtp')?.fields).toMatchObject({ up: 1, result: 'ok', response_ms: expect.any(Number) });
    expect(of('gone')?.fields).toEqual({ up: 0, result: 'refused' });
    expect(of('mute')?.fields).toMatchObject({ up: 0, result: 'timeout', connect_ms: expect.any(Number) });
  });

  it('reports the certificate of a TLS port and whether its chain verifies', async () => {
    const targets = [
      { address: `127.0.0.1:${tlsPort}`, device: 'pop3s', tls: { ca_file: pki.caFile }, expect: '^\\+OK' },
      { address: `127.0.0.1:${tlsPort}`, device: 'pop3s-untrusted', tls: true },
      { address: `127.0.0.1:${tlsPort}`, device: 'pop3s-lenient', tls: { verify: false } },
    ];
    const samples = await gatherOnce(tcpProbe.init({ options: { timeout: '2s', targets } }, env));
    const of = (device: string, m: string) => samples.find((s) => s.tags.device === device && s.measurement === m)?.fields;
    expect(of('pop3s', 'tcp')).toMatchObject({ up: 1, result: 'ok' });
    const days = of('pop3s', 'tls')?.cert_days_left as number;
    expect(days).toBeGreaterThan(4);
    expect(days).toBeLessThanOrEqual(5);
    expect(of('pop3s', 'tls')?.chain_valid).toBe(1);
    expect(of('pop3s-untrusted', 'tcp')).toMatchObject({ up: 0, result: 'tls' });
    expect(of('pop3s-untrusted', 'tls')?.chain_valid).toBe(0);
    expect(of('pop3s-lenient', 'tcp')).toMatchObject({ up: 1, result: 'ok' });
  });

  it('refuses bad options with their paths, and accepts the sample', () => {
    try {
      compileTcpOptions({ targets: [{ address: 'db1' }, { address: 'db1:99999' }, { address: 'x:1', expect: '(' }, { address: 'x:2', tls: { cert_file: '/nonexistent.crt' } }] }, env);
      expect.unreachable();
    } catch (err) {
      expect((err as ProbeOptionsError).problems.map((p) => `${p.path.join('.')}: ${p.message}`)).toEqual([
        "targets.0.address: 'db1' has no port; write host:port, e.g. db1:443",
        'targets.1.address: port 99999 is not between 1 and 65535; write host:port',
        'targets.2.expect: invalid regular expression: Invalid regular expression: /(/: Unterminated group',
        'targets.3.tls.key_file: a client certificate needs both cert_file and key_file',
        'targets.3.tls.cert_file: cannot read /nonexistent.crt: ENOENT',
      ]);
    }
    const sample = parse(readFileSync('agent/probes/tcp.sample.yaml', 'utf8')) as Array<{ options: unknown }>;
    for (const t of sample) expect(() => compileTcpOptions(t.options, env)).not.toThrow();
  });
});
