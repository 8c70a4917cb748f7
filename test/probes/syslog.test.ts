/**
 * The syslog probe's receiver on 127.0.0.1: messages from util-linux `logger`
 * over UDP and TCP (newline and octet-counting framing), recorded vendor lines
 * over TCP, a storm that the rate limit cuts, and hostile frames.
 */
import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compileSyslogOptions, SyslogProbe } from '../../agent/probes/syslog.js';
import type { Sample } from '../../collector/contract/index.js';
import { peerAvailable } from '../peers.js';
import { freePort, tempDir } from '../helpers.js';
import { makePki } from './certs.js';

const HAVE_LOGGER = peerAvailable('logger', 'bsdutils');
const probes: SyslogProbe[] = [];
afterEach(async () => {
  await Promise.all(probes.splice(0).map((p) => p.close()));
});

async function started(options: Record<string, unknown> = {}): Promise<SyslogProbe> {
  const port = await freePort();
  const probe = new SyslogProbe(compileSyslogOptions({ listen: { udp: `127.0.0.1:${port}`, tcp: `127.0.0.1:${port}` }, devices: { '127.0.0.1': 'lab-sw1' }, ...options }), 'agent-host');
  probes.push(probe);
  await probe.receiver.start();
  return probe;
}

async function until(probe: SyslogProbe, n: number): Promise<void> {
  for (let i = 0; i < 200 && probe.receiver.stats.received + probe.receiver.stats.rateLimited < n; i++) await new Promise((r) => setTimeout(r, 25));
}

function gather(probe: SyslogProbe): Promise<Sample[]> {
  return probe.gather({ signal: AbortSignal.timeout(5_000), now: Date.now });
}

const matches = (samples: Sample[]) => Object.fromEntries(samples.filter((s) => s.fields.matches !== undefined).map((s) => [`${s.tags.device}/${s.tags.pattern}`, s.fields.matches]));

function tcpSend(port: number, data: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = connect(port, '127.0.0.1', () => c.end(data, () => resolve()));
    c.on('error', reject);
  });
}

describe.skipIf(!HAVE_LOGGER)('syslog from logger', () => {
  it('receives RFC 5424 and RFC 3164 over UDP and TCP, both framings, and matches patterns', async () => {
    const probe = await started();
    const { udp, tcp } = probe.receiver.bound;
    const send = (args: string[]) => execFileSync('logger', ['--server', '127.0.0.1', ...args]);
    send(['--port', String(udp), '--udp', '-p', 'local7.err', '-t', 'ios', '%LINK-3-UPDOWN: Interface Gi0/1, changed state to down']);
    send(['--port', String(udp), '--udp', '--rfc3164', '-p', 'auth.warning', '-t', 'vrp', '%%01SHELL/4/LOGIN_FAIL(s)[0]:Failed to login.']);
    send(['--port', String(tcp), '--tcp', '-p', 'local7.err', '-t', 'ios', '%LINK-3-UPDOWN: Interface Gi0/2, changed state to down']);
    send(['--port', String(tcp), '--tcp', '--octet-count', '-p', 'daemon.crit', '-t', 'psu', 'power supply 2 failed']);
    await until(probe, 4);
    const texts = probe.recent.map((r) => `${r.severity} ${r.mnemonic ?? '-'} ${r.text}`);
    expect(texts.sort()).toEqual([
      '2 - power supply 2 failed',
      '3 LINK-3-UPDOWN %LINK-3-UPDOWN: Interface Gi0/1, changed state to down',
      '3 LINK-3-UPDOWN %LINK-3-UPDOWN: Interface Gi0/2, changed state to down',
      '4 SHELL/4/LOGIN_FAIL %%01SHELL/4/LOGIN_FAIL(s)[0]:Failed to login.',
    ]);
    const samples = await gather(probe);
    expect(matches(samples)).toEqual({ 'lab-sw1/link_down': 2, 'lab-sw1/login_failed': 1, 'lab-sw1/critical_event': 1 });
    const stats = samples.find((s) => s.tags.device === 'agent-host' && s.fields.received !== undefined);
    expect(stats?.fields).toMatchObject({ received: 4, rate_limited: 0 });
    expect(samples.find((s) => s.tags.severity === 'err')?.fields.messages_ps as number).toBeGreaterThan(0);
    // The next round reports 0 for what matched before, so alerts on `> 0` clear.
    expect(matches(await gather(probe))).toEqual({ 'lab-sw1/link_down': 0, 'lab-sw1/login_failed': 0, 'lab-sw1/critical_event': 0 });
  });
});

