/**
 * Polls one device with its profile and turns the answers into samples.
 *
 * Every poll starts with one GET of sysUpTime, sysObjectID and sysDescr: its
 * round trip is device.rtt_ms, its failure is device.up=0 (and nothing else is
 * asked, so a dead device costs one timeout), a change of sysObjectID picks the
 * profile again, and sysUpTime going backwards means the device restarted, so
 * every counter baseline is dropped instead of producing a spike.
 *
 * The poll plan is the vendor profile (if one matches) plus every standard
 * module the device answered (detect.ts). Detection runs at first contact,
 * after a restart or a sysObjectID change, and every `redetectMs`.
 */
import type { DeviceClass, DeviceMeta, Sample } from '../../collector/contract/index.js';
import { CounterRates } from '../rates.js';
import { decideClass, detectModules, type ClassDecision, type Detection } from './detect.js';
import { PollEmitter, sample, type NotRead, type PollWarning } from './emit.js';
import { composePlan } from './plan.js';
import type { DeviceField, Profile, ProfileSet, SystemInfo } from './profile.js';
import { SnmpError, type PollResult, type SnmpClient, type SnmpValue } from './session.js';

export const SYS = {
  descr: '1.3.6.1.2.1.1.1.0',
  objectID: '1.3.6.1.2.1.1.2.0',
  upTime: '1.3.6.1.2.1.1.3.0',
  name: '1.3.6.1.2.1.1.5.0',
} as const;

export interface PollOutcome {
  samples: Sample[];
  /** Device-level problems worth a probe error: the device not answering, or stopping mid-poll. */
  errors: string[];
  /** Values that were read but not sent, and tables the plan expected but did not get. */
  warnings: PollWarning[];
  /** Scalars the plan lists that the device did not answer (informational). */
  notRead: NotRead[];
  result: PollResult;
  /** The vendor profile that matched (or was named); undefined when only standard modules apply. */
  profile?: Profile;
  /** What was polled: the profile plus detected modules. */
  plan?: Profile;
  /** Values decoded in this poll. */
  values: number;
}

export interface DevicePollerOptions {
  device: string;
  /** A profile named in the target's options; otherwise chosen by sysObjectID / sysDescr. */
  profile?: string;
  /** The target's class option: it wins over every evidence. */
  deviceClass?: DeviceClass;
  intervalMs: number;
  /** The GETBULK row limit per column. */
  maxRows?: number;
  /** Probe standard modules (default true); off for agents that misbehave on GETNEXT outside their MIBs. */
  detect?: boolean;
  /** How often detection runs again on a device that did not restart (default 6 h). */
  redetectMs?: number;
}

export const REDETECT_MS = 6 * 3600_000;

export class DevicePoller {
  private readonly rates: CounterRates;
  private profile: Profile | undefined;
  private profileKey: string | undefined;
  private lastUptimeTicks: number | undefined;
  private system: SystemInfo = {};
  private meta: Partial<DeviceMeta> = {};
  private detection: Detection | undefined;
  private detectedAt = 0;
  private plan: Profile | undefined;
  private decision: ClassDecision | undefined;
  private detectRequests = 0;

  constructor(
    private readonly client: SnmpClient,
    private readonly profiles: ProfileSet,
    private readonly opts: DevicePollerOptions,
  ) {
    // A reading more than 1.5 intervals after the last one follows a timeout or a missed tick: no rate.
    this.rates = new CounterRates({ maxGapMs: Math.round(opts.intervalMs * 1.5) });
  }

  get currentProfile(): Profile | undefined {
    return this.profile;
  }

  get systemInfo(): SystemInfo {
    return this.system;
  }

  /** What the registry learns from the device: class, vendor, model, OS. */
  get deviceMeta(): Partial<DeviceMeta> {
    return this.meta;
  }

  /** The modules that answered at the last detection, and the class decision. */
  get detected(): { detection?: Detection; decision?: ClassDecision; requests: number } {
    return { detection: this.detection, decision: this.decision, requests: this.detectRequests };
  }

