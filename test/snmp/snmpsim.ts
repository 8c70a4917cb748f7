/**
 * Real SNMP peers for the tests: snmpsimd serving the shared recordings of
 * real devices (../shared/snmprec, read in place, never copied).
 * The community of a recording is `<class>/<file name without .snmprec>`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { packageRoot } from '../../lib/paths.js';
import { DevicePoller, type PollOutcome } from '../../agent/snmp/poller.js';
import { loadProfiles, type ProfileSet } from '../../agent/snmp/profile.js';
import { NetSnmpClient, type SnmpTargetOptions } from '../../agent/snmp/session.js';
import { shippedProfilesDir } from '../../agent/snmp/shared.js';
import type { Sample } from '../../collector/contract/index.js';

export const SNMPREC_DIR = resolve(packageRoot(), '..', 'shared', 'snmprec');

/** A UDP port that was free a moment ago on 127.0.0.1. */
export async function freeUdpPort(): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const { port } = sock.address();
  await new Promise<void>((r) => sock.close(() => r()));
  return port;
}

export interface SnmpSim {
  port: number;
  stop(): Promise<void>;
}

/** Starts snmpsimd on 127.0.0.1 over `dataDir` and waits until `probeCommunity` answers. */
export async function startSnmpSim(probeCommunity: string, dataDir = SNMPREC_DIR, extraArgs: string[] = []): Promise<SnmpSim> {
  if (!existsSync(dataDir)) throw new Error(`recordings not found at ${dataDir}`);
  const port = await freeUdpPort();
  const cache = mkdtempSync(join(tmpdir(), 'rw-snmpsim-'));
  chmodSync(cache, 0o777);
  const child: ChildProcess = spawn(
    'snmpsimd',
    [`--data-dir=${dataDir}`, `--agent-udpv4-endpoint=127.0.0.1:${port}`, '--process-user=nobody', '--process-group=nogroup', `--cache-dir=${cache}`, ...extraArgs],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(cache, { recursive: true, force: true });
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`snmpsimd exited (${child.exitCode}): ${stderr}`);
    const client = new NetSnmpClient({ host: '127.0.0.1', port, version: 'v2c', community: probeCommunity, timeoutMs: 1000, retries: 0, maxRepetitions: 10 });
    try {
      await client.get(['1.3.6.1.2.1.1.2.0']);
      return { port, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`snmpsimd did not answer within 90 s: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      client.close();
    }
  }
}

let shipped: ProfileSet | undefined;
export function shippedProfiles(): ProfileSet {
  shipped ??= loadProfiles([shippedProfilesDir()]);
  return shipped;
}

export function clientOptions(port: number, community: string, over: Partial<SnmpTargetOptions> = {}): SnmpTargetOptions {
  return { host: '127.0.0.1', port, version: 'v2c', community, timeoutMs: 3000, retries: 1, maxRepetitions: 25, ...over };
}

/** Polls a recording once with the shipped profiles (or a named one). */
export async function pollRecording(port: number, community: string, profile?: string): Promise<PollOutcome> {
  const client = new NetSnmpClient(clientOptions(port, community));
  try {
    const poller = new DevicePoller(client, shippedProfiles(), { device: community, profile, intervalMs: 60_000 });
    return await poller.poll(Date.now);
  } finally {
    client.close();
  }
}

/** The value of `measurement.field` in the sample whose tags include `tags`; undefined if absent. */
export function valueOf(samples: Sample[], metric: string, tags: Record<string, string> = {}): number | string | boolean | undefined {
  const dot = metric.indexOf('.');
  const measurement = metric.slice(0, dot);
  const field = metric.slice(dot + 1);
  for (const s of samples) {
    if (s.measurement !== measurement || !(field in s.fields)) continue;
    if (Object.entries(tags).every(([k, v]) => s.tags[k] === v)) return s.fields[field];
  }
  return undefined;
}

/** Every sample carrying `measurement.field`, for counting rows. */
export function samplesWith(samples: Sample[], metric: string): Sample[] {
  const dot = metric.indexOf('.');
  return samples.filter((s) => s.measurement === metric.slice(0, dot) && metric.slice(dot + 1) in s.fields);
}
