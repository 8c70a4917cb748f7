import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../agent/scheduler.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Scheduler', () => {
  it('runs on the interval and never overlaps a slow run with itself', async () => {
    const s = new Scheduler(0);
    let concurrent = 0;
    let maxConcurrent = 0;
    let runs = 0;
    s.add({
      name: 'slow',
      intervalMs: 50,
      timeoutMs: 1_000,
      run: async () => {
        runs++;
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await sleep(130);
        concurrent--;
      },
    });
    s.start();
    await sleep(600);
    await s.stop();
    expect(maxConcurrent).toBe(1);
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(s.state('slow')?.skipped).toBeGreaterThanOrEqual(4);
  });

  it('aborts a run at its timeout and at shutdown', async () => {
    const s = new Scheduler(0);
    const reasons: string[] = [];
    s.add({
      name: 'hang',
      intervalMs: 10_000,
      timeoutMs: 50,
      run: (signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            reasons.push((signal.reason as Error).name);
            resolve();
          });
        }),
    });
    s.start();
    await sleep(150);
    expect(reasons).toEqual(['TimeoutError']);
    await s.stop();
  });

  it('spreads first runs over the jitter window', async () => {
    let i = 0;
    const randoms = [0, 0.9];
    const s = new Scheduler(200, { now: Date.now, random: () => randoms[i++] ?? 0 });
    const firstRun: Record<string, number> = {};
    const start = Date.now();
    for (const name of ['a', 'b']) {
      s.add({ name, intervalMs: 10_000, timeoutMs: 1_000, run: async () => void (firstRun[name] ??= Date.now() - start) });
    }
    s.start();
    await sleep(300);
    await s.stop();
    expect(firstRun.a).toBeLessThan(100);
    expect(firstRun.b).toBeGreaterThanOrEqual(170);
  });

  it('runs cron tasks through node-cron', async () => {
    const s = new Scheduler(0);
    let runs = 0;
    s.add({ name: 'every-second', intervalMs: 0, cron: '* * * * * *', timeoutMs: 500, run: async () => void runs++ });
    s.start();
    await sleep(2_300);
    await s.stop();
    expect(runs).toBeGreaterThanOrEqual(2);
  });
});
