/**
 * Applies batches: one SQLite transaction holds the dedup check, the samples,
 * the device registry update, the dedup record and what `onApply` listeners
 * write (alert state) for the batch's first slice. `onCommitted` listeners
 * hear about a slice only after its commit, so nothing leaves the collector
 * that a crash could take back.
 *
 * Rule evaluation of a large batch is sliced (SLICE_SAMPLES): the slices after
 * the first are evaluated in their own transactions, with the event loop
 * yielded between them, so /healthz and other requests are not stuck behind
 * one long batch. Batches are applied one after the other, in arrival order
 * (windows need time order). The store write is not sliced: the batch commits
 * whole, and apply() resolves — the agent gets its 200 — only after every
 * slice is evaluated and committed.
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

/** Samples evaluated per slice of a batch; the event loop is yielded between slices. */
export const SLICE_SAMPLES = 500;

const yieldEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

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
  private readonly applyTx: (input: ApplyInput, now: number, evaluate: readonly Sample[]) => ApplyResult & { devices?: readonly DeviceMeta[] };
  private readonly evaluateTx: (event: CommittedSamples) => void;
  /** Settles when the batch before has been applied and the event loop has turned once since. */
  private turn: Promise<void> = Promise.resolve();

  constructor(
    db: Db,
    private readonly store: MetricStore,
    private readonly registry: DeviceRegistry,
    private readonly ledger: BatchLedger,
    private readonly now: () => number,
    private readonly guards: IngestGuards = {},
  ) {
    this.applyTx = db.transaction((input: ApplyInput, at: number, evaluate: readonly Sample[]): ApplyResult & { devices?: readonly DeviceMeta[] } => {
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
      const event: CommittedSamples = { agent: input.agent, samples: evaluate, devices, hints: input.hints };
      for (const apply of this.appliers) apply(event);
      return { duplicate: false, values, warnings, devices };
    });
    this.evaluateTx = db.transaction((event: CommittedSamples) => {
      for (const apply of this.appliers) apply(event);
    });
  }

  /**
   * Runs inside a transaction, once per slice of a batch, in order: the first
   * slice inside the batch's own transaction (its state writes commit with the
   * samples, one fsync for both; a throw rolls the batch back), later slices in
   * their own, after the batch's commit. Only the first slice carries
   * `devices` and `hints`.
   */
  onApply(listener: CommitListener): void {
    this.appliers.push(listener);
  }

  onCommitted(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  /**
   * Batches are applied one at a time, in arrival order, with a turn of the
   * event loop after each: under load, what waits between two batches is one
   * batch's work, not every request that arrived together.
   */
  apply(input: ApplyInput): Promise<ApplyResult> {
    const turn = this.turn.then(() => this.applyNow(input));
    this.turn = turn.then(yieldEventLoop, yieldEventLoop);
    return turn;
  }

  private async applyNow(input: ApplyInput): Promise<ApplyResult> {
    const first = input.samples.slice(0, SLICE_SAMPLES);
    const result = this.applyTx(input, this.now(), first);
    this.store.afterCommit?.();
    if (result.duplicate) return result;
    this.committed({ agent: input.agent, samples: first, devices: result.devices ?? [] });
    for (let i = SLICE_SAMPLES; i < input.samples.length; i += SLICE_SAMPLES) {
      await yieldEventLoop();
      const event: CommittedSamples = { agent: input.agent, samples: input.samples.slice(i, i + SLICE_SAMPLES), devices: [] };
      this.evaluateTx(event);
      this.committed(event);
    }
    return result;
  }

  private committed(event: CommittedSamples): void {
    for (const listener of this.listeners) listener(event);
  }
}

function deviceNames(samples: readonly Sample[]): Set<string> {
  const names = new Set<string>();
  for (const s of samples) names.add(s.tags.device);
  return names;
}
