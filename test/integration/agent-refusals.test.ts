/**
 * Issue #14 leftover: the real agent against the real collector when the
 * collector refuses. An ownership 403 (a device another agent owns) is a
 * data problem: the refused device's samples go to the dead-letter file and
 * everything else keeps flowing. A 401 (wrong token) is a credentials
 * problem: the spool keeps every batch.
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.js';
import { AGENT_DEFAULTS, type AgentConfig } from '../../agent/config.js';
import { DEAD_LETTER_FILE } from '../../agent/transport/dead-letter.js';
import { sha256Hex } from '../../collector/ingest/auth.js';
import { startCollector } from '../../collector/server.js';
import { createLogger } from '../../lib/log.js';
import { AGENT, authHeaders, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';

const silent = createLogger('silent');
const OTHER = 'agent-b';
const OTHER_TOKEN = 'rw_test_token_other_98765';
const FOREIGN = 'ups-owned-by-b';

function agentConfig(url: string, dir: string, token: string): AgentConfig {
  return {
    name: AGENT,
    device: hostname(),
    collector: { url, token, timeoutMs: 2_000 },
    intervalMs: 500,
    jitterMs: 50,
    batch: { maxSamples: AGENT_DEFAULTS.batch.maxSamples, maxWaitMs: 100 },
    spool: { dir: join(dir, 'spool'), maxBytes: 8 * 1024 * 1024 },
    targets: [
      { name: 'own', probe: 'host', intervalMs: 500, timeoutMs: 500, options: {} },
      // The same probe under a device name another agent reported first.
      { name: 'foreign', probe: 'host', device: FOREIGN, intervalMs: 500, timeoutMs: 500, options: {} },
    ],
  };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function points(url: string, metric: string, device: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/query?metric=${metric}&device=${encodeURIComponent(device)}&from=-5m&step=raw`, { headers: authHeaders('viewer') });
  const body = (await res.json()) as { series: Array<{ points: unknown[] }> };
  return body.series.reduce((n, s) => n + s.points.length, 0);
}

describe('agent refusals from the collector', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanups.reverse()) await fn();
    cleanups.length = 0;
  });

  it('sets an ownership 403 aside in the dead-letter file and keeps sending everything else', async () => {
    const tmp = tempDir();
    const config = testCollectorConfig(join(tmp.dir, 'collector'));
    config.agents.push({ name: OTHER, tokenSha256: sha256Hex(OTHER_TOKEN) });
    const collector = await startCollector(config);
    cleanups.push(tmp.cleanup, () => collector.close());
    // Agent B reports the device first, so it owns it.
    const claim = await fetch(`${collector.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OTHER_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agent: OTHER, seq: 1, batch_id: 'agent-b-claim-1', samples: [{ measurement: 'device', tags: { device: FOREIGN }, fields: { up: 1 }, ts: Date.now() }] }),
    });
    expect(claim.status).toBe(200);

    const agent = new Agent(agentConfig(collector.url, tmp.dir, TOKEN), { logger: silent, drainMs: 2_000 });
    cleanups.push(() => agent.stop());
    agent.start();

    // The agent's own device keeps arriving batch after batch: the refusal blocks nothing.
    await waitFor('own cpu samples over several batches', async () => ((await points(collector.url, 'cpu.usage_pct', hostname())) >= 4 ? true : undefined));
    await waitFor('dead-lettered samples', () => (agent.sender.stats.samplesDeadLettered > 0 ? true : undefined));
    await waitFor('the spool to drain', () => (agent.spool.pendingRecords === 0 ? true : undefined));
    expect(await points(collector.url, 'cpu.usage_pct', FOREIGN)).toBe(0);
    // The agent's own self metrics, counter included, reach the collector.
    await waitFor('agent.dead_letter_samples > 0 at the collector', async () => {
      const res = await fetch(`${collector.url}/api/v1/query?metric=agent.dead_letter_samples&device=${hostname()}&from=-5m&agg=max&step=5m`, { headers: authHeaders('viewer') });
      const body = (await res.json()) as { series: Array<{ points: Array<[number, number]> }> };
      return (body.series[0]?.points.at(-1)?.[1] ?? 0) > 0 ? true : undefined;
    });
    await agent.stop();

    const lines = readFileSync(join(tmp.dir, 'spool', DEAD_LETTER_FILE), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(0);
    for (const entry of lines) {
      expect(entry).toMatchObject({ status: 403, code: 'RW_DEVICE_NOT_OWNED', devices: [FOREIGN] });
      expect(entry.message).toContain(`belongs to agent '${OTHER}'`);
      const samples = entry.samples as Array<{ tags: { device: string } }>;
      expect(samples.length).toBeGreaterThan(0);
      // Only the foreign device's samples were set aside.
      expect(samples.every((s) => s.tags.device === FOREIGN)).toBe(true);
    }
    const deadSamples = lines.reduce((n, e) => n + (e.samples as unknown[]).length, 0);
    expect(deadSamples).toBe(agent.sender.stats.samplesDeadLettered);
    // Nothing else was dropped.
    expect(agent.spool.droppedSamples).toBe(0);
    expect(agent.sender.stats.samplesRejected).toBe(0);
  }, 60_000);

  it('keeps every batch spooled on a 401 and dead-letters nothing', async () => {
    const tmp = tempDir();
    const collector = await startCollector(testCollectorConfig(join(tmp.dir, 'collector')));
    cleanups.push(tmp.cleanup, () => collector.close());
    const config = agentConfig(collector.url, tmp.dir, 'rw_wrong_token_000000000');
    config.targets = config.targets.slice(0, 1);
    const agent = new Agent(config, { logger: silent, drainMs: 200 });
    cleanups.push(() => agent.stop());
    agent.start();

    await waitFor('the 401', () => (agent.sender.stats.lastError?.includes('refused credentials (401)') ? true : undefined));
    await waitFor('batches piling up in the spool', () => (agent.spool.pendingRecords >= 3 ? true : undefined));
    // Backing off: one attempt, then a minute's wait, so the batches behind it are not sent.
    expect(agent.sender.stats.batchesSent).toBe(0);
    await agent.stop();
    expect(agent.spool.pendingRecords).toBeGreaterThanOrEqual(3);
    expect(agent.spool.droppedSamples).toBe(0);
    expect(agent.sender.stats.samplesDeadLettered).toBe(0);
    expect(existsSync(join(tmp.dir, 'spool', DEAD_LETTER_FILE))).toBe(false);
    expect(await points(collector.url, 'cpu.usage_pct', hostname())).toBe(0);
  }, 60_000);
});
