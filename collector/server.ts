/** Starts the collector: buildApp() plus listen(), TLS when configured. */
import { readFileSync } from 'node:fs';
import type { AgentCredential, CollectorConfig } from './config.js';
import { buildApp, type Collector } from './app.js';

export interface RunningCollector extends Collector {
  url: string;
  close(): Promise<void>;
}

export async function startCollector(config: CollectorConfig, extraAgents: AgentCredential[] = []): Promise<RunningCollector> {
  const https = config.tls ? { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) } : undefined;
  const collector = await buildApp({ config, extraAgents, https });
  try {
    await collector.app.listen({ host: config.listen.host, port: config.listen.port });
  } catch (err) {
    // Close the store and timers that buildApp opened, so the process can exit.
    await collector.app.close().catch(() => undefined);
    throw err;
  }
  const address = collector.app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.listen.port;
  const url = `${https ? 'https' : 'http'}://${config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host}:${port}`;
  return { ...collector, url, close: () => collector.app.close() };
}
