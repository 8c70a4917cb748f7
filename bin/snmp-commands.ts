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
  --json                   samples as JSON lines
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
  });
  try {
    let outcome = await poller.poll(Date.now);
    if (ratesSec > 0 && outcome.result === 'ok') {
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
