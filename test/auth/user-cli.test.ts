/**
 * `roomwatch user …` on a data directory, checked through a collector opened
 * on the same directory: the one-time password signs in (and must be
 * changed), a token authenticates, disable locks both out, passwd resets,
 * and every change is in the audit log as the CLI.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type Collector } from '../../collector/app.js';
import { packageRoot } from '../../lib/paths.js';
import { tempDir, testCollectorConfig } from '../helpers.js';

const CLI = join(packageRoot(), 'dist', 'bin', 'roomwatch.js');
const exec = promisify(execFile);

async function cli(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = exec(process.execPath, [CLI, ...args]);
  if (input !== undefined) child.child.stdin?.end(input);
  else child.child.stdin?.end();
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('roomwatch user', () => {
  let tmp: ReturnType<typeof tempDir>;
  let c: Collector;
  beforeAll(async () => {
    tmp = tempDir();
    c = await buildApp({ config: testCollectorConfig(tmp.dir), logger: false, autoTick: false, background: false });
  });
  afterAll(async () => {
    await c.app.close();
    tmp.cleanup();
  });
  const login = (username: string, password: string) => c.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });

  it('adds a user with a one-time password, makes a token, disables and resets', async () => {
    const added = await cli(['user', 'add', 'chen.jie', '--role', 'operator', '--team', 'storage', '--data', tmp.dir, '--json']);
    expect(added.code, added.stderr).toBe(0);
    const { one_time_password: otp } = JSON.parse(added.stdout) as { one_time_password: string };
    const first = await login('chen.jie', otp);
    expect(first.statusCode).toBe(200);
    expect(first.json().user).toMatchObject({ role: 'operator', teams: ['storage'], must_change_password: true });
    expect((await cli(['user', 'add', 'chen.jie', '--data', tmp.dir])).code).toBe(1);
    expect((await cli(['user', 'add', 'Bad Name', '--data', tmp.dir])).code).toBe(2);

    const tooStrong = await cli(['user', 'token', 'chen.jie', '--name', 'x', '--role', 'admin', '--data', tmp.dir]);
    expect(tooStrong.code).toBe(2);
    expect(tooStrong.stderr).toMatch(/at most its owner's \(chen\.jie is operator\)/);
    const made = await cli(['user', 'token', 'chen.jie', '--name', 'grafana', '--role', 'viewer', '--expires', '90d', '--data', tmp.dir, '--json']);
    expect(made.code, made.stderr).toBe(0);
    const bearer = { authorization: `Bearer ${(JSON.parse(made.stdout) as { token: string }).token}` };
    expect((await c.app.inject({ url: '/api/v1/devices', headers: bearer })).statusCode).toBe(200);

    expect((await cli(['user', 'disable', 'chen.jie', '--data', tmp.dir])).code).toBe(0);
    expect((await c.app.inject({ url: '/api/v1/devices', headers: bearer })).statusCode).toBe(401);
    expect((await login('chen.jie', otp)).statusCode).toBe(403);
    expect((await cli(['user', 'disable', 'chen.jie', '--enable', '--data', tmp.dir])).code).toBe(0);

    const weak = await cli(['user', 'passwd', 'chen.jie', '--password-stdin', '--data', tmp.dir], 'short\n');
    expect(weak.code).toBe(2);
    const reset = await cli(['user', 'passwd', 'chen.jie', '--password-stdin', '--data', tmp.dir], 'a-long-enough-passphrase\n');
    expect(reset.code, reset.stderr).toBe(0);
    expect((await login('chen.jie', otp)).statusCode).toBe(401);
    expect((await login('chen.jie', 'a-long-enough-passphrase')).json().user.must_change_password).toBe(true);
    expect((await cli(['user', 'passwd', 'nobody', '--data', tmp.dir])).code).toBe(1);

    const listed = JSON.parse((await cli(['user', 'list', '--json', '--data', tmp.dir])).stdout) as { users: Array<{ username: string }> };
    expect(listed.users.map((u) => u.username)).toContain('chen.jie');
    const actions = c.operators.audit
      .query({})
      .filter((e) => e.via === 'cli')
      .map((e) => e.action)
      .reverse();
    expect(actions).toEqual(['user.create', 'token.create', 'user.disable', 'user.enable', 'user.password_reset']);
  }, 60_000);
});
