/**
 * Roles limited to teams or sites: an operator of the storage team acts on
 * incidents of storage devices (inventory.yaml team), not on the network's;
 * a device with no team is anyone's with the role. Reading stays open.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import { sha256Hex } from '../../collector/ingest/auth.js';
import { authed, tempDir, testCollectorConfig } from '../helpers.js';

const STORAGE_OPERATOR = 'rw_test_storage_operator_0123456789';

describe('roles limited to teams or sites', () => {
  let tmp: ReturnType<typeof tempDir>;
  let c: Collector;
  beforeAll(async () => {
    tmp = tempDir();
    const inventory = join(tmp.dir, 'inventory.yaml');
    writeFileSync(inventory, 'devices:\n  array1: { team: storage, site: bj }\n  core-sw1: { team: network, site: bj }\n  ups-sh: { site: sh }\n');
    const config = testCollectorConfig(tmp.dir);
    config.rules = { ...config.rules, inventory };
    config.auth = { ...config.auth, tokens: [...config.auth.tokens, { name: 'storage-op', role: 'operator', tokenSha256: sha256Hex(STORAGE_OPERATOR), teams: ['storage'], sites: ['bj'] }] };
    c = await buildApp({ config, logger: false, autoTick: false, background: false });
  });
  afterAll(async () => {
    await c.app.close();
    tmp.cleanup();
  });

  const as = { authorization: `Bearer ${STORAGE_OPERATOR}` };
  const open = async (device: string) =>
    (await authed(c.app, { method: 'POST', url: '/api/v1/incidents', payload: { title: `check ${device}`, priority: 'P3', device } }, 'operator')).json().id as number;

  it('lets a team operator act on their devices and refuses the others with the reason', async () => {
    const storage = await open('array1');
    const network = await open('core-sw1');
    const elsewhere = await open('ups-sh');
    const unlisted = await open('lab-pc');
    expect((await c.app.inject({ method: 'POST', url: `/api/v1/incidents/${storage}/ack`, headers: as, payload: {} })).json()).toMatchObject({ acknowledgedBy: 'storage-op' });
    const refused = await c.app.inject({ method: 'POST', url: `/api/v1/incidents/${network}/ack`, headers: as, payload: {} });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'RW_OUT_OF_SCOPE', message: 'the device belongs to team network; storage-op acts for storage' });
    const site = await c.app.inject({ method: 'POST', url: `/api/v1/incidents/${elsewhere}/ack`, headers: as, payload: {} });
    expect(site.json().message).toBe('the device is at site sh; storage-op acts for bj');
    expect((await c.app.inject({ method: 'POST', url: `/api/v1/incidents/${unlisted}/ack`, headers: as, payload: {} })).statusCode).toBe(200);
    const manual = await c.app.inject({ method: 'POST', url: '/api/v1/incidents', headers: as, payload: { title: 'x', priority: 'P4', device: 'core-sw1' } });
    expect(manual.statusCode).toBe(403);
    expect((await c.app.inject({ url: `/api/v1/incidents/${network}`, headers: as })).statusCode).toBe(200);
    // Nothing was done where it was refused.
    expect(
      c.operators.audit
        .query({ action: 'incident.ack', actor: 'storage-op' })
        .map((e) => e.target)
        .sort(),
    ).toEqual([`incident:${storage}`, `incident:${unlisted}`].sort());
  });
});
