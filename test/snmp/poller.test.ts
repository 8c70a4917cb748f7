/**
 * The device poller's counter handling with a fake SNMP client at the seam:
 * HC counters first, 32-bit wraps, restarts seen through sysUpTime, and no
 * spike after a timeout or a gap.
 */
import { describe, expect, it } from 'vitest';
import { DevicePoller, SYS } from '../../agent/snmp/poller.js';
import { COUNTER32, COUNTER64, SnmpError, type SnmpClient, type SnmpValue } from '../../agent/snmp/session.js';
import { shippedProfiles, valueOf } from './snmpsim.js';

const INT = 2;
const TICKS = 67;
const IF = '1.3.6.1.2.1.2.2.1';
const IFX = '1.3.6.1.2.1.31.1.1.1';

interface Reading {
  uptimeTicks: number;
  hcIn?: number;
  in32?: number;
  fail?: boolean;
}

class FakeClient implements SnmpClient {
  valuesReceived = 0;
  reading: Reading = { uptimeTicks: 0 };
  async get(oids: string[]): Promise<Map<string, SnmpValue>> {
    if (this.reading.fail) throw new SnmpError('Request timed out', 'timeout');
    const all = new Map<string, SnmpValue>([
      [SYS.upTime, { type: TICKS, value: this.reading.uptimeTicks }],
      [SYS.objectID, { type: 6, value: '1.3.6.1.4.1.99999.1' }],
      [SYS.descr, { type: 4, value: 'fake switch' }],
    ]);
    return new Map(oids.flatMap((o) => (all.has(o) ? [[o, all.get(o) as SnmpValue]] : [])));
  }
  async getNext(): Promise<Map<string, { oid: string; value: SnmpValue }>> {
    return new Map();
  }
  async walkColumns(columns: string[]): Promise<Map<string, Map<string, SnmpValue>>> {
    const r = this.reading;
    const table: Record<string, SnmpValue | undefined> = {
      [`${IFX}.1`]: { type: 4, value: 'eth0' },
      [`${IF}.3`]: { type: INT, value: 6 },
      [`${IFX}.15`]: { type: 66, value: 1000 },
      [`${IF}.8`]: { type: INT, value: 1 },
      [`${IF}.7`]: { type: INT, value: 1 },
      [`${IFX}.6`]: r.hcIn === undefined ? undefined : { type: COUNTER64, value: r.hcIn },
      [`${IF}.10`]: r.in32 === undefined ? undefined : { type: COUNTER32, value: r.in32 },
    };
    return new Map(columns.map((c) => [c, new Map(table[c] ? [['1', table[c] as SnmpValue]] : [])]));
  }
  close() {}
}

function setup() {
  const client = new FakeClient();
  const poller = new DevicePoller(client, shippedProfiles(), { device: 'sw1', profile: 'generic', intervalMs: 10_000 });
  let t = 1_700_000_000_000;
  const poll = async (r: Reading, advanceMs = 10_000) => {
    t += advanceMs;
    client.reading = r;
    return poller.poll(() => t);
  };
  return { poll };
}

const inBps = (out: Awaited<ReturnType<ReturnType<typeof setup>['poll']>>) => valueOf(out.samples, 'if.in_bps', { ifname: 'eth0' });

describe('SNMP counters in the poller', () => {
  it('turns a 64-bit HC counter into bits per second and a utilisation against ifHighSpeed', async () => {
    const { poll } = setup();
    expect(inBps(await poll({ uptimeTicks: 100, hcIn: 1_000_000, in32: 5 }))).toBeUndefined();
    const out = await poll({ uptimeTicks: 1100, hcIn: 126_000_000, in32: 7 });
    // (126e6 - 1e6) bytes × 8 / 10 s = 100 Mb/s, from the HC column though the 32-bit one is there too.
    expect(inBps(out)).toBe(100_000_000);
    expect(valueOf(out.samples, 'if.util_pct', { ifname: 'eth0' })).toBe(10);
  });

  it('counts through a 32-bit wrap when only ifInOctets exists', async () => {
    const { poll } = setup();
    await poll({ uptimeTicks: 100, in32: 4_294_967_000 });
    const out = await poll({ uptimeTicks: 1100, in32: 704 });
    // 296 bytes to the top and 704 after it: 1000 bytes in 10 s.
    expect(inBps(out)).toBe(800);
  });

  it('drops the baseline when sysUpTime goes backwards (a restart), instead of reading a wrap', async () => {
    const { poll } = setup();
    await poll({ uptimeTicks: 500_000, in32: 4_294_967_000 });
    const afterRestart = await poll({ uptimeTicks: 300, in32: 704 });
    expect(inBps(afterRestart)).toBeUndefined();
    expect(valueOf(afterRestart.samples, 'device.uptime_s')).toBe(3);
    expect(inBps(await poll({ uptimeTicks: 1300, in32: 1704 }))).toBe(800);
  });

  it('gives no spike after a timeout: the reading after the gap is a new baseline', async () => {
    const { poll } = setup();
    await poll({ uptimeTicks: 100, hcIn: 0 });
    const down = await poll({ uptimeTicks: 0, fail: true });
    expect(valueOf(down.samples, 'device.up')).toBe(0);
    expect(valueOf(down.samples, 'device.result')).toBe('timeout');
    expect(down.errors).toHaveLength(1);
    // 20 s after the last good reading (more than 1.5 intervals), 10 GB "arrived": no rate.
    const back = await poll({ uptimeTicks: 2100, hcIn: 10_000_000_000 });
    expect(inBps(back)).toBeUndefined();
    expect(inBps(await poll({ uptimeTicks: 3100, hcIn: 10_000_001_000 }))).toBe(800);
  });

  it('treats a 64-bit counter going down as a reset, not a wrap', async () => {
    const { poll } = setup();
    await poll({ uptimeTicks: 100, hcIn: 5_000_000 });
    expect(inBps(await poll({ uptimeTicks: 1100, hcIn: 1_000 }))).toBeUndefined();
  });
});
