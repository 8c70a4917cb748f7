/**
 * Reading a rule file's YAML nodes strictly, with every problem kept and
 * placed at file:line:col. The rule compiler asks "give me this field as a
 * duration" and gets undefined plus a recorded problem when it is not one, so
 * it can carry on and report the rest of the file in the same pass.
 */
import { isMap, isScalar, isSeq, type Node, type Scalar, type YAMLMap } from 'yaml';
import type { YamlSource } from '../../lib/config.js';
import { parseDuration } from '../../lib/units.js';
import { ExprError } from './lexer.js';
import type { Locate } from './parser.js';
import type { Expr, RuleProblem } from './types.js';

/** A `key: value` entry; `value` is null when the key has nothing after it in a flow map. */
export interface Field {
  key: Scalar;
  value: Node | null;
}

export class RuleReporter {
  readonly problems: RuleProblem[] = [];
  /** The group and rule being read; every problem is labelled with them. */
  group: string | undefined;
  rule: string | undefined;

  constructor(
    readonly source: YamlSource,
    private readonly sourceText: string,
  ) {}

  get file(): string {
    return this.source.file;
  }

  /** Records a problem at `node` (or at the start of the file when there is none). */
  report(node: unknown, message: string): void {
    const { line, col } = this.source.lineCounter.linePos(rangeStart(node) ?? 0);
    this.reportAt({ line, col }, message);
  }

  reportAt(at: { line: number; col: number }, message: string): void {
    this.problems.push({ file: this.file, line: at.line, col: at.col, group: this.group, rule: this.rule, message });
  }

  /**
   * The fields of a mapping by key; unknown keys are reported at the key with
   * the valid ones listed. `what` names the mapping in messages ("a rule").
   */
  fields(map: YAMLMap, valid: readonly string[], what: string): Map<string, Field> {
    const out = new Map<string, Field>();
    for (const pair of map.items) {
      const key = pair.key as Scalar;
      const name = String(isScalar(key) ? key.value : key);
      if (!valid.includes(name)) {
        const hint = closest(name, valid);
        this.report(key, `unknown key '${name}' in ${what}${hint ? ` (did you mean '${hint}'?)` : ''}; valid keys: ${valid.join(', ')}`);
        continue;
      }
      out.set(name, { key, value: (pair.value as Node | null) ?? null });
    }
    return out;
  }

  /** A mapping, or undefined with a problem. */
  map(field: Field, example: string): YAMLMap | undefined {
    if (isMap(field.value)) return field.value;
    this.report(field.value ?? field.key, `${field.key.value} must be a mapping, e.g. ${example}; found ${describeNode(field.value)}`);
    return undefined;
  }

  /** Text, or undefined with a problem (numbers and booleans are not silently turned into text). */
  text(field: Field): string | undefined {
    const v = field.value;
    if (isScalar(v) && typeof v.value === 'string') return v.value;
    this.report(v ?? field.key, `${field.key.value} must be text, found ${describeNode(v)}`);
    return undefined;
  }

  /**
   * A duration with a unit (`30s`, `5m`, `1h30m`). A bare number is refused
   * except 0: `for: 30` would otherwise silently mean 30 ms.
   */
  duration(field: Field): number | undefined {
    const v = field.value;
    const raw = isScalar(v) ? v.value : undefined;
    if (raw === 0 || raw === '0') return 0;
    if (typeof raw === 'number') {
      this.report(v, `${field.key.value}: ${raw} has no unit; write e.g. ${raw}s or ${raw}m`);
      return undefined;
    }
    const ms = typeof raw === 'string' && /[a-z]$/.test(raw.trim()) ? parseDuration(raw) : undefined;
    if (ms === undefined) {
      const found = typeof raw === 'string' ? `'${raw}'` : describeNode(v);
      this.report(v ?? field.key, `${field.key.value}: ${found} is not a duration; write e.g. 30s, 5m, 1h or 1h30m`);
    }
    return ms;
  }

  /** Parses an expression field; a syntax error is reported at its exact column. */
  expression(field: Field, parse: (text: string, locate: Locate) => Expr): Expr | undefined {
    const text = this.text(field);
    if (text === undefined) return undefined;
    const locate = this.locator(field.value as Scalar);
    try {
      return parse(text, locate);
    } catch (err) {
      if (!(err instanceof ExprError)) throw err;
      this.reportAt(locate(err.offset), err.message);
      return undefined;
    }
  }

  /**
   * Maps an offset in a scalar's value to its place in the file. Exact when the
   * value is written verbatim on one line (plain, or quoted without escapes);
   * otherwise (block scalars, folded lines, escapes) it points at the scalar.
   */
  locator(node: Scalar): Locate {
    const [start, end] = node.range ?? [0, 0];
    const raw = this.sourceText.slice(start, end);
    const value = String(node.value);
    let base: number | undefined;
    if (node.type === 'PLAIN' && raw === value) base = start;
    if ((node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && raw.slice(1, -1) === value) base = start + 1;
    return (offset) => {
      const { line, col } = this.source.lineCounter.linePos(base === undefined ? start : base + offset);
      return { file: this.file, line, col };
    };
  }
}

export function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

export function describeNode(node: unknown): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    if (node.value === null) return 'nothing';
    if (typeof node.value === 'string') return `'${node.value}'`;
    return `${typeof node.value} ${String(node.value)}`;
  }
  return 'something else';
}

/** The valid key a typo most likely meant (edit distance ≤ 2), for "did you mean". */
function closest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const option of options) {
    const d = editDistance(word.toLowerCase(), option);
    if (d < bestDistance) [best, bestDistance] = [option, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] as number;
}
