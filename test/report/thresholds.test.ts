/**
 * The checklist's numbers come from the loaded rules (issue #17): a rule for
 * the same metric sets the check's warn/fail per priority and the report names
 * the rule; with no such rule the documented default in checks.ts applies.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { judgeReport } from '../../collector/report/judge.js';
import { renderHtml } from '../../collector/report/render-html.js';
import { renderText } from '../../collector/report/render-text.js';
import { thresholdsOf } from '../../collector/report/thresholds.js';
import type { DeviceInput, ReportInput, SeriesStats } from '../../collector/report/types.js';
import { parseRuleFile } from '../../collector/rules/loader.js';
import type { RuleDef } from '../../collector/rules/types.js';

const HOUR = 3_600_000;
const FROM = Date.UTC(2026, 10, 21, 16);

function rulesOf(name: string, text: string): RuleDef[] {
  const { file, problems } = parseRuleFile(name, text);
  expect(problems).toEqual([]);
  return file!.rules;
}

const shippedHost = () => rulesOf('rules/host.yaml', readFileSync('rules/host.yaml', 'utf8'));

function series(metric: string, value: number, tags: Record<string, string> = {}): SeriesStats {
  const day = { min: value, max: value, avg: value, last: value, count: 288, firstTs: FROM, lastTs: FROM + 24 * HOUR - 300_000 };
  return { metric, tags, day, hourly: Array.from({ length: 24 }, () => value) };
}

function input(devices: DeviceInput[], rules: RuleDef[] | undefined): ReportInput {
  return {
    date: '2026-11-22',
    timeZone: 'Asia/Shanghai',
    from: FROM,
    to: FROM + 24 * HOUR,
    generatedAt: FROM + 25 * HOUR,
    devices,
    alerts: [],
    incidents: [],
    knownFixes: [],
    runbooks: {},
    ...(rules ? { thresholds: thresholdsOf(rules) } : {}),
  };
}

const server = (name: string, series: SeriesStats[]): DeviceInput => ({ name, class: 'server', series, expectedSamples: 288, receivedSamples: 288, downMinutes: 0, gapMinutes: 0 });
const row = (r: ReturnType<typeof judgeReport>, device: string, check: string) => r.rows.find((x) => x.device === device && x.check === check)!;

describe('thresholdsOf reads the levels a rule pages at', () => {
  it('takes the alert and escalation numbers per priority, flips `90 < x`, and skips and/predict/==', () => {
    const t = thresholdsOf(shippedHost());
    expect(t.filter((x) => x.metric === 'disk.used_pct')).toEqual([
      { ruleId: 'host/Filesystem almost full', metric: 'disk.used_pct', classes: ['server', 'minicomputer'], level: 'alert', index: 0, priority: 'P3', op: '>', value: 90 },
      { ruleId: 'host/Filesystem almost full', metric: 'disk.used_pct', classes: ['server', 'minicomputer'], level: 'escalate', index: 0, priority: 'P2', op: '>', value: 97 },
    ]); // the predict() rule on the same metric gives no level
    expect(t.some((x) => x.metric === 'mem.used_pct')).toBe(false); // mem > 95 and swap > 50: not a level
    expect(t.some((x) => x.metric === 'device.up')).toBe(false); // == is a state
    expect(t.filter((x) => x.ruleId === 'host/Network interface errors').map((x) => x.metric)).toEqual(['net.rx_errors_ps', 'net.tx_errors_ps']);
    const flipped = thresholdsOf(rulesOf('x.yaml', 'group: x\nrules:\n  - name: Hot\n    when: 40 < env.temperature_c\n    priority: P2\n'));
    expect(flipped[0]).toMatchObject({ metric: 'env.temperature_c', op: '>', value: 40 });
  });
});

describe('a check takes its numbers from the loaded rule', () => {
  const fs = (v: number) => server('db01', [series('disk.used_pct', v, { mount: '/u01' })]);

  it("with the shipped rule the numbers are the rule's and the report names it", () => {
    const r = judgeReport(input([fs(98)], shippedHost()));
    const x = row(r, 'db01', 'fs:/u01');
    expect(x.status).toBe('fail');
    expect(x.detail).toContain('(threshold of rule host/Filesystem almost full, P2)');
    expect(x.thresholds).toEqual([
      { level: 'warn', metric: 'disk.used_pct', op: '>', value: 90, rule: 'host/Filesystem almost full', priority: 'P3' },
      { level: 'fail', metric: 'disk.used_pct', op: '>', value: 97, rule: 'host/Filesystem almost full', priority: 'P2' },
    ]);
    expect(r.thresholds).toContainEqual({ class: 'server', check: 'fs', level: 'fail', metric: 'disk.used_pct', op: '>', value: 97, rule: 'host/Filesystem almost full', priority: 'P2' });
    expect(renderText(r, 'en')).toMatch(/Thresholds used[\s\S]*disk\.used_pct\s+FAIL\s+> 97\s+host\/Filesystem almost full \(P2\)/);
    expect(renderHtml(r, 'zh-CN')).toContain('判定阈值来源');
  });

  it('a site that tunes the rule (80, escalating at 88) gets those numbers in the checklist', () => {
    const tuned = readFileSync('rules/host.yaml', 'utf8')
      .replace('disk.used_pct{mount!~"/boot.*"} > 90', 'disk.used_pct{mount!~"/boot.*"} > 80')
      .replace('escalate: [{ when: "> 97", priority: P2 }]', 'escalate: [{ when: "> 88", priority: P1 }]');
    const rules = rulesOf('rules/host.yaml', tuned);
    // 85 % passes with the defaults (90/97) but warns under the tuned rule; 89 % fails it.
    expect(row(judgeReport(input([fs(85)], undefined)), 'db01', 'fs:/u01').status).toBe('pass');
    expect(row(judgeReport(input([fs(85)], rules)), 'db01', 'fs:/u01').status).toBe('warn');
    const fail = row(judgeReport(input([fs(89)], rules)), 'db01', 'fs:/u01');
    expect(fail.status).toBe('fail');
    expect(fail.detail).toContain('(threshold of rule host/Filesystem almost full, P1)');
  });

  it('without a rule for the metric the documented default applies, and the report says so', () => {
    const r = judgeReport(input([fs(95)], [])); // 95: above the default warn 90, below the default fail 97
    const x = row(r, 'db01', 'fs:/u01');
    expect(x.status).toBe('warn');
    expect(x.detail).not.toContain('threshold of rule');
    expect(x.thresholds).toEqual([
      { level: 'warn', metric: 'disk.used_pct', op: '>', value: 90 },
      { level: 'fail', metric: 'disk.used_pct', op: '>', value: 97 },
    ]);
    expect(renderText(r, 'en')).toMatch(/disk\.used_pct\s+WARN\s+> 90\s+default \(no loaded rule\)/);
    expect(renderText(r, 'zh-CN')).toContain('默认值（未加载相应规则）');
  });

  it("a site's own rule for the metric counts when the check's rule is not loaded; a rule for another class does not", () => {
    const own = rulesOf('site.yaml', 'group: site\nclasses: [server]\nrules:\n  - name: Disk filling\n    when: disk.used_pct > 70\n    priority: P4\n');
    const x = row(judgeReport(input([fs(75)], own)), 'db01', 'fs:/u01');
    expect(x.status).toBe('warn');
    expect(x.thresholds?.[0]).toMatchObject({ value: 70, rule: 'site/Disk filling', priority: 'P4' });
    expect(x.thresholds?.[1]).toEqual({ level: 'fail', metric: 'disk.used_pct', op: '>', value: 97 }); // no escalation: the default
    const network = rulesOf('net.yaml', 'group: net\nclasses: [network]\nrules:\n  - name: Disk filling\n    when: disk.used_pct > 70\n    priority: P4\n');
    expect(row(judgeReport(input([fs(75)], network)), 'db01', 'fs:/u01').status).toBe('pass');
  });

  it("a level in the other direction never takes the rule's number", () => {
    const below = rulesOf('x.yaml', 'group: x\nclasses: [server]\nrules:\n  - name: Disk empty\n    when: disk.used_pct < 5\n    priority: P4\n');
    expect(row(judgeReport(input([fs(50)], below)), 'db01', 'fs:/u01').thresholds?.[0]).toEqual({ level: 'warn', metric: 'disk.used_pct', op: '>', value: 90 });
  });

  it('interface checks take the error rate from the rule', () => {
    const host = readFileSync('rules/host.yaml', 'utf8').replaceAll('avg(net.rx_errors_ps, 10m) > 1', 'avg(net.rx_errors_ps, 10m) > 5');
    const d = server('web01', [series('net.rx_errors_ps', 3, { iface: 'eth0' })]);
    expect(row(judgeReport(input([d], shippedHost())), 'web01', 'if').status).toBe('fail');
    const x = row(judgeReport(input([d], rulesOf('rules/host.yaml', host))), 'web01', 'if');
    expect(x.status).toBe('pass');
    expect(x.thresholds?.[0]).toMatchObject({ metric: 'net.rx_errors_ps', value: 5, rule: 'host/Network interface errors' });
  });
});
