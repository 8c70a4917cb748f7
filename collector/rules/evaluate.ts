/**
 * Evaluates compiled rule expressions against series windows. Missing data is
 * "unknown", not false and not zero: a comparison with no data neither fires
 * nor clears an alert (and `and`/`or`/`not` follow three-valued logic).
 */
import type { MetricSelector } from '../store/selector.js';
import type { CompareOp, Expr } from './types.js';
import type { SeriesWindow } from './window.js';

export interface EvalContext {
  now: number;
  /**
   * Share of a window a series must have been watched for before avg, min,
   * max, rate or delta over it has a value (unknown before). Default 0: no check.
   */
  minCoverage?: number;
  /** The window a selector resolves to for the alert being evaluated (same device). */
  window(selector: MetricSelector): SeriesWindow | undefined;
}

export function compare(op: CompareOp, a: number, b: number): boolean {
  switch (op) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
}

export function evalNumber(expr: Expr, ctx: EvalContext): number | undefined {
  switch (expr.kind) {
    case 'number':
      return expr.value;
    case 'selector':
      return ctx.window(expr.selector)?.last();
    case 'call': {
      const w = ctx.window(expr.selector);
      if (!w) return undefined;
      if (expr.fn === 'last') return expr.windowMs > 0 ? lastWithin(w, ctx.now, expr.windowMs) : w.last();
      // A reset is a fact once seen (and a first sample is never one); the others need enough of their window.
      if (expr.fn !== 'resets' && w.coverage(ctx.now, expr.windowMs) < (ctx.minCoverage ?? 0)) return undefined;
      return w[expr.fn](ctx.now, expr.windowMs);
    }
    default:
      return undefined;
  }
}

/** A trend fitted on 35 minutes says little about 6 hours: predict needs history of its whole fit window. */
function predictWithHistory(expr: Extract<Expr, { kind: 'predict' }>, ctx: EvalContext): { value: number } | undefined {
  const w = ctx.window(expr.selector);
  if (!w || (ctx.minCoverage !== undefined && w.coverage(ctx.now, expr.windowMs) < 1)) return undefined;
  return w.predict(ctx.now, expr.windowMs, ctx.now + expr.withinMs);
}

function lastWithin(w: SeriesWindow, now: number, windowMs: number): number | undefined {
  const ts = w.lastTs();
  return ts !== undefined && ts > now - windowMs ? w.last() : undefined;
}

export function evalBool(expr: Expr, ctx: EvalContext): boolean | undefined {
  switch (expr.kind) {
    case 'compare': {
      const a = evalNumber(expr.left, ctx);
      const b = evalNumber(expr.right, ctx);
      return a === undefined || b === undefined ? undefined : compare(expr.op, a, b);
    }
    case 'absent': {
      const w = ctx.window(expr.selector);
      return w ? w.absent(ctx.now, expr.windowMs) : true;
    }
    case 'predict': {
      const fit = predictWithHistory(expr, ctx);
      return fit ? compare(expr.op, fit.value, expr.threshold) : undefined;
    }
    case 'and': {
      const a = evalBool(expr.left, ctx);
      if (a === false) return false;
      const b = evalBool(expr.right, ctx);
      if (b === false) return false;
      return a === undefined || b === undefined ? undefined : true;
    }
    case 'or': {
      const a = evalBool(expr.left, ctx);
      if (a === true) return true;
      const b = evalBool(expr.right, ctx);
      if (b === true) return true;
      return a === undefined || b === undefined ? undefined : false;
    }
    case 'not': {
      const v = evalBool(expr.expr, ctx);
      return v === undefined ? undefined : !v;
    }
    default:
      return undefined;
  }
}

/**
 * The value an alert reports: the left side of the first comparison (or the
 * forecast for predict), read left to right.
 */
export function reportedValue(expr: Expr, ctx: EvalContext): number | undefined {
  switch (expr.kind) {
    case 'compare':
      return evalNumber(expr.left, ctx);
    case 'predict':
      return predictWithHistory(expr, ctx)?.value;
    case 'and':
    case 'or':
      return reportedValue(expr.left, ctx) ?? reportedValue(expr.right, ctx);
    case 'not':
      return reportedValue(expr.expr, ctx);
    default:
      return undefined;
  }
}

/** The longest window an expression reads, so series windows keep enough history. */
export function longestWindow(expr: Expr): number {
  switch (expr.kind) {
    case 'call':
    case 'absent':
    case 'predict':
      return expr.windowMs;
    case 'compare':
    case 'and':
    case 'or':
      return Math.max(longestWindow(expr.left), longestWindow(expr.right));
    case 'not':
      return longestWindow(expr.expr);
    default:
      return 0;
  }
}
