/**
 * The agent's commands. Kept apart from the collector's so that
 * `roomwatch agent` never loads Fastify, SQLite or prom-client: the agent runs
 * on every host in the room and its memory is budgeted.
 */
import { Agent } from '../agent/agent.js';
import { loadAgentConfig } from '../agent/config.js';
import type { Logger } from '../lib/log.js';
import { untilSignal } from './signals.js';

export async function runAgent(configPath: string, log: Logger): Promise<number> {
  const agent = new Agent(loadAgentConfig(configPath), { logger: log.child({ part: 'agent' }) });
  agent.start();
  await untilSignal(log);
  await agent.stop();
  return 0;
}

export function checkAgent(configPath: string): number {
  const config = loadAgentConfig(configPath);
  process.stdout.write(`${configPath}: ok (${config.targets.length} targets, collector ${config.collector.url})\n`);
  return 0;
}

