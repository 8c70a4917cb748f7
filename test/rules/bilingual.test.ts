/** Rule text in the collector's language (issue #17): `summary_zh-CN` / `runbook_zh-CN` beside the English. */
import { describe, expect, it } from 'vitest';
import { openDb } from '../../collector/db.js';
import { RuleEngine } from '../../collector/rules/engine.js';
import type { AlertEvent } from '../../collector/rules/events.js';
import { Topology } from '../../collector/rules/inventory.js';
import { MaintenanceCalendar } from '../../collector/rules/maintenance.js';
import { AlertStateStore } from '../../collector/rules/state-store.js';
import { rulesFrom, T0 } from './engine-harness.js';

const rules = rulesFrom(`
group: ups
rules:
  - name: UPS on bypass
    when: ups.output_source == 4
    priority: P2
    summary: "{{device}} is on bypass: the load is not protected"
    summary_zh-CN: "{{device}} 处于旁路供电：负载无保护"
    runbook: "Call the UPS vendor."
    runbook_zh-CN: "联系 UPS 厂商。"
  - name: UPS load high
    when: ups.output_load_pct > 80
    priority: P3
    summary: "{{device}} load {{value}} %"
`);

function engine(lang?: 'en' | 'zh-CN') {
  const db = openDb(':memory:');
  const e = new RuleEngine({ now: () => T0, store: new AlertStateStore(db), maintenance: new MaintenanceCalendar(db), topology: () => new Topology(), graceMs: 0, ...(lang ? { lang } : {}) });
  e.setRules(rules);
  const events: AlertEvent[] = [];
  e.onEvent((ev) => events.push(ev));
  e.ingest([{ measurement: 'ups', tags: { device: 'ups-a' }, fields: { output_source: 4, output_load_pct: 90 }, ts: T0 }]);
  e.deliver();
  return { events, store: new AlertStateStore(db) };
}

describe('bilingual rule text', () => {
  it('renders the configured language, keeps both, and falls back to English where a rule has no translation', () => {
    const zh = engine('zh-CN').events.map((e) => e.alert);
    expect(zh.map((a) => a.summary)).toEqual(['ups-a 处于旁路供电：负载无保护', 'ups-a load 90 %']);
    expect(zh[0]?.runbook).toBe('联系 UPS 厂商。');
    expect(zh[0]?.texts?.en).toEqual({ summary: 'ups-a is on bypass: the load is not protected', runbook: 'Call the UPS vendor.' });
    const en = engine().events.map((e) => e.alert);
    expect(en.map((a) => a.summary)).toEqual(['ups-a is on bypass: the load is not protected', 'ups-a load 90 %']);
    expect(en[0]?.texts?.['zh-CN']?.summary).toBe('ups-a 处于旁路供电：负载无保护');
  });

  it('a plain string summary keeps working and a translation key is checked like the English one', () => {
    expect(rules[1]?.translations).toBeUndefined();
    expect(() => rulesFrom('group: g\nrules:\n  - name: r\n    when: x.y > 1\n    priority: P4\n    summary_zh-CN: "{{device 未闭合"\n')).toThrow(/summary_zh-CN: '\{\{' is not closed/);
  });

  it('the alert event log keeps both texts, so a report in the other language can use them', () => {
    const { store } = engine('en');
    const [fired] = store.events({ limit: 10 }).filter((e) => e.type === 'fired' && String(e.rule_id) === 'ups/UPS on bypass');
    expect((fired?.data as { texts?: Record<string, { summary: string }> }).texts?.['zh-CN']?.summary).toBe('ups-a 处于旁路供电：负载无保护');
  });
});
