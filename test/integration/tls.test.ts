/** The collector over HTTPS with a private CA, and an agent that trusts only that CA. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.js';
import { AGENT_DEFAULTS } from '../../agent/config.js';
import { startCollector } from '../../collector/server.js';
import { createLogger } from '../../lib/log.js';
import { AGENT, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';
import { peerAvailable } from '../peers.js';

const haveOpenssl = peerAvailable('openssl', 'openssl');

describe.skipIf(!haveOpenssl)('collector over TLS', () => {
  it('accepts batches from an agent that pins the collector CA, and refuses plain HTTP', async () => {
    const tmp = tempDir();
    const cert = join(tmp.dir, 'collector.crt');
    const key = join(tmp.dir, 'collector.key');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const collector = await startCollector({ ...testCollectorConfig(join(tmp.dir, 'c')), tls: { cert, key } });
    try {
      expect(collector.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const agent = new Agent(
        {
          name: AGENT,
          device: hostname(),
          collector: { url: collector.url, token: TOKEN, timeoutMs: 2_000, ca: readFileSync(cert) },
          intervalMs: 1_000,
          jitterMs: 10,
          batch: { ...AGENT_DEFAULTS.batch, maxWaitMs: 100 },
          spool: { dir: join(tmp.dir, 'spool'), maxBytes: 1024 * 1024 },
          targets: [{ name: 'host', probe: 'host', intervalMs: 1_000, timeoutMs: 1_000, options: {} }],
        },
        { logger: createLogger('silent'), drainMs: 1_000 },
      );
      agent.start();
      const deadline = Date.now() + 15_000;
      while (agent.sender.stats.batchesSent === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await agent.stop();
      expect(agent.sender.stats.batchesSent).toBeGreaterThan(0);
      const plain = collector.url.replace('https:', 'http:');
      await expect(fetch(`${plain}/healthz`)).rejects.toThrow();
    } finally {
      await collector.close();
      tmp.cleanup();
    }
  });
});
