/**
 * The agent: probes on a schedule → sender (batches, spool, delivery).
 * One failing or slow probe never stops the others: each runs as its own task
 * with its own timeout, and its failure becomes agent.probe_errors.
 */
import type { Sample } from '../collector/contract/index.js';
import { createLogger, probeLog, type Logger } from '../lib/log.js';
import type { AgentConfig, TargetConfig } from './config.js';
import { AGENT_MEASUREMENT, AgentField } from './metrics.js';
import { probeKinds } from './probes/registry.js';
import type { Probe, ProbeEnv } from './probes/types.js';
import { Scheduler } from './scheduler.js';
import { createPoster, type HttpPoster } from './transport/http.js';
import { Sender } from './transport/sender.js';
import { Spool } from './transport/spool.js';
import { DeadLetterFile } from './transport/dead-letter.js';
import { LogShipper } from './transport/log-shipper.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TrapReceiver } from './snmp/traps.js';
import { profilesFor } from './snmp/shared.js';
import { parseHostPort } from './probes/host.js';
import { planReload, type ReloadReport } from './reload.js';

export interface AgentOptions {
  logger?: Logger;
  now?: () => number;
  /** How long stop() keeps trying to deliver spooled batches. */
  drainMs?: number;
}

const DEVICE_REFRESH_MS = 10 * 60_000;

interface RunningTarget {
  target: TargetConfig;
  env: ProbeEnv;
  probe: Probe;
}

export class Agent {
  readonly sender: Sender;
  readonly spool: Spool;
  private readonly scheduler: Scheduler;
  private readonly probes: RunningTarget[] = [];
  private readonly poster: HttpPoster;
  private readonly log: Logger;
  private readonly now: () => number;
  private heartbeat: NodeJS.Timeout | undefined;
  readonly traps: TrapReceiver | undefined;
  private refresh: NodeJS.Timeout | undefined;

  private config: AgentConfig;
  /** Raw syslog lines to the collector; made when a syslog target first hears a line. */
  private logShipper: LogShipper | undefined;
  private logSpool: Spool | undefined;
  private readonly logSink = { push: (line: Parameters<LogShipper['push']>[0]) => this.logs().push(line) };
  /** Polled SNMP addresses → device names, for traps. */
  private trapDevices = new Map<string, string>();

  constructor(
    config: AgentConfig,
    private readonly opts: AgentOptions = {},
  ) {
    this.config = config;
    this.log = opts.logger ?? createLogger(undefined, 'agent');
    this.now = opts.now ?? Date.now;
    this.spool = Spool.open({ dir: config.spool.dir, maxBytes: config.spool.maxBytes });
    this.poster = createPoster(config.collector.url, config.collector.ca);
    this.sender = new Sender({
      agent: config.name,
      token: config.collector.token,
      timeoutMs: config.collector.timeoutMs,
      maxSamples: config.batch.maxSamples,
      maxWaitMs: config.batch.maxWaitMs,
      poster: this.poster,
      spool: this.spool,
      log: probeLog(this.log.child({ part: 'transport' })),
      now: this.now,
      selfSamples: (ts) => this.selfSamples(ts),
      deadLetter: new DeadLetterFile(config.spool.dir),
    });
    this.scheduler = new Scheduler(config.jitterMs);
    for (const target of config.targets) this.addTarget(this.initTarget(target));
    const trapSettings = config.snmp?.traps;
    if (trapSettings) {
      this.trapDevices = this.snmpDevices();
      this.traps = new TrapReceiver(trapSettings, {
        profiles: profilesFor(config.snmp?.profileDirs ?? []),
        deviceFor: (address) => this.trapDevices.get(address),
        emit: (samples) => this.sender.enqueue(samples),
        log: probeLog(this.log.child({ part: 'traps' })),
        now: this.now,
      });
    }
  }

