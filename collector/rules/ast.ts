/**
 * Questions asked of a compiled expression: is it a value or a condition,
 * which series does it read, where does a partial `clear` take its left side.
 */
import type { MetricSelector } from '../store/selector.js';
import type { Expr } from './types.js';

/** `value` expressions produce a number; `condition` expressions produce true/false. */
export function exprType(e: Expr): 'value' | 'condition' {
  switch (e.kind) {
    case 'number':
    case 'selector':
    case 'call':
      return 'value';
    default:
      return 'condition';
  }
}

/** Sub-expressions in left-to-right source order, each node before its children. */
export function* walk(e: Expr): Generator<Expr> {
  yield e;
  switch (e.kind) {
    case 'compare':
    case 'and':
    case 'or':
      yield* walk(e.left);
      yield* walk(e.right);
      break;
    case 'not':
      yield* walk(e.expr);
      break;
    default:
      break;
  }
}

/** Selectors in left-to-right order (duplicates kept; the caller decides). */
export function selectorsOf(e: Expr): MetricSelector[] {
  const out: MetricSelector[] = [];
  for (const node of walk(e)) {
    if (node.kind === 'selector' || node.kind === 'call' || node.kind === 'absent' || node.kind === 'predict') out.push(node.selector);
  }
  return out;
}

/** The comparison a partial form (`clear: "< 85"`) borrows its left side from. */
export function firstCompare(e: Expr): Extract<Expr, { kind: 'compare' }> | undefined {
  for (const node of walk(e)) if (node.kind === 'compare') return node;
  return undefined;
}

export function containsAbsent(e: Expr): boolean {
  for (const node of walk(e)) if (node.kind === 'absent') return true;
  return false;
}

/** A stable text form of a selector, used to drop duplicates: `disk.used_pct{mount!~"/boot.*"}`. */
export function selectorKey(s: MetricSelector): string {
  const tags = s.matchers.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`).join(',');
  return tags ? `${s.measurement}.${s.field}{${tags}}` : `${s.measurement}.${s.field}`;
}
