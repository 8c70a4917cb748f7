/**
 * The rule expression parser: text → Expr (types.ts), type-checked.
 *
 *   expr    := or
 *   or      := and ('or' and)*
 *   and     := unary ('and' unary)*
 *   unary   := 'not' unary | cmp
 *   cmp     := predict | operand (OP operand)?
 *   predict := 'predict' '(' selector ',' DURATION ')' OP '-'? NUMBER 'within' DURATION
 *   operand := '-'? NUMBER | selector | FN '(' selector (',' DURATION)? ')'
 *            | 'absent' '(' selector ',' DURATION ')' | '(' expr ')'
 *   selector:= NAME '.' NAME ('{' (NAME MATCH STRING (',' NAME MATCH STRING)* ','?)? '}')?
 *   OP      := > >= < <= == !=          MATCH := = != =~ !~
 *   FN      := last avg min max rate delta
 *   short   := OP operand            (clear and escalate only: the left side is when's first comparison's)
 *
 * NUMBER may carry a unit glued to it (90%, 1GB, 64MiB, 5m); DURATION is a
 * NUMBER with a duration unit (ms s m h d w, compound 1h30m). As a comparison
 * value a duration is in seconds; as a window or `within`, in milliseconds.
 *
 * Every expression is a value (number, selector, FN call) or a condition (a
 * comparison, absent, predict, and/or/not). and/or/not take conditions; a
 * comparison takes values. Node positions: leaves point at their first
 * character, compare/and/or/not at their operator, predict at its name.
 */
import type { MetricSelector } from '../store/selector.js';
import { exprType, firstCompare, selectorsOf } from './ast.js';
import { describeToken, DURATION_MS, ExprError, SIZE_BYTES, type Quantity, type Token } from './lexer.js';
import { TokenCursor } from './selector-syntax.js';
import type { CompareOp, Expr, SourcePos, WindowFn } from './types.js';

/** Maps an offset in the expression text to a position in the rule file. */
export type Locate = (offset: number) => SourcePos;

/** For expressions that do not come from a file (tests, the CLI): line 1, column = offset + 1. */
export function locateInText(file = '<expr>'): Locate {
  return (offset) => ({ file, line: 1, col: offset + 1 });
}

const COMPARE_OPS = new Set(['>', '>=', '<', '<=', '==', '!=']);
const WINDOW_FNS: readonly string[] = ['last', 'avg', 'min', 'max', 'rate', 'delta', 'resets'] satisfies WindowFn[];
const KEYWORDS = new Set(['and', 'or', 'not', 'within']);
const FUNCTIONS = [...WINDOW_FNS, 'absent', 'predict'].join(', ');
const PREDICT_FORM = 'predict(metric, window) OP number within duration, e.g. predict(disk.used_pct, 6h) >= 100 within 3d';
const CONDITION_EXAMPLE = 'cpu.usage_pct > 90';

/** A whole condition, as in `when:`. Throws ExprError. */
export function parseCondition(text: string, locate: Locate = locateInText()): Expr {
  return new Parser(text, locate).condition();
}

/** A value or a condition (for tools that evaluate fragments). Throws ExprError. */
export function parseExpr(text: string, locate: Locate = locateInText()): Expr {
  return new Parser(text, locate).whole();
}

/**
 * `clear:` and escalation `when:`: either a full condition, or the partial form
 * `OP value` (`< 85`), which compares the left side of the first comparison in
 * `when` (left to right). `field` names the YAML field in messages.
 */
export function parseDerivedCondition(text: string, when: Expr, field: string, locate: Locate = locateInText()): Expr {
  return new Parser(text, locate).derived(when, field);
}

/** How a number reads as a comparison value: durations become seconds, because duration metrics end in _s. */
function comparisonValue(q: Quantity): number {
  return q.kind === 'duration' ? q.value / 1000 : q.value;
}

/**
 * Bounds on an expression's shape. The parser and the evaluator recurse, so
 * 1,000 nested parentheses or an \`or\` chain of 5,000 terms overflowed the
 * stack and killed the collector on SIGHUP; no rule a person writes comes near.
 */
export const MAX_NESTING = 32;
export const MAX_TERMS = 200;

class Parser extends TokenCursor {
  private depth = 0;
  private terms = 0;
  /** Source span of each parsed node, so messages can quote what the engineer wrote. */
  private readonly spans = new Map<Expr, { start: number; end: number }>();

