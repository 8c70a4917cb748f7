/** Every shipped rule pack passes `rules check` and has at least one passing `rules test` case. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRuleFiles } from '../../collector/rules/loader.js';
import { runRuleTests } from '../../collector/rules/rule-test.js';

const DIR = join(process.cwd(), 'rules');
const PACKS = ['host', 'network', 'security', 'storage', 'oracle', 'ups', 'precision-ac', 'environment', 'agent', 'ssh', 'traps', 'service', 'logs'];

describe('shipped rule packs', () => {
  it('all load without a problem', () => {
    const { files, problems } = loadRuleFiles([DIR]);
    expect(problems).toEqual([]);
    expect(files.map((f) => f.group).sort()).toEqual([...PACKS].sort());
  });

  for (const pack of PACKS) {
    it(`${pack}.yaml has passing rule tests`, () => {
      expect(readdirSync(DIR)).toContain(`${pack}.test.yaml`);
      const { results, problems } = runRuleTests(join(DIR, `${pack}.test.yaml`));
      expect(problems).toEqual([]);
      expect(results.length).toBeGreaterThan(0);
      for (const r of results) expect(r.failures, r.name).toEqual([]);
    });
  }

  it('rules test reports a wrong expectation precisely', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'rw-rt-'));
    writeFileSync(
      join(dir, 't.yaml'),
      `rule_files: [${join(DIR, 'environment.yaml')}]\ninventory: { devices: { s1: { class: environment } } }\ntests:\n  - name: wrong\n    interval: 1m\n    input_series:\n      - { series: 'env.smoke{device="s1"}', values: '0 1' }\n    alerts:\n      - at: 1m\n        firing: [{ rule: Smoke detected, device: s1, priority: P2 }]\n`,
    );
    const { results } = runRuleTests(join(dir, 't.yaml'));
    rmSync(dir, { recursive: true });
    expect(results[0]?.failures).toEqual([
      'at 1m: firing: expected Smoke detected on s1 P2; got environment/Smoke detected {"device":"s1"} P1 "Smoke detected by s1"',
      'at 1m: firing: unexpected environment/Smoke detected {"device":"s1"} P1 "Smoke detected by s1"',
    ]);
  });
});
