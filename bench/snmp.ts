/**
 * snmp_poll: values per second when the agent's poller reads N snmpsimd devices
 * at once, against `snmpbulkwalk` walking the same columns of the same devices
 * in the same run (docs/architecture.md §10). The simulators run as separate processes,
 * so the agent's own CPU time gives values per CPU-second (per core).
 * Timed rounds follow a warm-up round, which is each device's first contact:
 * detection's extra GETNEXT round trips are counted there and reported.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DevicePoller } from '../agent/snmp/poller.js';
import { NetSnmpClient } from '../agent/snmp/session.js';
import { startSnmpSim, shippedProfiles, type SnmpSim } from '../test/snmp/snmpsim.js';
import { emit, envInt, median, progress, r } from './lib.js';

const exec = promisify(execFile);

/** The largest recordings first: tables are what cost. */
const RECORDINGS = [
  'switch/vrp_ce12804-withvrf',
  'san_switch/fabos',
  'firewall/asa',
  'switch/comware_a5500',
  'server/hpe-ilo_4',
  'router/iosxe_isr4321',
  'storage/dell-compellent',
  'server/linux_opensips',
];

interface Device {
  community: string;
  port: number;
}

export async function benchSnmp(): Promise<void> {
  const nDevices = envInt('BENCH_SNMP_DEVICES', 16);
  const nSims = envInt('BENCH_SNMP_SIMULATORS', 2);
  const runs = envInt('BENCH_RUNS', 5);
  const maxRep = envInt('BENCH_SNMP_MAX_REPETITIONS', 25);
  const sims: SnmpSim[] = [];
  try {
    for (let i = 0; i < nSims; i++) sims.push(await startSnmpSim(RECORDINGS[0] as string));
    const devices: Device[] = Array.from({ length: nDevices }, (_, i) => ({
      community: RECORDINGS[i % RECORDINGS.length] as string,
      port: (sims[i % nSims] as SnmpSim).port,
    }));
    const profiles = shippedProfiles();
    const pollers = devices.map((d) => {
      const client = new NetSnmpClient({ host: '127.0.0.1', port: d.port, version: 'v2c', community: d.community, timeoutMs: 5000, retries: 1, maxRepetitions: maxRep });
      return { client, poller: new DevicePoller(client, profiles, { device: d.community, intervalMs: 60_000 }) };
    });
    // Warm-up: profile choice, JIT, simulator caches.
    const warm = await Promise.all(pollers.map((p) => p.poller.poll(Date.now)));
    const columnsOf = new Map<string, string[]>();
    devices.forEach((d, i) => {
      const plan = warm[i]?.plan;
      if (plan) columnsOf.set(d.community, [...new Set(plan.tables.flatMap((t) => t.walkOids))]);
    });
    // Detection ran once per device, in the warm-up (first contact); later polls reuse it.
    const detectRequests = pollers.map((p) => p.poller.detected.requests);
    const modulesFound = pollers.map((p) => p.poller.detected.detection?.modules.length ?? 0);

    const ours: Array<{ ms: number; values: number; cpuS: number }> = [];
    for (let run = 0; run < runs; run++) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const outs = await Promise.all(pollers.map((p) => p.poller.poll(Date.now)));
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const failed = outs.filter((o) => o.result !== 'ok').length;
      if (failed > 0) throw new Error(`${failed} of ${outs.length} polls failed`);
      ours.push({ ms, values: outs.reduce((a, o) => a + o.values, 0), cpuS: (cpu.user + cpu.system) / 1e6 });
      progress(`snmp_poll run ${run + 1}: ${ours.at(-1)?.values} values in ${ms.toFixed(0)} ms`);
    }
    for (const p of pollers) p.client.close();

    // The same columns of the same devices with net-snmp's snmpbulkwalk, devices in parallel.
    const peer: Array<{ ms: number; values: number }> = [];
    for (let run = 0; run < runs; run++) {
      const t0 = performance.now();
      const counts = await Promise.all(
        devices.map(async (d) => {
          let n = 0;
          for (const col of columnsOf.get(d.community) ?? []) {
            const { stdout } = await exec('snmpbulkwalk', ['-v2c', '-c', d.community, `-Cr${maxRep}`, '-On', '-Oq', '-t', '5', `127.0.0.1:${d.port}`, col], { maxBuffer: 64 << 20 });
            n += stdout.split('\n').filter((l) => l && !l.includes('No Such')).length;
          }
          return n;
        }),
      );
      peer.push({ ms: performance.now() - t0, values: counts.reduce((a, b) => a + b, 0) });
    }

    const oursPerS = median(ours.map((o) => (o.values / o.ms) * 1000));
    const oursPerCpuS = median(ours.map((o) => o.values / o.cpuS));
    const peerPerS = median(peer.map((p) => (p.values / p.ms) * 1000));
    emit({
      bench: 'snmp_poll',
      devices: nDevices,
      simulators: nSims,
      max_repetitions: maxRep,
      values_per_poll_round: ours[0]?.values,
      values_per_s: r(oursPerS),
      values_per_cpu_s: r(oursPerCpuS),
      target_values_per_cpu_s: 25_000,
      median_round_ms: r(median(ours.map((o) => o.ms))),
      peer: 'snmpbulkwalk (net-snmp 5.9), same columns, devices in parallel',
      peer_values_per_round: peer[0]?.values,
      peer_values_per_s: r(peerPerS),
      ratio_vs_snmpbulkwalk: r(oursPerS / peerPerS),
      detect_round_trips_per_device: Math.max(...detectRequests),
      detect_anchors: profiles.modules.reduce((a, m) => a + (m.detect?.anchors.length ?? 0) + (m.detect?.class_from ? 1 : 0), 0),
      detect_modules_found_median: median(modulesFound),
      runs,
    });
  } finally {
    for (const s of sims) await s.stop();
  }
}
