/**
 * The SNMP probe against a real net-snmp agent (Debian snmpd) on 127.0.0.1:
 * v1, v2c and v3 authPriv users (SHA-1 and SHA-256 with AES) created for the
 * test, this host's HOST-RESOURCES / UCD data, and one v3 session held past
 * the 150 s engine-time window of RFC 3414, where engine-time bugs show.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DevicePoller } from '../../agent/snmp/poller.js';
import { NetSnmpClient, type SnmpTargetOptions } from '../../agent/snmp/session.js';
import { peerAvailable } from '../peers.js';
import { freeUdpPort, shippedProfiles, valueOf } from './snmpsim.js';

const run = peerAvailable('/usr/sbin/snmpd', 'snmpd');
/** How long the v3 session is held; past 150 s is what matters. */
const HOLD_S = Number(process.env.ROOMWATCH_SNMPV3_HOLD_S ?? 200);

describe.skipIf(!run)('SNMP probe against a real snmpd', () => {
  let dir: string;
  let port: number;
  let child: ChildProcess;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rw-snmpd-'));
    port = await freeUdpPort();
    writeFileSync(
      join(dir, 'snmpd.conf'),
      [
        `agentAddress udp:127.0.0.1:${port}`,
        'rocommunity rwtest 127.0.0.1',
        'createUser shauser SHA "authpass123" AES "privpass123"',
        'createUser sha256user SHA-256 "authpass456" AES "privpass456"',
        'createUser authonly SHA "authpass789"',
        'rouser shauser priv',
        'rouser sha256user priv',
        'rouser authonly auth',
        '',
      ].join('\n'),
    );
    child = spawn('/usr/sbin/snmpd', ['-f', '-Lo', '-C', '-c', join(dir, 'snmpd.conf'), '-p', join(dir, 'pid')], {
      env: { ...process.env, SNMP_PERSISTENT_DIR: join(dir, 'persist') },
      stdio: 'ignore',
    });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const c = new NetSnmpClient(target({ version: 'v2c', community: 'rwtest' }));
      try {
        await c.get(['1.3.6.1.2.1.1.3.0']);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 200));
      } finally {
        c.close();
      }
    }
  }, 30_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function target(over: Partial<SnmpTargetOptions>): SnmpTargetOptions {
    return { host: '127.0.0.1', port, version: 'v2c', timeoutMs: 2000, retries: 1, maxRepetitions: 25, ...over };
  }

  async function pollOnce(over: Partial<SnmpTargetOptions>) {
    const client = new NetSnmpClient(target(over));
    try {
      return await new DevicePoller(client, shippedProfiles(), { device: 'localhost', intervalMs: 10_000 }).poll(Date.now);
    } finally {
      client.close();
    }
  }

  it('reads this host over v2c with the net-snmp Linux profile: CPU, memory, load, disks, interfaces', async () => {
    const out = await pollOnce({ version: 'v2c', community: 'rwtest' });
    expect(out.result).toBe('ok');
    expect(out.profile?.name).toBe('net-snmp-linux');
    const s = out.samples;
    expect(valueOf(s, 'device.up')).toBe(1);
    expect(valueOf(s, 'system.uptime_s')).toBeGreaterThan(0);
    const mem = valueOf(s, 'mem.used_pct') as number;
    expect(mem).toBeGreaterThan(0);
    expect(mem).toBeLessThan(100);
    expect(valueOf(s, 'load.l1')).toBeGreaterThanOrEqual(0);
    expect(valueOf(s, 'disk.used_pct', { mount: '/' })).toBeGreaterThan(0);
    expect(valueOf(s, 'if.oper_up', { ifname: 'lo' })).toBeUndefined(); // softwareLoopback is skipped
    expect(out.errors).toEqual([]);
  });

  it('speaks v1 too', async () => {
    const out = await pollOnce({ version: 'v1', community: 'rwtest' });
    expect(out.result).toBe('ok');
    expect(valueOf(out.samples, 'device.uptime_s')).toBeGreaterThan(0);
    expect(valueOf(out.samples, 'system.procs')).toBeGreaterThan(0);
  });

  it('speaks v3 authPriv with SHA-1 and SHA-256 (AES), and authNoPriv', async () => {
    for (const v3 of [
      { user: 'shauser', level: 'authPriv' as const, authProtocol: 'sha' as const, authKey: 'authpass123', privProtocol: 'aes' as const, privKey: 'privpass123' },
      { user: 'sha256user', level: 'authPriv' as const, authProtocol: 'sha256' as const, authKey: 'authpass456', privProtocol: 'aes' as const, privKey: 'privpass456' },
      { user: 'authonly', level: 'authNoPriv' as const, authProtocol: 'sha' as const, authKey: 'authpass789' },
    ]) {
      const out = await pollOnce({ version: 'v3', v3 });
      expect(out.result, v3.user).toBe('ok');
      expect(valueOf(out.samples, 'mem.used_pct'), v3.user).toBeGreaterThan(0);
    }
  });

  it('reports a wrong v3 key or community as device.up=0 with a result, not an exception', async () => {
    const bad = await pollOnce({
      version: 'v3',
      v3: { user: 'shauser', level: 'authPriv', authProtocol: 'sha', authKey: 'wrongpass00', privProtocol: 'aes', privKey: 'privpass123' },
      retries: 0,
      timeoutMs: 1000,
    });
    expect(bad.result).not.toBe('ok');
    expect(valueOf(bad.samples, 'device.up')).toBe(0);
    expect(valueOf(bad.samples, 'device.result')).toBe('auth');
    expect(bad.errors).toHaveLength(1);
    const wrongCommunity = await pollOnce({ version: 'v2c', community: 'nope', retries: 0, timeoutMs: 500 });
    expect(valueOf(wrongCommunity.samples, 'device.result')).toBe('timeout');
  });

  it(
    `keeps one v3 authPriv session working for ${HOLD_S} s (past the 150 s engine-time window)`,
    async () => {
      const client = new NetSnmpClient(
        target({ version: 'v3', v3: { user: 'sha256user', level: 'authPriv', authProtocol: 'sha256', authKey: 'authpass456', privProtocol: 'aes', privKey: 'privpass456' } }),
      );
      const poller = new DevicePoller(client, shippedProfiles(), { device: 'localhost', intervalMs: 10_000 });
      const results: string[] = [];
      const started = Date.now();
      try {
        while (Date.now() - started < HOLD_S * 1000) {
          const out = await poller.poll(Date.now);
          results.push(out.result);
          await new Promise((r) => setTimeout(r, 10_000));
        }
        const out = await poller.poll(Date.now);
        results.push(out.result);
        // From the second poll on, octet counters are rates: the session really carried on.
        expect(out.samples.some((s) => s.measurement === 'if' && typeof s.fields.in_bps === 'number')).toBe(true);
      } finally {
        client.close();
      }
      expect(results.length).toBeGreaterThanOrEqual(Math.floor(HOLD_S / 10));
      expect(
        results.every((r) => r === 'ok'),
        results.join(','),
      ).toBe(true);
    },
    (HOLD_S + 60) * 1000,
  );
});
