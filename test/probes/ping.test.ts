/**
 * The ping probe against the real fping: loopback addresses in this namespace,
 * and an unreachable address in a network namespace the test creates (only
 * 127.0.0.1 is local there, so packets to 127.0.0.66 go nowhere and time out).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../../agent/config.js';
import { parseFping, FpingError } from '../../agent/probes/fping.js';
import { compilePingOptions, pingProbe, pingSamples } from '../../agent/probes/ping.js';
import { ProbeOptionsError } from '../../agent/probes/types.js';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { peerAvailable, REQUIRE_PEERS } from '../peers.js';
import { probeEnv, gatherOnce } from './helpers.js';

const HAVE_FPING = peerAvailable('fping', 'fping');
const env = probeEnv(30_000);

describe('fping output', () => {
  it('reads per-target summaries, lost replies and host errors', () => {
    const stderr = [
      '10.0.0.1 : 0.51 0.43 0.47',
      '10.0.0.2 : - 1.20 -',
      '10.0.0.3 : - - -',
      'nosuch: Name or service not known',
      'ICMP Host Unreachable from 10.0.0.254 for ICMP Echo sent to 10.0.0.3',
      '',
    ].join('\n');
    const r = parseFping(stderr, ['10.0.0.1', '10.0.0.2', '10.0.0.3', 'nosuch', 'missing']);
    expect(r.rtts.get('10.0.0.2')).toEqual([undefined, 1.2, undefined]);
    expect(r.errors.get('nosuch')).toBe('Name or service not known');
    const targets = ['10.0.0.1', '10.0.0.2', '10.0.0.3', 'nosuch', 'missing'].map((host) => ({ host, device: host, deviceUp: host === '10.0.0.3' }));
    const samples = pingSamples(targets, r, 3, 1_700_000_000_000);
    const by = (d: string, m = 'ping') => samples.find((s) => s.tags.device === d && s.measurement === m)?.fields;
    expect(by('10.0.0.1')).toEqual({ up: 1, sent: 3, received: 3, loss_pct: 0, result: 'ok', rtt_ms: 0.47, rtt_min_ms: 0.43, rtt_max_ms: 0.51 });
    expect(by('10.0.0.2')).toMatchObject({ up: 1, loss_pct: 66.667, result: 'loss', rtt_ms: 1.2 });
    expect(by('10.0.0.3')).toEqual({ up: 0, sent: 3, received: 0, loss_pct: 100, result: 'timeout' });
    expect(by('10.0.0.3', 'device')).toEqual({ up: 0, result: 'timeout' });
    expect(by('nosuch')).toMatchObject({ up: 0, result: 'error' });
    expect(by('missing')).toMatchObject({ up: 0, result: 'unresolved' });
  });

  it('turns a socket permission failure into a hint, not a parse result', () => {
    expect(() => parseFping("fping: can't create socket (must run as root?)\n", ['a'])).toThrow(FpingError);
    expect(() => parseFping("fping: can't create socket (must run as root?)\n", ['a'])).toThrow(/setcap cap_net_raw\+ep/);
  });
});

describe('ping options', () => {
  it('reports every problem with its path', () => {
    try {
      compilePingOptions({ targets: ['10.0.0.1', { host: '10.0.0.1' }], interval: 'often', command: ['/nonexistent/fping'], count: 50, timeout: '5s' }, env);
      expect.unreachable();
    } catch (err) {
      expect((err as ProbeOptionsError).problems).toEqual([
        { path: ['interval'], message: "'often' is not a duration between 10 ms and 60000 ms, e.g. 500ms or 2s" },
        { path: ['command', 0], message: "'/nonexistent/fping' is not an executable on PATH: install fping (apt-get install fping) or give its full path" },
        { path: ['count'], message: expect.stringMatching(/^a round takes about 54002 ms/) },
        { path: ['targets', 1], message: "host '10.0.0.1' is already targets[0]" },
        { path: ['targets', 1], message: "device '10.0.0.1' is already targets[0]" },
      ]);
    }
  });

  it('gives file:line:col through agent.yaml and accepts the sample', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rw-ping-'));
    const file = join(dir, 'agent.yaml');
    writeFileSync(file, 'collector: { url: "http://127.0.0.1:1", token: t }\ntargets:\n  - probe: ping\n    options:\n      targets: [10.0.0.1]\n      count: 0\n');
    expect(() => loadAgentConfig(file, {})).toThrow(`${file}:6:14: targets.0.options.count: must be >= 1`);
    rmSync(dir, { recursive: true });
    const samples = parse(readFileSync('agent/probes/ping.sample.yaml', 'utf8')) as Array<{ options: unknown }>;
    for (const t of samples) expect(() => compilePingOptions(t.options, env)).not.toThrow();
  });
});

describe.skipIf(!HAVE_FPING)('ping through fping on loopback', () => {
  it('reports loopback addresses up with round-trip times, in one round', async () => {
    const probe = pingProbe.init({ options: { targets: ['127.0.0.1', { host: '127.0.0.2', device: 'lo2', device_up: true, class: 'server' }], count: 2, interval: '20ms', timeout: '200ms' } }, env);
    expect(probe.devices()).toEqual([{ name: 'lo2', class: 'server', address: '127.0.0.2' }]);
    const samples = await gatherOnce(probe);
    const lo1 = samples.find((s) => s.tags.device === '127.0.0.1')?.fields;
    expect(lo1).toMatchObject({ up: 1, loss_pct: 0, sent: 2, received: 2, result: 'ok' });
    expect(lo1?.rtt_min_ms as number).toBeLessThanOrEqual(lo1?.rtt_max_ms as number);
    expect(samples.find((s) => s.tags.device === 'lo2' && s.measurement === 'device')?.fields).toEqual({ up: 1, result: 'ok' });
  });

  it('fails with a clear message when fping is missing at run time', async () => {
    const probe = pingProbe.init({ options: { targets: ['127.0.0.1'], count: 1, timeout: '100ms', command: ['sh', '-c', 'exec /nonexistent/fping "$@"', 'fping'] } }, env);
    await expect(gatherOnce(probe)).rejects.toThrow(/fping exited with 127/);
    const direct = new (await import('../../agent/probes/ping.js')).PingProbe({
      ...compilePingOptions({ targets: ['127.0.0.1'] }, env),
      fping: { command: ['/nonexistent/fping'], count: 1, periodMs: 10, timeoutMs: 10, sendIntervalMs: 1 },
    });
    await expect(gatherOnce(direct)).rejects.toThrow("'/nonexistent/fping' not found: install fping (apt-get install fping) or set the ping option command");
  });
});

/**
 * A network namespace where only 127.0.0.1 is local: without the 127.0.0.0/8
 * local route (the kernel keeps the /32 of the address itself), anything else
 * in 127/8 is unreachable.
 */
