/**
 * Failure isolation through the real snmp probe kind: a device that never
 * answers and one that answers slowly do not delay a healthy one; recordings
 * with values of the wrong type give probe errors, not crashes.
 */
import { createSocket, type Socket } from 'node:dgram';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../../collector/contract/index.js';
import { snmpProbe } from '../../agent/probes/snmp.js';
import type { ProbeEnv } from '../../agent/probes/types.js';
import { shippedProfilesDir } from '../../agent/snmp/shared.js';
import { peerAvailable } from '../peers.js';
import { freeUdpPort, startSnmpSim, valueOf, type SnmpSim } from './snmpsim.js';

const run = peerAvailable('snmpsimd', 'snmpsim');
const warned: string[] = [];
const quiet = { debug() {}, info() {}, warn: (m: string) => void warned.push(m), error() {} };
const env: ProbeEnv = {
  agentName: 't',
  hostname: 't',
  intervalMs: 60_000,
  collectorClockOffset: () => undefined,
  log: quiet,
  snmp: { concurrency: 64, profileDirs: [shippedProfilesDir()] },
};

/** A UDP relay to snmpsimd that holds every answer back for `delayMs`. */
async function slowRelay(upstreamPort: number, delayMs: number): Promise<{ port: number; close(): void }> {
  const front: Socket = createSocket('udp4');
  const clients = new Map<number, { address: string; port: number }>();
  const back: Socket = createSocket('udp4');
  back.on('message', (msg) => {
    for (const c of clients.values()) setTimeout(() => front.send(msg, c.port, c.address), delayMs);
  });
  front.on('message', (msg, rinfo) => {
    clients.set(rinfo.port, { address: rinfo.address, port: rinfo.port });
    back.send(msg, upstreamPort, '127.0.0.1');
  });
  await new Promise<void>((r) => front.bind(0, '127.0.0.1', () => r()));
  await new Promise<void>((r) => back.bind(0, '127.0.0.1', () => r()));
  return { port: front.address().port, close: () => (front.close(), back.close()) };
}

/** A device that swallows every request. */
async function blackHole(): Promise<{ port: number; close(): void }> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return { port: s.address().port, close: () => s.close() };
}

async function gather(options: Record<string, unknown>, device: string) {
  const probe = snmpProbe.init({ device, options: options as never }, env);
  const errors: string[] = [];
  const started = Date.now();
  try {
    const samples: Sample[] = await probe.gather({ signal: AbortSignal.timeout(30_000), now: Date.now, error: (m) => errors.push(m) });
    return { samples, errors, started, finished: Date.now() };
  } finally {
    await probe.close?.();
  }
}

describe.skipIf(!run)('SNMP failure isolation and garbage (snmpsimd)', () => {
  let sim: SnmpSim;
  let garbageSim: SnmpSim;
  beforeAll(async () => {
    sim = await startSnmpSim('ups/generex-ups_cs141');
    // A recording of our own (not a shared one) whose values have the wrong types.
    const dir = mkdtempSync(join(tmpdir(), 'rw-garbage-'));
    chmodSync(dir, 0o755); // snmpsimd reads it as nobody
    writeFileSync(
      join(dir, 'garbage.snmprec'),
      [
        '1.3.6.1.2.1.1.1.0|4|Broken UPS card',
        '1.3.6.1.2.1.1.2.0|6|1.3.6.1.2.1.33',
        '1.3.6.1.2.1.1.3.0|4|not-a-timetick',
        '1.3.6.1.2.1.33.1.2.1.0|4|normal',
        '1.3.6.1.2.1.33.1.2.3.0|4|lots',
        '1.3.6.1.2.1.33.1.2.4.0|2|87',
        '1.3.6.1.2.1.33.1.4.1.0|6|1.3.6.1.4.1',
        '1.3.6.1.2.1.33.1.4.4.1.5.1|4x|fffe00',
        '1.3.6.1.2.1.33.1.4.4.1.5.2|66|31',
        '',
      ].join('\n'),
    );
    garbageSim = await startSnmpSim('garbage', dir);
  }, 180_000);
  afterAll(async () => {
    await sim?.stop();
    await garbageSim?.stop();
  });

  it('polls a healthy device on time while one device never answers and another answers slowly', async () => {
    const relay = await slowRelay(sim.port, 1500);
    const hole = await blackHole();
    try {
      const options = (port: number) => ({ host: `127.0.0.1:${port}`, community: 'ups/generex-ups_cs141', request_timeout: '2s', retries: 1 });
      const [dead, slow, healthy] = await Promise.all([
        gather(options(hole.port), 'dead-ups'),
        gather({ ...options(relay.port), request_timeout: '5s' }, 'slow-ups'),
        gather(options(sim.port), 'healthy-ups'),
      ]);
      expect(valueOf(healthy.samples, 'device.up')).toBe(1);
      expect(valueOf(healthy.samples, 'ups.battery_runtime_min')).toBe(544);
      expect(healthy.errors).toEqual([]);
      // Generous bounds: the healthy poll is done long before the slow one's first answer.
      expect(healthy.finished - healthy.started).toBeLessThan(1200);
      expect(healthy.finished).toBeLessThan(slow.finished);

      expect(valueOf(slow.samples, 'device.up')).toBe(1);
      expect(slow.finished - slow.started).toBeGreaterThanOrEqual(1500);

      expect(valueOf(dead.samples, 'device.up')).toBe(0);
      expect(valueOf(dead.samples, 'device.result')).toBe('timeout');
      expect(dead.errors).toHaveLength(1);
      // Two tries of 2 s each, and nothing more is asked of a device that did not answer the first GET.
      expect(dead.finished - dead.started).toBeGreaterThanOrEqual(3900);
      expect(dead.finished - dead.started).toBeLessThan(8000);
    } finally {
      relay.close();
      hole.close();
    }
  }, 30_000);

  it('turns values of the wrong type into probe errors and keeps the good ones', async () => {
    const out = await gather({ host: `127.0.0.1:${garbageSim.port}`, community: 'garbage' }, 'garbage-ups');
    expect(valueOf(out.samples, 'device.up')).toBe(1);
    expect(valueOf(out.samples, 'device.uptime_s')).toBeUndefined();
    expect(valueOf(out.samples, 'ups.battery_charge_pct')).toBe(87);
    expect(valueOf(out.samples, 'ups.output_load_pct', { line: '2' })).toBe(31);
    expect(valueOf(out.samples, 'ups.battery_status')).toBeUndefined();
    // Value problems are warnings, logged once per device and counted per module; errors are for the device.
    expect(out.errors).toEqual([]);
    const logged = warned.join('\n');
    expect(logged).toMatch(/ups\.battery_status: state 'normal' is not in the profile's map/);
    expect(logged).toMatch(/ups\.battery_runtime_min: expected a number, got 'lots'/);
    expect(logged).toMatch(/ups\.output_source: expected a number/);
    expect(logged).toMatch(/ups\.output_load_pct\{line=1\}: expected a number/);
    // The four above, ups.on_battery (it reads upsOutputSource too) and the absent input table.
    expect(valueOf(out.samples, 'agent.probe_warnings', { module: 'ups-mib' })).toBe(6);
    expect(logged).toMatch(/table input: absent subtree/);
  });
});
