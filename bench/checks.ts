/**
 * Benches of the reachability and service probes (issue 18):
 * - ping_round: one round of 1,000 ping targets (127.0.0.0/8 only) through the
 *   ping probe, against the same fping command alone: round time, and the
 *   agent's own CPU per round (spawning, stdin, parsing, samples).
 * - syslog_ingest: messages per CPU-second parsed and matched against the
 *   shipped patterns, once straight into the receiver and once over TCP.
 * - checks_agent_rss: the bundled agent's RSS with 500 ping and 100 HTTP
 *   targets (local HTTP servers), sending to a real collector.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { fpingArgs } from '../agent/probes/fping.js';
import { compilePingOptions, PingProbe } from '../agent/probes/ping.js';
import { compileSyslogOptions, SyslogProbe } from '../agent/probes/syslog.js';
import { AGENT, bundledAgentRss, emit, envInt, freePort, median, progress, r, sleep, startCollectorProc, tempDir, TOKEN, READ_HEADERS } from './lib.js';

const quiet = () => undefined;

function loopbackTargets(n: number, offset = 0): string[] {
  return Array.from({ length: n }, (_, i) => `127.0.${1 + Math.floor((i + offset) / 250)}.${1 + ((i + offset) % 250)}`);
}

function cpuMs(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

function fpingAlone(args: string[], hosts: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('fping', args, { stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('close', () => resolve(performance.now() - t0));
    child.stdin.end(`${hosts.join('\n')}\n`);
  });
}

export async function benchPingRound(): Promise<void> {
  const n = envInt('BENCH_PING_TARGETS', 1_000);
  const rounds = envInt('BENCH_PING_ROUNDS', 5);
  const hosts = loopbackTargets(n);
  const options = { targets: hosts, count: 3, interval: '100ms', timeout: '500ms', send_interval: '1ms' };
  const compiled = compilePingOptions(options, { intervalMs: 60_000 });
  const probe = new PingProbe(compiled);
  const args = fpingArgs(compiled.fping);
  const alone: number[] = [];
  const viaProbe: number[] = [];
  const cpu: number[] = [];
  let up = 0;
  for (let i = 0; i < rounds; i++) {
    alone.push(await fpingAlone(args, hosts));
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const samples = await probe.gather({ signal: AbortSignal.timeout(60_000), now: Date.now });
    viaProbe.push(performance.now() - t0);
    cpu.push(cpuMs(c0));
    up = samples.filter((s) => s.fields.up === 1).length;
  }
  emit({
    bench: 'ping_round',
    targets: n,
    rounds,
    fping_args: args.join(' '),
    targets_up: up,
    fping_alone_ms_median: r(median(alone)),
    probe_round_ms_median: r(median(viaProbe)),
    probe_overhead_ms_median: r(median(viaProbe) - median(alone)),
    agent_cpu_ms_per_round_median: r(median(cpu)),
    peer: 'fping on 127.0.0.0/8 (loopback answers every address)',
  });
}

export async function benchSyslogIngest(): Promise<void> {
  const total = envInt('BENCH_SYSLOG_MESSAGES', 200_000);
  const lines = (parse(readFileSync(fileURLToPath(new URL('../../test/fixtures/syslog/vendor-lines.yaml', import.meta.url)), 'utf8')) as Array<{ line: string }>).map((f) => Buffer.from(f.line));
  const port = await freePort();
  const probe = new SyslogProbe(compileSyslogOptions({ listen: { tcp: `127.0.0.1:${port}` }, rate_limit: { per_source: 10_000_000, total: 10_000_000 } }), 'bench');
  await probe.receiver.start();
  try {
    // Straight into the receiver: parsing and matching only.
    let c0 = process.cpuUsage();
    let t0 = performance.now();
    for (let i = 0; i < total; i++) probe.receiver.accept(lines[i % lines.length] as Buffer, `10.0.${(i >> 8) & 255}.${i & 255}`);
    const directCpu = cpuMs(c0);
    const directWall = performance.now() - t0;
    const matchedDirect = probe.receiver.stats.matched;
    // Over one TCP connection, newline-framed: the socket and framing included (sender in this process too).
    const payload = Buffer.concat(Array.from({ length: total }, (_, i) => Buffer.concat([lines[i % lines.length] as Buffer, Buffer.from('\n')])));
    const before = probe.receiver.stats.received;
    c0 = process.cpuUsage();
    t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const c = connect(port, '127.0.0.1', () => c.end(payload));
      c.on('error', reject);
      c.on('close', () => resolve());
    });
    while (probe.receiver.stats.received - before < total && performance.now() - t0 < 120_000) await sleep(5);
    const tcpCpu = cpuMs(c0);
    const tcpWall = performance.now() - t0;
    emit({
      bench: 'syslog_ingest',
      messages: total,
      distinct_lines: lines.length,
      patterns: 'rules/syslog/patterns.yaml',
      matched_share: r(matchedDirect / total),
      direct_msgs_per_cpu_s: r(total / (directCpu / 1000)),
      direct_msgs_per_s: r(total / (directWall / 1000)),
      tcp_msgs_per_cpu_s: r(total / (tcpCpu / 1000)),
      tcp_msgs_per_s: r(total / (tcpWall / 1000)),
      note: 'one core: the receiver runs on the agent main thread; TCP figure includes the sender in the same process',
    });
  } finally {
    await probe.close();
  }
}

export async function benchChecksAgentRss(): Promise<void> {
  const pingTargets = envInt('BENCH_CHECKS_PING', 500);
  const httpTargets = envInt('BENCH_CHECKS_HTTP', 100);
  const seconds = envInt('BENCH_CHECKS_AGENT_SECONDS', 45, 20);
  const tmp = tempDir('checks-agent');
  const collector = await startCollectorProc(join(tmp.dir, 'data'));
  const servers: Server[] = [];
  const logFile = join(tmp.dir, 'agent.log');
  const logFd = openSync(logFile, 'a');
  try {
    // Ten local web servers; each of the HTTP targets is a distinct URL on one of them.
    const ports: number[] = [];
    for (let i = 0; i < 10; i++) {
      const s = createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'UP', path: req.url })));
      await new Promise<void>((res) => s.listen(0, '127.0.0.1', () => res()));
      servers.push(s);
      ports.push((s.address() as { port: number }).port);
    }
    const urls = Array.from(
      { length: httpTargets },
      (_, i) => `        - { url: "http://127.0.0.1:${ports[i % ports.length]}/app${i}", device: web${i}, expect: { json: [{ path: status, equals: UP }] } }`,
    );
    const config = [
      `agent: { name: ${AGENT} }`,
      `collector: { url: "${collector.url}", token: ${TOKEN} }`,
      'interval: 15s',
      `spool: { dir: "${join(tmp.dir, 'spool')}" }`,
      'targets:',
      '  - probe: ping',
      '    name: ping-all',
      '    interval: 15s',
      `    options: { count: 3, interval: 200ms, timeout: 500ms, targets: [${loopbackTargets(pingTargets, 1_000).join(', ')}] }`,
      '  - probe: http',
      '    name: http-all',
      '    interval: 15s',
      '    options:',
      '      targets:',
      ...urls,
    ].join('\n');
    writeFileSync(join(tmp.dir, 'agent.yaml'), `${config}\n`);
    const readings = await bundledAgentRss(join(tmp.dir, 'agent.yaml'), logFile, logFd, seconds, 20_000);
    const samples = /roomwatch_ingest_samples_total\{[^}]*\} (\d+)/.exec(await (await fetch(`${collector.url}/metrics`, { headers: READ_HEADERS })).text());
    progress(`agent log tail: ${readFileSync(logFile, 'utf8').split('\n').slice(-3).join(' | ').slice(0, 400)}`);
    emit({
      bench: 'checks_agent_rss',
      ping_targets: pingTargets,
      http_targets: httpTargets,
      interval_s: 15,
      seconds,
      rss_mb_median: r(median(readings)),
      rss_mb_max: r(Math.max(...readings)),
      readings: readings.map(r),
      samples_received: samples ? Number(samples[1]) : undefined,
      peers: 'fping on 127.0.0.0/8; 10 node:http servers on 127.0.0.1',
    });
  } finally {
    closeSync(logFd);
    for (const s of servers) s.close();
    await collector.stop();
    tmp.cleanup();
  }
}
