/**
 * One YAML rule (or the file's `defaults`) → RuleDef. Each field is read on its
 * own so a mistake in one does not hide mistakes in the others.
 */
import { isMap, isScalar, isSeq, type Node, type Scalar } from 'yaml';
import type { MetricSelector } from '../store/selector.js';
import { containsAbsent, selectorKey, selectorsOf } from './ast.js';
import { parseCondition, parseDerivedCondition } from './parser.js';
import { describeNode, type Field, type RuleReporter } from './rule-reporter.js';
import { checkTemplate } from './template-check.js';
import { PRIORITIES, type EscalationLevel, type Expr, type FlapPolicy, type Priority, type RuleDef } from './types.js';

export const RULE_KEYS = [
  'name',
  'when',
  'for',
  'clear',
  'clear_for',
  'priority',
  'escalate',
  'flap',
  'labels',
  'min_coverage',
  'summary',
  'summary_zh-CN',
  'runbook',
  'runbook_zh-CN',
  'reason',
] as const;

/** Languages a rule's text may be given in besides `summary`/`runbook` (which are English). */
export const RULE_TEXT_LANGS = ['zh-CN'] as const;
export const DEFAULTS_KEYS = ['for', 'clear_for', 'flap', 'labels', 'min_coverage'] as const;
const ESCALATE_KEYS = ['when', 'priority'] as const;
const FLAP_KEYS = ['window', 'max_changes'] as const;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface RuleDefaults {
  forMs: number;
  clearForMs: number;
  flap: FlapPolicy;
  labels: Record<string, string>;
  /** undefined: the collector's `rules.min_coverage`. */
  minCoverage?: number;
}

/** What a rule gets when neither it nor the file's `defaults` says otherwise. */
export const BUILT_IN_DEFAULTS: RuleDefaults = { forMs: 0, clearForMs: 0, flap: { windowMs: 3_600_000, maxChanges: 6 }, labels: {} };

export function readDefaults(r: RuleReporter, field: Field): RuleDefaults {
  const map = r.map(field, '{ for: 30s, labels: { team: facilities } }');
  if (!map) return BUILT_IN_DEFAULTS;
  const f = r.fields(map, DEFAULTS_KEYS, 'defaults');
  return readTimings(r, f, BUILT_IN_DEFAULTS);
}

/** for, clear_for, flap and labels: shared by `defaults` and each rule, which overrides field by field. */
function readTimings(r: RuleReporter, f: Map<string, Field>, base: RuleDefaults): RuleDefaults {
  const forField = f.get('for');
  const clearForField = f.get('clear_for');
  const flapField = f.get('flap');
  const labelsField = f.get('labels');
  const coverageField = f.get('min_coverage');
  const minCoverage = coverageField ? readShare(r, coverageField) : base.minCoverage;
  return {
    forMs: (forField && r.duration(forField)) ?? base.forMs,
    clearForMs: (clearForField && r.duration(clearForField)) ?? base.clearForMs,
    flap: flapField ? readFlap(r, flapField, base.flap) : base.flap,
    labels: labelsField ? { ...base.labels, ...readLabels(r, labelsField) } : base.labels,
    ...(minCoverage !== undefined ? { minCoverage } : {}),
  };
}

/** `min_coverage: 80%` (or 0.8): a share of the window, 0…100 %. */
function readShare(r: RuleReporter, field: Field): number | undefined {
  const share = parseShare(isScalar(field.value) ? field.value.value : undefined);
  if (share === undefined) r.report(field.value ?? field.key, `min_coverage must be a share of the window from 0% to 100%, e.g. min_coverage: 80%; found ${describeNode(field.value)}`);
  return share;
}

export function parseShare(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+(\.\d+)?\s*%\s*$/.test(v) ? Number.parseFloat(v) / 100 : NaN;
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : undefined;
}

/** What the file says for all of its rules. */
export interface FileScope {
  defaults: RuleDefaults;
  /** The file's `classes`; undefined: every device. */
  classes: string[] | undefined;
  /** Names already used in the group, with their line, for the duplicate check. */
  seenNames: Map<string, number>;
}