  constructor(
    text: string,
    private readonly locate: Locate,
  ) {
    super(text);
  }

  condition(): Expr {
    const e = this.whole();
    if (exprType(e) !== 'condition') {
      throw new ExprError(`a condition needs a comparison, e.g. ${CONDITION_EXAMPLE}; found only the value '${this.source(e)}'`, this.startOf(e));
    }
    return e;
  }

  whole(): Expr {
    if (this.peek().kind === 'eof') throw new ExprError(`empty expression; write a condition, e.g. ${CONDITION_EXAMPLE}`, 0);
    const e = this.parseOr();
    this.expectEnd(e);
    return e;
  }

  derived(when: Expr, field: string): Expr {
    const op = this.peek();
    if (op.kind !== 'op' || !(COMPARE_OPS.has(op.text) || op.text === '=')) return this.condition();
    if (op.text === '=') throw this.singleEquals(op);
    const borrowed = firstCompare(when);
    const short = this.text.trim();
    if (!borrowed) {
      // The example names when's own metric, so the fix reads as the engineer's rule.
      const metric = selectorsOf(when)[0];
      const example = metric ? `${metric.measurement}.${metric.field}` : 'cpu.usage_pct';
      throw new ExprError(
        `the short form ${field}: "${short}" reuses the left side of the first comparison in when, but when has no comparison; write a full condition, e.g. ${field}: ${example} ${short}`,
        op.offset,
      );
    }
    if (borrowed.left.kind === 'number') {
      throw new ExprError(
        `the short form ${field}: "${short}" reuses the left side of when's first comparison, which is a number here; put the metric on the left in when (cpu.usage_pct > 90) or write a full condition`,
        op.offset,
      );
    }
    this.next();
    const right = this.parseOperand(`after '${op.text}'`);
    this.requireValue(right, op.text);
    this.expectEnd(right);
    return { kind: 'compare', op: op.text as CompareOp, left: borrowed.left, right, pos: this.locate(op.offset) };
  }

  private parseOr(): Expr {
    return this.parseBinary('or', () => this.parseAnd());
  }

  private parseAnd(): Expr {
    return this.parseBinary('and', () => this.parseUnary());
  }

  private parseBinary(kind: 'and' | 'or', operand: () => Expr): Expr {
    const start = this.peek().offset;
    let left = operand();
    while (this.isKeyword(kind)) {
      const op = this.next();
      if (++this.terms >= MAX_TERMS) throw new ExprError(`more than ${MAX_TERMS} terms joined by and/or; split the rule or match the devices with a regex`, op.offset);
      this.requireCondition(left, kind);
      const right = operand();
      this.requireCondition(right, kind);
      left = this.node({ kind, left, right, pos: this.locate(op.offset) }, start);
    }
    return left;
  }

  private parseUnary(): Expr {
    if (!this.isKeyword('not')) return this.parseComparison();
    const op = this.next();
    this.enter(op.offset);
    const inner = this.parseUnary();
    this.depth--;
    this.requireCondition(inner, 'not');
    return this.node({ kind: 'not', expr: inner, pos: this.locate(op.offset) }, op.offset);
  }

  private parseComparison(): Expr {
    if (this.isKeyword('predict') && this.isPunct('(', 1)) return this.parsePredict();
    const left = this.parseOperand('');
    const op = this.peek();
    if (op.kind !== 'op') return left;
    if (op.text === '=') throw this.singleEquals(op);
    if (!COMPARE_OPS.has(op.text)) {
      throw new ExprError(`'${op.text}' matches tags inside { }, e.g. disk.used_pct{mount${op.text}"/u0.*"}; to compare values use > >= < <= == !=`, op.offset);
    }
    this.next();
    this.requireValue(left, op.text);
    const right = this.parseOperand(`after '${op.text}'`);
    this.requireValue(right, op.text);
    const after = this.peek();
    if (after.kind === 'op' && COMPARE_OPS.has(after.text)) {
      throw new ExprError(`comparisons cannot be chained; join them with 'and', e.g. cpu.usage_pct > 50 and cpu.usage_pct < 90`, after.offset);
    }
    return this.node({ kind: 'compare', op: op.text as CompareOp, left, right, pos: this.locate(op.offset) }, this.startOf(left));
  }

