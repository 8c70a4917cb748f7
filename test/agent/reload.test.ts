/**
 * The agent applies a changed agent.yaml on SIGHUP without a restart: a new
 * target starts reporting, a removed one stops, a target whose interval alone
 * changed keeps its probe, and a broken file leaves the running configuration.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentConfig, TargetConfig } from '../../agent/config.js';
import { planReload } from '../../agent/reload.js';
import { startCollector } from '../../collector/server.js';
import { authed, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';

const CLI = join(process.cwd(), 'dist/bin/roomwatch.js');

const target = (name: string, intervalMs: number, options: unknown = {}): TargetConfig => ({ name, probe: 'host', intervalMs, timeoutMs: 5_000, options });
const config = (targets: TargetConfig[], extra: Partial<AgentConfig> = {}): AgentConfig => ({
  name: 'a1',
  device: 'h1',
  collector: { url: 'http://127.0.0.1:1', token: 't', timeoutMs: 1_000 },
  intervalMs: 15_000,
  jitterMs: 1_000,
  batch: { maxSamples: 1_000, maxWaitMs: 1_000 },
  spool: { dir: '/tmp/x', maxBytes: 1 << 20 },
  targets,
  ...extra,
});

describe('planReload', () => {
  it('sorts targets into added, removed, replaced, rescheduled and unchanged', () => {
    const running = [target('keep', 1_000), target('slower', 1_000), target('opts', 1_000, { processes: ['a'] }), target('gone', 1_000)];
    const next = config([target('keep', 1_000), target('slower', 5_000), target('opts', 1_000, { processes: ['b'] }), target('new', 1_000)]);
    const plan = planReload(config(running), next, running);
    expect(plan.summary).toEqual({ added: ['new'], removed: ['gone'], changed: ['opts'], rescheduled: ['slower'], unchanged: 1 });
    expect(plan.needsRestart).toEqual([]);
  });

  it('names the settings that only a restart applies', () => {
    const plan = planReload(config([]), config([], { collector: { url: 'http://127.0.0.1:2', token: 't', timeoutMs: 1_000 }, spool: { dir: '/tmp/y', maxBytes: 1 << 20 } }), []);
    expect(plan.needsRestart).toEqual(['collector', 'spool']);
  });
});

describe('agent reload on SIGHUP', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanups.reverse()) await fn();
    cleanups.length = 0;
  });

  it('adds and removes targets live, and refuses a broken file', async () => {
    const tmp = tempDir();
    cleanups.push(() => tmp.cleanup());
    const collector = await startCollector(testCollectorConfig(join(tmp.dir, 'collector')));
    cleanups.push(() => collector.close());
    const file = join(tmp.dir, 'agent.yaml');
    const yaml = (targets: string[]) =>
      [
        `agent: { name: test-agent }`,
        `collector: { url: "${collector.url}", token: ${TOKEN} }`,
        'interval: 1s',
        'batch: { max_wait: 200ms }',
        `spool: { dir: "${join(tmp.dir, 'spool')}" }`,
        'targets:',
        ...targets,
        '',
      ].join('\n');
    writeFileSync(file, yaml(['  - { name: first, probe: host, interval: 1s }']));
    const child = spawn(process.execPath, [CLI, 'agent', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ROOMWATCH_LOG_LEVEL: 'info' } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    cleanups.push(async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    });
    /** The agent targets that reported a probe run since `since`. */
    const reporting = async (since?: number) => {
      const res = await authed(collector.app, { url: `/api/v1/query?metric=agent.probe_ms&from=${since ?? '-5m'}&step=1s&agg=count` });
      const body = res.json() as { series: Array<{ tags: Record<string, string>; points: unknown[] }> };
      return new Set(body.series.filter((s) => s.points.length > 0).map((s) => s.tags.target));
    };
    const until = async (what: string, cond: () => Promise<boolean> | boolean) => {
      for (let i = 0; i < 300; i++) {
        if (await cond()) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`timed out waiting for ${what}:\n${out}`);
    };
    await until('the first target', async () => (await reporting()).has('first'));

    writeFileSync(file, yaml(['  - { name: first, probe: host, interval: 1s }', '  - { name: second, probe: host, interval: 1s }']));
    child.kill('SIGHUP');
    await until('the reload', () => out.includes('configuration reloaded'));
    await until('the second target', async () => (await reporting()).has('second'));

    writeFileSync(file, yaml(['  - { name: second, probe: hostt, interval: 1s }']));
    child.kill('SIGHUP');
    await until('the refusal', () => out.includes('NOT reloaded'));
    expect(out).toMatch(/agent\.yaml:7:\d+/);

    writeFileSync(file, yaml(['  - { name: second, probe: host, interval: 1s }']));
    child.kill('SIGHUP');
    await until('the second reload', () => out.split('configuration reloaded').length === 3);
    expect(out).toMatch(/"removed":\["first"\]/);
    const afterRemoval = Date.now() + 1_500;
    await new Promise((r) => setTimeout(r, 3_000));
    const since = await reporting(afterRemoval);
    expect(since.has('second')).toBe(true);
    expect(since.has('first')).toBe(false);
    expect(child.exitCode).toBeNull();
  });
});
