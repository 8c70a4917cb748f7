/**
 * Splits a batch the collector refused for device ownership into what it
 * refused and what it would take. Ownership is per device, so one
 * mis-assigned device must not cost the samples of every other device (or
 * the agent's own heartbeat) in the same batch.
 */
import type { DeviceMeta, IngestBatch, Sample } from '../../collector/contract/index.js';

export interface RefusalSplit {
  /** The batch without the refused devices, or undefined when nothing is left. */
  kept: IngestBatch | undefined;
  refusedSamples: Sample[];
  refusedMetadata: DeviceMeta[];
  /** The refused device names found in the batch, sorted. */
  devices: string[];
}

const KEPT_SUFFIX = ':owned';

/** `refused` undefined (a collector that does not name them): every device in the batch is refused. */
export function splitRefused(batch: IngestBatch, refused: readonly string[] | undefined): RefusalSplit {
  const isRefused =
    refused === undefined
      ? () => true
      : (
          (set) => (name: string | undefined) =>
            name !== undefined && set.has(name)
        )(new Set(refused));
  const refusedSamples = batch.samples.filter((s) => isRefused(s.tags.device));
  const keptSamples = batch.samples.filter((s) => !isRefused(s.tags.device));
  const refusedMetadata = (batch.devices ?? []).filter((d) => isRefused(d.name));
  const keptMetadata = (batch.devices ?? []).filter((d) => !isRefused(d.name));
  const devices = [...new Set([...refusedSamples.map((s) => s.tags.device ?? ''), ...refusedMetadata.map((d) => d.name)])].sort();
  // Nothing of the refusal is in this batch: sending it again unchanged would loop, so it is all refused.
  if (devices.length === 0) return { kept: undefined, refusedSamples: batch.samples, refusedMetadata: batch.devices ?? [], devices: [...(refused ?? [])] };
  const keepsSomething = keptSamples.length > 0 || keptMetadata.length > 0;
  const kept: IngestBatch | undefined = keepsSomething
    ? {
        ...batch,
        // A derived id: the collector applies the rest once, and a replay after a crash is deduplicated.
        batch_id: batch.batch_id.endsWith(KEPT_SUFFIX) ? batch.batch_id : `${batch.batch_id.slice(0, 128 - KEPT_SUFFIX.length)}${KEPT_SUFFIX}`,
        samples: keptSamples,
        ...(batch.devices ? { devices: keptMetadata } : {}),
      }
    : undefined;
  return { kept, refusedSamples, refusedMetadata, devices };
}