  private parsePredict(): Expr {
    const name = this.next();
    this.next(); // '('
    const { selector, windowMs } = this.callArguments('predict', true);
    const op = this.peek();
    if (op.kind !== 'op' || !COMPARE_OPS.has(op.text)) {
      throw new ExprError(`predict must be compared with a number, found ${describeToken(op)}; write ${PREDICT_FORM}`, op.offset);
    }
    this.next();
    const negative = this.isPunct('-') && this.peek(1).kind === 'number';
    if (negative) this.next();
    const threshold = this.peek();
    if (threshold.kind !== 'number') {
      throw new ExprError(`predict compares with a number, found ${describeToken(threshold)}; write ${PREDICT_FORM}`, threshold.offset);
    }
    this.next();
    if (!this.isKeyword('within')) {
      throw new ExprError(`predict needs 'within' and a duration after the threshold, found ${describeToken(this.peek())}; write ${PREDICT_FORM}`, this.peek().offset);
    }
    this.next();
    const withinMs = this.parseDuration(`'within'`, false);
    const value = comparisonValue(threshold.quantity);
    const e: Expr = { kind: 'predict', selector, windowMs, op: op.text as CompareOp, threshold: negative ? -value : value, withinMs, pos: this.locate(name.offset) };
    return this.node(e, name.offset);
  }

  private parseOperand(context: string): Expr {
    const t = this.peek();
    if (t.kind === 'punct' && t.text === '(') {
      this.next();
      this.enter(t.offset);
      const inner = this.parseOr();
      this.depth--;
      const close = this.peek();
      if (close.kind !== 'punct' || close.text !== ')') {
        throw new ExprError(`missing ')' to close the '(' at column ${t.offset + 1}; found ${describeToken(close)}`, close.offset);
      }
      this.next();
      this.spans.set(inner, { start: t.offset, end: this.prevEnd() });
      return inner;
    }
    if (t.kind === 'number' || (t.kind === 'punct' && t.text === '-' && this.peek(1).kind === 'number')) return this.parseNumber();
    if (t.kind === 'ident' && !KEYWORDS.has(t.text)) {
      if (this.isPunct('(', 1)) return this.parseCall();
      const selector = this.parseSelector();
      return this.node({ kind: 'selector', selector, pos: this.locate(t.offset) }, t.offset);
    }
    const where = context ? ` ${context}` : '';
    throw new ExprError(`expected a value${where} (a number like 90, 5m or 1GB, a metric like cpu.usage_pct, or a function like avg(cpu.usage_pct, 5m)), found ${describeToken(t)}`, t.offset);
  }

  private enter(offset: number): void {
    if (++this.depth > MAX_NESTING) throw new ExprError(`nesting deeper than ${MAX_NESTING} levels of ( ) or 'not'; simplify the condition`, offset);
  }

  private parseNumber(): Expr {
    const start = this.peek().offset;
    const negative = this.isPunct('-');
    if (negative) this.next();
    const t = this.next() as Extract<Token, { kind: 'number' }>;
    const value = comparisonValue(t.quantity);
    return this.node({ kind: 'number', value: negative ? -value : value, pos: this.locate(start) }, start);
  }

  private parseCall(): Expr {
    const name = this.next();
    this.next(); // '('
    if (name.text === 'predict') throw new ExprError(`predict is a whole condition and cannot be used inside another; write ${PREDICT_FORM}`, name.offset);
    if (name.text !== 'absent' && !WINDOW_FNS.includes(name.text)) {
      throw new ExprError(`unknown function '${name.text}'; valid functions: ${FUNCTIONS}`, name.offset);
    }
    const { selector, windowMs } = this.callArguments(name.text, name.text !== 'last');
    const pos = this.locate(name.offset);
    const e: Expr = name.text === 'absent' ? { kind: 'absent', selector, windowMs, pos } : { kind: 'call', fn: name.text as WindowFn, selector, windowMs, pos };
    return this.node(e, name.offset);
  }

