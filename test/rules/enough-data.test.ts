/** Enough data before a verdict (issue #17): window coverage, predict history, first samples, claimed durations. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatRuleProblem, loadRuleFiles } from '../../collector/rules/loader.js';
import { packageRoot } from '../../lib/paths.js';
import { claimedDurations, lintRules } from '../../collector/rules/pack-lint.js';
import { SeriesWindow } from '../../collector/rules/window.js';
import { Harness, rulesFrom, T0 } from './engine-harness.js';

const MIN = 60_000;

const cpu = (extra = '') =>
  rulesFrom(`
group: host
rules:
  - name: CPU saturated
    when: avg(cpu.usage_pct, 10m) > 95
    priority: P3
    summary: "{{device}} CPU at {{value}} % for 10 minutes"
${extra}`);

describe('window coverage', () => {
  it('avg over 10 minutes does not fire 15 s after the first sample, and fires once 80 % of the window is watched', () => {
    const h = new Harness(cpu());
    h.sample('cpu', 'db01', { usage_pct: 99 });
    h.advance(15_000);
    h.sample('cpu', 'db01', { usage_pct: 99 });
    expect(h.firing()).toEqual([]);
    for (let i = 0; i < 7; i++) {
      h.advance(MIN);
      h.sample('cpu', 'db01', { usage_pct: 99 });
    }
    expect(h.now - T0).toBe(7 * MIN + 15_000);
    expect(h.firing()).toEqual([]);
    h.advance(45_000); // 8 minutes watched: 80 %
    h.sample('cpu', 'db01', { usage_pct: 99 });
    expect(h.firing()).toEqual(['host/CPU saturated db01 P3']);
  });

  it('min_coverage is a rule key (and a defaults key): 0% restores the old behaviour', () => {
    const h = new Harness(cpu('    min_coverage: 0%\n'));
    h.sample('cpu', 'db01', { usage_pct: 99 });
    expect(h.firing()).toEqual(['host/CPU saturated db01 P3']);
    const d = rulesFrom('group: g\ndefaults: { min_coverage: 50% }\nrules:\n  - name: r\n    when: avg(x.y, 10m) > 1\n    priority: P4\n');
    expect(d[0]?.minCoverage).toBe(0.5);
    expect(() => rulesFrom('group: g\nrules:\n  - name: r\n    when: avg(x.y, 10m) > 1\n    min_coverage: 180%\n    priority: P4\n')).toThrow(
      /min_coverage must be a share of the window from 0% to 100%/,
    );
  });

  it('predict(…, 6h) needs 6 hours of history: 35 minutes of a steep climb fire nothing', () => {
    const h = new Harness(
      rulesFrom(`
group: host
rules:
  - name: Filesystem full within 3 days
    when: predict(disk.used_pct, 6h) >= 100 within 3d
    priority: P3
`),
    );
    const step = 5 * MIN;
    let used = 50;
    for (let t = 0; t <= 35 * MIN; t += step) {
      h.sample('disk', 'db01', { used_pct: (used += 1) }, { mount: '/u01' });
      h.advance(step, step);
    }
    expect(h.firing()).toEqual([]);
    while (h.now - T0 < 6 * 3_600_000) {
      h.sample('disk', 'db01', { used_pct: (used += 0.1) }, { mount: '/u01' });
      h.advance(step, step);
    }
    h.sample('disk', 'db01', { used_pct: (used += 0.1) }, { mount: '/u01' });
    expect(h.firing()).toEqual(['host/Filesystem full within 3 days db01 P3']);
  });
});

describe('first samples and change-based rules', () => {
  it('resets() counts decreases between samples; a first sample is never a reset', () => {
    const w = new SeriesWindow({ maxAgeMs: 20 * MIN, maxPoints: 100 });
    w.push(T0, 519);
    expect(w.resets(T0, 10 * MIN)).toBe(0);
    w.push(T0 + MIN, 579);
    w.push(T0 + 2 * MIN, 12);
    expect(w.resets(T0 + 2 * MIN, 10 * MIN)).toBe(1);
    // The point before the window is the first in-window point's predecessor.
    w.push(T0 + 12 * MIN + 30_000, 5);
    expect(w.resets(T0 + 12 * MIN + 30_000, 10 * MIN)).toBe(1);
    expect(w.coverage(T0 + 5 * MIN, 10 * MIN)).toBe(0.5);
  });

  it('the shipped "Host rebooted" does not fire on a first sample from a host up 519 s', () => {
    const h = new Harness(rulesFrom('group: host\nrules:\n  - name: Host rebooted\n    when: resets(system.uptime_s, 10m) > 0\n    priority: P4\n'));
    h.sample('system', 'web1', { uptime_s: 519 });
    h.advance(MIN);
    h.sample('system', 'web1', { uptime_s: 579 });
    expect(h.firing()).toEqual([]);
    h.advance(MIN);
    h.sample('system', 'web1', { uptime_s: 30 });
    expect(h.firing()).toEqual(['host/Host rebooted web1 P4']);
  });
});

describe('claimed durations', () => {
  it('finds durations in English and Chinese text', () => {
    expect(claimedDurations('{{device}} CPU at {{value}} % for 10 minutes').map((c) => c.ms)).toEqual([10 * MIN]);
    expect(claimedDurations('{{device}} CPU 持续 10 分钟高于 {{value}} %').map((c) => c.ms)).toEqual([10 * MIN]);
    expect(claimedDurations('full within 3 days at the current rate')).toEqual([]);
  });

  it('flags a summary that claims more than the rule looks at, in either language', () => {
    const rules = rulesFrom(`
group: host
rules:
  - name: CPU saturated
    when: cpu.usage_pct > 95
    priority: P3
    summary: "{{device}} CPU at {{value}} % for 10 minutes"
    summary_zh-CN: "{{device}} CPU 持续 10 分钟高于 95 %"
  - name: CPU busy
    when: avg(cpu.usage_pct, 10m) > 90
    priority: P4
    summary: "{{device}} CPU at {{value}} % for 10 minutes"
`);
    const problems = lintRules(rules);
    expect(problems.map((p) => `${p.rule}: ${p.message}`)).toEqual([
      "CPU saturated: summary says 'for 10 minutes' but the rule looks at a single sample; give it for: 10m or a window that long, or reword the text",
      "CPU saturated: summary_zh-CN says '持续 10 分钟' but the rule looks at a single sample; give it for: 10m or a window that long, or reword the text",
    ]);
    expect(problems[0]).toMatchObject({ file: 'test.yaml', line: 4 });
  });

  it('--require-lang zh-CN flags a rule missing its Chinese summary or runbook', () => {
    const rules = rulesFrom('group: g\nrules:\n  - name: r\n    when: x.y > 1\n    priority: P4\n    summary: "s"\n    summary_zh-CN: "摘要"\n    runbook: "r"\n');
    expect(lintRules(rules, { requireLangs: ['zh-CN'] }).map((p) => p.message)).toEqual(['missing runbook_zh-CN (zh-CN text is required by --require-lang zh-CN)']);
    expect(rules[0]?.translations).toEqual({ 'zh-CN': { summary: '摘要' } });
  });
});

describe('shipped rule packs', () => {
  it('claim no duration their rules do not look at', () => {
    const { files, problems } = loadRuleFiles([join(packageRoot(), 'rules')]);
    expect(problems).toEqual([]);
    expect(lintRules(files.flatMap((f) => f.rules)).map(formatRuleProblem)).toEqual([]);
  });

  it('have every summary and runbook in English and Chinese (rules check --require-lang zh-CN --require-lang en)', () => {
    const { files } = loadRuleFiles([join(packageRoot(), 'rules')]);
    const rules = files.flatMap((f) => f.rules);
    expect(rules.length).toBeGreaterThan(70);
    expect(lintRules(rules, { requireLangs: ['en', 'zh-CN'] }).map(formatRuleProblem)).toEqual([]);
  });
});
