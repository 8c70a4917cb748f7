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
import { describeMatch } from '../agent/snmp/profile.js';
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
  /** commander's --no-detect: false when given. */
  detect?: boolean;
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
    detect: values.detect !== false,
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
    const { detection, decision } = poller.detected;
    const deviceClass = decision?.class ?? 'unknown';
    const why = p ? (target.profile ? 'named with --profile' : describeMatch(p, sys)) : undefined;
    const w = (line: string) => out.write(`${line}\n`);
    if (values.json) {
      w(
        JSON.stringify({
          device: host,
          result: outcome.result,
          sysObjectID: sys.sysObjectID ?? null,
          sysDescr: sys.sysDescr ?? null,
          class: deviceClass,
          class_reason: decision?.reason ?? null,
          profile: p?.name ?? null,
          profile_reason: why ?? null,
          chain: outcome.plan?.chain ?? [],
          modules: (detection?.hits ?? []).map((h) => ({ module: h.module, anchor: h.anchor, first_oid: h.oid })),
          warnings: outcome.warnings,
          not_read: outcome.notRead,
          errors: outcome.errors,
          samples: outcome.samples,
        }),
      );
      return outcome.result === 'ok' ? 0 : 1;
    }
    w(`device:    ${host} (${target.session.version})`);
    w(`result:    ${outcome.result}`);
    w(`sysObjectID: ${sys.sysObjectID ?? '-'}`);
    w(`sysDescr:  ${(sys.sysDescr ?? '-').replace(/\s+/g, ' ').slice(0, 160)}`);
    if (p) {
      w(`profile:   ${p.name}  (${p.file})`);
      w(`why:       ${why}`);
      const others = profiles
        .candidates(sys)
        .slice(1, 4)
        .map((c) => c.profile.name);
      if (!target.profile && others.length > 0) w(`also matched: ${others.join(', ')}`);
    } else w('profile:   none matched (standard modules only)');
    if (outcome.plan) w(`chain:     ${outcome.plan.chain.join(' → ') || '-'}`);
    if (detection) {
      w(`modules:   ${detection.hits.length === 0 ? 'none answered' : detection.hits.map((h) => `${h.module} (${h.oid})`).join(', ')}`);
      const excluded = outcome.plan?.excludes.filter((n) => detection.modules.some((m) => m.name === n)) ?? [];
      if (excluded.length > 0) w(`excluded:  ${excluded.join(', ')} (describe the card/controller, not the device)`);
    } else if (outcome.result === 'ok') w('modules:   detection off (--no-detect)');
    const meta = poller.deviceMeta;
    w(`class:     ${deviceClass}  (${target.deviceClass ? 'the class option' : (decision?.reason ?? '-')})`);
    if (deviceClass === 'unknown' && decision) w(`evidence:  ${decision.evidence.length > 0 ? decision.evidence.join(', ') : 'no standard module answered and no profile matched'}`);
    w(`registry:  class=${deviceClass} vendor=${meta.vendor ?? '-'} model=${meta.model ?? '-'}`);
    w(`values:    ${outcome.values} read, ${outcome.samples.length} samples${ratesSec > 0 ? '' : ' (counters need --rates N to show as rates)'}`);
    for (const n of outcome.notRead) w(`not read:  ${n.module}: ${n.what} (${n.reason})`);
    for (const warn of outcome.warnings) w(`warning:   ${warn.module}: ${warn.message}`);
    w('');
    for (const smp of outcome.samples) w(formatSample(smp));
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