/** Compiles one item of `rules:`; undefined when the rule has a problem (all of them are reported). */
export function compileRule(r: RuleReporter, node: unknown, index: number, scope: FileScope): RuleDef | undefined {
  const { defaults, seenNames } = scope;
  r.rule = `rule #${index + 1}`;
  if (!isMap(node)) {
    r.report(node, `each rule is a mapping with at least name, when and priority; found ${describeNode(node)}`);
    return undefined;
  }
  const before = r.problems.length;
  // The name labels every later problem of this rule, so read it before checking the keys.
  const namePair = node.items.find((p) => isScalar(p.key) && p.key.value === 'name');
  const nameField = namePair && { key: namePair.key as Scalar, value: (namePair.value as Node | null) ?? null };
  const name = nameField && r.text(nameField)?.trim();
  if (name) r.rule = name;
  const f = r.fields(node, RULE_KEYS, 'a rule');
  if (!nameField) r.report(node, `rule is missing 'name' (a short title unique in the group, e.g. name: UPS on battery)`);
  else if (name === '') r.report(nameField.value, `name is empty; write a short title, e.g. name: UPS on battery`);
  if (name && nameField) {
    const first = seenNames.get(name);
    if (first !== undefined) r.report(nameField.value, `rule name '${name}' is already used at line ${first} in this group; names must be unique within a group`);
    else seenNames.set(name, r.source.lineCounter.linePos(nameField.value?.range?.[0] ?? 0).line);
  }

  const whenField = f.get('when');
  if (!whenField) r.report(node, `rule is missing 'when' (the condition that raises the alert, e.g. when: cpu.usage_pct > 90)`);
  const when = whenField && r.expression(whenField, parseCondition);
  const clearField = f.get('clear');
  const clear = clearField && readDerived(r, clearField, when, 'clear');
  const priorityField = f.get('priority');
  if (!priorityField) r.report(node, `rule is missing 'priority' (${PRIORITIES.join(', ')}; P1 is the most severe)`);
  const priority = priorityField && readPriority(r, priorityField);
  const escalateField = f.get('escalate');
  const escalate = escalateField ? readEscalation(r, escalateField, when, priority) : [];
  const timings = readTimings(r, f, defaults);
  const summary = readTemplate(r, f.get('summary'));
  const runbook = readTemplate(r, f.get('runbook'));
  const translations: NonNullable<RuleDef['translations']> = {};
  for (const lang of RULE_TEXT_LANGS) {
    const tSummary = readTemplate(r, f.get(`summary_${lang}`));
    const tRunbook = readTemplate(r, f.get(`runbook_${lang}`));
    if (tSummary !== undefined || tRunbook !== undefined) translations[lang] = { ...(tSummary !== undefined ? { summary: tSummary } : {}), ...(tRunbook !== undefined ? { runbook: tRunbook } : {}) };
  }
  const reason = f.get('reason');
  if (reason) r.text(reason);

  if (r.problems.length > before || !name || !when || !priority || !escalate) return undefined;
  const selectors = uniqueSelectors([when, ...(clear ? [clear] : []), ...escalate.map((l) => l.when)]);
  const def: RuleDef = {
    id: `${r.group}/${name}`,
    group: r.group as string,
    name,
    pos: { file: r.file, ...r.source.lineCounter.linePos(node.range?.[0] ?? 0) },
    when,
    forMs: timings.forMs,
    clearForMs: timings.clearForMs,
    priority,
    escalate,
    flap: timings.flap,
    labels: timings.labels,
    selectors,
    // device.up and absent() say whether a device answers at all: those alerts are suppressed under a down parent.
    reachability: containsAbsent(when) || selectors.some((s) => s.measurement === 'device' && s.field === 'up'),
  };
  if (scope.classes) def.classes = scope.classes;
  if (clear) def.clear = clear;
  if (timings.minCoverage !== undefined) def.minCoverage = timings.minCoverage;
  if (summary !== undefined) def.summary = summary;
  if (runbook !== undefined) def.runbook = runbook;
  if (Object.keys(translations).length > 0) def.translations = translations;
  return def;
}

/**
 * `clear` or an escalation's `when`. When the rule's own `when` did not compile,
 * a short form cannot be checked (it borrows from `when`); a full one still is.
 */
function readDerived(r: RuleReporter, field: Field, when: Expr | undefined, name: string): Expr | undefined {
  return r.expression(field, (text, locate) => {
    if (when) return parseDerivedCondition(text, when, name, locate);
    // A stand-in that is never used: the rule is refused because its when has a problem.
    if (/^\s*[<>=!]/.test(text)) return { kind: 'number', value: 0, pos: locate(0) };
    return parseCondition(text, locate);
  });
}

function readPriority(r: RuleReporter, field: Field): Priority | undefined {
  const v = isScalar(field.value) ? field.value.value : undefined;
  if (typeof v === 'string' && (PRIORITIES as readonly string[]).includes(v)) return v as Priority;
  const found = typeof v === 'string' ? `'${v}'` : describeNode(field.value);
  r.report(field.value ?? field.key, `${found} is not a priority; valid: ${PRIORITIES.join(', ')} (P1 is the most severe)`);
  return undefined;
}

