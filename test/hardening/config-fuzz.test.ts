/**
 * Config and rule fuzz (issue #14): the shipped collector.yaml and agent.yaml
 * examples, every rules/*.yaml pack and the rule expression syntax, mutated
 * with one seed. Every bad input must give a clear problem naming the file
 * and line:col (ConfigError for config, RuleProblem for rules) — never an
 * uncaught exception or a stack trace — and a harmless change (comments,
 * blank lines) must still load. The seed is printed; replay a failure with
 * ROOMWATCH_FUZZ_SEED=<seed> npx vitest run test/hardening/config-fuzz.test.ts
 * (ROOMWATCH_FUZZ_CASES scales the number of cases, default 1).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../../agent/config.js';
import { loadCollectorConfig } from '../../collector/config.js';
import { formatRuleProblem, parseRuleFile } from '../../collector/rules/loader.js';
import type { RuleProblem } from '../../collector/rules/types.js';
import { parseSelector, SelectorError } from '../../collector/store/selector.js';
import { ConfigError, formatProblem, type ConfigProblem } from '../../lib/config.js';
import { fuzzSeed, mutate, mutateExpr, pick, rng, type Rand } from './fuzz-lib.js';

const SEED = fuzzSeed();
const SCALE = Math.max(0.1, Number(process.env.ROOMWATCH_FUZZ_CASES ?? '1') || 1);
const cases = (n: number) => Math.round(n * SCALE);
console.log(`config fuzz seed ${SEED} (replay: ROOMWATCH_FUZZ_SEED=${SEED})`);

const COLLECTOR = resolve('examples/collector.yaml');
const AGENT = resolve('examples/agent.yaml');
const RULES_DIR = resolve('rules');
const PACKS = readdirSync(RULES_DIR)
  .filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml'))
  .sort();
const AGENT_ENV = { ROOMWATCH_TOKEN: 'rw_fuzz_token_0123456789' };
// The collector example names these secrets; set so the untouched example loads.
process.env.ROOMWATCH_SMTP_PASSWORD ??= 'fuzz';
process.env.ROOMWATCH_SMS_SECRET ??= 'fuzz';
process.env.ROOMWATCH_SMS_REPLY_SECRET ??= 'fuzz-sms-reply-secret';

const STACK = /\n\s+at |\bat [\w.<>]+ \(|(TypeError|RangeError|ReferenceError|SyntaxError): /;

interface Failure {
  what: string;
  error: string;
  input: string;
}

/** What went wrong with one problem, or undefined when it is a clear file:line:col problem for `file`. */
function badProblem(p: ConfigProblem | RuleProblem, file: string, text: string): string | undefined {
  if (p.file !== file) return `names file '${p.file}', not ${file}`;
  const lines = text.split('\n').length;
  if (!Number.isInteger(p.line) || p.line < 1 || p.line > lines + 1) return `line ${p.line} is not a line of the file (1–${lines})`;
  if (!Number.isInteger(p.col) || p.col < 1) return `col ${p.col}`;
  if (!p.message.trim()) return 'empty message';
  if (STACK.test(p.message)) return `message looks like a stack trace or raw error: ${p.message.slice(0, 300)}`;
  return undefined;
}

/** Runs one config load; records anything that is not a success or a clean ConfigError. */
function configCase(failures: Failure[], what: string, file: string, text: string, load: () => unknown): 'ok' | 'refused' {
  try {
    load();
    return 'ok';
  } catch (err) {
    const input = text.length > 1500 ? `${text.slice(0, 1500)}…` : text;
    if (!(err instanceof ConfigError)) {
      failures.push({ what, error: `uncaught ${(err as Error)?.name}: ${String((err as Error)?.stack ?? err).slice(0, 800)}`, input });
      return 'refused';
    }
    for (const p of err.problems) {
      const bad = badProblem(p, file, text);
      if (bad) failures.push({ what, error: `${bad} — ${formatProblem(p).slice(0, 300)}`, input });
    }
    if (err.problems.length === 0) failures.push({ what, error: 'ConfigError without problems', input });
    return 'refused';
  }
}

function ruleCase(failures: Failure[], what: string, file: string, text: string): 'ok' | 'refused' {
  let problems: RuleProblem[];
  try {
    problems = parseRuleFile(file, text).problems;
  } catch (err) {
    failures.push({ what, error: `uncaught ${(err as Error)?.name}: ${String((err as Error)?.stack ?? err).slice(0, 800)}`, input: text.slice(0, 1500) });
    return 'refused';
  }
  for (const p of problems) {
    const bad = badProblem(p, file, text);
    if (bad) failures.push({ what, error: `${bad} — ${formatRuleProblem(p).slice(0, 300)}`, input: text.slice(0, 1500) });
  }
  return problems.length === 0 ? 'ok' : 'refused';
}

function report(failures: Failure[]): string {
  return [`seed ${SEED}: ${failures.length} bad outcome(s); replay with ROOMWATCH_FUZZ_SEED=${SEED}`, ...failures.slice(0, 5).map((f) => `--- ${f.what}: ${f.error}\n${f.input}`)].join('\n');
}

/** A change that means nothing: comments and blank lines at line starts. */
function harmless(r: Rand, text: string): string {
  return text
    .split('\n')
    .flatMap((l) => (r() < 0.15 && !/^\s*[|>]/.test(l) ? [`${' '.repeat(l.length - l.trimStart().length)}# fuzz: harmless comment`, l] : r() < 0.05 ? ['', l] : [l]))
    .join('\n');
}

