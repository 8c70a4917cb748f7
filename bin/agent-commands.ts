/**
 * The agent's commands. Kept apart from the collector's so that
 * `roomwatch agent` never loads Fastify, SQLite or prom-client: the agent runs
 * on every host in the room and its memory is budgeted.
 */
import { Agent } from '../agent/agent.js';
import { loadAgentConfig } from '../agent/config.js';
import { ConfigError } from '../lib/config.js';
import type { Logger } from '../lib/log.js';
import { untilSignal } from './signals.js';

export async function runAgent(configPath: string, log: Logger): Promise<number> {
  const agent = new Agent(loadAgentConfig(configPath), { logger: log.child({ component: 'agent' }) });
  agent.start();
  const onHangup = () => void reloadAgent(agent, configPath, log);
  process.on('SIGHUP', onHangup);
  await untilSignal(log);
  process.off('SIGHUP', onHangup);
  await agent.stop();
  return 0;
}

/**
 * SIGHUP: read agent.yaml again and apply it live. A file with problems is
 * refused as a whole (every problem logged) and the running configuration stays.
 */
export async function reloadAgent(agent: Agent, configPath: string, log: Logger): Promise<void> {
  let next;
  try {
    next = loadAgentConfig(configPath);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    log.error({ problems: err.message.split('\n') }, `${configPath} NOT reloaded; the running configuration stays`);
    return;
  }
  try {
    const report = await agent.reconfigure(next);
    if (report.needsRestart.length > 0) log.warn({ settings: report.needsRestart }, 'these settings changed and apply only after a restart');
  } catch (err) {
    log.error({ err: (err as Error).message }, `${configPath} NOT reloaded; the running configuration stays`);
  }
}

export function checkAgent(configPath: string, opts: { json?: boolean } = {}): number {
  const config = loadAgentConfig(configPath);
  if (opts.json) {
    const targets = config.targets.map((t) => ({ name: t.name, probe: t.probe, interval_ms: t.intervalMs }));
    process.stdout.write(`${JSON.stringify({ file: configPath, ok: true, collector: config.collector.url, targets })}\n`);
  } else process.stdout.write(`${configPath}: ok (${config.targets.length} targets, collector ${config.collector.url})\n`);
  return 0;
}