  /** `selector [, window] )` — the '(' is already consumed. */
  private callArguments(fn: string, windowRequired: boolean): { selector: MetricSelector; windowMs: number } {
    const first = this.peek();
    if (first.kind !== 'ident' || KEYWORDS.has(first.text) || this.isPunct('(', 1)) {
      throw new ExprError(`the first argument of ${fn} must be a metric, e.g. ${fn}(cpu.usage_pct, 5m); found ${describeToken(first)}`, first.offset);
    }
    const selector = this.parseSelector();
    const written = this.text.slice(first.offset, this.prevEnd());
    let windowMs = 0;
    if (this.isPunct(',')) {
      this.next();
      windowMs = this.parseDuration(`the window of ${fn}`, !windowRequired);
    } else if (windowRequired) {
      throw new ExprError(`${fn} needs a window: ${fn}(${written}, 5m)`, this.peek().offset);
    }
    const close = this.peek();
    if (close.kind === 'punct' && close.text === ')') {
      this.next();
      return { selector, windowMs };
    }
    if (close.kind === 'punct' && close.text === ',') {
      throw new ExprError(`${fn} takes a metric and a window, e.g. ${fn}(${written}, 5m); remove the extra argument`, close.offset);
    }
    throw new ExprError(`missing ')' to close ${fn}( ; found ${describeToken(close)}`, close.offset);
  }

  private parseDuration(what: string, allowZero: boolean): number {
    const t = this.peek();
    if (t.kind !== 'number' || t.quantity.kind !== 'duration') {
      const hint = t.kind === 'number' && t.quantity.kind === 'plain' ? ` (add a unit: ${t.text}m or ${t.text}s)` : '';
      throw new ExprError(`${what} must be a duration like 30s, 5m or 1h, found ${describeToken(t)}${hint}`, t.offset);
    }
    if (t.quantity.value <= 0 && !allowZero) throw new ExprError(`${what} must be longer than 0, e.g. 5m`, t.offset);
    this.next();
    return t.quantity.value;
  }

  private requireCondition(e: Expr, op: 'and' | 'or' | 'not'): void {
    if (exprType(e) === 'condition') return;
    const where = op === 'not' ? `'not' needs a condition` : `'${op}' needs a condition on each side`;
    throw new ExprError(`${where}, found the value '${this.source(e)}'; write a comparison, e.g. ${CONDITION_EXAMPLE}`, this.startOf(e));
  }

  private requireValue(e: Expr, op: string): void {
    if (exprType(e) === 'value') return;
    if (e.kind === 'absent') {
      throw new ExprError(
        `absent(...) is already a condition (true when the metric has no sample in the window) and cannot be compared with '${op}'; use it alone, e.g. absent(agent.heartbeat, 3m)`,
        this.startOf(e),
      );
    }
    throw new ExprError(`'${op}' compares two values, but '${this.source(e)}' is a condition (true or false)`, this.startOf(e));
  }

  private expectEnd(last: Expr): void {
    const t = this.peek();
    if (t.kind === 'eof') return;
    if (t.kind === 'ident' && t.text === 'within') throw new ExprError(`'within' belongs to predict: ${PREDICT_FORM}`, t.offset);
    if (t.kind === 'ident' && KEYWORDS.has(t.text.toLowerCase())) throw new ExprError(`write '${t.text.toLowerCase()}' in lowercase`, t.offset);
    if (t.kind === 'punct' && t.text === ')') throw new ExprError(`')' has no matching '('`, t.offset);
    const before = this.tokens[this.i - 1];
    if (t.kind === 'ident' && before?.kind === 'number' && (t.text in SIZE_BYTES || t.text in DURATION_MS)) {
      throw new ExprError(`write the unit right after the number, without a space: ${before.text}${t.text}`, before.offset);
    }
    const expected = exprType(last) === 'value' ? 'a comparison (> >= < <= == !=)' : `'and', 'or'`;
    throw new ExprError(`unexpected ${describeToken(t)} after '${this.source(last)}'; expected ${expected} or the end of the expression`, t.offset);
  }

  private singleEquals(t: Token): ExprError {
    return new ExprError(`'=' is not a comparison; write == to test equality, e.g. ups.on_battery == 1`, t.offset);
  }

  private node<E extends Expr>(e: E, start: number): E {
    this.spans.set(e, { start, end: this.prevEnd() });
    return e;
  }

  /** What the engineer wrote for `e`, on one line (messages are one line even for block scalars). */
  private source(e: Expr): string {
    const span = this.spans.get(e);
    return span ? this.text.slice(span.start, span.end).replace(/\s+/g, ' ') : '';
  }

  private startOf(e: Expr): number {
    return this.spans.get(e)?.start ?? 0;
  }
}
