/**
 * Defect 6 of the hardening campaign: about 1,000 nested parentheses or an
 * `or` chain of 5,000 terms overflowed the parser's stack, and the collector
 * died on SIGHUP with a raw RangeError. Both are now refused with the
 * position, through the same path `rules check`, startup and reload use.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExprError } from '../../collector/rules/lexer.js';
import { MAX_NESTING, MAX_TERMS, parseCondition } from '../../collector/rules/parser.js';
import { formatRuleProblem, loadRuleFiles } from '../../collector/rules/loader.js';
import { tempDir } from '../helpers.js';

const deep = (n: number) => `${'('.repeat(n)}cpu.usage_pct > 1${')'.repeat(n)}`;
const chain = (n: number) => Array.from({ length: n }, (_, i) => `cpu.usage_pct{device="d${i}"} > 1`).join(' or ');

describe('rule expression limits', () => {
  it('accepts what a person writes and refuses 1,000 parentheses and 5,000 terms without a RangeError', () => {
    expect(() => parseCondition(deep(MAX_NESTING))).not.toThrow();
    expect(() => parseCondition(chain(MAX_TERMS))).not.toThrow();
    for (const [text, message] of [
      [deep(1_000), /nesting deeper than 32 levels/],
      [`${'not '.repeat(1_000)}cpu.usage_pct > 1`, /nesting deeper than 32 levels/],
      [chain(5_000), /more than 200 terms/],
    ] as const) {
      let err: unknown;
      try {
        parseCondition(text);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ExprError);
      expect((err as Error).message).toMatch(message);
    }
  });

  it('reports them as file:line:col from a rule file', async () => {
    const tmp = tempDir();
    const file = join(tmp.dir, 'deep.yaml');
    writeFileSync(file, `group: deep\nrules:\n  - name: deep\n    when: "${deep(1_000)}"\n    priority: P3\n    summary: x\n    runbook: y\n`);
    const result = loadRuleFiles([file]);
    tmp.cleanup();
    expect(result.problems.map(formatRuleProblem).join('\n')).toMatch(new RegExp(`^${file}:4:\\d+: .*nesting deeper than 32 levels`, 'm'));
  });
});
