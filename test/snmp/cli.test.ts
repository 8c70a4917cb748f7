/**
 * `roomwatch snmp probe` as an engineer runs it: the built CLI against a
 * recording in snmpsimd.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../lib/paths.js';
import { peerAvailable } from '../peers.js';
import { startSnmpSim, type SnmpSim } from './snmpsim.js';

const exec = promisify(execFile);
const run = peerAvailable('snmpsimd', 'snmpsim');
const cli = join(packageRoot(), 'dist', 'bin', 'roomwatch.js');

describe.skipIf(!run)('roomwatch snmp probe', () => {
  let sim: SnmpSim;
  beforeAll(async () => {
    sim = await startSnmpSim('ups/apc_smtl1000-nmc3');
  }, 120_000);
  afterAll(async () => sim?.stop());

  it('prints the matched profile, its chain, the registry identity and the samples', async () => {
    const { stdout } = await exec(process.execPath, [cli, 'snmp', 'probe', `127.0.0.1:${sim.port}`, '--community', 'ups/apc_smtl1000-nmc3']);
    expect(stdout).toMatch(/^result: {4}ok$/m);
    expect(stdout).toMatch(/^sysObjectID: 1\.3\.6\.1\.4\.1\.318\.1\.3\.27$/m);
    expect(stdout).toMatch(/^profile: {3}apc-ups {2}\(.*agent\/profiles\/apc-ups\.yaml\)$/m);
    expect(stdout).toMatch(/^why: {7}sysObjectID under 1\.3\.6\.1\.4\.1\.318\.1\.3\.27$/m);
    expect(stdout).toMatch(/^chain: {5}if-mib → apc-ups$/m);
    expect(stdout).toMatch(/^modules: {3}if-mib \(1\.3\.6\.1\.2\.1\.2\.2\.1\.1\.1\)$/m);
    expect(stdout).toMatch(/^class: {5}ups {2}\(profile apc-ups\)$/m);
    expect(stdout).toMatch(/^registry: {2}class=ups vendor=APC/m);
    expect(stdout).toMatch(/^not read: {2}apc-ups: ups\.battery_status, ups\.seconds_on_battery, ups\.self_test_ok \(not answered\)$/m);
    expect(stdout).toMatch(/^ups .*battery_charge_pct=100/m);
    expect(stdout).toMatch(/^device up=1 result="ok"/m);
  });

  it('shows counters as rates with --rates, and class, profile, modules, warnings and samples with --json', async () => {
    const { stdout } = await exec(process.execPath, [cli, 'snmp', 'probe', `127.0.0.1:${sim.port}`, '--community', 'ups/apc_smtl1000-nmc3', '--rates', '1', '--json']);
    const doc = JSON.parse(stdout) as {
      class: string;
      profile: string;
      modules: Array<{ module: string }>;
      warnings: unknown[];
      samples: Array<{ measurement: string; fields: Record<string, unknown> }>;
    };
    expect(doc).toMatchObject({ class: 'ups', profile: 'apc-ups', modules: [{ module: 'if-mib' }], warnings: [] });
    const iface = doc.samples.find((s) => s.measurement === 'if' && 'in_bps' in s.fields);
    expect(iface?.fields.in_bps).toBeTypeOf('number');
  });

  it('says what a matched profile did not get, and why the class is what it is', async () => {
    const airfm = await exec(process.execPath, [cli, 'snmp', 'probe', `127.0.0.1:${sim.port}`, '--community', 'precision_ac/apc_airfm']);
    expect(airfm.stdout).toMatch(/^profile: {3}apc-inrow /m);
    expect(airfm.stdout).toMatch(/^warning: {3}apc-inrow: table supply-temperature: absent subtree 1\.3\.6\.1\.4\.1\.318\.1\.1\.27\.1\.4\.1\.2\.1\.3 \(no rows\)$/m);
    expect(airfm.stdout).toMatch(/^agent\{module=apc-inrow\} probe_warnings=[1-9]/m);
    const json = await exec(process.execPath, [cli, 'snmp', 'probe', `127.0.0.1:${sim.port}`, '--community', 'ups/dell-ups_rack3750w', '--json']);
    const doc = JSON.parse(json.stdout) as { class: string; class_reason: string; profile: string | null; warnings: Array<{ module: string; message: string }> };
    expect(doc).toMatchObject({ class: 'ups', class_reason: 'module ups-mib (ups evidence)', profile: null });
    expect(doc.warnings).toContainEqual({ module: 'ups-mib', message: 'table input: absent subtree 1.3.6.1.2.1.33.1.3.3.1.2 (no rows)' });
  });

  it('exits 1 with device.up=0 when the device does not answer, and 2 on bad options', async () => {
    const down = (await exec(process.execPath, [cli, 'snmp', 'probe', `127.0.0.1:${sim.port}`, '--community', 'no-such-community', '--timeout', '300ms', '--retries', '0']).catch(
      (e: unknown) => e,
    )) as { code: number; stdout: string; stderr: string };
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/^result: {4}timeout$/m);
    expect(down.stdout).toMatch(/^device up=0 result="timeout"$/m);
    const bad = (await exec(process.execPath, [cli, 'snmp', 'probe', '10.0.0.1', '--v3', '--user', 'u', '--auth-key', 'short']).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/v3\.auth_key: authPriv needs an auth_key of at least 8 characters/);
  });
});
