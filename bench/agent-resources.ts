/**
 * agent_resources: the real agent process as deployed (`node dist/roomwatch-agent.mjs`, the bundle)
 * with one host probe every 10 s, delivering to a collector the bench starts.
 * Every 5 s: VmRSS from /proc/<pid>/status and utime+stime from /proc/<pid>/stat.
 * The first 10 s (start-up: module loading, first probe) are left out of the
 * figures. Targets: ≤ 50 MB RSS, ≤ 0.3 % of one core.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AGENT, procStatusKb, CLK_TCK, emit, envInt, getText, median, procCpuTicks, progress, promSum, r, sleep, startCollectorProc, tempDir, TOKEN } from './lib.js';

const EVERY_MS = 5_000;
const STARTUP_MS = 10_000;

export async function benchAgentResources(): Promise<void> {
  const seconds = envInt('BENCH_AGENT_SECONDS', 300, 15);
  const tmp = tempDir('agent');
  const collector = await startCollectorProc(join(tmp.dir, 'data'));
  const logFile = join(tmp.dir, 'agent.log');
  const logFd = openSync(logFile, 'a');
  try {
    const config = join(tmp.dir, 'agent.yaml');
    writeFileSync(
      config,
      [
        'agent:',
        `  name: ${AGENT}`,
        '  site: dc1',
        '  room: A',
        'collector:',
        `  url: ${collector.url}`,
        `  token: ${TOKEN}`,
        '  timeout: 10s',
        'interval: 10s',
        'jitter: 2s',
        'spool:',
        `  dir: ${join(tmp.dir, 'spool')}`,
        'targets:',
        '  - probe: host',
        '    interval: 10s',
        '',
      ].join('\n'),
    );
    const cli = fileURLToPath(new URL('../roomwatch-agent.mjs', import.meta.url));
    const root = fileURLToPath(new URL('../../', import.meta.url));
    // BENCH_AGENT_NODE_FLAGS lets a run try V8 flags, e.g. --max-semi-space-size=1.
    const flags = (process.env.BENCH_AGENT_NODE_FLAGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...flags, cli, '--config', config], { cwd: root, stdio: ['ignore', logFd, logFd] });
    const pid = child.pid as number;
    let exitCode: number | null | undefined;
    const exited = new Promise<void>((resolve) =>
      child.once('exit', (code) => {
        exitCode = code;
        resolve();
      }),
    );
    progress(`agent_resources: agent pid ${pid}, ${seconds} s, a reading every ${EVERY_MS / 1000} s`);

    const t0 = performance.now();
    const readings: Array<{ t: number; rssKb: number; ticks: number }> = [];
    for (let k = 1; k * EVERY_MS <= seconds * 1000; k++) {
      await sleep(Math.max(0, t0 + k * EVERY_MS - performance.now()));
      if (exitCode !== undefined) throw new Error(`agent exited early (${exitCode}); log:\n${readFileSync(logFile, 'utf8').slice(-2_000)}`);
      readings.push({ t: performance.now() - t0, rssKb: procStatusKb(pid, 'VmRSS'), ticks: procCpuTicks(pid) });
    }
    const hwmKb = procStatusKb(pid, 'VmHWM');
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);

    const base = readings.filter((x) => x.t >= STARTUP_MS - 500)[0];
    const steady = base ? readings.filter((x) => x.t >= base.t) : [];
    const last = readings[readings.length - 1];
    if (!base || !last || steady.length === 0) throw new Error('agent_resources: no readings after the start-up window');
    const cpuS = (last.ticks - base.ticks) / CLK_TCK;
    const wallS = (last.t - base.t) / 1000;
    const agents = JSON.parse(await getText(`${collector.url}/api/v1/agents`)) as { agents: Array<{ name: string; batches: number }> };
    const metrics = await getText(`${collector.url}/metrics`);
    const rssMb = steady.map((x) => x.rssKb / 1024);
    emit({
      bench: 'agent_resources',
      seconds,
      probe: 'host',
      interval_s: 10,
      readings: steady.length,
      excluded_startup_s: STARTUP_MS / 1000,
      rss_mb_median: r(median(rssMb)),
      rss_mb_max: r(Math.max(...rssMb)),
      rss_hwm_mb: r(hwmKb / 1024),
      cpu_pct_avg: r((cpuS / wallS) * 100),
      cpu_s: r(cpuS),
      cpu_window_s: r(wallS),
      clk_tck: CLK_TCK,
      batches_received: agents.agents.find((a) => a.name === AGENT)?.batches ?? 0,
      samples_received: promSum(metrics, 'roomwatch_ingest_samples_total', { endpoint: 'ingest' }),
      agent_exit_code: exitCode,
      target_rss_mb: 50,
      target_cpu_pct: 0.3,
      rss_mb_readings: rssMb.map(r),
    });
  } finally {
    closeSync(logFd);
    await collector.stop();
    tmp.cleanup();
  }
}