describe(`config and rule fuzz (seed ${SEED})`, () => {
  it('the shipped examples and packs load as they are, and after harmless changes', () => {
    const r = rng(SEED);
    const failures: Failure[] = [];
    const collector = readFileSync(COLLECTOR, 'utf8');
    const agent = readFileSync(AGENT, 'utf8');
    expect(configCase(failures, 'collector.yaml as shipped', COLLECTOR, collector, () => loadCollectorConfig(COLLECTOR, collector))).toBe('ok');
    expect(configCase(failures, 'agent.yaml as shipped', AGENT, agent, () => loadAgentConfig(AGENT, AGENT_ENV, agent))).toBe('ok');
    for (const pack of PACKS) expect(ruleCase(failures, `${pack} as shipped`, join(RULES_DIR, pack), readFileSync(join(RULES_DIR, pack), 'utf8')), pack).toBe('ok');
    for (let i = 0; i < 10; i++) {
      const c = harmless(r, collector);
      expect(configCase(failures, `harmless collector #${i}`, COLLECTOR, c, () => loadCollectorConfig(COLLECTOR, c))).toBe('ok');
      const a = harmless(r, agent);
      expect(configCase(failures, `harmless agent #${i}`, AGENT, a, () => loadAgentConfig(AGENT, AGENT_ENV, a))).toBe('ok');
      const pack = pick(r, PACKS);
      const p = harmless(r, readFileSync(join(RULES_DIR, pack), 'utf8'));
      expect(ruleCase(failures, `harmless ${pack} #${i}`, join(RULES_DIR, pack), p)).toBe('ok');
    }
    expect(failures, report(failures)).toEqual([]);
  });

  it('mutated collector.yaml and agent.yaml: a file:line:col problem or a load, never a crash', () => {
    const r = rng(SEED + 1);
    const failures: Failure[] = [];
    const collector = readFileSync(COLLECTOR, 'utf8');
    const agent = readFileSync(AGENT, 'utf8');
    const outcomes = { ok: 0, refused: 0 };
    for (let i = 0; i < cases(80); i++) {
      const c = mutate(r, collector);
      outcomes[configCase(failures, `collector case ${i}`, COLLECTOR, c, () => loadCollectorConfig(COLLECTOR, c))]++;
      const a = mutate(r, agent);
      outcomes[configCase(failures, `agent case ${i}`, AGENT, a, () => loadAgentConfig(AGENT, AGENT_ENV, a))]++;
    }
    expect(failures, report(failures)).toEqual([]);
    // The mutations mostly break the files: a fuzzer whose inputs all load tests nothing.
    expect(outcomes.refused).toBeGreaterThan(outcomes.ok / 4);
  }, 60_000);

  it('mutated rule packs: problems with file:line:col, never a crash', () => {
    const r = rng(SEED + 2);
    const failures: Failure[] = [];
    const texts = new Map(PACKS.map((p) => [p, readFileSync(join(RULES_DIR, p), 'utf8')]));
    let refused = 0;
    for (let i = 0; i < cases(150); i++) {
      const pack = pick(r, PACKS);
      const keys = r() < 0.5 ? (k: string) => ['when', 'clear', 'for', 'priority', 'escalate', 'min_coverage', 'classes', 'group'].includes(k) : undefined;
      if (ruleCase(failures, `${pack} case ${i}`, join(RULES_DIR, pack), mutate(r, texts.get(pack) as string, keys)) === 'refused') refused++;
    }
    expect(failures, report(failures)).toEqual([]);
    expect(refused).toBeGreaterThan(cases(150) / 4);
  }, 60_000);

  it('mutated rule expressions and selectors: problems with file:line:col, never a crash', () => {
    const r = rng(SEED + 3);
    const failures: Failure[] = [];
    const whens = [...PACKS.flatMap((p) => [...readFileSync(join(RULES_DIR, p), 'utf8').matchAll(/^\s+when: (.+)$/gm)].map((m) => m[1] as string))].filter(
      (w) => !w.startsWith('"> ') && !w.startsWith('"<'),
    );
    expect(whens.length).toBeGreaterThan(50);
    for (let i = 0; i < cases(200); i++) {
      const base = pick(r, whens).replace(/^"(.*)"$/, '$1');
      const expr = mutateExpr(r, base);
      const clear = r() < 0.3 ? `    clear: ${JSON.stringify(mutateExpr(r, '< 80'))}\n` : '';
      const text = `group: fuzz\nrules:\n  - name: Fuzzed\n    when: ${JSON.stringify(expr)}\n${clear}    priority: P3\n    summary: "{{device}} {{value}}"\n`;
      ruleCase(failures, `expression case ${i}`, 'fuzz.yaml', text);
      // The selector alone, as /api/v1/query and /api/v1/series read it: a SelectorError with an offset, nothing else.
      const sel = mutateExpr(r, pick(r, ['disk.used_pct{mount!~"/boot.*"}', 'cpu.usage_pct', 'log.matches{pattern=~"bgp|ospf"}', '"odd name".field{a="b"}']));
      try {
        parseSelector(sel);
      } catch (err) {
        if (!(err instanceof SelectorError) || !Number.isInteger(err.offset) || STACK.test(err.message)) {
          failures.push({ what: `selector case ${i}`, error: `${(err as Error)?.name}: ${String((err as Error)?.stack ?? err).slice(0, 800)}`, input: sel.slice(0, 500) });
        }
      }
    }
    expect(failures, report(failures)).toEqual([]);
  }, 60_000);
});
