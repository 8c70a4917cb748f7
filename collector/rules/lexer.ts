/**
 * Tokens of the rule expression language (rules/README.md, "Expressions").
 *
 * Numbers carry their unit already resolved, so the parser only decides what a
 * quantity means where it stands (a window wants milliseconds, a comparison
 * value wants seconds). Errors carry the offset into the expression; the
 * loader turns it into file:line:col.
 */
import { DURATION_MS, SIZE_BYTES } from '../../lib/units.js';

export class ExprError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'ExprError';
  }

  /** 1-based column within the expression text. */
  get column(): number {
    return this.offset + 1;
  }
}

/** A number as written: plain, a percentage, a size (bytes) or a duration (ms). */
export interface Quantity {
  kind: 'plain' | 'pct' | 'size' | 'duration';
  value: number;
}

export type Token =
  | { kind: 'number'; text: string; offset: number; quantity: Quantity }
  | { kind: 'ident'; text: string; offset: number }
  /** A quoted tag value; `value` has the escapes removed. */
  | { kind: 'string'; text: string; offset: number; value: string }
  /** Comparison and tag-matching operators: > >= < <= == != = =~ !~ */
  | { kind: 'op'; text: string; offset: number }
  | { kind: 'punct'; text: '(' | ')' | '{' | '}' | ',' | '.' | '-'; offset: number }
  | { kind: 'eof'; text: ''; offset: number };

export { DURATION_MS, SIZE_BYTES };

const VALID_UNITS = '% (percent), ms s m h d w (durations), B KB MB GB TB KiB MiB GiB TiB (sizes)';

const NUMBER = /(\d+(?:\.\d+)?)(%|[A-Za-z]+)?/y;
// Names follow the query API's selector syntax (collector/store/selector.ts), which allows '-' after the first character.
const IDENT = /[A-Za-z_][A-Za-z0-9_-]*/y;
const OPERATORS = ['>=', '<=', '==', '!=', '=~', '!~', '>', '<', '='] as const;
const PUNCT = new Set(['(', ')', '{', '}', ',', '.', '-']);

/** Splits an expression into tokens, ending with an `eof` token; throws ExprError. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (true) {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    if (i >= text.length) break;
    const c = text[i] as string;
    if (/\d/.test(c)) {
      const token = readNumber(text, i);
      tokens.push(token);
      i += token.text.length;
    } else if (/[A-Za-z_]/.test(c)) {
      IDENT.lastIndex = i;
      const name = (IDENT.exec(text) as RegExpExecArray)[0];
      tokens.push({ kind: 'ident', text: name, offset: i });
      i += name.length;
    } else if (c === '"' || c === "'") {
      const token = readString(text, i);
      tokens.push(token);
      i += token.text.length;
    } else if (c === '&' || c === '|') {
      const written = text[i + 1] === c ? c + c : c;
      throw new ExprError(`'${written}' is not part of the rule language; write '${c === '&' ? 'and' : 'or'}'`, i);
    } else {
      const op = OPERATORS.find((o) => text.startsWith(o, i));
      if (op) {
        tokens.push({ kind: 'op', text: op, offset: i });
        i += op.length;
      } else if (PUNCT.has(c)) {
        tokens.push({ kind: 'punct', text: c as '(', offset: i });
        i++;
      } else if (c === '!') {
        throw new ExprError(`'!' alone is not an operator; write 'not' to negate a condition, or != to compare`, i);
      } else {
        throw new ExprError(`unexpected character '${c}'`, i);
      }
    }
  }
  tokens.push({ kind: 'eof', text: '', offset: text.length });
  return tokens;
}

/** A number with an optional unit glued to it (`90`, `90%`, `1.5GB`, `5m`, `1h30m`). */
function readNumber(text: string, start: number): Token {
  NUMBER.lastIndex = start;
  let m = NUMBER.exec(text) as RegExpExecArray;
  const unit = m[2];
  if (unit === undefined) return { kind: 'number', text: m[0], offset: start, quantity: { kind: 'plain', value: Number(m[1]) } };
  if (unit === '%') return { kind: 'number', text: m[0], offset: start, quantity: { kind: 'pct', value: Number(m[1]) } };
  const bytes = SIZE_BYTES[unit];
  if (bytes !== undefined) return { kind: 'number', text: m[0], offset: start, quantity: { kind: 'size', value: Number(m[1]) * bytes } };
  // Durations may be compound (1h30m), like everywhere else in roomwatch's configuration.
  let ms = 0;
  let end = start;
  while (true) {
    const partUnit = m[2];
    const factor = partUnit === undefined ? undefined : DURATION_MS[partUnit];
    if (factor === undefined) {
      const unitAt = end + (m[1] as string).length;
      const written = text.slice(start, unitAt + (partUnit ?? '').length);
      if (partUnit === undefined) throw new ExprError(`'${written}' needs a unit after ${m[1]} (ms, s, m, h, d or w)`, unitAt);
      throw new ExprError(`unknown unit '${partUnit}' in '${written}'; valid units: ${VALID_UNITS}`, unitAt);
    }
    ms += Number(m[1]) * factor;
    end += m[0].length;
    if (!/\d/.test(text[end] ?? '')) break;
    NUMBER.lastIndex = end;
    m = NUMBER.exec(text) as RegExpExecArray;
  }
  return { kind: 'number', text: text.slice(start, end), offset: start, quantity: { kind: 'duration', value: ms } };
}

/**
 * A quoted tag value. Only the quote character and the backslash itself are
 * escaped; any other backslash is kept, so regexes read as written (`"/u0\d+"`).
 */
function readString(text: string, start: number): Token {
  const quote = text[start] as string;
  let value = '';
  let i = start + 1;
  while (i < text.length && text[i] !== quote) {
    const next = text[i + 1];
    if (text[i] === '\\' && (next === quote || next === '\\')) i++;
    value += text[i];
    i++;
  }
  if (i >= text.length) throw new ExprError(`unterminated string: add the closing ${quote}`, start);
  return { kind: 'string', text: text.slice(start, i + 1), offset: start, value };
}

/** How a token reads in an error message. */
export function describeToken(t: Token): string {
  if (t.kind === 'eof') return 'the end of the expression';
  return `'${t.text}'`;
}
