/**
 * The small expression language of SNMP profiles: computed fields such as
 * `max(if.in_bps, if.out_bps) / (speed_mbps * 1e6) * 100` and row filters such
 * as `type == "1.3.6.1.2.1.25.2.1.4"`.
 *
 * It is compiled once when a profile loads (so a typo is a load error naming
 * the file and line) and evaluated per table row. Unknown inputs make the
 * result undefined instead of NaN: a missing column yields no sample, never a
 * made-up 0.
 */

import { parseTextNumber } from './plausible.js';

export type ExprValue = number | string | undefined;
export type ExprScope = (name: string) => ExprValue;
export interface CompiledExpr {
  readonly source: string;
  /** The identifiers the expression reads, so the poller knows which columns to fetch. */
  readonly names: ReadonlySet<string>;
  /** Whether it reads text (matches() or number()): only then does a non-numeric value reach it. */
  readonly readsText: boolean;
  evaluate(scope: ExprScope): ExprValue;
}

type Node =
  | { kind: 'num'; value: number }
  | { kind: 'str'; value: string }
  | { kind: 'name'; name: string }
  | { kind: 'unary'; op: '-' | '!'; arg: Node }
  | { kind: 'binary'; op: string; left: Node; right: Node }
  | { kind: 'call'; fn: string; args: Node[] };

const FUNCTIONS: Record<string, { min: number; max: number; apply(args: number[]): number }> = {
  min: { min: 1, max: 16, apply: (a) => Math.min(...a) },
  max: { min: 1, max: 16, apply: (a) => Math.max(...a) },
  abs: { min: 1, max: 1, apply: (a) => Math.abs(a[0] as number) },
  if: { min: 3, max: 3, apply: () => Number.NaN },
  default: { min: 2, max: 16, apply: () => Number.NaN },
  // Text functions, evaluated in evaluate(): matches(text, "regex") is 1/0 (case-insensitive);
  // number(text) reads "24.8 C" or "CPU Temperature: 61 C" as 24.8 / 61.
  matches: { min: 2, max: 2, apply: () => Number.NaN },
  number: { min: 1, max: 1, apply: () => Number.NaN },
  round: { min: 1, max: 2, apply: ([v, d]) => (d === undefined ? Math.round(v as number) : Number((v as number).toFixed(d))) },
};

/** Binary operators by precedence, loosest first. */
const LEVELS: string[][] = [['||'], ['&&'], ['==', '!=', '<=', '>=', '<', '>'], ['+', '-'], ['*', '/', '%']];

const TOKEN = /\s*(?:(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|("[^"]*"|'[^']*')|([A-Za-z_][A-Za-z0-9_.]*)|(\|\||&&|==|!=|<=|>=|[-+*/%<>()!,]))/y;

export class ExprError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
    this.name = 'ExprError';
  }
}

function tokenize(src: string): Array<{ text: string; type: 'num' | 'str' | 'name' | 'op'; at: number }> {
  const tokens: Array<{ text: string; type: 'num' | 'str' | 'name' | 'op'; at: number }> = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(src);
    if (!m) throw new ExprError(`unexpected character '${src.slice(pos).trimStart()[0]}'`, pos + 1);
    const at = pos + (m[0].length - m[0].trimStart().length);
    if (m[1] !== undefined) tokens.push({ text: m[1], type: 'num', at });
    else if (m[2] !== undefined) tokens.push({ text: m[2].slice(1, -1), type: 'str', at });
    else if (m[3] !== undefined) tokens.push({ text: m[3], type: 'name', at });
    else tokens.push({ text: m[4] as string, type: 'op', at });
    pos = TOKEN.lastIndex;
  }
  return tokens;
}

function parse(src: string): Node {
  const tokens = tokenize(src);
  let i = 0;
  const peek = () => tokens[i];
  const fail = (msg: string): never => {
    throw new ExprError(msg, (tokens[i]?.at ?? src.length) + 1);
  };
  const expectOp = (op: string) => {
    const t = peek();
    if (t?.type !== 'op' || t.text !== op) fail(`expected '${op}'${t ? ` before '${t.text}'` : ' at the end'}`);
    i++;
  };
  const level = (n: number): Node => {
    if (n === LEVELS.length) return unary();
    let left = level(n + 1);
    for (;;) {
      const t = peek();
      if (t?.type !== 'op' || !(LEVELS[n] as string[]).includes(t.text)) return left;
      i++;
      left = { kind: 'binary', op: t.text, left, right: level(n + 1) };
    }
  };
  const unary = (): Node => {
    const t = peek();
    if (t?.type === 'op' && (t.text === '-' || t.text === '!')) {
      i++;
      return { kind: 'unary', op: t.text, arg: unary() };
    }
    return primary();
  };
  const primary = (): Node => {
    const t = peek();
    if (!t) return fail('expression ends too early');
    i++;
    if (t.type === 'num') return { kind: 'num', value: Number(t.text) };
    if (t.type === 'str') return { kind: 'str', value: t.text };
    if (t.type === 'op' && t.text === '(') {
      const inner = level(0);
      expectOp(')');
      return inner;
    }
    if (t.type === 'name') {
      const next = peek();
      if (next?.type === 'op' && next.text === '(') {
        const fn = FUNCTIONS[t.text];
        if (!fn) {
          i--;
          fail(`unknown function '${t.text}'; use one of ${Object.keys(FUNCTIONS).join(', ')}`);
        }
        i++;
        const args: Node[] = [];
        if (!(peek()?.type === 'op' && peek()?.text === ')')) {
          args.push(level(0));
          while (peek()?.type === 'op' && peek()?.text === ',') {
            i++;
            args.push(level(0));
          }
        }
        expectOp(')');
        const { min, max } = fn as { min: number; max: number };
        if (args.length < min || args.length > max) {
          i--;
          fail(`${t.text}() takes ${min === max ? min : `${min} to ${max}`} arguments`);
        }
        return { kind: 'call', fn: t.text, args };
      }
      return { kind: 'name', name: t.text };
    }
    i--;
    return fail(`unexpected '${t.text}'`);
  };
  const root = level(0);
  if (i < tokens.length) fail(`unexpected '${tokens[i]?.text}'`);
  return root;
}

