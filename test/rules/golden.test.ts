/**
 * Golden rule files: every good file loads cleanly; every bad file produces
 * exactly the problems in its sibling .expected file, one formatted problem a
 * line. After an intended message change, regenerate with
 * `UPDATE_GOLDEN=1 npx vitest run test/rules/golden.test.ts` and review the diff.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatRuleProblem, loadRuleFiles, parseRuleFile } from '../../collector/rules/loader.js';
import type { RuleDef } from '../../collector/rules/types.js';
import { tempDir } from '../helpers.js';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden');
const yamlFiles = (dir: string) =>
  readdirSync(join(GOLDEN, dir))
    .filter((f) => f.endsWith('.yaml'))
    .sort();

const EXPECTED_RULES: Record<string, number> = { 'oracle.yaml': 3, 'self.yaml': 3, 'storage.yaml': 4, 'ups.yaml': 4 };

describe('good rule files', () => {
  it('has an expected rule count for every good file', () => {
    expect(yamlFiles('good')).toEqual(Object.keys(EXPECTED_RULES).sort());
  });

  it.each(yamlFiles('good'))('%s loads with no problems', (name) => {
    const { file, problems } = parseRuleFile(name, readFileSync(join(GOLDEN, 'good', name), 'utf8'));
    expect(problems.map(formatRuleProblem)).toEqual([]);
    expect(file?.rules).toHaveLength(EXPECTED_RULES[name] as number);
  });

  it('loads the directory, sorted, with unique groups', () => {
    const { files, problems } = loadRuleFiles([join(GOLDEN, 'good')]);
    expect(problems).toEqual([]);
    expect(files.map((f) => f.group)).toEqual(['oracle_db', 'self', 'storage', 'ups']);
    expect(files.flatMap((f) => f.rules)).toHaveLength(14);
  });
});

describe('bad rule files', () => {
  it.each(yamlFiles('bad'))('%s reports exactly its .expected problems', (name) => {
    const { file, problems } = parseRuleFile(name, readFileSync(join(GOLDEN, 'bad', name), 'utf8'));
    const actual = problems.map(formatRuleProblem).join('\n') + '\n';
    const expectedPath = join(GOLDEN, 'bad', name.replace(/\.yaml$/, '.expected'));
    if (process.env.UPDATE_GOLDEN) writeFileSync(expectedPath, actual);
    expect(actual).toBe(readFileSync(expectedPath, 'utf8'));
    expect(file).toBeUndefined();
  });
});

describe('compiled rules', () => {
  const rules = new Map<string, RuleDef>();
  for (const f of loadRuleFiles([join(GOLDEN, 'good')]).files) for (const r of f.rules) rules.set(r.id, r);
  const rule = (id: string) => rules.get(id) as RuleDef;

  it('applies file defaults, with the rule winning field by field', () => {
    const onBattery = rule('ups/UPS on battery');
    expect(onBattery).toMatchObject({ forMs: 30_000, clearForMs: 0, flap: { windowMs: 3_600_000, maxChanges: 6 }, labels: { team: 'facilities' }, classes: ['ups'] });
    expect(onBattery.pos).toEqual({ file: join(GOLDEN, 'good', 'ups.yaml'), line: 8, col: 5 });
    expect(rule('ups/UPS battery runtime low')).toMatchObject({ forMs: 30_000, clearForMs: 120_000 });
    expect(rule('ups/UPS battery depleted or low').labels).toEqual({ team: 'facilities-oncall' });
    expect(rule('ups/UPS output overloaded').flap).toEqual({ windowMs: 3_600_000, maxChanges: 4 });
    expect(rule('self/Agent silent').flap).toEqual({ windowMs: 1_800_000, maxChanges: 3 });
    expect(rule('storage/Disk almost full')).toMatchObject({ forMs: 600_000, clearForMs: 0, labels: {} });
    expect(rule('storage/Disk almost full').classes).toBeUndefined();
    expect(rule('oracle_db/Data Guard apply lag').labels).toEqual({ team: 'dba', service: 'erp' });
  });

  it('compiles short forms against the first comparison and checks escalation order', () => {
    const runtime = rule('ups/UPS battery runtime low');
    expect(runtime.clear).toMatchObject({ kind: 'compare', op: '>', left: { selector: { field: 'battery_runtime_min' } }, right: { value: 35 } });
    expect(runtime.escalate.map((l) => [l.priority, l.when])).toMatchObject([
      ['P2', { op: '<', left: { selector: { field: 'battery_runtime_min' } }, right: { value: 15 } }],
      ['P1', { op: '<', right: { value: 5 } }],
    ]);
    expect(rule('oracle_db/Data Guard apply lag').clear).toMatchObject({ op: '<', right: { value: 60 } });
  });

  it('lists selectors once each, primary first, and marks reachability rules', () => {
    const names = (r: RuleDef) => r.selectors.map((s) => `${s.measurement}.${s.field}${s.matchers.map((m) => `{${m.name}${m.op}${m.value}}`).join('')}`);
    expect(names(rule('ups/UPS battery runtime low'))).toEqual(['ups.battery_runtime_min', 'ups.on_battery']);
    expect(names(rule('ups/UPS output overloaded'))).toEqual(['ups.output_load_pct{line=~[1-3]}']);
    expect(names(rule('storage/Disk almost full'))).toEqual(['disk.used_pct{mount!~/boot.*}']);
    expect(names(rule('self/Agent silent'))).toEqual(['agent.heartbeat']);
    expect([...rules.values()].filter((r) => r.reachability).map((r) => r.id)).toEqual(['self/Agent silent', 'self/Device down']);
  });

  it('keeps templates and drops reason', () => {
    expect(rule('ups/UPS on battery').summary).toBe('{{device}} is on battery, {{ups.battery_runtime_min}} min left');
    expect(rule('storage/Pool full').runbook).toBe('Pool {{pool}} on {{device}} is {{value}} % used.\nCheck snapshots before expanding.\n');
    expect(rule('ups/UPS on battery')).not.toHaveProperty('reason');
  });
});

describe('loading paths', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  const rule = (group: string) => `group: ${group}\nrules:\n  - name: R\n    when: device.up == 0\n    priority: P2\n`;

  it('refuses a group defined twice, takes *.yml, skips rule tests and other files', () => {
    writeFileSync(join(tmp.dir, 'a.yaml'), rule('net'));
    writeFileSync(join(tmp.dir, 'b.yml'), rule('net'));
    writeFileSync(join(tmp.dir, 'c.yaml'), rule('other'));
    writeFileSync(join(tmp.dir, 'c.test.yaml'), 'not: [a rule file');
    writeFileSync(join(tmp.dir, 'notes.txt'), 'ignored');
    const { files, problems } = loadRuleFiles([tmp.dir]);
    expect(problems.map(formatRuleProblem)).toEqual([`${join(tmp.dir, 'b.yml')}:1:8: [net] group 'net' is already defined at ${join(tmp.dir, 'a.yaml')}:1:8; each file needs its own group name`]);
    expect(files.map((f) => f.file)).toEqual([join(tmp.dir, 'a.yaml'), join(tmp.dir, 'c.yaml')]);
  });

  it('reports a path that cannot be read and keeps going', () => {
    writeFileSync(join(tmp.dir, 'a.yaml'), rule('net'));
    const missing = join(tmp.dir, 'missing.yaml');
    const { files, problems } = loadRuleFiles([missing, join(tmp.dir, 'a.yaml')]);
    expect(problems.map(formatRuleProblem)).toEqual([`${missing}:0:0: cannot read: ENOENT: no such file or directory, stat '${missing}'`]);
    expect(files).toHaveLength(1);
  });

  it('reports an empty file', () => {
    expect(parseRuleFile('empty.yaml', '').problems.map(formatRuleProblem)).toEqual(['empty.yaml:1:1: a rule file is a mapping with group and rules (see rules/README.md); found nothing']);
  });
});
