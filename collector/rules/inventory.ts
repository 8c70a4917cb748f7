/**
 * inventory.yaml: device → parent, site, team. Parents drive topology-aware
 * suppression: while a parent is down, its children's reachability alerts are
 * held instead of paging (docs/architecture.md §5). Parents sent by agents in device
 * metadata count too; the inventory file wins where both speak.
 */
import Type, { type Static } from 'typebox';
import { DEVICE_CLASSES } from '../contract/index.js';
import { loadYamlConfig, type ConfigProblem, type YamlSource } from '../../lib/config.js';

const DeviceEntry = Type.Object(
  {
    parent: Type.Optional(Type.String({ minLength: 1 })),
    site: Type.Optional(Type.String()),
    room: Type.Optional(Type.String()),
    team: Type.Optional(Type.String()),
    class: Type.Optional(Type.Enum([...DEVICE_CLASSES])),
    /** The agent that owns the device: only it may send its samples and metadata (collector/ingest/ownership.ts). */
    agent: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export const InventorySchema = Type.Object({ devices: Type.Record(Type.String({ minLength: 1 }), DeviceEntry, { additionalProperties: false }) }, { additionalProperties: false });
export type InventoryFile = Static<typeof InventorySchema>;
export type InventoryEntry = Static<typeof DeviceEntry>;

export class Topology {
  constructor(
    private readonly entries: ReadonlyMap<string, InventoryEntry> = new Map(),
    /** Parent from the device registry (agent metadata), consulted when the inventory is silent. */
    private readonly registryParent: (device: string) => string | undefined = () => undefined,
  ) {}

  entry(device: string): InventoryEntry | undefined {
    return this.entries.get(device);
  }

  parentOf(device: string): string | undefined {
    return this.entries.get(device)?.parent ?? this.registryParent(device);
  }

  /**
   * Parent, grandparent, … nearest first. A device on a loop has no
   * ancestors: each device of the loop would otherwise suppress the other's
   * alert and nothing would page. Ingest refuses such links; this holds for
   * loops made by mixing sources (inventory one way, metadata the other).
   */
  ancestors(device: string): string[] {
    const out: string[] = [];
    const seen = new Set([device]);
    for (let p = this.parentOf(device); p !== undefined; p = this.parentOf(p)) {
      if (p === device) return [];
      if (seen.has(p)) break;
      out.push(p);
      seen.add(p);
    }
    return out;
  }

  get size(): number {
    return this.entries.size;
  }
}

function cycleProblems(devices: InventoryFile['devices'], source: YamlSource): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const name of Object.keys(devices)) {
    const path = [name];
    const seen = new Set([name]);
    for (let p = devices[name]?.parent; p !== undefined; p = devices[p]?.parent) {
      if (seen.has(p)) {
        problems.push(source.problem(['devices', name, 'parent'], `parent chain loops back: ${[...path, p].join(' → ')}`));
        break;
      }
      seen.add(p);
      path.push(p);
    }
  }
  return problems;
}

export function loadInventory(file: string, registryParent?: (device: string) => string | undefined): Topology {
  const { value } = loadYamlConfig(file, InventorySchema, (v, source) => {
    const problems = cycleProblems(v.devices, source);
    for (const [name, entry] of Object.entries(v.devices)) {
      if (entry.parent === name) problems.push(source.problem(['devices', name, 'parent'], 'a device cannot be its own parent'));
    }
    return problems;
  });
  return new Topology(new Map(Object.entries(value.devices)), registryParent);
}
