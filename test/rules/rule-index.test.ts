import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RULE_CANDIDATES, RULE_EVALUATIONS, RULE_WINDOW_BYTES, RULE_WINDOW_POINTS, RULE_WINDOW_SERIES } from '../../collector/metrics.js';
import { registerEngineMetrics } from '../../collector/rules/engine-metrics.js';
import { keyMatcher, RuleIndex } from '../../collector/rules/rule-index.js';
import type { RuleDef } from '../../collector/rules/types.js';
import { matchTags } from '../../collector/store/selector.js';
import { Harness, rulesFrom } from './engine-harness.js';

/** mulberry32: a fixed seed gives the same rules and samples on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DEVICES = ['d0', 'd1', 'd2', 'd3', 'd4', 'd5'];
const MOUNTS = ['/', '/u01', '/u02'];
const PORTS = ['1', '2'];

function randomSelector(rnd: () => number, metric: string): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const matchers: string[] = [];
  const n = Math.floor(rnd() * 4);
  for (let i = 0; i < n; i++) {
    const name = pick(['device', 'device', 'mount', 'port', 'nosuch']);
    const op = pick(['=', '=', '!=', '=~', '!~']);
    const literal = pick([...(name === 'device' ? DEVICES : name === 'mount' ? MOUNTS : PORTS), '']);
    const value = op === '=~' || op === '!~' ? pick(['d[0-2]', '/u0.*', '.*', '1|2', 'd5', '', literal]) : literal;
    matchers.push(`${name}${op}"${value}"`);
  }
  return n === 0 ? metric : `${metric}{${matchers.join(', ')}}`;
}

function randomRules(rnd: () => number, count: number): RuleDef[] {
  const lines = ['group: g', 'rules:'];
  for (let i = 0; i < count; i++) {
    const first = randomSelector(rnd, rnd() < 0.5 ? 'm.a' : 'm.b');
    // Some rules read a second metric: its selector is filed as a secondary ref.
    const when = rnd() < 0.3 ? `${first} > 50 and ${randomSelector(rnd, 'm.b')} > 50` : `${first} > 50`;
    lines.push(`  - name: r${i}`, `    when: '${when}'`, '    priority: P3');
  }
  return rulesFrom(`${lines.join('\n')}\n`);
}

function randomTags(rnd: () => number): Record<string, string> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const tags: Record<string, string> = { device: pick([...DEVICES, 'other']) };
  if (rnd() < 0.7) tags.mount = pick(MOUNTS);
  if (rnd() < 0.4) tags.port = pick(PORTS);
  if (rnd() < 0.1) tags.extra = 'x';
  return tags;
}

/** The reference: every selector of every rule, tested in load order. */
function fullScan(rules: readonly RuleDef[], metric: string, tags: Record<string, string>): string[] {
  const out: string[] = [];
  for (const rule of rules) {
    rule.selectors.forEach((sel, i) => {
      if (`${sel.measurement}.${sel.field}` === metric && matchTags(tags, sel.matchers)) out.push(`${rule.id}#${i}`);
    });
  }
  return out;
}

