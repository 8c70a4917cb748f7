/** A rule engine on an in-memory database with a hand-driven clock, for timeline tests. */
import type { Sample } from '../../collector/contract/index.js';
import { openDb, type Db } from '../../collector/db.js';
import { RuleEngine } from '../../collector/rules/engine.js';
import type { AlertEvent } from '../../collector/rules/events.js';
import { Topology, type InventoryEntry } from '../../collector/rules/inventory.js';
import { parseRuleFile } from '../../collector/rules/loader.js';
import { MaintenanceCalendar } from '../../collector/rules/maintenance.js';
import { AlertStateStore } from '../../collector/rules/state-store.js';
import type { RuleDef } from '../../collector/rules/types.js';

export const T0 = Date.UTC(2026, 10, 23, 0, 0, 0);

export function rulesFrom(yaml: string): RuleDef[] {
  const { file, problems } = parseRuleFile('test.yaml', yaml);
  if (!file || problems.length) throw new Error(`bad test rules: ${JSON.stringify(problems)}`);
  return file.rules;
}

export class Harness {
  now = T0;
  readonly events: AlertEvent[] = [];
  engine: RuleEngine;
  readonly maintenance: MaintenanceCalendar;
  private topology: Topology;

  constructor(
    readonly rules: RuleDef[],
    inventory: Record<string, InventoryEntry> = {},
    readonly db: Db = openDb(':memory:'),
  ) {
    this.topology = new Topology(new Map(Object.entries(inventory)));
    this.maintenance = new MaintenanceCalendar(db);
    this.engine = this.build();
  }

  private build(): RuleEngine {
    const engine = new RuleEngine({
      now: () => this.now,
      store: new AlertStateStore(this.db),
      maintenance: this.maintenance,
      topology: () => this.topology,
      graceMs: 60_000,
      classOf: (d) => this.topology.entry(d)?.class,
    });
    engine.setRules(this.rules);
    engine.onEvent((e) => this.events.push(e));
    return engine;
  }

  /** A new engine on the same database: what a collector restart does. */
  restart(): void {
    this.engine = this.build();
  }

  sample(measurement: string, device: string, fields: Record<string, number>, tags: Record<string, string> = {}): void {
    const s: Sample = { measurement, tags: { device, ...tags }, fields, ts: this.now };
    this.engine.ingest([s]);
    this.engine.deliver();
  }

  /** Advances the clock in tick-sized steps, running the engine's tick at each. */
  advance(ms: number, step = 1_000): void {
    const end = this.now + ms;
    while (this.now < end) {
      this.now = Math.min(end, this.now + step);
      this.engine.tick();
    }
  }

  firing(): string[] {
    return this.engine
      .alerts()
      .filter((a) => a.state === 'firing')
      .map((a) => `${a.ruleId} ${a.device} ${a.priority}`)
      .sort();
  }

  eventTypes(): string[] {
    return this.events.map((e) => `${e.type} ${e.alert.device}${e.type === 'escalated' ? ` ${e.alert.priority}` : ''}`);
  }
}