  /** Creates a target's probe; throws on options the probe refuses. */
  private initTarget(target: TargetConfig): RunningTarget {
    const kind = probeKinds().get(target.probe);
    if (!kind) throw new Error(`unknown probe kind '${target.probe}'`);
    const env: ProbeEnv = {
      agentName: this.config.name,
      hostname: this.config.device,
      site: this.config.site,
      room: this.config.room,
      intervalMs: target.intervalMs,
      collectorClockOffset: () => {
        const ms = this.sender.stats.clockOffsetMs;
        return ms === undefined ? undefined : ms / 1000;
      },
      log: probeLog(this.log.child({ target: target.name })),
      snmp: this.config.snmp,
      logs: this.logSink,
    };
    return { target, env, probe: kind.init({ device: target.device, options: target.options }, env) };
  }

  private addTarget(running: RunningTarget): void {
    this.probes.push(running);
    this.scheduleTarget(running);
  }

  private scheduleTarget(running: RunningTarget): void {
    const { target, probe } = running;
    this.scheduler.add({
      name: target.name,
      intervalMs: target.intervalMs,
      cron: target.cron,
      timeoutMs: target.timeoutMs,
      run: (signal) => this.runProbe(running.target, probe, signal),
    });
  }

  /**
   * Applies a new configuration while running (SIGHUP): targets are added,
   * removed and changed; a target whose only change is its schedule keeps its
   * probe, so counters and sessions carry on. The spool, the sender and the
   * trap receiver stay as they are: settings of theirs that changed are
   * listed in `needsRestart`. A target whose options its probe refuses
   * leaves everything unchanged.
   */
  async reconfigure(next: AgentConfig): Promise<ReloadReport> {
    const plan = planReload(
      this.config,
      next,
      this.probes.map((p) => p.target),
    );
    const created = [...plan.added, ...plan.replaced].map((t) => this.initTarget(t));
    for (const name of [...plan.removed, ...plan.replaced.map((t) => t.name)]) {
      const i = this.probes.findIndex((p) => p.target.name === name);
      const [gone] = this.probes.splice(i, 1);
      await this.scheduler.remove(name);
      await gone?.probe.close?.();
    }
    for (const t of plan.rescheduled) {
      const running = this.probes.find((p) => p.target.name === t.name)!;
      await this.scheduler.remove(t.name);
      running.target = t;
      running.env.intervalMs = t.intervalMs;
      this.scheduleTarget(running);
    }
    for (const running of created) this.addTarget(running);
    this.config = { ...this.config, targets: next.targets };
    this.trapDevices = this.snmpDevices();
    this.sender.setDevices(this.probes.flatMap((p) => p.probe.devices()));
    const report = { ...plan.summary, needsRestart: plan.needsRestart };
    this.log.info(report, 'configuration reloaded');
    return report;
  }

  /** The device name of each polled SNMP address, so a trap from it lands on the same device. */
  private snmpDevices(): Map<string, string> {
    const byAddress = new Map<string, string>();
    for (const t of this.config.targets) {
      if (t.probe !== 'snmp') continue;
      const host = (t.options as { host?: unknown }).host;
      if (typeof host !== 'string') continue;
      const hp = parseHostPort(host, 161);
      if (typeof hp !== 'string') byAddress.set(hp.host, t.device ?? hp.host);
    }
    return byAddress;
  }

  private async runProbe(target: TargetConfig, probe: Probe, signal: AbortSignal): Promise<void> {
    const started = performance.now();
    let errors = 0;
    const log = this.log;
    try {
      const samples = await probe.gather({
        signal,
        now: this.now,
        error(message) {
          errors++;
          log.warn({ target: target.name, err: message }, 'probe problem');
        },
      });
      this.sender.enqueue(samples);
    } catch (err) {
      errors++;
      const why = signal.aborted ? `timed out after ${target.timeoutMs} ms` : (err as Error).message;
      this.log.warn({ target: target.name, err: why }, 'probe failed');
    }
    this.sender.setDevices(this.probes.flatMap((p) => p.probe.devices()));
    this.sender.enqueue([
      {
        measurement: AGENT_MEASUREMENT,
        tags: { device: target.device ?? this.config.device, probe: target.probe, target: target.name },
        fields: {
          [AgentField.probeMs]: Math.round((performance.now() - started) * 10) / 10,
          [AgentField.probeErrors]: errors,
          [AgentField.skippedRuns]: this.scheduler.state(target.name)?.skipped ?? 0,
        },
        ts: this.now(),
      },
    ]);
  }