/** Levels must strictly rise in severity: above the rule's priority, then above the previous level. */
function readEscalation(r: RuleReporter, field: Field, when: Expr | undefined, base: Priority | undefined): EscalationLevel[] | undefined {
  if (!isSeq(field.value)) {
    r.report(field.value ?? field.key, `escalate must be a list of levels, e.g. escalate: [{ when: "> 97", priority: P2 }]; found ${describeNode(field.value)}`);
    return undefined;
  }
  const levels: EscalationLevel[] = [];
  let ok = true;
  let previous: { priority: Priority; what: string } | undefined = base && { priority: base, what: `the rule's priority ${base}` };
  field.value.items.forEach((item, i) => {
    if (!isMap(item)) {
      r.report(item, `each escalation level is a mapping with when and priority, e.g. { when: "> 97", priority: P2 }; found ${describeNode(item)}`);
      ok = false;
      return;
    }
    const f = r.fields(item, ESCALATE_KEYS, 'an escalation level');
    const whenField = f.get('when');
    const priorityField = f.get('priority');
    if (!whenField) r.report(item, `escalation level ${i + 1} is missing 'when' (e.g. when: "> 97")`);
    if (!priorityField) r.report(item, `escalation level ${i + 1} is missing 'priority' (e.g. priority: P2)`);
    const levelWhen = whenField && readDerived(r, whenField, when, 'when');
    const priority = priorityField && readPriority(r, priorityField);
    if (priority && priorityField && previous && severity(priority) <= severity(previous.priority)) {
      r.report(priorityField.value, `escalation level ${i + 1} (${priority}) must be more severe than ${previous.what}; levels go up, e.g. P3 → P2 → P1`);
      ok = false;
    }
    if (priority) previous = { priority, what: `level ${i + 1} (${priority})` };
    if (levelWhen && priority) levels.push({ when: levelWhen, priority });
    else ok = false;
  });
  return ok ? levels : undefined;
}

/** P1 → 4 … P4 → 1: higher is more severe. */
function severity(p: Priority): number {
  return PRIORITIES.length - PRIORITIES.indexOf(p);
}

function readFlap(r: RuleReporter, field: Field, base: FlapPolicy): FlapPolicy {
  const map = r.map(field, '{ window: 1h, max_changes: 6 }');
  if (!map) return base;
  const f = r.fields(map, FLAP_KEYS, 'flap');
  const windowField = f.get('window');
  let windowMs = (windowField && r.duration(windowField)) ?? base.windowMs;
  if (windowField && windowMs === 0) {
    r.report(windowField.value, `flap window must be longer than 0, e.g. window: 1h`);
    windowMs = base.windowMs;
  }
  const maxField = f.get('max_changes');
  let maxChanges = base.maxChanges;
  if (maxField) {
    const v = isScalar(maxField.value) ? maxField.value.value : undefined;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 1) maxChanges = v;
    else r.report(maxField.value ?? maxField.key, `max_changes must be a whole number of at least 1, found ${describeNode(maxField.value)}`);
  }
  return { windowMs, maxChanges };
}

function readLabels(r: RuleReporter, field: Field): Record<string, string> {
  const labels: Record<string, string> = {};
  const map = r.map(field, '{ team: facilities }');
  if (!map) return labels;
  for (const pair of map.items) {
    const key = pair.key as Scalar;
    const name = String(isScalar(key) ? key.value : key);
    if (!LABEL_NAME.test(name)) r.report(key, `label name '${name}' must be letters, digits and _ (starting with a letter or _)`);
    const value = pair.value as Node | null;
    if (isScalar(value) && typeof value.value === 'string') labels[name] = value.value;
    else r.report(value ?? key, `label '${name}' must be text, found ${describeNode(value)}; quote it, e.g. ${name}: "…"`);
  }
  return labels;
}

function readTemplate(r: RuleReporter, field: Field | undefined): string | undefined {
  if (!field) return undefined;
  const text = r.text(field);
  if (text === undefined) return undefined;
  const locate = r.locator(field.value as Scalar);
  for (const p of checkTemplate(text)) r.reportAt(locate(p.offset), `${field.key.value}: ${p.message}`);
  return text;
}

/** Every series the rule reads, in source order, each once; the first one in `when` is the primary. */
function uniqueSelectors(exprs: Expr[]): MetricSelector[] {
  const seen = new Set<string>();
  const out: MetricSelector[] = [];
  for (const s of exprs.flatMap(selectorsOf)) {
    const key = selectorKey(s);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s);
  }
  return out;
}
