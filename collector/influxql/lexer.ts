/**
 * InfluxQL tokens. Regex literals are only possible after `=~` / `!~`, so the
 * parser asks for one explicitly (`regexAt`) rather than the lexer guessing
 * whether a `/` divides.
 */
import { InfluxQLError } from './ast.js';

export type TokenKind = 'ident' | 'keyword' | 'string' | 'number' | 'duration' | 'op' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Keywords upper-cased; identifiers unquoted; strings unescaped. */
  text: string;
  /** For numbers: whether written without a point or exponent. For durations: ms. */
  value?: number;
  integer?: boolean;
  /** Offset of the token's first character. */
  at: number;
}

const KEYWORDS = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'AND',
  'OR',
  'GROUP',
  'BY',
  'ORDER',
  'LIMIT',
  'OFFSET',
  'SLIMIT',
  'SOFFSET',
  'FILL',
  'AS',
  'ASC',
  'DESC',
  'SHOW',
  'TAG',
  'VALUES',
  'KEYS',
  'KEY',
  'FIELD',
  'MEASUREMENTS',
  'WITH',
  'DATABASES',
  'CREATE',
  'DATABASE',
  'RETENTION',
  'POLICIES',
  'ON',
  'IN',
  'TRUE',
  'FALSE',
  'TZ',
]);

/** Duration units and their length in ms (ns and µs round down to fractions of a ms). */
export const DURATION_UNITS: Record<string, number> = { ns: 1e-6, u: 1e-3, µ: 1e-3, us: 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

const OPS = ['=~', '!~', '!=', '<>', '<=', '>=', '=', '<', '>', '+', '-', '*', '/'];

export class Lexer {
  private i = 0;
  private peeked: Token | undefined;

  constructor(readonly text: string) {}

  peek(): Token {
    this.peeked ??= this.scan();
    return this.peeked;
  }

  next(): Token {
    const t = this.peek();
    this.peeked = undefined;
    return t;
  }

  /** A `/regex/` literal starting at the next non-blank character. */
  regex(): { source: string; at: number } {
    if (this.peeked) {
      this.i = this.peeked.at;
      this.peeked = undefined;
    }
    this.skipBlank();
    const at = this.i;
    if (this.text[this.i] !== '/') throw this.error('expected regex', at);
    let source = '';
    for (this.i++; this.i < this.text.length && this.text[this.i] !== '/'; this.i++) {
      // `\/` is an escaped slash; every other escape belongs to the regex itself.
      if (this.text[this.i] === '\\' && this.text[this.i + 1] === '/') this.i++;
      else if (this.text[this.i] === '\\') source += this.text[this.i++];
      source += this.text[this.i] ?? '';
    }
    if (this.i >= this.text.length) throw new InfluxQLError(`unterminated regex at ${position(this.text, at)}`);
    this.i++;
    return { source, at };
  }

  error(expected: string, at?: number): InfluxQLError {
    const t = at === undefined ? this.peek() : undefined;
    const where = at ?? t?.at ?? this.i;
    const found = t ? (t.kind === 'eof' ? 'EOF' : this.text.slice(t.at, Math.max(t.at + 1, this.endOf(t)))) : this.text.slice(where, where + 1);
    return new InfluxQLError(`found ${found}, expected ${expected} at ${position(this.text, where)}`);
  }

  private endOf(t: Token): number {
    if (t.kind === 'eof') return t.at;
    let j = t.at;
    while (j < this.text.length && !/[\s,();]/.test(this.text[j] as string)) j++;
    return j;
  }

  private skipBlank(): void {
    for (;;) {
      while (this.i < this.text.length && /\s/.test(this.text[this.i] as string)) this.i++;
      // `-- comment` to the end of the line, as InfluxQL allows.
      if (this.text.startsWith('--', this.i)) {
        while (this.i < this.text.length && this.text[this.i] !== '\n') this.i++;
        continue;
      }
      return;
    }
  }

  private scan(): Token {
    this.skipBlank();
    const s = this.text;
    const at = this.i;
    if (at >= s.length) return { kind: 'eof', text: '', at };
    const c = s[at] as string;
    if (c === '"' || c === "'") {
      let out = '';
      for (this.i++; this.i < s.length && s[this.i] !== c; this.i++) {
        if (s[this.i] === '\\' && this.i + 1 < s.length) this.i++;
        out += s[this.i];
      }
      if (this.i >= s.length) throw new InfluxQLError(`unterminated ${c === '"' ? 'quoted identifier' : 'string'} at ${position(s, at)}`);
      this.i++;
      return { kind: c === '"' ? 'ident' : 'string', text: out, at };
    }
    if (/[0-9.]/.test(c) && /[0-9]/.test(c === '.' ? (s[at + 1] ?? '') : c)) {
      const m = /^(\d*\.?\d+(?:[eE][+-]?\d+)?|\d+\.)/.exec(s.slice(at)) as RegExpExecArray;
      this.i = at + m[0].length;
      const unit = /^(ns|ms|us|µ|u|s|m|h|d|w)(?![A-Za-z0-9_])/.exec(s.slice(this.i));
      if (unit && /^\d+$/.test(m[0])) {
        this.i += unit[0].length;
        return { kind: 'duration', text: m[0] + unit[0], value: Number(m[0]) * (DURATION_UNITS[unit[0]] as number), at };
      }
      return { kind: 'number', text: m[0], value: Number(m[0]), integer: /^\d+$/.test(m[0]), at };
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(at)) as RegExpExecArray;
      this.i = at + m[0].length;
      const upper = m[0].toUpperCase();
      return KEYWORDS.has(upper) ? { kind: 'keyword', text: upper, at } : { kind: 'ident', text: m[0], at };
    }
    for (const op of OPS) {
      if (s.startsWith(op, at)) {
        this.i = at + op.length;
        return { kind: 'op', text: op, at };
      }
    }
    if ('(),;.'.includes(c)) {
      this.i = at + 1;
      return { kind: 'punct', text: c, at };
    }
    throw new InfluxQLError(`found ${c}, expected a statement at ${position(s, at)}`);
  }
}

/** "line 1, char 18", 1-based, as influxd reports positions. */
export function position(text: string, at: number): string {
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const char = at - before.lastIndexOf('\n');
  return `line ${line}, char ${char}`;
}
