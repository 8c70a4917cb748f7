/**
 * `roomwatch snmp probe HOST`: what an engineer runs when adding a device.
 * It prints the profile that matched (and why), the device's identity, and the
 * samples the agent would send, without a collector.
 */
import { parseArgs } from 'node:util';
import type { Sample } from '../collector/contract/index.js';
import { compileSnmpOptions, type SnmpOptions } from '../agent/probes/snmp.js';
import { DevicePoller } from '../agent/snmp/poller.js';
import { NetSnmpClient } from '../agent/snmp/session.js';
import { profilesFor, shippedProfilesDir } from '../agent/snmp/shared.js';
import { describeMatch } from '../agent/snmp/profile.js';
import { ProbeOptionsError } from '../agent/probes/types.js';

export const SNMP_USAGE = `usage: roomwatch snmp probe HOST[:PORT] [options]
  --community C            v1/v2c community (default public)
  --version v1|v2c|v3      (default v2c; --v3 is short for --version v3)
  --user U --level authPriv|authNoPriv|noAuthNoPriv
  --auth-protocol sha|sha256|... --auth-key K --priv-protocol aes|des|... --priv-key K
  --profile NAME           use this profile instead of choosing by sysObjectID/sysDescr
  --profiles DIR           an extra profile directory (repeatable)
  --rates SECONDS          poll twice, SECONDS apart, so counters show as rates
  --timeout DURATION       per request (default 2s)   --retries N (default 1)
  --no-detect              skip detection of standard MIB modules (vendor profile only)
  --json                   one JSON object: class, profile, modules, warnings, not read, samples
`;

export async function runSnmpProbe(args: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      community: { type: 'string' },
      version: { type: 'string' },
      v3: { type: 'boolean' },
      user: { type: 'string' },
      level: { type: 'string' },
      'auth-protocol': { type: 'string' },
      'auth-key': { type: 'string' },
      'priv-protocol': { type: 'string' },
      'priv-key': { type: 'string' },
      profile: { type: 'string' },
      profiles: { type: 'string', multiple: true },
      rates: { type: 'string' },
      timeout: { type: 'string' },
      retries: { type: 'string' },
      json: { type: 'boolean' },
      'no-detect': { type: 'boolean' },
    },
  });
  const host = positionals[0];
  if (!host || positionals.length > 1) {
    process.stderr.write(SNMP_USAGE);
    return 2;
  }
  const version = values.v3 ? 'v3' : (values.version ?? 'v2c');
  const options: Record<string, unknown> = { host, version };
  if (version === 'v3') {
    options.v3 = {
      user: values.user,
      ...(values.level ? { level: values.level } : {}),
      ...(values['auth-protocol'] ? { auth_protocol: values['auth-protocol'] } : {}),
      ...(values['auth-key'] ? { auth_key: values['auth-key'] } : {}),
      ...(values['priv-protocol'] ? { priv_protocol: values['priv-protocol'] } : {}),
      ...(values['priv-key'] ? { priv_key: values['priv-key'] } : {}),
    };
  } else if (values.community !== undefined) options.community = values.community;
  if (values.profile) options.profile = values.profile;
  if (values.timeout) options.request_timeout = values.timeout;
  if (values.retries) options.retries = Number(values.retries);

  const profiles = profilesFor([shippedProfilesDir(), ...(values.profiles ?? [])]);
  let target;
  try {
    target = compileSnmpOptions(options as SnmpOptions, profiles);
  } catch (err) {
    if (!(err instanceof ProbeOptionsError)) throw err;
    for (const p of err.problems) process.stderr.write(`${p.path.join('.') || 'options'}: ${p.message}\n`);
    return 2;
  }
  const ratesSec = values.rates === undefined ? 0 : Number(values.rates);
  if (!Number.isFinite(ratesSec) || ratesSec < 0 || ratesSec > 300) {
    process.stderr.write('--rates takes a number of seconds between 0 and 300\n');
    return 2;
  }
  const client = new NetSnmpClient(target.session);
  const poller = new DevicePoller(client, profiles, {
    device: host,
    profile: target.profile,
    // The interval only bounds how far apart two readings may be for a rate.
    intervalMs: Math.max(ratesSec * 1000, 15_000),
    detect: !values['no-detect'],
  });
  try {
    let outcome = await poller.poll(Date.now);
    if (ratesSec > 0 && outcome.result === 'ok') {
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
      const others = profiles.candidates(sys).slice(1, 4).map((c) => c.profile.name);
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
