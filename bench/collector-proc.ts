/**
 * Child-process entry (forked by lib.ts): the real collector — buildApp() and
 * listen on 127.0.0.1:0 — with a silent logger and one agent token. It answers
 * IPC requests for its own process.cpuUsage() so the bench can divide samples
 * by the collector's CPU seconds, and closes cleanly on `stop` (which also lets
 * `--cpu-prof` write its profile).
 */
import { buildApp } from '../collector/app.js';
import { COLLECTOR_DEFAULTS, type CollectorConfig } from '../collector/config.js';
import { sha256Hex } from '../collector/ingest/auth.js';

export interface RulesOptions {
  paths: string[];
  inventory?: string;
  /** Report every `fired` alert event over IPC, timestamped with a sub-millisecond epoch clock. */
  reportFired?: boolean;
  /** escalation.yaml for the incident stage. */
  policy?: string;
  /** notify.channels of collector.yaml. */
  channels?: CollectorConfig['notify']['channels'];
  /**
   * The collector's clock follows the data: it reads the newest sample
   * timestamp applied so far (or the wall clock, if later). Bench streams then
   * advance by the real scrape interval per round, so windows hold what they
   * would in a room, however fast the bench sends.
   */
  dataClock?: boolean;
  /**
   * Turn off shedding on event-loop lag (ingest.max_event_loop_lag): a
   * closed-loop throughput run measures capacity, which shedding would cut
   * short with 429s. The overload bench keeps it on.
   */
  noLagShedding?: boolean;
}

export type CollectorRequest =
  { op: 'start'; dataDir: string; token: string; agent: string; synchronous: 'full' | 'normal'; rules?: RulesOptions; influx?: CollectorConfig['store']['influx'] } | { op: 'cpu' } | { op: 'stop' };

export type CollectorReply = { op: 'started'; url: string } | { op: 'cpu'; seconds: number };
/** Unsolicited: an alert fired (only with rules.reportFired). */
export type FiredNotice = { op: 'fired'; device: string; ruleId: string; at: number };

type Running = Awaited<ReturnType<typeof buildApp>>;
let running: Running | undefined;
let stopping = false;

const reply = (msg: CollectorReply) => process.send?.(msg);

async function handle(req: CollectorRequest): Promise<void> {
  switch (req.op) {
    case 'start': {
      const config: CollectorConfig = {
        ...structuredClone(COLLECTOR_DEFAULTS),
        listen: { host: '127.0.0.1', port: 0 },
        dataDir: req.dataDir,
        logLevel: 'silent',
        agents: [],
        // The benches read as a viewer (bench/lib.ts READ_TOKEN).
        auth: { ...COLLECTOR_DEFAULTS.auth, tokens: [{ name: 'bench-reader', role: 'viewer', tokenSha256: sha256Hex('rw_bench_reader_0123456789abcdef'), teams: [], sites: [] }] },
      };
      config.store.synchronous = req.synchronous;
      if (req.influx) config.store = { ...config.store, kind: 'influxdb', retentionMs: 7 * 86_400_000, influx: req.influx };
      // Without rules the collector evaluates nothing: the baseline the rules bench compares with.
      config.rules = { ...config.rules, paths: req.rules?.paths ?? [], inventory: req.rules?.inventory };
      if (req.rules?.noLagShedding) config.ingest = { ...config.ingest, maxLagMs: Number.POSITIVE_INFINITY };
      if (req.rules?.policy) config.incidents = { ...config.incidents, policy: req.rules.policy };
      if (req.rules?.channels) config.notify = { channels: req.rules.channels };
      let newest = 0;
      const now = req.rules?.dataClock ? () => Math.max(Date.now(), newest) : Date.now;
      running = await buildApp({ config, now, extraAgents: [{ name: req.agent, tokenSha256: sha256Hex(req.token) }] });
      if (req.rules?.dataClock) {
        // The clock moves before the batch is applied, so its own samples are not in the future of its evaluation.
        const ingest = running.ingest;
        const apply = ingest.apply.bind(ingest);
        ingest.apply = (input) => {
          for (const s of input.samples) if (s.ts > newest) newest = s.ts;
          return apply(input);
        };
      }
      if (req.rules?.reportFired) {
        running.engine.onEvent((e) => {
          if (e.type !== 'fired') return;
          const notice: FiredNotice = { op: 'fired', device: e.alert.device, ruleId: e.alert.ruleId, at: performance.timeOrigin + performance.now() };
          process.send?.(notice);
        });
      }
      await running.app.listen({ host: config.listen.host, port: 0 });
      const address = running.app.server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      reply({ op: 'started', url: `http://127.0.0.1:${port}` });
      return;
    }
    case 'cpu': {
      const u = process.cpuUsage();
      reply({ op: 'cpu', seconds: (u.user + u.system) / 1e6 });
      return;
    }
    case 'stop':
      stopping = true;
      await running?.app.close();
      process.disconnect?.();
      return;
  }
}

if (!process.send) {
  process.stderr.write('collector-proc.js is started by the bench (child_process.fork), not by hand\n');
  process.exit(2);
}

process.on('message', (req: CollectorRequest) => {
  handle(req).catch((err: unknown) => {
    process.stderr.write(`bench collector: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
});
// The parent going away (bench crashed or was interrupted) ends the collector too.
process.on('disconnect', () => {
  if (stopping) return;
  void (running?.app.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
