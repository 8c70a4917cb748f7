/** The console's dictionaries: both languages have every key and the same {placeholders}; durations read naturally. */
import { describe, expect, it } from 'vitest';
import { DICTIONARIES, formatDuration, translate } from '../../console/src/i18n.js';

describe('console languages', () => {
  it('has every key in zh-CN and en with the same placeholders, and Chinese text in zh-CN', () => {
    const en = DICTIONARIES.en;
    const zh = DICTIONARIES['zh-CN'];
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    const holes = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(en) as Array<keyof typeof en>) expect(holes(zh[key]), key).toEqual(holes(en[key]));
    const chinese = Object.values(zh).filter((v) => /[\u4e00-\u9fff]/.test(v)).length;
    expect(chinese / Object.keys(zh).length).toBeGreaterThan(0.9);
  });

  it('fills placeholders and formats durations per language', () => {
    expect(translate('en', 'sla.left', { d: '5m 00s' })).toBe('5m 00s left');
    expect(translate('zh-CN', 'incident.title', { id: 7 })).toBe('故障 #7');
    expect(formatDuration(2 * 3_600_000 + 5 * 60_000, 'en')).toBe('2h 05m');
    expect(formatDuration(2 * 3_600_000 + 5 * 60_000, 'zh-CN')).toBe('2小时05分');
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000, 'en')).toBe('3d 4h');
    expect(formatDuration(45_000, 'zh-CN')).toBe('45秒');
    expect(formatDuration(-5, 'en')).toBe('0s');
  });
});