function callsText(node: Node): boolean {
  if (node.kind === 'call') return node.fn === 'matches' || node.fn === 'number' || node.args.some(callsText);
  if (node.kind === 'unary') return callsText(node.arg);
  if (node.kind === 'binary') return callsText(node.left) || callsText(node.right);
  return false;
}

function collectNames(node: Node, into: Set<string>): void {
  switch (node.kind) {
    case 'name':
      into.add(node.name);
      break;
    case 'unary':
      collectNames(node.arg, into);
      break;
    case 'binary':
      collectNames(node.left, into);
      collectNames(node.right, into);
      break;
    case 'call':
      for (const a of node.args) collectNames(a, into);
      break;
    default:
  }
}

const regexCache = new Map<string, RegExp>();
function regexOf(source: string): RegExp {
  let re = regexCache.get(source);
  if (!re) {
    try {
      re = new RegExp(source, 'i');
    } catch {
      re = /(?!)/;
    }
    regexCache.set(source, re);
  }
  return re;
}

function toNumber(v: ExprValue): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function evaluate(node: Node, scope: ExprScope): ExprValue {
  switch (node.kind) {
    case 'num':
    case 'str':
      return node.value;
    case 'name':
      return scope(node.name);
    case 'unary': {
      const v = toNumber(evaluate(node.arg, scope));
      if (v === undefined) return undefined;
      return node.op === '-' ? -v : v === 0 ? 1 : 0;
    }
    case 'call': {
      // if() and default() look at their arguments lazily, so a missing branch does not spoil the result.
      if (node.fn === 'if') {
        const cond = toNumber(evaluate(node.args[0] as Node, scope));
        if (cond === undefined) return undefined;
        return evaluate(node.args[cond !== 0 ? 1 : 2] as Node, scope);
      }
      if (node.fn === 'matches') {
        const text = evaluate(node.args[0] as Node, scope);
        const re = evaluate(node.args[1] as Node, scope);
        if (text === undefined || re === undefined) return undefined;
        return regexOf(String(re)).test(String(text)) ? 1 : 0;
      }
      if (node.fn === 'number') {
        const text = evaluate(node.args[0] as Node, scope);
        return typeof text === 'string' ? parseTextNumber(text) : text;
      }
      if (node.fn === 'default') {
        for (const a of node.args) {
          const v = evaluate(a, scope);
          if (v !== undefined) return v;
        }
        return undefined;
      }
      const args: number[] = [];
      // min() and max() take what is known (one direction of a link may lack a counter); the rest need every argument.
      const partial = node.fn === 'min' || node.fn === 'max';
      for (const a of node.args) {
        const v = toNumber(evaluate(a, scope));
        if (v === undefined) {
          if (partial) continue;
          return undefined;
        }
        args.push(v);
      }
      if (args.length === 0) return undefined;
      return (FUNCTIONS[node.fn] as (typeof FUNCTIONS)[string]).apply(args);
    }
    case 'binary':
      return binary(node.op, evaluate(node.left, scope), evaluate(node.right, scope));
  }
}

function binary(op: string, l: ExprValue, r: ExprValue): ExprValue {
  if (op === '&&' || op === '||') {
    const a = toNumber(l);
    const b = toNumber(r);
    if (op === '&&') return a === 0 || b === 0 ? 0 : a === undefined || b === undefined ? undefined : 1;
    return (a !== undefined && a !== 0) || (b !== undefined && b !== 0) ? 1 : a === undefined || b === undefined ? undefined : 0;
  }
  if (l === undefined || r === undefined) return undefined;
  if (op === '==' || op === '!=') {
    // Strings compare as text unless both sides read as numbers ("8" equals 8).
    const a = toNumber(l);
    const b = toNumber(r);
    const equal = a !== undefined && b !== undefined ? a === b : String(l) === String(r);
    return equal === (op === '==') ? 1 : 0;
  }
  const a = toNumber(l);
  const b = toNumber(r);
  if (a === undefined || b === undefined) return undefined;
  switch (op) {
    case '<':
      return a < b ? 1 : 0;
    case '>':
      return a > b ? 1 : 0;
    case '<=':
      return a <= b ? 1 : 0;
    case '>=':
      return a >= b ? 1 : 0;
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0 ? undefined : a / b;
    case '%':
      return b === 0 ? undefined : a % b;
    default:
      return undefined;
  }
}

/** Compiles `source`; throws ExprError with a 1-based column on a syntax error. */
export function compileExpr(source: string): CompiledExpr {
  const root = parse(source);
  const names = new Set<string>();
  collectNames(root, names);
  return {
    source,
    names,
    readsText: callsText(root),
    evaluate: (scope) => {
      const v = evaluate(root, scope);
      return typeof v === 'number' && !Number.isFinite(v) ? undefined : v;
    },
  };
}

export { toNumber as exprNumber };
