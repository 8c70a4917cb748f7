/**
 * Rule files (rules/*.yaml, rules/README.md) → RuleFiles, refusing any file
 * with a problem and reporting every problem of every file in one pass as
 * `file:line:col: [group / rule] message`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, type Scalar } from 'yaml';
import { YamlSource } from '../../lib/config.js';
import { DEVICE_CLASSES } from '../contract/index.js';
import { BUILT_IN_DEFAULTS, compileRule, readDefaults } from './compile-rule.js';
import { describeNode, RuleReporter, type Field } from './rule-reporter.js';
import type { RuleDef, RuleFile, RuleProblem, SourcePos } from './types.js';

const TOP_KEYS = ['group', 'classes', 'defaults', 'rules'] as const;
const GROUP_NAME = /^[a-z0-9_-]+$/;

export function formatRuleProblem(p: RuleProblem): string {
  const where = p.group && p.rule ? ` [${p.group} / ${p.rule}]` : p.group ? ` [${p.group}]` : '';
  return `${p.file}:${p.line}:${p.col}:${where} ${p.message}`;
}

/**
 * Loads rule files and directories (every *.yaml / *.yml in it, sorted, not
 * recursive; *.test.yaml are rule tests, not rules). Group names must be
 * unique across everything loaded. Only files without problems are returned.
 */
export function loadRuleFiles(paths: string[]): { files: RuleFile[]; problems: RuleProblem[] } {
  const files: RuleFile[] = [];
  const problems: RuleProblem[] = [];
  const groups = new Map<string, SourcePos>();
  for (const file of paths.flatMap((p) => expand(p, problems))) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      problems.push(cannotRead(file, err));
      continue;
    }
    const result = compileRuleText(file, text);
    problems.push(...result.problems);
    if (result.group) {
      const first = groups.get(result.group.name);
      if (first) {
        const { name, pos } = result.group;
        problems.push({ ...pos, group: name, message: `group '${name}' is already defined at ${first.file}:${first.line}:${first.col}; each file needs its own group name` });
        continue;
      }
      groups.set(result.group.name, result.group.pos);
    }
    if (result.file) files.push(result.file);
  }
  return { files, problems };
}

function expand(path: string, problems: RuleProblem[]): string[] {
  try {
    if (!statSync(path).isDirectory()) return [path];
    return readdirSync(path)
      .filter((name) => /\.ya?ml$/.test(name) && !/\.test\.ya?ml$/.test(name))
      .sort()
      .map((name) => join(path, name));
  } catch (err) {
    problems.push(cannotRead(path, err));
    return [];
  }
}

function cannotRead(file: string, err: unknown): RuleProblem {
  return { file, line: 0, col: 0, message: `cannot read: ${(err as Error).message}` };
}

/** Compiles one rule file's text; `file` is returned only when it has no problem. */
export function parseRuleFile(file: string, text: string): { file?: RuleFile; problems: RuleProblem[] } {
  const { file: ruleFile, problems } = compileRuleText(file, text);
  return ruleFile ? { file: ruleFile, problems } : { problems };
}

interface Compiled {
  file?: RuleFile;
  problems: RuleProblem[];
  /** The group name and where it is written, for the cross-file duplicate check (set even when the file has problems). */
  group?: { name: string; pos: SourcePos };
}

function compileRuleText(file: string, text: string): Compiled {
  const source = new YamlSource(file, text);
  const syntax = source.syntaxProblems();
  if (syntax.length > 0) {
    // The yaml library repeats the position in its message; file:line:col already says it.
    return { problems: syntax.map((p) => ({ file, line: p.line, col: p.col, message: `YAML syntax error: ${p.message.replace(/ at line \d+, column \d+:?$/, '')}` })) };
  }
  const r = new RuleReporter(source, text);
  const root = source.doc.contents;
  if (!isMap(root)) {
    r.report(root, `a rule file is a mapping with group and rules (see rules/README.md); found ${describeNode(root)}`);
    return { problems: r.problems };
  }
  const groupPair = root.items.find((p) => isScalar(p.key) && p.key.value === 'group');
  const groupValue = groupPair?.value;
  const groupName = isScalar(groupValue) && typeof groupValue.value === 'string' ? groupValue.value : undefined;
  // Label every problem with the group, even one whose name is invalid: it is what the engineer wrote.
  r.group = groupName;
  const f = r.fields(root, TOP_KEYS, 'a rule file');
  if (!groupPair) r.report(root, `missing 'group' (a name for this file's rules, e.g. group: ups)`);
  else if (groupName === undefined || !GROUP_NAME.test(groupName)) {
    const found = groupName === undefined ? describeNode(groupValue) : `'${groupName}'`;
    r.report(groupValue ?? groupPair.key, `group must be a name of lowercase letters, digits, _ and - (e.g. group: ups); found ${found}`);
  }
  const defaultsField = f.get('defaults');
  const defaults = defaultsField ? readDefaults(r, defaultsField) : BUILT_IN_DEFAULTS;
  const classesField = f.get('classes');
  const classes = classesField && readClasses(r, classesField);

  const rules: RuleDef[] = [];
  const rulesField = f.get('rules');
  if (!rulesField) r.report(root, `missing 'rules' (a list of rules, each with at least name, when and priority)`);
  else if (!isSeq(rulesField.value)) {
    r.report(rulesField.value ?? rulesField.key, `rules must be a list (each item starts with '- name: ...'); found ${describeNode(rulesField.value)}`);
  } else {
    const scope = { defaults, classes, seenNames: new Map<string, number>() };
    rulesField.value.items.forEach((item, i) => {
      const def = compileRule(r, item, i, scope);
      if (def) rules.push(def);
    });
  }

  const problems = r.problems.sort((a, b) => a.line - b.line || a.col - b.col);
  const compiled: Compiled = { problems };
  if (groupName !== undefined && GROUP_NAME.test(groupName)) compiled.group = { name: groupName, pos: positionOf(source, file, groupValue as Scalar) };
  if (problems.length === 0 && compiled.group) compiled.file = { file, group: compiled.group.name, rules };
  return compiled;
}

/** `classes: [server, database]` scopes every rule of the file to devices of those classes. */
function readClasses(r: RuleReporter, field: Field): string[] | undefined {
  const valid = DEVICE_CLASSES.join(', ');
  if (!isSeq(field.value) || field.value.items.length === 0) {
    r.report(field.value ?? field.key, `classes must be a non-empty list of device classes, e.g. classes: [server, database]; valid: ${valid}`);
    return undefined;
  }
  const classes: string[] = [];
  for (const item of field.value.items) {
    const v = isScalar(item) ? item.value : undefined;
    if (typeof v === 'string' && (DEVICE_CLASSES as readonly string[]).includes(v)) classes.push(v);
    else r.report(item, `${typeof v === 'string' ? `'${v}'` : describeNode(item)} is not a device class; valid: ${valid}`);
  }
  return classes.length === field.value.items.length ? classes : undefined;
}

function positionOf(source: YamlSource, file: string, node: Scalar): SourcePos {
  return { file, ...source.lineCounter.linePos(node.range?.[0] ?? 0) };
}
