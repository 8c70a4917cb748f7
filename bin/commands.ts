/** The CLI's commands; each returns an exit code, or runs until a signal stops it. */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { Agent } from '../agent/agent.js';
import { AGENT_DEFAULTS, type AgentConfig } from '../agent/config.js';
import { untilSignal } from './signals.js';
import { COLLECTOR_DEFAULTS, loadCollectorConfig, type CollectorConfig } from '../collector/config.js';
import { newToken, sha256Hex } from '../collector/ingest/auth.js';
import { startCollector, type RunningCollector } from '../collector/server.js';
import type { Logger } from '../lib/log.js';

export const LOCAL_AGENT = 'local';

/** The local agent's token: generated on first start, kept (0600) in the data directory. */
export function localAgentToken(dataDir: string): string {
  const file = join(dataDir, 'local-agent.token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const token = newToken();
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}

export function localAgentConfig(collectorUrl: string, token: string, dataDir: string): AgentConfig {
  const host = hostname();
  return {
    name: LOCAL_AGENT,
    device: host,
    collector: { url: collectorUrl, token, timeoutMs: AGENT_DEFAULTS.collectorTimeoutMs },
    intervalMs: AGENT_DEFAULTS.intervalMs,
    jitterMs: 2_000,
    batch: { ...AGENT_DEFAULTS.batch },
    spool: { dir: join(dataDir, 'spool'), maxBytes: AGENT_DEFAULTS.spool.maxBytes },
    targets: [{ name: `host:${host}`, probe: 'host', intervalMs: AGENT_DEFAULTS.intervalMs, timeoutMs: 10_000, options: {} }],
  };
}

/** SIGHUP reloads rules, inventory and maintenance files; a bad reload keeps the old rules. */
function reloadOnHangup(collector: RunningCollector, log: Logger): void {
  process.on('SIGHUP', () => {
    void collector.rules.load().then((report) => {
      // A reload by signal is a config change like one through the API: it goes in the audit log.
      collector.operators.audit.record({
        actor: 'SIGHUP',
        via: 'signal',
        action: 'rules.reload',
        target: 'rules',
        detail: { ok: report.ok, problems: report.ok ? undefined : report.problems.slice(0, 20) },
      });
      if (report.ok) log.info({ rules: report.rules, files: report.files }, 'rules reloaded');
      else log.error({ problems: report.problems }, 'rules NOT reloaded; the previous rules stay in force');
    });
  });
}

export async function runStart(opts: { collectorConfig?: string; dataDir?: string; port?: number }, log: Logger): Promise<number> {
  const base: CollectorConfig = opts.collectorConfig ? loadCollectorConfig(opts.collectorConfig) : structuredClone(COLLECTOR_DEFAULTS);
  if (opts.dataDir) base.dataDir = opts.dataDir;
  base.dataDir = resolve(base.dataDir);
  if (opts.port !== undefined) base.listen.port = opts.port;
  const token = localAgentToken(base.dataDir);
  const collector = await startCollector(base, [{ name: LOCAL_AGENT, tokenSha256: sha256Hex(token) }]);
  reloadOnHangup(collector, log);
  const agent = new Agent(localAgentConfig(collector.url, token, base.dataDir), { logger: log.child({ component: 'agent' }) });
  agent.start();
  log.info(
    { url: collector.url, data: base.dataDir },
    `roomwatch is running on ${collector.url}: sign in as admin, or make an API token with roomwatch user token admin --name curl --data ${base.dataDir}`,
  );
  await untilSignal(log);
  await agent.stop();
  await collector.close();
  return 0;
}

export async function runCollector(configPath: string | undefined, log: Logger): Promise<number> {
  const config = configPath ? loadCollectorConfig(configPath) : structuredClone(COLLECTOR_DEFAULTS);
  if (config.agents.length === 0) log.warn('no agents are configured in collector.yaml; every ingest request will be refused (see roomwatch token new)');
  const collector = await startCollector(config);
  reloadOnHangup(collector, log);
  log.info({ url: collector.url }, 'collector listening');
  await untilSignal(log);
  await collector.close();
  return 0;
}

export function runTokenNew(name: string, opts: { json?: boolean } = {}): number {
  const token = newToken();
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ name, token, token_sha256: sha256Hex(token) })}\n`);
    return 0;
  }
  process.stdout.write(
    `# Give the agent its token (agent.yaml collector.token_file, or token_env):\n${token}\n\n` +
      `# Add this to collector.yaml under agents:\n  - name: ${name}\n    token_sha256: ${sha256Hex(token)}\n`,
  );
  return 0;
}
