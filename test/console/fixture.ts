/**
 * A collector for the console suites: two rules (a P2 disk rule and a P1 UPS
 * rule), the console bundled fresh into a temp directory, and a helper that
 * posts samples with the agent token as an agent would.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp, type BuildAppOptions, type Collector } from '../../collector/app.js';
import type { Sample } from '../../collector/contract/index.js';
import { AGENT, tempDir, testCollectorConfig, TOKEN } from '../helpers.js';

export const RULES = `group: console
rules:
  - name: Disk almost full
    when: disk.used_pct > 90
    priority: P2
    summary: "{{device}} disk {{value}} % full"
    summary_zh-CN: "{{device}} 磁盘已用 {{value}}%"
    runbook: "Clean up old archive logs"
    runbook_zh-CN: "清理旧的归档日志"
  - name: UPS on battery
    when: ups.on_battery == 1
    priority: P1
    summary: "{{device}} is on battery"
    summary_zh-CN: "{{device}} 正在使用电池供电"
`;

const root = join(import.meta.dirname, '..', '..');

/** Bundles the console into `dir` (about a second) so a suite never depends on a stale dist/. */
export function bundleConsole(dir: string): string {
  execFileSync(process.execPath, [join(root, 'scripts/bundle-console.mjs'), dir], { cwd: root, stdio: 'pipe' });
  return dir;
}

export interface ConsoleFixture {
  c: Collector;
  dir: string;
  ingest(samples: Sample[]): Promise<number>;
  close(): Promise<void>;
}

export async function consoleCollector(opts: { bundle?: boolean; now?: () => number; configure?: (config: BuildAppOptions['config']) => void } = {}): Promise<ConsoleFixture> {
  const tmp = tempDir('rw-console-');
  const rulesFile = join(tmp.dir, 'console.yaml');
  writeFileSync(rulesFile, RULES);
  const base = testCollectorConfig(tmp.dir);
  const config = { ...base, rules: { ...base.rules, paths: [rulesFile] } };
  opts.configure?.(config);
  const assets = opts.bundle ? bundleConsole(join(tmp.dir, 'console-dist')) : join(tmp.dir, 'no-console');
  const c = await buildApp({ config, now: opts.now, logger: false, background: false, consoleAssets: assets });
  let seq = 0;
  return {
    c,
    dir: tmp.dir,
    async ingest(samples) {
      seq++;
      const res = await c.app.inject({
        method: 'POST',
        url: '/api/v1/ingest',
        headers: { authorization: `Bearer ${TOKEN}` },
        payload: { agent: AGENT, seq, batch_id: `${AGENT}:${seq}:${Math.random()}`, samples },
      });
      return res.statusCode;
    },
    async close() {
      await c.app.close();
      tmp.cleanup();
    },
  };
}

export const diskSample = (device: string, usedPct: number, ts: number): Sample => ({ measurement: 'disk', tags: { device, mount: '/u01' }, fields: { used_pct: usedPct }, ts });