  async poll(now: () => number, signal?: AbortSignal): Promise<PollOutcome> {
    const device = this.opts.device;
    const errors: string[] = [];
    const started = performance.now();
    const empty = { warnings: [], notRead: [] };
    let sys: Map<string, SnmpValue>;
    try {
      sys = await this.client.get([SYS.upTime, SYS.objectID, SYS.descr]);
    } catch (err) {
      const result = err instanceof SnmpError ? err.result : 'error';
      return { samples: [this.downSample(result, now())], errors: [`${device}: ${(err as Error).message}`], ...empty, result, profile: this.profile, values: 0 };
    }
    const ts = now();
    const rttMs = Math.round((performance.now() - started) * 10) / 10;
    const deviceFields: Record<string, number | string> = { up: 1, result: 'ok', rtt_ms: rttMs };

    let restarted = false;
    const ticks = sys.get(SYS.upTime)?.value;
    if (typeof ticks === 'number') {
      deviceFields.uptime_s = Math.floor(ticks / 100);
      if (this.lastUptimeTicks !== undefined && ticks < this.lastUptimeTicks) {
        this.rates.reset('');
        restarted = true;
      }
      this.lastUptimeTicks = ticks;
    }
    const previousId = this.system.sysObjectID;
    this.system = { sysObjectID: textOf(sys.get(SYS.objectID)), sysDescr: textOf(sys.get(SYS.descr)) };
    const idChanged = this.plan !== undefined && previousId !== this.system.sysObjectID;

    let plan: Profile;
    let values = sys.size;
    try {
      const profile = await this.chooseProfile();
      if (this.opts.detect !== false && (!this.detection || restarted || idChanged || ts - this.detectedAt >= (this.opts.redetectMs ?? REDETECT_MS))) {
        this.detection = await detectModules(this.client, this.profiles);
        this.detectRequests += this.detection.requests;
        this.detectedAt = ts;
        this.plan = undefined;
      }
      plan = this.planFor(profile);
    } catch (err) {
      const result = err instanceof SnmpError ? err.result : 'error';
      return { samples: [this.downSample(result, ts)], errors: [`${device}: ${(err as Error).message}`], ...empty, result, values: 0 };
    }
    const profile = this.profile;

    const emit = new PollEmitter(device, this.rates, ts);
    emit.out.add('device', { device }, deviceFields);
    try {
      const scalarOids = [...new Set(plan.scalars.flatMap((m) => m.oids))];
      const scalars = scalarOids.length > 0 ? await this.client.get(scalarOids) : new Map<string, SnmpValue>();
      values += scalars.size;
      emit.scalars(plan, scalars);

      const columns = [...new Set(plan.tables.flatMap((t) => t.walkOids))];
      if (columns.length > 0) {
        const maxRows = Math.min(this.opts.maxRows ?? Number.POSITIVE_INFINITY, Math.max(...plan.tables.map((t) => t.maxRows)));
        const walked = await this.client.walkColumns(columns, maxRows, signal);
        for (const rows of walked.values()) values += rows.size;
        for (const table of plan.tables) emit.table(table, walked);
        emit.finishTables();
      }
      await this.updateMeta(plan, scalars);
    } catch (err) {
      // The device answered the first GET and then stopped: what was read so far is kept.
      const result = err instanceof SnmpError ? err.result : 'error';
      errors.push(`${device}: ${(err as Error).message}`);
      emit.out.add('device', { device }, { result });
      return { samples: emit.out.samples(), errors, warnings: emit.warnings, notRead: emit.notRead, result, profile, plan, values };
    }
    this.addWarningCounts(emit, plan);
    return { samples: emit.out.samples(), errors, warnings: emit.warnings, notRead: emit.notRead, result: 'ok', profile, plan, values };
  }

  /** agent.probe_warnings{device,module}: one per module of the plan, 0 when it read cleanly. */
  private addWarningCounts(emit: PollEmitter, plan: Profile): void {
    const counts = new Map<string, number>(plan.chain.map((n) => [n, 0]));
    for (const w of emit.warnings) counts.set(w.module, (counts.get(w.module) ?? 0) + 1);
    for (const [module, n] of counts) emit.out.add('agent', { device: this.opts.device, module }, { probe_warnings: n });
  }

  private planFor(profile: Profile | undefined): Profile {
    if (!this.plan) {
      this.plan = composePlan(profile, this.detection?.modules ?? []);
      this.decision = decideClass(this.opts.deviceClass, profile, this.detection);
    }
    return this.plan;
  }

  private downSample(result: PollResult, ts: number): Sample {
    return sample('device', { device: this.opts.device }, { up: 0, result }, ts);
  }

  private async chooseProfile(): Promise<Profile | undefined> {
    if (this.opts.profile) {
      this.profile ??= this.profiles.get(this.opts.profile);
      return this.profile;
    }
    const key = `${this.system.sysObjectID ?? ''}\n${this.system.sysDescr ?? ''}`;
    if (this.profileKey === key) return this.profile;
    const probeOids = this.profiles.existenceOids(this.system);
    const found = probeOids.length > 0 ? await this.client.get(probeOids) : new Map<string, SnmpValue>();
    const next = this.profiles.select(this.system, (oid) => found.has(oid));
    if (next?.name !== this.profile?.name) this.rates.reset('');
    this.profile = next;
    this.profileKey = key;
    this.plan = undefined;
    return next;
  }

  private async updateMeta(plan: Profile, scalars: Map<string, SnmpValue>): Promise<void> {
    const d = plan.device;
    const wanted = [d.model, d.os, d.serial].flatMap((f) => (typeof f === 'object' && !scalars.has(f.oid) ? [f.oid] : []));
    const extra = wanted.length > 0 && this.meta.model === undefined ? await this.client.get(wanted) : new Map<string, SnmpValue>();
    const read = (f: DeviceField | undefined): string | undefined => {
      if (f === undefined) return undefined;
      if (typeof f === 'string') return f;
      const v = scalars.get(f.oid) ?? extra.get(f.oid);
      return v === undefined ? undefined : String(v.value).slice(0, 256);
    };
    this.meta = {
      class: this.decision?.class,
      vendor: d.vendor,
      model: read(d.model) ?? this.meta.model,
      os: read(d.os) ?? this.meta.os ?? this.system.sysDescr?.slice(0, 256),
      serial: read(d.serial) ?? this.meta.serial,
    };
  }
}

function textOf(v: SnmpValue | undefined): string | undefined {
  return v === undefined ? undefined : String(v.value);
}
