/**
 * Regular expressions that come from outside the code (query matchers, rule
 * packs, SNMP profiles, notification config, globs in maintenance windows)
 * run on RE2 semantics through `re2js`, a maintained pure-JS port of RE2.
 *
 * Why: JavaScript's own engine backtracks, so `device=~"(.*){13}#"` against a
 * 16-character name took 11 s on the event loop while /healthz waited. RE2
 * matches in time linear in the input, whatever the pattern. What RE2 cannot
 * do in linear time (back-references, look-around) it refuses to compile, and
 * we refuse the pattern with that reason instead of falling back.
 *
 * Patterns are also bounded in length: a compiled RE2 program grows with the
 * pattern, and no honest tag matcher or sysDescr test needs more than this.
 */
import { RE2JS } from 're2js';

/** The longest pattern accepted from a user or a config file, in characters. */
export const MAX_PATTERN_LENGTH = 1_000;

export class UnsafeRegexError extends Error {
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(reason);
    this.name = 'UnsafeRegexError';
  }
}

/** The part of RegExp that callers use: a yes/no test. */
export interface SafeRegex {
  readonly source: string;
  test(input: string): boolean;
}

export interface SafeRegexOptions {
  /** Case-insensitive matching (`i`). */
  ignoreCase?: boolean;
  /** Match the whole input (`^(?:pattern)$`) rather than anywhere in it. */
  anchored?: boolean;
}

/**
 * Compiles `pattern` on RE2; throws UnsafeRegexError with a reason an
 * engineer can act on (too long, unsupported syntax such as `\1` or `(?=`).
 */
export function compileSafeRegex(pattern: string, options: SafeRegexOptions = {}): SafeRegex {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new UnsafeRegexError(pattern, `pattern is ${pattern.length} characters long; the limit is ${MAX_PATTERN_LENGTH}`);
  }
  let re: RE2JS;
  try {
    // Compile the raw pattern first, so an error names what the engineer wrote, not our anchoring wrapper.
    re = RE2JS.compile(pattern, options.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
    if (options.anchored) re = RE2JS.compile(`^(?:${pattern})$`, options.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (err) {
    throw new UnsafeRegexError(pattern, reasonOf(err));
  }
  return { source: pattern, test: (input) => re.test(input) };
}

/** Like compileSafeRegex, but answers the reason instead of throwing (for config validation). */
export function safeRegexProblem(pattern: string, options: SafeRegexOptions = {}): string | undefined {
  try {
    compileSafeRegex(pattern, options);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** A shell-style glob (`*`, `?`) as an anchored RE2 pattern. */
export function globToSafeRegex(glob: string, options: { ignoreCase?: boolean } = {}): SafeRegex {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return compileSafeRegex(body, { anchored: true, ignoreCase: options.ignoreCase });
}

function reasonOf(err: unknown): string {
  const message = (err as Error).message ?? String(err);
  // re2js says "error parsing regexp: invalid or unsupported Perl syntax: `(?=`".
  const reason = message.replace(/^error parsing regexp: /, '');
  if (/unsupported Perl syntax|invalid named capture: `\(\?<[=!]|invalid escape sequence: `\\\d/.test(reason)) {
    return `${reason} (regexes run on RE2, which has no look-around or back-references so matching stays linear in time)`;
  }
  return reason;
}
