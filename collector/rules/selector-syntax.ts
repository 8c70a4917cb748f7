/**
 * A cursor over expression tokens, and the metric selector syntax on top of
 * it: `measurement.field{tag="v", tag!="v", tag=~"re", tag!~"re"}`. The
 * expression parser extends this; selectors are split out only to keep each
 * file readable.
 */
import { makeMatcher, SelectorError, type MatchOp, type MetricSelector, type TagMatcher } from '../store/selector.js';
import { describeToken, ExprError, tokenize, type Token } from './lexer.js';

const MATCH_OPS = new Set(['=', '!=', '=~', '!~']);

export class TokenCursor {
  protected readonly tokens: Token[];
  protected i = 0;

  constructor(protected readonly text: string) {
    this.tokens = tokenize(text);
  }

  protected peek(ahead = 0): Token {
    return this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)] as Token;
  }

  protected next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  protected prevEnd(): number {
    const t = this.tokens[this.i - 1];
    return t ? t.offset + t.text.length : 0;
  }

  protected isKeyword(word: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'ident' && t.text === word;
  }

  protected isPunct(text: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'punct' && t.text === text;
  }

  /** A selector starting at the current token (the measurement name). */
  protected parseSelector(): MetricSelector {
    const measurement = this.next();
    const dot = this.peek();
    if (dot.kind !== 'punct' || dot.text !== '.') {
      throw new ExprError(`metric '${measurement.text}' needs a field: write measurement.field, e.g. cpu.usage_pct`, measurement.offset);
    }
    this.next();
    const field = this.peek();
    if (field.kind !== 'ident') throw new ExprError(`expected a field name after '${measurement.text}.', found ${describeToken(field)}`, field.offset);
    if (dot.offset !== measurement.offset + measurement.text.length || field.offset !== dot.offset + 1) {
      throw new ExprError(`write the metric without spaces: ${measurement.text}.${field.text}`, measurement.offset);
    }
    this.next();
    if (this.isPunct('.')) {
      throw new ExprError(`a metric has exactly one dot (measurement.field); found more after '${measurement.text}.${field.text}'`, this.peek().offset);
    }
    return { measurement: measurement.text, field: field.text, matchers: this.isPunct('{') ? this.parseMatchers() : [] };
  }

  private parseMatchers(): TagMatcher[] {
    const open = this.next();
    const unclosed = (t: Token) => new ExprError(`missing '}' to close the tag matchers opened at column ${open.offset + 1}`, t.offset);
    const matchers: TagMatcher[] = [];
    while (!this.isPunct('}')) {
      const tag = this.peek();
      if (tag.kind === 'eof') throw unclosed(tag);
      if (tag.kind !== 'ident') throw new ExprError(`expected a tag name inside { }, e.g. {mount="/u01"}, found ${describeToken(tag)}`, tag.offset);
      this.next();
      const op = this.peek();
      if (op.kind !== 'op' || !MATCH_OPS.has(op.text)) {
        throw new ExprError(`expected one of = != =~ !~ after tag '${tag.text}', found ${describeToken(op)}`, op.offset);
      }
      this.next();
      const value = this.peek();
      if (value.kind !== 'string') {
        throw new ExprError(`the value for tag '${tag.text}' must be quoted, e.g. ${tag.text}${op.text}"/u01", found ${describeToken(value)}`, value.offset);
      }
      this.next();
      matchers.push(this.matcher(tag.text, op.text as MatchOp, value));
      const sep = this.peek();
      if (sep.kind === 'punct' && sep.text === ',') this.next();
      else if (sep.kind === 'eof') throw unclosed(sep);
      else if (sep.kind !== 'punct' || sep.text !== '}') {
        throw new ExprError(`expected ',' or '}' after the matcher for tag '${tag.text}', found ${describeToken(sep)}`, sep.offset);
      }
    }
    this.next();
    return matchers;
  }

  private matcher(name: string, op: MatchOp, value: Extract<Token, { kind: 'string' }>): TagMatcher {
    try {
      return makeMatcher(name, op, value.value, value.offset);
    } catch (err) {
      if (!(err instanceof SelectorError)) throw err;
      throw new ExprError(`invalid regular expression ${value.text} for tag '${name}': ${err.message.replace(/^invalid regular expression for [^:]*: /, '')}`, value.offset);
    }
  }
}
