/**
 * Device classes for rule scoping, cached: the ingest hot path asks for every
 * sample, so it must not query SQLite. Metadata in a batch refreshes the cache;
 * the inventory's class wins over what an agent says.
 */
import type { DeviceMeta } from '../contract/index.js';

export class DeviceClasses {
  private readonly cache = new Map<string, string | null>();

  constructor(
    private readonly fromInventory: (device: string) => string | undefined,
    private readonly fromRegistry: (device: string) => string | null | undefined,
  ) {}

  classOf(device: string): string | undefined {
    let c = this.cache.get(device);
    if (c === undefined) {
      c = this.fromInventory(device) ?? this.fromRegistry(device) ?? null;
      this.cache.set(device, c);
    }
    return c ?? undefined;
  }

  /** New metadata arrived for these devices. */
  update(devices: readonly DeviceMeta[]): void {
    for (const d of devices) this.cache.set(d.name, this.fromInventory(d.name) ?? d.class);
  }

  /** The registry may have learnt this device's class (from a line-protocol tag). */
  forget(device: string): void {
    this.cache.delete(device);
  }

  invalidate(): void {
    this.cache.clear();
  }
}