  /** The syslog shipper, with its own spool beside the samples' (a quarter of its bound, at least 1 MiB). */
  private logs(): LogShipper {
    if (this.logShipper) return this.logShipper;
    this.logSpool = Spool.open({ dir: join(this.config.spool.dir, 'logs'), maxBytes: Math.max(1024 * 1024, Math.floor(this.config.spool.maxBytes / 4)) });
    this.logShipper = new LogShipper({
      agent: this.config.name,
      token: this.config.collector.token,
      timeoutMs: this.config.collector.timeoutMs,
      poster: this.poster,
      spool: this.logSpool,
      log: probeLog(this.log.child({ part: 'syslog-shipper' })),
      now: this.now,
    });
    if (!this.stopping) this.logShipper.start();
    return this.logShipper;
  }

  private selfSamples(ts: number): Sample[] {
    return [
      {
        measurement: AGENT_MEASUREMENT,
        tags: { device: this.config.device, agent: this.config.name },
        fields: {
          [AgentField.heartbeat]: 1,
          [AgentField.spoolBytes]: this.spool.bytes,
          [AgentField.droppedSamples]: this.spool.droppedSamples,
          [AgentField.rejectedSamples]: this.sender.stats.samplesRejected,
          [AgentField.deadLetterSamples]: this.sender.stats.samplesDeadLettered,
          ...(this.logShipper
            ? {
                [AgentField.logLinesSent]: this.logShipper.stats.linesSent,
                [AgentField.logLinesDropped]: this.logShipper.stats.linesDropped + (this.logSpool?.droppedSamples ?? 0) + this.logShipper.stats.linesRejected,
              }
            : {}),
          ...(this.traps
            ? {
                [AgentField.trapsReceived]: this.traps.stats.received,
                [AgentField.trapsRateLimited]: this.traps.stats.rateLimited,
                [AgentField.trapsDeduplicated]: this.traps.stats.deduplicated,
                [AgentField.trapsUnknown]: this.traps.stats.unknown,
              }
            : {}),
        },
        ts,
      },
    ];
  }

  start(): void {
    this.sender.setDevices(this.probes.flatMap((p) => p.probe.devices()));
    this.sender.start();
    // Lines spooled by an earlier run go out now, not only once a new line arrives.
    if (this.config.targets.some((t) => t.probe === 'syslog') || existsSync(join(this.config.spool.dir, 'logs'))) this.logs();
    this.scheduler.start();
    this.traps?.start().then(
      () => this.log.info({ port: this.config.snmp?.traps?.port }, 'listening for SNMP traps'),
      (err: Error) => this.log.error({ err: err.message }, 'SNMP trap receiver not started'),
    );
    // The heartbeat goes out every interval even when no probe produced anything.
    this.heartbeat = setInterval(() => this.sender.flush({ heartbeat: true }), this.config.intervalMs);
    this.refresh = setInterval(() => this.sender.refreshDevices(), DEVICE_REFRESH_MS);
    this.log.info({ agent: this.config.name, targets: this.probes.length, collector: this.config.collector.url }, 'agent started');
  }

  private stopping: Promise<void> | undefined;

  /** Stops probing, spools what is buffered and drains for a while; safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    clearInterval(this.heartbeat);
    clearInterval(this.refresh);
    await this.traps?.stop();
    await this.scheduler.stop();
    await Promise.all([this.sender.stop(this.opts.drainMs ?? 5_000), this.logShipper?.stop(this.opts.drainMs ?? 5_000)]);
    await Promise.all(this.probes.map((p) => p.probe.close?.()));
    this.poster.close();
    this.spool.close();
    this.logSpool?.close();
    this.log.info({ pending_batches: this.spool.pendingRecords }, 'agent stopped');
  }
}
