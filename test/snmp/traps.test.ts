/**
 * The trap receiver against real traps sent with Debian's snmptrap (v1 and
 * v2c), plus dedup, storm limiting and holds with net-snmp as a fast sender.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import snmp from 'net-snmp';
import { afterEach, describe, expect, it } from 'vitest';
import type { Sample } from '../../collector/contract/index.js';
import type { TrapSettings } from '../../agent/config.js';
import { TrapReceiver } from '../../agent/snmp/traps.js';
import { peerAvailable } from '../peers.js';
import { freeUdpPort, shippedProfiles } from './snmpsim.js';

const exec = promisify(execFile);
const run = peerAvailable('snmptrap', 'snmp');
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

async function receiver(over: Partial<TrapSettings> = {}) {
  const port = await freeUdpPort();
  const settings: TrapSettings = {
    host: '127.0.0.1',
    port,
    communities: ['public'],
    dedupWindowMs: 60_000,
    holdMs: 300_000,
    perSourcePerSec: 50,
    totalPerSec: 500,
    ...over,
  };
  const got: Sample[] = [];
  const r = new TrapReceiver(settings, {
    profiles: shippedProfiles(),
    deviceFor: (addr) => (addr === '127.0.0.1' ? 'core-sw1' : undefined),
    emit: (s) => got.push(...s),
    log: quiet,
  });
  await r.start();
  return { r, port, got };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting for traps');
    await new Promise((res) => setTimeout(res, 20));
  }
}

const field = (got: Sample[], name: string) => got.filter((s) => s.measurement === 'trap' && name in s.fields);

describe.skipIf(!run)('SNMP trap receiver with real snmptrap', () => {
  let current: TrapReceiver | undefined;
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });

  it('maps a v2c linkDown to trap.link_down with the interface tags, and linkUp clears it', async () => {
    const { r, port, got } = await receiver();
    current = r;
    const common = ['-v2c', '-c', 'public', `127.0.0.1:${port}`, ''];
    await exec('snmptrap', [
      ...common,
      '1.3.6.1.6.3.1.1.5.3',
      '1.3.6.1.2.1.2.2.1.1.5',
      'i',
      '5',
      '1.3.6.1.2.1.2.2.1.7.5',
      'i',
      '1',
      '1.3.6.1.2.1.2.2.1.8.5',
      'i',
      '2',
      '1.3.6.1.2.1.31.1.1.1.1.5',
      's',
      'Gi0/5',
    ]);
    await until(() => field(got, 'link_down').length === 1);
    const down = field(got, 'link_down')[0] as Sample;
    expect(down.tags).toEqual({ device: 'core-sw1', ifindex: '5', ifname: 'Gi0/5' });
    expect(down.fields.link_down).toBe(1);

    await exec('snmptrap', [...common, '1.3.6.1.6.3.1.1.5.4', '1.3.6.1.2.1.2.2.1.1.5', 'i', '5', '1.3.6.1.2.1.31.1.1.1.1.5', 's', 'Gi0/5']);
    await until(() => field(got, 'link_up').length === 1);
    const cleared = field(got, 'link_down').at(-1) as Sample;
    expect(cleared.fields.link_down).toBe(0);
    expect(cleared.tags).toEqual(down.tags);
    expect(r.stats.mapped).toBe(2);
  });

  it('decodes a v1 enterprise-specific trap (UPS-MIB upsTrapOnBattery) by RFC 3584 rules', async () => {
    const { r, port, got } = await receiver();
    current = r;
    // v1: enterprise upsTraps (1.3.6.1.2.1.33.2), generic 6, specific 1 → 1.3.6.1.2.1.33.2.0.1.
    await exec('snmptrap', ['-v1', '-c', 'public', `127.0.0.1:${port}`, '1.3.6.1.2.1.33.2', '10.9.8.7', '6', '1', '', '1.3.6.1.2.1.33.1.2.2.0', 'i', '12']);
    await until(() => field(got, 'ups_on_battery').length === 1);
    const s = field(got, 'ups_on_battery')[0] as Sample;
    // The v1 agent-addr names the UPS, not the address the packet came from.
    expect(s.tags.device).toBe('10.9.8.7');
    expect(s.fields.ups_on_battery).toBe(1);
  });

  it('takes the FC port state from the Brocade swFCPortScn varbinds: offline raises, online ends', async () => {
    const { r, port, got } = await receiver();
    current = r;
    const scn = (state: string) =>
      exec('snmptrap', [
        '-v2c',
        '-c',
        'public',
        `127.0.0.1:${port}`,
        '',
        '1.3.6.1.4.1.1588.2.1.1.1.0.3',
        '1.3.6.1.4.1.1588.2.1.1.1.6.2.1.4.12',
        'i',
        state,
        '1.3.6.1.4.1.1588.2.1.1.1.6.2.1.36.12',
        's',
        'esx07-hba1',
      ]);
    await scn('2');
    await until(() => field(got, 'fc_port_down').length === 1);
    expect(field(got, 'fc_port_down')[0]).toMatchObject({ tags: { device: 'core-sw1', port: '12', port_name: 'esx07-hba1' }, fields: { fc_port_down: 1 } });
    await scn('1');
    await until(() => field(got, 'fc_port_down').length === 2);
    expect(field(got, 'fc_port_down')[1]?.fields.fc_port_down).toBe(0);
    await scn('3'); // testing: not a state the event has an opinion on
    await until(() => r.stats.unknown === 1);
    expect(field(got, 'fc_port_down')).toHaveLength(2);
  });

  it('reports an unmapped trap as trap.unknown with its OID, and refuses a wrong community', async () => {
    const { r, port, got } = await receiver();
    current = r;
    await exec('snmptrap', ['-v2c', '-c', 'wrong', `127.0.0.1:${port}`, '', '1.3.6.1.4.1.99999.0.1']);
    await exec('snmptrap', ['-v2c', '-c', 'public', `127.0.0.1:${port}`, '', '1.3.6.1.4.1.99999.0.1']);
    await until(() => field(got, 'unknown').length === 1);
    expect(field(got, 'unknown')[0]?.tags).toEqual({ device: 'core-sw1', trap_oid: '1.3.6.1.4.1.99999.0.1' });
    await until(() => r.stats.rejected === 1);
    expect(r.stats.unknown).toBe(1);
  });

  it('deduplicates repeats, rate-limits a storm, and ends held events after the hold', async () => {
    const { r, port, got } = await receiver({ perSourcePerSec: 10, holdMs: 400 });
    current = r;
    const session = snmp.createSession('127.0.0.1', 'public', { version: snmp.Version2c, trapPort: port });
    const send = (ifIndex: number) =>
      new Promise<void>((res, rej) =>
        session.trap('1.3.6.1.6.3.1.1.5.3', [{ oid: `1.3.6.1.2.1.2.2.1.1.${ifIndex}`, type: snmp.ObjectType.Integer, value: ifIndex }], (err: Error | null) => (err ? rej(err) : res())),
      );
    try {
      await send(1);
      await send(1);
      await until(() => r.stats.received === 2);
      expect(r.stats.deduplicated).toBe(1);
      expect(field(got, 'link_down')).toHaveLength(1);

      // 300 distinct traps in bursts: the bucket holds 2 s worth (20), the rest are dropped and counted.
      // UDP may lose some of the burst in the kernel, so the checks count what arrived.
      for (let i = 0; i < 300; i += 50) await Promise.all(Array.from({ length: 50 }, (_, j) => send(100 + i + j)));
      let last = -1;
      while (last !== r.stats.received) {
        last = r.stats.received;
        await new Promise((res) => setTimeout(res, 300));
      }
      const storm = r.stats.received - 2;
      expect(storm).toBeGreaterThan(100);
      const admitted = field(got, 'link_down').filter((s) => s.fields.link_down === 1).length - 1;
      expect(admitted).toBeLessThanOrEqual(25);
      expect(r.stats.rateLimited).toBe(storm - admitted);

      // Every raised event returns to 0 once the hold has passed.
      await new Promise((res) => setTimeout(res, 1500));
      const ended = field(got, 'link_down').filter((s) => s.fields.link_down === 0);
      expect(ended.length).toBe(field(got, 'link_down').filter((s) => s.fields.link_down === 1).length);
      expect(ended.find((s) => s.tags.ifindex === '1')).toBeDefined();
    } finally {
      session.close();
    }
  });
});
