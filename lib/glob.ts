/**
 * Shell-style globs (`*` any run, `?` one character, everything else literal)
 * for device names, mounts and host patterns. Matched by a two-pointer scan
 * that backtracks only to the last `*`, so a hostile pattern such as
 * `*a*a*a*a*b` costs at most pattern × text steps; a RegExp built from the
 * same glob can take exponentially long on the backtracking engine.
 */
export type GlobMatcher = (text: string) => boolean;

export function isGlob(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

export function globMatcher(pattern: string, opts: { ignoreCase?: boolean } = {}): GlobMatcher {
  const p = opts.ignoreCase ? pattern.toLowerCase() : pattern;
  if (!isGlob(p)) return opts.ignoreCase ? (t) => t.toLowerCase() === p : (t) => t === p;
  return (input) => matchGlob(p, opts.ignoreCase ? input.toLowerCase() : input);
}

function matchGlob(p: string, t: string): boolean {
  let pi = 0;
  let ti = 0;
  let star = -1;
  let resume = 0;
  while (ti < t.length) {
    const c = p[pi];
    if (c === '*') {
      star = pi++;
      resume = ti;
    } else if (pi < p.length && (c === '?' || c === t[ti])) {
      pi++;
      ti++;
    } else if (star >= 0) {
      // The last `*` swallows one more character; everything after it is tried again.
      pi = star + 1;
      ti = ++resume;
    } else return false;
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}
