/**
 * `roomwatch snmp probe HOST`: what an engineer runs when adding a device.
 * It prints the profile that matched (and why), the device's identity, and the
 * samples the agent would send, without a collector.
 */
import type { Sample } from '../collector/contract/index.js';
import { compileSnmpOptions, type SnmpOptions } from '../agent/probes/snmp.js';
import { DevicePoller } from '../agent/snmp/poller.js';
import { NetSnmpClient } from '../agent/snmp/session.js';
import { profilesFor, shippedProfilesDir } from '../agent/snmp/shared.js';
import { ProbeOptionsError } from '../agent/probes/types.js';
import { EXIT_USAGE, progress } from './cli-support.js';

/** The options of `roomwatch snmp probe`, as the command line parsed them (bin/roomwatch.ts). */
export interface SnmpProbeOptions {
  community?: string;
  version?: 'v1' | 'v2c' | 'v3';
  v3?: boolean;
  user?: string;
  level?: string;
  authProtocol?: string;
  authKey?: string;
  privProtocol?: string;
  privKey?: string;
  profile?: string;
  profiles?: string[];
  rates?: number;
  timeout?: string;
  retries?: number;
  json?: boolean;
}

export async function runSnmpProbe(host: string, values: SnmpProbeOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const version = values.v3 ? 'v3' : (values.version ?? 'v2c');
  const options: Record<string, unknown> = { host, version };
  if (version === 'v3') {
    options.v3 = {
      user: values.user,
      ...(values.level ? { level: values.level } : {}),
      ...(values.authProtocol ? { auth_protocol: values.authProtocol } : {}),
      ...(values.authKey ? { auth_key: values.authKey } : {}),
      ...(values.privProtocol ? { priv_protocol: values.privProtocol } : {}),
      ...(values.privKey ? { priv_key: values.privKey } : {}),
    };
  } else if (values.community !== undefined) options.community = values.community;
  if (values.profile) options.profile = values.profile;
  if (values.timeout) options.request_timeout = values.timeout;
  if (values.retries !== undefined) options.retries = values.retries;

  const profiles = profilesFor([shippedProfilesDir(), ...(values.profiles ?? [])]);
  let target;
  try {
    target = compileSnmpOptions(options as SnmpOptions, profiles);
  } catch (err) {
    if (!(err instanceof ProbeOptionsError)) throw err;
    for (const p of err.problems) process.stderr.write(`${p.path.join('.') || 'options'}: ${p.message}\n`);
    return EXIT_USAGE;
  }
  const ratesSec = values.rates ?? 0;
  const client = new NetSnmpClient(target.session);
  const poller = new DevicePoller(client, profiles, {
    device: host,
    profile: target.profile,
    // The interval only bounds how far apart two readings may be for a rate.
    intervalMs: Math.max(ratesSec * 1000, 15_000),
  });
  try {
    let outcome = await poller.poll(Date.now);
    if (ratesSec > 0 && outcome.result === 'ok') {
      progress(`first poll done (${outcome.values} values); waiting ${ratesSec} s for the second, so counters show as rates`);
      await new Promise((r) => setTimeout(r, ratesSec * 1000));
      outcome = await poller.poll(Date.now);
    }
    const sys = poller.systemInfo;
    const p = outcome.profile;
    const w = (line: string) => out.write(`${line}\n`);
    if (!values.json) {
      w(`device:    ${host} (${target.session.version})`);
      w(`result:    ${outcome.result}`);
      w(`sysObjectID: ${sys.sysObjectID ?? '-'}`);
      w(`sysDescr:  ${(sys.sysDescr ?? '-').replace(/\s+/g, ' ').slice(0, 160)}`);
      if (p) {
        w(`profile:   ${p.name}  (${p.file})`);
        w(`chain:     ${p.chain.join(' → ')}`);
        const others = profiles.candidates(sys).slice(1, 4).map((c) => c.profile.name);
        if (!target.profile && others.length > 0) w(`also matched: ${others.join(', ')}`);
      } else w('profile:   none matched');
      const meta = poller.deviceMeta;
      w(`registry:  class=${target.deviceClass ?? meta.class ?? 'network'} vendor=${meta.vendor ?? '-'} model=${meta.model ?? '-'}`);
      w(`values:    ${outcome.values} read, ${outcome.samples.length} samples${ratesSec > 0 ? '' : ' (counters need --rates N to show as rates)'}`);
      w('');
    }
    for (const s of outcome.samples) w(values.json ? JSON.stringify(s) : formatSample(s));
    for (const e of outcome.errors) process.stderr.write(`problem: ${e}\n`);
    return outcome.result === 'ok' ? 0 : 1;
  } finally {
    client.close();
  }
}

function formatSample(s: Sample): string {
  const tags = Object.entries(s.tags)
    .filter(([k]) => k !== 'device')
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const fields = Object.entries(s.fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : v}`)
    .join(' ');
  return `${s.measurement}${tags ? `{${tags}}` : ''} ${fields}`;
}
