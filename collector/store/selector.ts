/**
 * Metric selectors: `disk.used_pct{mount="/u01", device=~"db.*"}`.
 * Shared by the query API and the rule language. A name that is not
 * `[A-Za-z_][A-Za-z0-9_-]*` (a dotted measurement, `温度`, a Kubernetes label)
 * is written in double quotes: `"k8s.pod".cpu{"app.kubernetes.io/name"="web"}`.
 * Regexes run on RE2 (lib/safe-regex.ts): a matcher from a user must not be
 * able to stall the event loop.
 */
import { compileSafeRegex, type SafeRegex } from '../../lib/safe-regex.js';

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface TagMatcher {
  name: string;
  op: MatchOp;
  value: string;
  /** Compiled, anchored regex for =~ and !~. */
  regex?: SafeRegex;
}

export interface MetricSelector {
  measurement: string;
  field: string;
  matchers: TagMatcher[];
}

export class SelectorError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'SelectorError';
  }
}

const NAME = /[A-Za-z_][A-Za-z0-9_-]*/y;
const BARE = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** A name as a selector writes it: bare when it can be, else double-quoted. */
export function selectorName(name: string): string {
  return BARE.test(name) ? name : `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `measurement.field` as a selector that parseSelector reads back to the same two names. */
export function formatMetric(measurement: string, field: string): string {
  return `${selectorName(measurement)}.${selectorName(field)}`;
}

export function makeMatcher(name: string, op: MatchOp, value: string, offset = 0): TagMatcher {
  if (op === '=~' || op === '!~') {
    try {
      return { name, op, value, regex: compileSafeRegex(value, { anchored: true }) };
    } catch (err) {
      throw new SelectorError(`invalid regular expression for ${name}: ${(err as Error).message}`, offset);
    }
  }
  return { name, op, value };
}

/** Parses `measurement.field{tag op "value", ...}`; throws SelectorError with the offset. */
export function parseSelector(text: string): MetricSelector {
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  const name = (what: string): string => {
    if (text[i] === '"') {
      const at = i;
      let out = '';
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) i++;
        out += text[i];
      }
      if (i >= text.length) throw new SelectorError(`unterminated quoted name at offset ${at}`, at);
      i++;
      if (out === '') throw new SelectorError(`empty quoted name at offset ${at}`, at);
      return out;
    }
    NAME.lastIndex = i;
    const m = NAME.exec(text);
    if (!m) throw new SelectorError(`expected ${what} at offset ${i}`, i);
    i = NAME.lastIndex;
    return m[0];
  };
  skipSpace();
  const measurement = name('a metric name like cpu.usage_pct');
  if (text[i] !== '.') throw new SelectorError(`metric '${measurement}' needs a field: write measurement.field, e.g. ${measurement}.used_pct`, i);
  i++;
  const field = name('a field name after the dot');
  const matchers: TagMatcher[] = [];
  skipSpace();
  if (text[i] === '{') {
    i++;
    skipSpace();
    while (text[i] !== '}') {
      const at = i;
      const tag = name('a tag name');
      skipSpace();
      const op = (['=~', '!~', '!=', '='] as const).find((o) => text.startsWith(o, i));
      if (!op) throw new SelectorError(`expected one of = != =~ !~ after tag '${tag}'`, i);
      i += op.length;
      skipSpace();
      const quote = text[i];
      if (quote !== '"' && quote !== "'") throw new SelectorError(`tag value for '${tag}' must be quoted`, i);
      let value = '';
      i++;
      while (i < text.length && text[i] !== quote) {
        // Only \" (or \') and \\ are escapes, so regexes like "/u0\d+" keep their backslashes.
        if (text[i] === '\\' && (text[i + 1] === quote || text[i + 1] === '\\')) i++;
        value += text[i];
        i++;
      }
      if (i >= text.length) throw new SelectorError(`unterminated string for tag '${tag}'`, at);
      i++;
      matchers.push(makeMatcher(tag, op, value, at));
      skipSpace();
      if (text[i] === ',') {
        i++;
        skipSpace();
      } else if (text[i] !== '}') {
        throw new SelectorError(`expected ',' or '}' in tag matchers`, i);
      }
    }
    i++;
  }
  skipSpace();
  if (text[i] === '.') {
    throw new SelectorError(
      `'${measurement}.${field}' is followed by '${text.slice(i, i + 10)}': quote names that contain dots, e.g. "${measurement}.${field}".${text.slice(i + 1).split(/[{\s]/)[0]}`,
      i,
    );
  }
  if (i < text.length) throw new SelectorError(`unexpected '${text.slice(i, i + 10)}' after selector`, i);
  return { measurement, field, matchers };
}

export function matchTags(tags: Readonly<Record<string, string>>, matchers: readonly TagMatcher[]): boolean {
  for (const m of matchers) {
    const v = tags[m.name] ?? '';
    switch (m.op) {
      case '=':
        if (v !== m.value) return false;
        break;
      case '!=':
        if (v === m.value) return false;
        break;
      case '=~':
        if (!(m.regex as SafeRegex).test(v)) return false;
        break;
      case '!~':
        if ((m.regex as SafeRegex).test(v)) return false;
        break;
    }
  }
  return true;
}
