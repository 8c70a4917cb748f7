/**
 * Defects 3 and 4 of the hardening campaign: any agent token could rewrite
 * any device (class, site, parent), over JSON and line protocol alike; and
 * parent loops sent in metadata were accepted, so two devices down suppressed
 * each other's alerts and nothing paged.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import type { DeviceMeta, Sample } from '../../collector/contract/index.js';
import { sha256Hex } from '../../collector/ingest/auth.js';
import { Topology } from '../../collector/rules/inventory.js';
import { AGENT, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';

const NOW = Date.UTC(2026, 10, 23, 8, 0, 0);
const OTHER = 'agent-b';
const OTHER_TOKEN = 'rw_test_token_other_98765';

let seq = 0;
const sample = (device: string): Sample => ({ measurement: 'device', tags: { device }, fields: { up: 1 }, ts: NOW - 1000 });

describe('device ownership and parent links at ingest', () => {
  let tmp: ReturnType<typeof tempDir>;
  let c: Collector | undefined;
  afterEach(async () => {
    await c?.app.close();
    c = undefined;
    tmp.cleanup();
  });

  async function start(ingest: { sharedDevices?: boolean | string[] } = {}, inventory?: string): Promise<Collector> {
    tmp = tempDir();
    const config = testCollectorConfig(tmp.dir, ingest);
    config.agents.push({ name: OTHER, tokenSha256: sha256Hex(OTHER_TOKEN) });
    if (inventory) {
      config.rules.inventory = join(tmp.dir, 'inventory.yaml');
      writeFileSync(config.rules.inventory, inventory);
    }
    c = await buildApp({ config, now: () => NOW, logger: false });
    return c;
  }

  const send = (agent: string, token: string, samples: Sample[], devices?: DeviceMeta[]) =>
    (c as Collector).app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: { agent, seq: ++seq, batch_id: `batch-${seq}-${agent}`, samples, ...(devices ? { devices } : {}) },
    });
  const asA = (samples: Sample[], devices?: DeviceMeta[]) => send(AGENT, TOKEN, samples, devices);
  const asB = (samples: Sample[], devices?: DeviceMeta[]) => send(OTHER, OTHER_TOKEN, samples, devices);

  it("refuses another agent's samples and metadata for a device with 403 naming it", async () => {
    await start();
    expect((await asA([sample('ups01')], [{ name: 'ups01', class: 'ups', site: 'dc1' }])).statusCode).toBe(200);
    const samples = await asB([sample('ups01')]);
    expect(samples.statusCode).toBe(403);
    expect(samples.json()).toMatchObject({ code: 'RW_DEVICE_NOT_OWNED' });
    expect(samples.json().message).toContain(`'ups01' (belongs to agent '${AGENT}')`);
    // Every refused device is listed, so an agent can set exactly those aside (and send the rest).
    expect(samples.json().devices).toEqual(['ups01']);
    const meta = await asB([sample('own-b')], [{ name: 'ups01', class: 'server', site: 'evil', parent: 'own-b' }]);
    expect(meta.statusCode).toBe(403);
    expect(c?.registry.get('ups01')).toMatchObject({ class: 'ups', site: 'dc1', parent: null, agent: AGENT });
    // Nothing of the refused batch was applied, not even B's own device.
    expect(c?.registry.get('own-b')).toBeUndefined();
    const lp = await c?.app.inject({
      method: 'POST',
      url: '/api/v2/write?precision=ms',
      headers: { authorization: `Bearer ${OTHER_TOKEN}`, 'content-type': 'text/plain' },
      payload: `device,device=ups01 up=0 ${NOW}`,
    });
    expect(lp?.statusCode).toBe(403);
    expect(lp?.json().message).toContain("'ups01'");
  });

  it('lets the inventory assign a device, and shared_devices open one', async () => {
    await start({ sharedDevices: ['sensor-*'] }, 'devices:\n  pdu01:\n    agent: agent-b\n');
    expect((await asA([sample('pdu01')])).statusCode).toBe(403);
    expect((await asB([sample('pdu01')])).statusCode).toBe(200);
    expect((await asA([sample('sensor-7')])).statusCode).toBe(200);
    expect((await asB([sample('sensor-7')])).statusCode).toBe(200);
  });

  it('shares every device with shared_devices: true', async () => {
    await start({ sharedDevices: true });
    expect((await asA([sample('sw01')])).statusCode).toBe(200);
    expect((await asB([sample('sw01')])).statusCode).toBe(200);
  });

  it('breaks a parent loop with a warning, within a batch and across batches', async () => {
    await start();
    const one = await asA(
      [sample('a1')],
      [
        { name: 'a1', class: 'network', parent: 'a2' },
        { name: 'a2', class: 'network', parent: 'a1' },
      ],
    );
    expect(one.statusCode).toBe(200);
    expect(one.json().warnings).toEqual([expect.stringMatching(/^device 'a1': parent 'a2' ignored, the chain loops back: a1 → a2 → a1$/)]);
    expect([c?.registry.get('a1')?.parent, c?.registry.get('a2')?.parent]).toEqual([null, 'a1']);
    const two = await asA([sample('a1')], [{ name: 'a1', class: 'network', parent: 'a2' }]);
    expect(two.json().warnings?.[0]).toMatch(/loops back: a1 → a2 → a1/);
    expect(c?.registry.get('a1')?.parent).toBeNull();
    const self = await asA([sample('a3')], [{ name: 'a3', class: 'network', parent: 'a3' }]);
    expect(self.json().warnings?.[0]).toMatch(/loops back: a3 → a3/);
    const unknown = await asA([sample('a4')], [{ name: 'a4', class: 'server', parent: 'nobody' }]);
    expect(unknown.statusCode).toBe(200);
    expect(unknown.json().warnings).toEqual(["device 'a4': parent 'nobody' is not a known device yet; it suppresses nothing until it reports"]);
    expect(c?.registry.get('a4')?.parent).toBe('nobody');
  });

  it('gives a device on a loop no ancestors, so it is never suppressed', () => {
    tmp = tempDir();
    const parents: Record<string, string> = { x: 'y', y: 'x', leaf: 'x' };
    const topology = new Topology(new Map(), (d) => parents[d]);
    expect(topology.ancestors('x')).toEqual([]);
    expect(topology.ancestors('y')).toEqual([]);
    expect(topology.ancestors('leaf')).toEqual(['x', 'y']);
  });
});