describe('rule index', () => {
  it('returns exactly the selectors a full scan matches, in load order (random rules and series, fixed seed)', () => {
    const rnd = prng(20_261_203);
    const rules = randomRules(rnd, 400);
    const index = RuleIndex.of(rules);
    let matched = 0;
    const mismatches: string[] = [];
    for (let i = 0; i < 2_000; i++) {
      const tags = randomTags(rnd);
      for (const metric of ['m.a', 'm.b', 'm.c']) {
        const got = index
          .match(metric, tags)
          .map((ref) => `${ref.rule.id}#${ref.rule.selectors.indexOf(ref.selector)}`)
          .join(' ');
        const want = fullScan(rules, metric, tags);
        if (got !== want.join(' ')) mismatches.push(`${metric} ${JSON.stringify(tags)}: got ${got.slice(0, 300)}, want ${want.join(' ').slice(0, 300)}`);
        matched += want.length;
      }
    }
    expect(mismatches.slice(0, 3)).toEqual([]);
    // The random rules must actually match things, or the comparison proves nothing.
    expect(matched).toBeGreaterThan(5_000);
    const primaries = index.match('m.a', { device: 'd1', mount: '/u01' }).map((r) => r.primary);
    expect(primaries.every((p) => p)).toBe(true);
  });

  it('files a selector under device= first, else the first =, else on the scan list', () => {
    const sel = (text: string) => rulesFrom(`group: g\nrules:\n  - name: x\n    when: '${text} > 1'\n    priority: P4\n`)[0]!.selectors[0]!.matchers;
    expect(keyMatcher(sel('m.a{mount="/", device="d1"}'))?.name).toBe('device');
    expect(keyMatcher(sel('m.a{device!="d1", mount="/"}'))?.name).toBe('mount');
    expect(keyMatcher(sel('m.a{device=~"d.*", mount!~"/boot.*"}'))).toBeUndefined();
  });

  it('an equality on the empty string matches a series without that tag', () => {
    const rules = rulesFrom(`group: g\nrules:\n  - name: x\n    when: 'm.a{mount=""} > 1'\n    priority: P4\n`);
    const index = RuleIndex.of(rules);
    expect(index.match('m.a', { device: 'd1' })).toHaveLength(1);
    expect(index.match('m.a', { device: 'd1', mount: '/' })).toHaveLength(0);
  });
});

describe('engine with the rule index', () => {
  it('fires exactly the alerts a full scan would (random rules, one sample per series)', () => {
    const rnd = prng(7);
    const lines = ['group: g', 'rules:'];
    for (let i = 0; i < 150; i++) lines.push(`  - name: r${i}`, `    when: '${randomSelector(rnd, 'm.a')} > 50'`, '    priority: P3');
    const rules = rulesFrom(`${lines.join('\n')}\n`);
    const h = new Harness(rules);
    const want: string[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const tags = randomTags(rnd);
      const key = JSON.stringify(Object.entries(tags).sort());
      if (seen.has(key)) continue;
      seen.add(key);
      const value = Math.floor(rnd() * 100);
      const { device, ...rest } = tags;
      h.sample('m', device as string, { a: value }, rest);
      if (value > 50) for (const id of fullScan(rules, 'm.a', tags)) want.push(`${id.split('#')[0]} ${device} P3`);
    }
    expect(want.length).toBeGreaterThan(100);
    expect(h.firing()).toEqual(want.sort());
  });

  it('reports its windows and counts on /metrics', async () => {
    const rules = rulesFrom(`group: g\nrules:\n  - name: x\n    when: 'avg(m.a{device="d1"}, 5m) > 1'\n    priority: P4\n  - name: y\n    when: 'm.b > 1'\n    priority: P4\n`);
    const h = new Harness(rules);
    for (let i = 0; i < 5; i++) {
      h.sample('m', 'd1', { a: 1, b: 1 });
      h.sample('m', 'd2', { a: 1, b: 1 });
      h.advance(10_000, 10_000);
    }
    // d2's m.a matches no rule, yet m.a is watched: four series, five points each.
    expect(h.engine.windowStats()).toEqual({ series: 4, points: 20, bytes: 4 * 8 * 16 });
    // d1's m.a (x) and both m.b (y) per round; d2's m.a touches nothing.
    expect(h.engine.counters()).toMatchObject({ candidates: 15 });
    const registry = new Registry();
    registerEngineMetrics(registry, h.engine);
    const text = await registry.metrics();
    expect(text).toContain(`${RULE_WINDOW_SERIES} 4`);
    expect(text).toContain(`${RULE_WINDOW_POINTS} 20`);
    expect(text).toContain(`${RULE_WINDOW_BYTES} 512`);
    expect(text).toContain(`${RULE_CANDIDATES} 15`);
    expect(text).toMatch(new RegExp(`${RULE_EVALUATIONS} \\d+`));
  });
});
