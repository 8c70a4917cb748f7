/**
 * A small seeded mutator for YAML config and rule files (test/hardening/
 * config-fuzz.test.ts). Everything random comes from one seed, so a failing
 * case replays exactly with ROOMWATCH_FUZZ_SEED=<seed>.
 */
import { isScalar, parseDocument, visit, type Scalar } from 'yaml';

/** mulberry32: tiny, fast, good enough to spread cases; deterministic per seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = () => number;
export const pick = <T>(r: Rand, list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
const int = (r: Rand, n: number) => Math.floor(r() * n);

/** The seed: ROOMWATCH_FUZZ_SEED replays one; otherwise a fresh one per run (printed by the test). */
export function fuzzSeed(): number {
  const env = process.env.ROOMWATCH_FUZZ_SEED;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isSafeInteger(n)) throw new Error(`ROOMWATCH_FUZZ_SEED must be an integer, not '${env}'`);
    return n;
  }
  // A fixed default keeps CI deterministic; set ROOMWATCH_FUZZ_SEED to explore (seeds that fail are bugs to fix).
  return DEFAULT_FUZZ_SEED;
}

export const DEFAULT_FUZZ_SEED = 20261203;

/** Tokens that YAML, durations, sizes, selectors and the rule language treat specially. */
const TOKENS = [
  ':',
  ': ',
  '-',
  '- ',
  '{',
  '}',
  '[',
  ']',
  '"',
  "'",
  ',',
  '#',
  '&a ',
  '*a',
  '*nope',
  '<<: *a',
  '!!binary ',
  '!!js/function ',
  '!tag ',
  '? ',
  '|',
  '>',
  '%YAML 1.2\n',
  '---\n',
  '...\n',
  '\t',
  '\r',
  '\u0000',
  '\ufeff',
  '💥',
  '机房',
  '\\',
  '~',
  'null',
  '.nan',
  '.inf',
  '-.inf',
  '0x1F',
  '1e308',
  '1e400',
  '-0',
  '9999999999999999999999',
  '0s',
  '-5m',
  '15',
  '1.5.5',
  '10XB',
  '1MiB',
  '999d',
  '(',
  ')',
  '((((',
  '))))',
  ' and ',
  ' or ',
  ' not ',
  '==',
  '!=',
  '>=',
  '=~',
  '!~',
  'avg(',
  'predict(',
  'absent(',
  ' within ',
  '{device=~"(.*){13}#"}',
  '{a="',
  '"}',
  '{{',
  '}}',
  '{{ device }}',
  '$',
  '${HOME}',
];

/** Hostile values for a scalar: wrong types, extremes, empties, huge and deep ones. */
function hostileValue(r: Rand): unknown {
  const deep = (n: number): unknown => (n === 0 ? 'x' : { a: [deep(n - 1)] });
  return pick(r, [
    '',
    ' ',
    0,
    -1,
    1,
    1e308,
    -1e308,
    2 ** 53 + 1,
    0.5,
    true,
    false,
    null,
    [],
    {},
    [1, [2, [3]]],
    { nested: { x: 1 } },
    'x'.repeat(10_000),
    '机房'.repeat(500),
    '0s',
    '0ms',
    '-1s',
    '15',
    '1e9h',
    '10',
    '0B',
    '1',
    '-1MiB',
    'NaN',
    'Infinity',
    'http://',
    'ftp://x',
    '/etc/passwd',
    '/nonexistent/dir',
    '../../../../etc',
    'P9',
    'P0',
    'Mars/Base',
    '(((((((((',
    deep(40),
    Array.from({ length: 2000 }, (_, i) => i),
  ]);
}

/** One text-level mutation: a line deleted, doubled, swapped, re-indented, cut; a token inserted. */
function mutateText(r: Rand, text: string): string {
  const lines = text.split('\n');
  const i = int(r, lines.length);
  switch (int(r, 8)) {
    case 0:
      lines.splice(i, 1);
      return lines.join('\n');
    case 1:
      lines.splice(i, 0, lines[i] ?? '');
      return lines.join('\n');
    case 2: {
      const j = int(r, lines.length);
      [lines[i], lines[j]] = [lines[j] as string, lines[i] as string];
      return lines.join('\n');
    }
    case 3:
      lines[i] = (r() < 0.5 ? ' '.repeat(1 + int(r, 5)) : '') + (lines[i] ?? '').trimStart();
      return lines.join('\n');
    case 4:
      return text.slice(0, int(r, text.length + 1));
    default: {
      const at = int(r, text.length + 1);
      return text.slice(0, at) + pick(r, TOKENS) + text.slice(at);
    }
  }
}

/** One structural mutation: a scalar's value replaced by a hostile one, or a key renamed, or a node dropped. */
function mutateValue(r: Rand, text: string, only?: (key: string) => boolean): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return mutateText(r, text);
  const scalars: Array<{ parent: unknown; node: Scalar; key: string }> = [];
  visit(doc, {
    Pair: (_k, pair) => {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (isScalar(pair.value) && (!only || only(key))) scalars.push({ parent: pair, node: pair.value, key });
    },
  });
  if (scalars.length === 0) return mutateText(r, text);
  const target = pick(r, scalars);
  const pair = target.parent as { key: unknown; value: unknown };
  switch (int(r, 4)) {
    case 0:
      pair.value = doc.createNode(hostileValue(r));
      break;
    case 1:
      pair.key = doc.createNode(`${target.key}${pick(r, ['_x', 's', '', ' '])}x`);
      break;
    default:
      // A token spliced into the value keeps the shape but breaks what the value says.
      target.node.value = String(target.node.value ?? '').replace(/^(.{0,40})/, (m) => {
        const at = int(r, m.length + 1);
        return m.slice(0, at) + pick(r, TOKENS) + m.slice(at);
      });
      break;
  }
  return doc.toString({ lineWidth: 0 });
}

/** 1–3 mutations of either kind; `only` narrows structural ones to keys (e.g. `when`). */
export function mutate(r: Rand, text: string, only?: (key: string) => boolean): string {
  let out = text;
  const n = 1 + int(r, 3);
  for (let k = 0; k < n; k++) out = r() < 0.5 ? mutateText(r, out) : mutateValue(r, out, only);
  return out;
}

/** A rule expression mutated the way an engineer mistypes one, or built deep/long to strain the parser. */
export function mutateExpr(r: Rand, expr: string): string {
  switch (int(r, 6)) {
    case 0:
      return '('.repeat(1 + int(r, 3000)) + expr + ')'.repeat(int(r, 3000));
    case 1:
      return Array.from({ length: 1 + int(r, 6000) }, () => expr).join(pick(r, [' or ', ' and ', ' ']));
    case 2:
      return 'not '.repeat(1 + int(r, 2000)) + expr;
    default: {
      let out = expr;
      for (let k = 0; k <= int(r, 4); k++) {
        const at = int(r, out.length + 1);
        out = r() < 0.3 ? out.slice(0, at) + out.slice(at + 1 + int(r, 4)) : out.slice(0, at) + pick(r, TOKENS) + out.slice(at);
      }
      return out;
    }
  }
}
