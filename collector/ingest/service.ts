/**
 * Applies batches: one SQLite transaction holds the dedup check, the samples,
 * the device registry update, the dedup record and what `onApply` listeners
 * write (alert state) for the batch's first slice. `onCommitted` listeners
 * hear about a slice only after its commit, so nothing leaves the collector
 * that a crash could take back.
 *
 * Rule evaluation of a large batch is sliced (SLICE_SAMPLES): the slices after
 * the first are evaluated in their own transactions, with the event loop
 * yielded between them, so /healthz and the small batch carrying a breach are
 * not stuck behind one long batch. Slices are evaluated strictly in arrival
 * order across batches (windows need time order). The store write is not
 * sliced: the batch commits whole, and apply() resolves — the agent gets its
 * 200 — only after every slice is evaluated and committed.
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
  private readonly applyTx: (input: ApplyInput, now: number, evaluate: readonly Sample[] | undefined) => ApplyResult & { devices?: readonly DeviceMeta[] };
  private readonly evaluateTx: (event: CommittedSamples) => void;
  /** Batches whose later slices are still queued for evaluation, and the end of that queue. */
  private queued = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly store: MetricStore,
    private readonly registry: DeviceRegistry,
    private readonly ledger: BatchLedger,
    private readonly now: () => number,
    private readonly guards: IngestGuards = {},
  ) {
    this.applyTx = db.transaction((input: ApplyInput, at: number, evaluate: readonly Sample[] | undefined): ApplyResult & { devices?: readonly DeviceMeta[] } => {
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
      if (evaluate) {
        const event: CommittedSamples = { agent: input.agent, samples: evaluate, devices, hints: input.hints };
        for (const apply of this.appliers) apply(event);
      }
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
   * their own. A slice arrives after its samples have been committed. Only
   * the first slice carries `devices` and `hints`.
   */
  onApply(listener: CommitListener): void {
    this.appliers.push(listener);
  }

  onCommitted(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  async apply(input: ApplyInput): Promise<ApplyResult> {
    // The first slice rides in the batch's transaction unless earlier batches still wait: then all of it queues behind them.
    const inline = this.queued === 0;
    const first = inline ? input.samples.slice(0, SLICE_SAMPLES) : undefined;
    const result = this.applyTx(input, this.now(), first);
    this.store.afterCommit?.();
    if (result.duplicate) return result;
    const devices = result.devices ?? [];
    if (first) this.committed({ agent: input.agent, samples: first, devices });
    const rest = first ? input.samples.slice(first.length) : input.samples;
    if (first && rest.length === 0) return result;
    this.queued++;
    const done = this.queue.then(() => this.evaluateSlices(input, rest, first ? undefined : devices)).finally(() => this.queued--);
    this.queue = done.catch(() => undefined);
    await done;
    return result;
  }

  /** Later slices, each after a turn of the event loop; `devices` set when the first slice is among them. */
  private async evaluateSlices(input: ApplyInput, samples: readonly Sample[], devices: readonly DeviceMeta[] | undefined): Promise<void> {
    for (let i = 0; i < samples.length || (i === 0 && devices); i += SLICE_SAMPLES) {
      await yieldEventLoop();
      const withMeta = i === 0 && devices !== undefined;
      const event: CommittedSamples = {
        agent: input.agent,
        samples: samples.slice(i, i + SLICE_SAMPLES),
        devices: withMeta ? devices : [],
        ...(withMeta && input.hints ? { hints: input.hints } : {}),
      };
      this.evaluateTx(event);
      this.committed(event);
    }
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
