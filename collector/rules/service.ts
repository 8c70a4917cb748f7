/**
 * Loads rule files, the inventory and maintenance windows into the engine, and
 * reloads them on demand (SIGHUP, POST /api/v1/rules/reload). A reload that
 * finds any problem keeps the rules that were running and says why.
 */
import { ConfigError } from '../../lib/config.js';
import type { DeviceRegistry } from '../registry/devices.js';
import type { MetricStore } from '../store/types.js';
import type { RuleEngine } from './engine.js';
import { loadInventory, Topology } from './inventory.js';
import { loadRuleFiles, formatRuleProblem } from './loader.js';
import type { MaintenanceCalendar } from './maintenance.js';
import { loadMaintenanceFile } from './maintenance-file.js';
import { warmUp } from './warmup.js';

export interface RulesConfig {
  paths: string[];
  inventory?: string;
  maintenance?: string;
}

export interface LoadReport {
  ok: boolean;
  at: number;
  files: number;
  rules: number;
  problems: string[];
}

export class RulesService {
  private topology = new Topology();
  last: LoadReport | undefined;

  constructor(
    private readonly config: RulesConfig,
    private readonly engine: RuleEngine,
    private readonly store: MetricStore,
    private readonly maintenance: MaintenanceCalendar,
    private readonly registry: DeviceRegistry,
    private readonly now: () => number,
    /** Called after a successful load (the inventory may have changed device classes). */
    private readonly onLoaded: () => void = () => undefined,
  ) {}

  currentTopology = (): Topology => this.topology;

  /** Loads everything; on any problem nothing changes and the report lists the problems. */
  async load(): Promise<LoadReport> {
    const now = this.now();
    const problems: string[] = [];
    const { files, problems: ruleProblems } = loadRuleFiles(this.config.paths);
    problems.push(...ruleProblems.map(formatRuleProblem));
    const registryParent = (device: string) => this.registry.get(device)?.parent ?? undefined;
    let topology = new Topology(new Map(), registryParent);
    let windows = undefined as ReturnType<typeof loadMaintenanceFile> | undefined;
    try {
      if (this.config.inventory) topology = loadInventory(this.config.inventory, registryParent);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.message.split('\n'));
    }
    try {
      if (this.config.maintenance) windows = loadMaintenanceFile(this.config.maintenance, now);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.message.split('\n'));
    }
    const rules = files.flatMap((f) => f.rules);
    const report: LoadReport = { ok: problems.length === 0, at: now, files: files.length, rules: rules.length, problems };
    if (report.ok) {
      this.topology = topology;
      if (windows) this.maintenance.setFileWindows(windows);
      this.engine.setRules(rules);
      this.onLoaded();
      await warmUp(this.engine, this.store, now);
    } else if (this.last?.ok) {
      // Keep what was running; the report explains why the new files were refused.
      report.rules = this.engine.loadedRules.length;
    }
    this.last = report;
    return report;
  }
}
