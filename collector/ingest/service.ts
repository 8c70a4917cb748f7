/**
 * Applies batches: one SQLite transaction holds the dedup check, the samples,
 * the device registry update, the dedup record and what `onApply` listeners
 * write (alert state). `onCommitted` listeners hear about a batch only after
 * the commit, so nothing leaves the collector that a crash could take back.
 */
import type { DeviceMeta, Sample } from '../contract/index.js';
import type { Db } from '../db.js';
import type { DeviceHint, DeviceRegistry } from '../registry/devices.js';
import type { MetricStore } from '../store/types.js';
import type { BatchLedger } from './dedup.js';
import type { DeviceOwnership } from './ownership.js';
import { checkParents, type ParentSources } from './parents.js';

/** Checks on who may write which device and on parent links, inside the batch's transaction. */
export interface IngestGuards {
  ownership?: DeviceOwnership;
  parents?: ParentSources;
}

export interface CommittedSamples {
  agent: string;
  samples: readonly Sample[];
  devices: readonly DeviceMeta[];
  /** Attributes read from line-protocol tags (class, site, room), filled where the registry had none. */
  hints?: readonly DeviceHint[];
}

export type CommitListener = (event: CommittedSamples) => void;

export interface ApplyResult {
  duplicate: boolean;
  values: number;
  /** What was applied differently from what was sent (a parent link that would loop). */
  warnings: string[];
}

export interface ApplyInput {
  agent: string;
  /** Absent for line protocol, which has no batch identity. */
  batchId?: string;
  seq?: number;
  devices?: readonly DeviceMeta[];
  samples: readonly Sample[];
  hints?: readonly DeviceHint[];
}

export class IngestService {
  private readonly listeners: CommitListener[] = [];
  private readonly appliers: CommitListener[] = [];
  private readonly applyTx: (input: ApplyInput, now: number) => ApplyResult & { devices?: readonly DeviceMeta[] };

  constructor(
    db: Db,
    private readonly store: MetricStore,
    private readonly registry: DeviceRegistry,
    private readonly ledger: BatchLedger,
    private readonly now: () => number,
    private readonly guards: IngestGuards = {},
  ) {
    this.applyTx = db.transaction((input: ApplyInput, at: number): ApplyResult & { devices?: readonly DeviceMeta[] } => {
      if (input.batchId !== undefined && this.ledger.seen(input.batchId)) return { duplicate: true, values: 0, warnings: [] };
      const names = deviceNames(input.samples);
      // Inside the transaction, so two agents' first batches for a new device cannot both become its owner.
      this.guards.ownership?.check(input.agent, [...names, ...(input.devices ?? []).map((d) => d.name)]);
      let devices = input.devices ?? [];
      let warnings: string[] = [];
      if (devices.length > 0 && this.guards.parents) ({ devices, warnings } = checkParents(devices, this.guards.parents));
      // The registry first: a store that tags points with a device's site and class reads it.
      if (devices.length) this.registry.upsert(devices, input.agent, at);
      this.registry.touch(names, input.agent, at);
      if (input.hints?.length) this.registry.fillMissing(input.hints);
      const values = this.store.write(input.samples);
      if (input.batchId !== undefined) this.ledger.remember(input.batchId, input.agent, input.seq ?? 0, at);
      const event: CommittedSamples = { agent: input.agent, samples: input.samples, devices, hints: input.hints };
      for (const apply of this.appliers) apply(event);
      return { duplicate: false, values, warnings, devices };
    });
  }

  /**
   * Runs inside the batch's transaction (rule evaluation: its state writes
   * commit with the samples, one fsync for both). A throw rolls the batch back.
   */
  onApply(listener: CommitListener): void {
    this.appliers.push(listener);
  }

  onCommitted(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  apply(input: ApplyInput): ApplyResult {
    const result = this.applyTx(input, this.now());
    this.store.afterCommit?.();
    if (!result.duplicate) {
      const event: CommittedSamples = { agent: input.agent, samples: input.samples, devices: result.devices ?? [] };
      for (const listener of this.listeners) listener(event);
    }
    return result;
  }
}

function deviceNames(samples: readonly Sample[]): Set<string> {
  const names = new Set<string>();
  for (const s of samples) names.add(s.tags.device);
  return names;
}