describe('syslog receiver', () => {
  it('reads recorded vendor lines over one TCP connection with mixed framing', async () => {
    const probe = await started();
    const lines = (parse(readFileSync('test/fixtures/syslog/vendor-lines.yaml', 'utf8')) as Array<{ line: string }>).map((f) => f.line);
    const framed = lines.map((l, i) => (i % 2 ? `${Buffer.byteLength(l)} ${l}` : `${l}\n`)).join('');
    await tcpSend(probe.receiver.bound.tcp as number, framed);
    await until(probe, lines.length);
    expect(probe.recent.map((r) => r.text.slice(0, 20))).toHaveLength(lines.length);
    expect(matches(await gather(probe))).toMatchObject({ 'lab-sw1/link_down': 3, 'lab-sw1/login_failed': 4, 'lab-sw1/config_changed': 2 });
  });

  it('rate-limits a storm per source and counts the drops', async () => {
    const probe = await started({ rate_limit: { per_source: 50, total: 1000 } });
    // Over TCP, because the kernel itself drops UDP bursts beyond the socket buffer.
    const storm = Array.from({ length: 500 }, (_, i) => `<187>%LINK-3-UPDOWN: Interface Gi0/${i}, changed state to down\n`).join('');
    await tcpSend(probe.receiver.bound.tcp as number, storm);
    await until(probe, 500);
    const s = probe.receiver.stats;
    expect(s.received + s.rateLimited).toBe(500);
    expect(s.received).toBeGreaterThanOrEqual(50);
    expect(s.received).toBeLessThan(200);
    const stats = (await gather(probe)).find((x) => x.fields.rate_limited !== undefined);
    expect(stats?.fields.rate_limited).toBe(s.rateLimited);
  });

  it('survives binary, GBK, over-long and malformed frames', async () => {
    const probe = await started({ max_message: 1024 });
    const port = probe.receiver.bound.tcp as number;
    const gbk = Buffer.concat([Buffer.from('<188>Oct 13 2023 10:12:33 HUAWEI %%01SHELL/4/LOGIN_FAIL(s)[0]:'), Buffer.from([0xb5, 0xc7, 0xc2, 0xbc, 0xca, 0xa7, 0xb0, 0xdc]), Buffer.from('\n')]);
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0x0a]);
    const longLine = Buffer.from(`<13>${'y'.repeat(50_000)}\n`);
    const longFrame = Buffer.from(`60000 <13>${'z'.repeat(59_996)}`);
    await tcpSend(port, Buffer.concat([gbk, binary, longLine, longFrame, Buffer.from('<13>after the storm\n')]));
    await until(probe, 5);
    const recent = probe.recent;
    expect(recent.map((r) => r.encoding)).toEqual(['gbk', 'binary', 'utf8', 'utf8', 'utf8']);
    expect(recent[0]?.text).toContain('登录失败');
    expect(recent[4]?.text).toBe('after the storm');
    expect(probe.receiver.stats).toMatchObject({ received: 5, truncated: 2, gbk: 1, binary: 1 });
    expect(recent[2]?.text.length).toBeLessThanOrEqual(1024);
  });

  it('receives over TLS', async () => {
    const tmp = tempDir('rw-sl-tls-');
    const pki = makePki(tmp.dir, 30);
    writeFileSync(join(tmp.dir, 'srv.crt'), pki.serverCert);
    writeFileSync(join(tmp.dir, 'srv.key'), pki.serverKey);
    const port = await freePort();
    const probe = new SyslogProbe(compileSyslogOptions({ listen: { tls: { listen: `127.0.0.1:${port}`, cert_file: join(tmp.dir, 'srv.crt'), key_file: join(tmp.dir, 'srv.key') } } }), 'agent-host');
    probes.push(probe);
    await probe.receiver.start();
    const line = '<187>%LINK-3-UPDOWN: Interface Gi0/9, changed state to down';
    await new Promise<void>((resolve, reject) => {
      const c = tlsConnect({ host: '127.0.0.1', port, ca: pki.ca }, () => c.end(`${Buffer.byteLength(line)} ${line}`, () => resolve()));
      c.on('error', reject);
    });
    await until(probe, 1);
    expect(probe.recent.map((r) => r.mnemonic)).toEqual(['LINK-3-UPDOWN']);
    tmp.cleanup();
  });

  it('refuses bad options and a broken pattern file with its position', () => {
    const tmp = tempDir('rw-sl-');
    const file = `${tmp.dir}/p.yaml`;
    execFileSync('sh', ['-c', `printf 'patterns:\\n  - name: x\\n    regex: "["\\n' > ${file}`]);
    expect(() => compileSyslogOptions({ listen: {}, patterns: [file] })).toThrow(
      `listen: give at least one of udp, tcp, tls; patterns: ${file}:3:12: patterns.0.regex: invalid regular expression: Invalid regular expression: /[/: Unterminated character class`,
    );
    tmp.cleanup();
    const sample = parse(readFileSync('agent/probes/syslog.sample.yaml', 'utf8')) as Array<{ options: unknown }>;
    for (const t of sample) expect(() => compileSyslogOptions(t.options)).not.toThrow();
  });
});
