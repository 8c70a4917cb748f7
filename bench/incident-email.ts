/**
 * incident_email_latency (issue "Incidents…"): the time from sending a
 * breaching sample to the P1 email reaching an SMTP server, over 100
 * incidents. The collector runs in a child process with a P1 rule, a policy
 * with one contact and an email channel; the SMTP server (npm smtp-server) runs
 * here, so both timestamps come from this process's clock.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { INGEST_PATH } from '../collector/contract/index.js';
import { AGENT, emit, envInt, keepAliveAgent, latencyFigures, post, progress, sleep, startCollectorProc, tempDir, TOKEN } from './lib.js';

export async function benchIncidentEmail(): Promise<void> {
  const count = envInt('BENCH_INCIDENTS', 100);
  const received = new Map<string, number>();
  const smtp = new SMTPServer({
    authOptional: true,
    // The reverse DNS lookup of the client is the test server's own cost, not roomwatch's.
    disableReverseLookup: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, cb) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString()));
      stream.on('end', () => {
        const device = /lat-(\d{4})/.exec(raw)?.[0];
        if (device && !received.has(device)) received.set(device, performance.timeOrigin + performance.now());
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
  const smtpPort = (smtp.server.address() as { port: number }).port;
  const tmp = tempDir('incident-email');
  writeFileSync(join(tmp.dir, 'p1.yaml'), 'group: bench\nrules:\n  - name: breach\n    when: bench.breach > 0\n    priority: P1\n    summary: "{{device}} breached"\n');
  writeFileSync(
    join(tmp.dir, 'escalation.yaml'),
    'contacts:\n  oncall: { email: oncall@noc.example }\ntiers:\n  - { name: L1, contacts: [oncall] }\nroutes:\n  P1: { tiers: [L1], channels: [email] }\n',
  );
  const collector = await startCollectorProc(join(tmp.dir, 'data'), 'full', {
    paths: [join(tmp.dir, 'p1.yaml')],
    policy: join(tmp.dir, 'escalation.yaml'),
    channels: [{ name: 'email', type: 'email', host: '127.0.0.1', port: smtpPort, from: 'roomwatch@noc.example' }],
  });
  const http = keepAliveAgent(1);
  const sent = new Map<string, number>();
  try {
    progress(`incident_email_latency: ${count} incidents`);
    for (let i = 0; i < count; i++) {
      const device = `lat-${String(i).padStart(4, '0')}`;
      const body = Buffer.from(
        JSON.stringify({ agent: AGENT, seq: i, batch_id: `${AGENT}:mail:${i}:${Date.now()}`, samples: [{ measurement: 'bench', tags: { device }, fields: { breach: 1 }, ts: Date.now() }] }),
      );
      sent.set(device, performance.timeOrigin + performance.now());
      const res = await post(http, `${collector.url}${INGEST_PATH}`, body, { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' });
      if (res.status !== 200) throw new Error(`ingest ${res.status}: ${res.text.slice(0, 200)}`);
      await sleep(20);
    }
    const deadline = Date.now() + 30_000;
    while (received.size < count && Date.now() < deadline) await sleep(50);
  } finally {
    http.destroy();
    await collector.stop();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    tmp.cleanup();
  }
  const latencies = [...sent].flatMap(([d, t]) => (received.has(d) ? [(received.get(d) as number) - t] : []));
  emit({
    bench: 'incident_email_latency',
    incidents: count,
    emails_received: latencies.length,
    ...latencyFigures(latencies),
    target_p95_ms: 2_000,
    note: 'send of a breaching sample → P1 email accepted by the SMTP server; includes HTTP, the SQLite commit (fsync), rule evaluation, incident creation, queueing and SMTP delivery; no other load',
  });
}