function createNamespace(name: string): boolean {
  try {
    execFileSync('ip', ['netns', 'add', name], { stdio: 'pipe' });
    execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up'], { stdio: 'pipe' });
    execFileSync('ip', ['-n', name, 'route', 'del', 'local', '127.0.0.0/8', 'dev', 'lo', 'table', 'local'], { stdio: 'pipe' });
    return true;
  } catch (err) {
    try {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'pipe' });
    } catch {
      // It was never created.
    }
    if (REQUIRE_PEERS) throw new Error(`cannot create network namespace ${name} (needs root and iproute2): ${(err as Error).message}`);
    return false;
  }
}

describe.skipIf(!HAVE_FPING)('ping an unreachable address in a network namespace', () => {
  const ns = `rw-ping-${process.pid}`;
  let ready = false;
  beforeAll(() => {
    ready = createNamespace(ns);
  });
  afterAll(() => {
    if (ready) execFileSync('ip', ['netns', 'del', ns]);
  });

  it('reports the unreachable target down with 100% loss and the reachable one up', async (t) => {
    if (!ready) t.skip();
    const probe = pingProbe.init(
      { options: { targets: ['127.0.0.1', { host: '127.0.0.66', device: 'gone', device_up: true }], count: 3, interval: '20ms', timeout: '150ms', command: ['ip', 'netns', 'exec', ns, 'fping'] } },
      env,
    );
    const samples = await gatherOnce(probe);
    expect(samples.find((s) => s.tags.device === '127.0.0.1')?.fields).toMatchObject({ up: 1, loss_pct: 0 });
    expect(samples.find((s) => s.tags.device === 'gone' && s.measurement === 'ping')?.fields).toEqual({ up: 0, sent: 3, received: 0, loss_pct: 100, result: 'timeout' });
    expect(samples.find((s) => s.tags.device === 'gone' && s.measurement === 'device')?.fields).toEqual({ up: 0, result: 'timeout' });
  });
});
