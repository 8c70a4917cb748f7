/**
 * The systeminformation host backend: compared with the /proc backend on this
 * Linux host (same metrics, values within tolerance), on a recorded Windows
 * snapshot (drive letters, services, .exe names), and with a call that hangs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileHostOptions, hostBackend, hostProbe } from '../../agent/probes/host.js';
import { SiHostProbe, siSamples, type SiApi, type SiSnapshot } from '../../agent/probes/host-si.js';
import type { Sample } from '../../collector/contract/index.js';
import { probeEnv } from './helpers.js';

const env = probeEnv(15_000);
const key = (s: Sample) =>
  `${s.measurement}${Object.entries(s.tags)
    .filter(([k]) => k !== 'device')
    .map(([k, v]) => `{${k}=${v}}`)
    .join('')}`;
const index = (samples: Sample[]) => new Map(samples.map((s) => [key(s), s.fields]));

describe.runIf(process.platform === 'linux')('systeminformation backend against /proc on this host', () => {
  it('reports the same metrics with values within tolerance', async () => {
    const options = { mounts: { include: ['/'] } };
    const proc = hostProbe.init({ device: 'h', options: { ...options, backend: 'proc' } }, env);
    const sib = hostProbe.init({ device: 'h', options: { ...options, backend: 'systeminformation' } }, env);
    expect(sib).toBeInstanceOf(SiHostProbe);
    const ctx = { signal: AbortSignal.timeout(30_000), now: Date.now };
    // The first round primes the counters of both; the second measures the same second.
    await Promise.all([proc.gather(ctx), sib.gather(ctx)]);
    await new Promise((r) => setTimeout(r, 1_000));
    const [a, b] = await Promise.all([proc.gather(ctx), sib.gather(ctx)]);
    const p = index(a);
    const s = index(b);
    const common = ['cpu', 'load', 'mem', 'swap', 'disk{mount=/}', 'system'];
    for (const k of common) {
      expect(p.has(k), `proc has ${k}`).toBe(true);
      expect(s.has(k), `systeminformation has ${k}`).toBe(true);
    }
    // systeminformation lists the interfaces that are up; /proc/net/dev lists every one (ifb0, down bridges).
    const nets = [...s.keys()].filter((k) => k.startsWith('net{'));
    expect(nets.length).toBeGreaterThan(0);
    for (const iface of nets) expect(p.has(iface), iface).toBe(true);
    const near = (k: string, f: string, tol: number) => {
      const x = p.get(k)?.[f] as number;
      const y = s.get(k)?.[f] as number;
      expect(Math.abs(x - y), `${k}.${f}: /proc ${x}, systeminformation ${y}`).toBeLessThanOrEqual(tol);
    };
    near('mem', 'used_pct', 5);
    near('swap', 'used_pct', 5);
    near('disk{mount=/}', 'used_pct', 1);
    near('system', 'uptime_s', 10);
    near('load', 'l1', 2);
    near('cpu', 'usage_pct', 35);
    const [pp, sp] = [p.get('system')?.procs as number, s.get('system')?.procs as number];
    expect(Math.abs(pp - sp) / pp).toBeLessThan(0.3);
  }, 60_000);
});

describe('systeminformation backend on recorded outputs', () => {
  const win = JSON.parse(readFileSync('test/fixtures/host-si/windows-server-2019.json', 'utf8')) as SiSnapshot;

  it('reads drive letters, services and .exe process names from Windows', () => {
    const options = compileHostOptions({ processes: ['sqlservr', 'svchost.exe', 'oracle'], interfaces: { exclude: ['Loopback*'] }, mounts: { exclude: ['type:cdfs'] } });
    const m = index(siSamples('sql01', win, options, 1_700_000_000_000, ['MSSQLSERVER', 'SQLSERVERAGENT', 'Spooler']));
    expect(m.get('cpu')).toEqual({ usage_pct: 37.4 });
    expect(m.has('load')).toBe(false);
    expect(m.get('mem')).toEqual({ used_pct: 75, available_bytes: 17179869184 });
    expect(m.get('swap')?.used_pct).toBeCloseTo(10, 5);
    expect(m.get('disk{mount=C:}')).toEqual({ used_pct: 60, free_bytes: 85899345920 });
    expect(m.get('disk{mount=D:}')?.used_pct).toBeCloseTo(95, 0);
    expect(m.has('disk{mount=E:}')).toBe(false);
    expect(m.get('net{iface=Ethernet0}')).toEqual({ rx_bps: 10_000_000, tx_bps: 2_000_000 });
    expect([...m.keys()].filter((k) => k.startsWith('net'))).toEqual(['net{iface=Ethernet0}']);
    expect(m.get('system')).toEqual({ uptime_s: 1209600, procs: 142 });
    expect(m.get('proc{name=sqlservr}')).toEqual({ up: 1, count: 1 });
    expect(m.get('proc{name=svchost.exe}')).toEqual({ up: 1, count: 2 });
    expect(m.get('proc{name=oracle}')).toEqual({ up: 0, count: 0 });
    expect(m.get('proc{name=MSSQLSERVER}')).toEqual({ up: 1, count: 1 });
    expect(m.get('proc{name=SQLSERVERAGENT}')).toEqual({ up: 0, count: 0 });
    expect(m.get('proc{name=Spooler}')).toEqual({ up: 0, count: 0 });
  });

  it('is the default off Linux, and services need it', () => {
    expect(hostBackend(undefined, 'win32')).toBe('systeminformation');
    expect(hostBackend(undefined, 'darwin')).toBe('systeminformation');
    expect(hostBackend(undefined, 'linux')).toBe('proc');
    expect(hostBackend({ backend: 'systeminformation' }, 'linux')).toBe('systeminformation');
    expect(() => hostProbe.init({ options: { backend: 'proc', services: ['W3SVC'] } }, env)).toThrow(/services are Windows services: they need backend: systeminformation/);
  });

  it('does not wait for a call that hangs: the other metrics still arrive', async () => {
    const hang = () => new Promise<never>(() => undefined);
    const api: SiApi = {
      currentLoad: async () => ({ currentLoad: 5 }),
      mem: async () => ({ total: 100, available: 40, swaptotal: 0, swapused: 0 }),
      fsSize: async () => [],
      networkStats: async () => [],
      time: () => ({ uptime: 77 }),
      processes: hang,
      services: hang,
    };
    const probe = new SiHostProbe('w1', compileHostOptions({ processes: ['x'] }), env, { waitMs: 50, callTimeoutMs: 200, services: ['W3SVC'] }, api, 'win32');
    const errors: string[] = [];
    const ctx = { signal: AbortSignal.timeout(5_000), now: Date.now, error: (m: string) => errors.push(m) };
    const first = index(await probe.gather(ctx));
    expect(first.get('mem')).toEqual({ used_pct: 60, available_bytes: 40 });
    expect(first.has('proc{name=x}')).toBe(false);
    await new Promise((r) => setTimeout(r, 250));
    await probe.gather(ctx);
    expect(errors).toContain('systeminformation processes: timed out after 200 ms');
  });
});
