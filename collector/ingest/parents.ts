/**
 * Parent links sent in agent metadata, checked before they reach the
 * registry. A loop (two devices each the other's parent) would let each
 * device's outage suppress the other's alert, so nothing pages; the link
 * that closes a loop is dropped with a warning and the rest of the batch is
 * applied. A parent nobody has reported is kept (it may be reported later by
 * another agent) with a warning: an unknown device is never "down", so it
 * cannot suppress anything.
 */
import type { DeviceMeta } from '../contract/index.js';

export interface ParentSources {
  /** inventory.yaml's parent, which wins over metadata. */
  inventoryParent(device: string): string | undefined;
  /** The parent the registry holds from earlier metadata. */
  registryParent(device: string): string | undefined;
  /** True when the registry or the inventory knows the device. */
  known(device: string): boolean;
}

/** Longer chains than this are not a machine room; the walk stops there. */
const MAX_DEPTH = 1_000;

export function checkParents(devices: readonly DeviceMeta[], src: ParentSources): { devices: DeviceMeta[]; warnings: string[] } {
  const batch = new Map<string, string | undefined>(devices.map((d) => [d.name, d.parent]));
  const parentOf = (d: string) => src.inventoryParent(d) ?? (batch.has(d) ? batch.get(d) : src.registryParent(d));
  const warnings: string[] = [];
  for (const d of devices) {
    const p = d.parent;
    if (p === undefined || src.inventoryParent(d.name) !== undefined) continue;
    const chain = [d.name];
    const seen = new Set<string>();
    for (let cur: string | undefined = p; cur !== undefined && !seen.has(cur) && chain.length <= MAX_DEPTH; cur = parentOf(cur)) {
      chain.push(cur);
      if (cur === d.name) {
        batch.set(d.name, undefined);
        warnings.push(`device '${d.name}': parent '${p}' ignored, the chain loops back: ${chain.join(' → ')}`);
        break;
      }
      seen.add(cur);
    }
    if (batch.get(d.name) !== undefined && !src.known(p) && !batch.has(p)) {
      warnings.push(`device '${d.name}': parent '${p}' is not a known device yet; it suppresses nothing until it reports`);
    }
  }
  return {
    devices: devices.map((d) => (d.parent !== undefined && batch.get(d.name) === undefined ? withoutParent(d) : d)),
    warnings,
  };
}

function withoutParent(d: DeviceMeta): DeviceMeta {
  const { parent: _dropped, ...rest } = d;
  return rest;
}
