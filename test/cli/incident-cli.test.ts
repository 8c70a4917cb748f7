/**
 * `roomwatch incident …` (the built CLI, dist/) against a real collector
 * listening on 127.0.0.1: list, show, ack and close as the token's owner,
 * --json, the environment instead of options, and one clear line with exit 1
 * for a missing token, a missing role, an unknown incident and a collector
 * that is not there.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import { packageRoot } from '../../lib/paths.js';
import { authHeaders, freePort, ROLE_TOKENS, tempDir, testCollectorConfig } from '../helpers.js';

const exec = promisify(execFile);
const CLI = join(packageRoot(), 'dist', 'bin', 'roomwatch.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
async function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { timeout: 30_000, env: { PATH: process.env.PATH ?? '', ...env } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('roomwatch incident', () => {
  let c: Collector;
  let url = '';
  const tmp = tempDir();
  const as = (role: 'viewer' | 'operator' | 'admin') => ['--url', url, '--token', ROLE_TOKENS[role]];
  const openByHand = async (device: string) =>
    (await c.app.inject({ method: 'POST', url: '/api/v1/incidents', headers: authHeaders('operator'), payload: { title: `Fan tray failed on ${device}`, priority: 'P2', device } })).json() as {
      id: number;
    };

  beforeAll(async () => {
    c = await buildApp({ config: testCollectorConfig(join(tmp.dir, 'data')), logger: false });
    const port = await freePort();
    await c.app.listen({ port, host: '127.0.0.1' });
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await c?.app.close();
    tmp.cleanup();
  });

  it('lists and shows incidents as a table and as JSON', async () => {
    const { id } = await openByHand('sw-core-1');
    const list = await cli(['incident', 'list', ...as('viewer')]);
    expect(list.code, list.stderr).toBe(0);
    const [header, ...rows] = list.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+PRI\s+STATUS\s+AGE\s+TIER\s+DEVICE\s+ASSIGNEE\s+TITLE$/);
    expect(rows.find((r) => r.startsWith(`${id} `))).toMatch(new RegExp(`^${id}\\s+P2\\s+open\\s+0m\\s+L1\\s+sw-core-1\\s+-\\s+Fan tray failed on sw-core-1$`));
    const json = JSON.parse((await cli(['incident', 'list', '--json', '--device', 'sw-core-1', ...as('viewer')])).stdout) as { incidents: Array<{ id: number }> };
    expect(json.incidents.map((i) => i.id)).toEqual([id]);
    const show = await cli(['incident', 'show', String(id), ...as('viewer')]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`#${id} [P2] Fan tray failed on sw-core-1`);
    expect(show.stdout).toMatch(/Timeline:\n.*opened by test-operator/);
  });

  it('acknowledges and closes as the token owner, taking URL and token from the environment', async () => {
    const { id } = await openByHand('ups-b');
    const env = { ROOMWATCH_URL: url, ROOMWATCH_TOKEN: ROLE_TOKENS.operator };
    const ack = await cli(['incident', 'ack', String(id)], env);
    expect(ack.code, ack.stderr).toBe(0);
    expect(ack.stdout).toBe(`#${id} acknowledged by test-operator\n`);
    const twice = await cli(['incident', 'ack', String(id)], env);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toBe(`roomwatch: the collector answered 409: incident ${id} is acknowledged; this needs open\n`);
    const close = await cli(['incident', 'close', String(id), '--cause', 'Fan tray seated badly', '--fix', 'Reseated it', '--json'], env);
    expect(close.code, close.stderr).toBe(0);
    expect(JSON.parse(close.stdout)).toMatchObject({ id, status: 'closed', cause: 'Fan tray seated badly', fix: 'Reseated it' });
    expect(
      c.incidents.store
        .timeline(id)
        .filter((t) => t.type === 'closed')
        .map((t) => t.actor),
    ).toEqual(['test-operator']);
  });

  it('says what to do about a missing token, a missing role, an unknown incident and an absent collector', async () => {
    const { id } = await openByHand('pdu-3');
    const anonymous = await cli(['incident', 'list', '--url', url]);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/^roomwatch: not signed in \(401\): .*; pass --token or set ROOMWATCH_TOKEN/);
    const viewer = await cli(['incident', 'ack', String(id), ...as('viewer')]);
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toMatch(/^roomwatch: not allowed \(403\): needs role operator; you are viewer/);
    expect(c.incidents.store.get(id)?.status).toBe('open');
    const missing = await cli(['incident', 'show', '999999', ...as('viewer')]);
    expect(missing).toMatchObject({ code: 1, stderr: 'roomwatch: not found (404): no incident 999999\n' });
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const refused = await cli(['incident', 'list', '--url', nobody, '--token', 'x']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`roomwatch: cannot reach the collector at ${nobody}/ (connection refused: is the collector running there?); set --url or ROOMWATCH_URL\n`);
    expect((await cli(['incident', 'ack', 'first', ...as('operator')])).code).toBe(2);
  });
});
