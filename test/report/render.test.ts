import { describe, expect, it } from 'vitest';
import { displayWidth, formatDateTime, formatDuration, formatNumber, hasMessage, renderMessages } from '../../collector/report/i18n.js';
import { judgeReport } from '../../collector/report/judge.js';
import { renderHtml, sparkline } from '../../collector/report/render-html.js';
import { renderText, textTable } from '../../collector/report/render-text.js';
import type { Lang, Report } from '../../collector/report/types.js';
import { buildRoomInput } from './room-fixture.js';

const LANGS: Lang[] = ['en', 'zh-CN'];
const IDS = ['report-title', 'summary', 'checklist', 'risks', 'alerts', 'incidents', 'completeness'];

function room(): Report {
  const input = buildRoomInput({});
  // A hostile device name and alert text: everything user-supplied must be escaped.
  const web01 = input.devices.find((d) => d.name === 'web01')!;
  input.devices.push({ ...web01, name: '<b>evil</b> & "co"', downMinutes: 90 });
  input.alerts.push({
    ruleId: 'host/Host unreachable',
    ruleName: 'Host unreachable',
    device: '<b>evil</b> & "co"',
    priority: 'P2',
    firedAt: input.from + 3_600_000,
    resolvedAt: null,
    summary: '<script>alert(1)</script> down',
  });
  return judgeReport(input);
}

const report = room();
const html = Object.fromEntries(LANGS.map((l) => [l, renderHtml(report, l)])) as Record<Lang, string>;
const text = Object.fromEntries(LANGS.map((l) => [l, renderText(report, l)])) as Record<Lang, string>;

/** Tags must nest and close properly (void and self-closed elements aside). */
function unbalancedTags(doc: string): string[] {
  const VOID = new Set(['meta', 'br', 'hr', 'img', 'link', 'input', 'col']);
  const stack: string[] = [];
  const problems: string[] = [];
  const body = doc.replace(/<!DOCTYPE[^>]*>/i, '').replace(/<style>[\s\S]*?<\/style>/g, '<style></style>');
  for (const m of body.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(\/?)>/g)) {
    const [, closing, rawName, selfClosing] = m;
    const name = rawName!.toLowerCase();
    if (VOID.has(name) || selfClosing) continue;
    if (!closing) stack.push(name);
    else if (stack[stack.length - 1] === name) stack.pop();
    else problems.push(`</${name}> closes <${stack[stack.length - 1] ?? 'nothing'}>`);
  }
  return [...problems, ...stack.map((s) => `<${s}> never closed`)];
}

describe('renderHtml', () => {
  for (const lang of LANGS) {
    it(`${lang}: a complete, balanced document with the expected headings and ids`, () => {
      const doc = html[lang];
      expect(doc.startsWith('<!DOCTYPE html>')).toBe(true);
      expect(doc).toContain(`<html lang="${lang}">`);
      expect(doc).toContain('<meta charset="utf-8">');
      expect(doc).toMatch(/<title>[^<]+<\/title>/);
      for (const id of IDS) expect(doc, id).toMatch(new RegExp(`<h[12] id="${id}">`));
      expect(unbalancedTags(doc)).toEqual([]);
      for (const tag of ['table', 'tr', 'td', 'th', 'svg']) {
        const open = doc.match(new RegExp(`<${tag}[\\s>]`, 'g'))?.length ?? 0;
        expect(open, tag).toBe(doc.match(new RegExp(`</${tag}>`, 'g'))?.length ?? 0);
      }
    });

    it(`${lang}: no script, no external resources, user text escaped`, () => {
      const doc = html[lang];
      expect(doc).not.toMatch(/<script/i);
      expect(doc).not.toMatch(/https?:\/\//i);
      expect(doc).not.toMatch(/<(img|link|iframe|object)\b/i);
      expect(doc).not.toMatch(/\b(src|href)=|url\(|@import|@font-face/i);
      expect(doc).not.toMatch(/\son\w+=/i);
      expect(doc).toContain('&lt;b&gt;evil&lt;/b&gt; &amp; &quot;co&quot;');
      expect(doc).not.toContain('<b>evil');
      expect(doc).toContain('&lt;script&gt;alert(1)&lt;/script&gt; down');
    });

    it(`${lang}: times in the report's time zone (16:30 UTC is 00:30 next day in Shanghai)`, () => {
      // crac-2's alert fired at 2026-11-22T16:30:00Z.
      expect(formatDateTime(Date.parse('2026-11-22T16:30:00Z'), 'Asia/Shanghai')).toBe('2026-11-23 00:30');
      expect(html[lang]).toContain('2026-11-23 00:30');
      expect(html[lang]).not.toContain('2026-11-22 16:30');
      expect(html[lang]).toContain('2026-11-23 00:00 – 2026-11-24 00:00');
      expect(text[lang]).toContain('2026-11-23 00:30');
    });

    it(`${lang}: stays light for mail clients`, () => {
      expect(Buffer.byteLength(html[lang])).toBeLessThan(1_000_000);
    });
  }

  it('colours status cells and spells the status out', () => {
    expect(html.en).toMatch(/<td bgcolor="#fde7e6"[^>]*>FAIL<\/td>/);
    expect(html.en).toMatch(/<td bgcolor="#fff4e0"[^>]*>WARN<\/td>/);
    expect(html.en).toMatch(/<td bgcolor="#e6f4ea"[^>]*>PASS<\/td>/);
    expect(html['zh-CN']).toMatch(/<td bgcolor="#fde7e6"[^>]*>故障<\/td>/);
    expect(html['zh-CN']).toMatch(/<td bgcolor="#fff4e0"[^>]*>警告<\/td>/);
    expect(html['zh-CN']).toMatch(/<td bgcolor="#e6f4ea"[^>]*>通过<\/td>/);
  });

  it('shows the summary, risks with actions, trends and per-class groups', () => {
    expect(html.en).toContain('Find large files (du -xsh /mount/*); rotate or archive logs; extend the LV.');
    expect(html.en).toContain('full in 8.5 days at the current rate');
    expect(html.en).toContain('↑ +4');
    expect(html.en).toMatch(/<h3 id="class-database">Databases \(Oracle\) \(5\)<\/h3>/);
    expect(html['zh-CN']).toContain('按当前增速约 8.5 天后写满');
    expect(html['zh-CN']).toContain('<h3 id="class-precision_ac">精密空调（4）</h3>');
  });

  it('draws sparklines as inline SVG polylines that break at empty hours', () => {
    expect(html.en).toMatch(/<svg width="96" height="24" [^>]*><polyline points="[\d., ]+" fill="none"/);
    const gap = sparkline([1, 2, 3, null, 4, 5]);
    expect(gap.match(/<polyline/g)).toHaveLength(2);
    expect(sparkline([1, null, 3]).match(/<circle/g)).toHaveLength(2);
    expect(sparkline([null, null])).toBe('');
    expect(sparkline([5, 5, 5])).toContain('points="2.0,12.0 48.0,12.0 94.0,12.0"');
    // app05 had no data in hour 5: its CPU sparkline has two runs.
    const app05 = report.rows.find((r) => r.device === 'app05' && r.check === 'cpu')!;
    expect(sparkline(app05.hourly!).match(/<polyline/g)).toHaveLength(2);
  });

  it('zh-CN uses the Chinese NOC vocabulary', () => {
    for (const s of [
      '日常巡检报告',
      '总览',
      '巡检清单',
      '主要风险',
      '建议措施',
      '告警统计',
      '事件统计',
      '数据完整性',
      '平均响应时间 MTTA',
      '平均修复时间 MTTR',
      '响应 SLA 达成率',
      '设备宕机',
      '采集中断',
      '文件系统 /u01',
      '表空间',
      '电池供电事件',
      '回风温度',
    ]) {
      expect(html['zh-CN'], s).toContain(s);
    }
    expect(html['zh-CN']).not.toMatch(/\b(PASS|WARN|FAIL|Checklist|Recommended action)\b/);
  });
});

/** Splits a line at a display-width column. */
function splitAtWidth(line: string, col: number): [string, string] {
  let w = 0;
  let i = 0;
  for (const ch of line) {
    if (w >= col) break;
    w += displayWidth(ch);
    i += ch.length;
  }
  return [line.slice(0, i), line.slice(i)];
}

/** The lines of the table under a heading, and its column starts read from the dashed rule. */
function tableUnder(doc: string, heading: string): { columns: number[]; rows: string[] } {
  const lines = doc.split('\n');
  const at = lines.indexOf(heading);
  expect(at, heading).toBeGreaterThan(-1);
  const ruleIdx = lines.findIndex((l, i) => i > at + 2 && /^-+( {2}-+)+$/.test(l));
  const columns = [...lines[ruleIdx]!.matchAll(/-+/g)].map((m) => m.index!);
  const rows: string[] = [];
  for (let i = ruleIdx + 1; i < lines.length && lines[i] !== ''; i++) rows.push(lines[i]!);
  return { columns, rows };
}

describe('renderText', () => {
  for (const lang of LANGS) {
    it(`${lang}: columns line up by display width, failures first`, () => {
      const heading = lang === 'en' ? 'Checklist' : '巡检清单';
      const { columns, rows } = tableUnder(text[lang], heading);
      expect(rows.length).toBe(report.rows.length);
      // Status, device, class, check and value are never empty: each starts exactly at its column.
      for (const row of rows) {
        for (const c of [1, 2, 3, 5]) {
          const [before, after] = splitAtWidth(row, columns[c]!);
          expect(displayWidth(before), row).toBe(columns[c]);
          expect(before.endsWith('  '), row).toBe(true);
          expect(after[0], row).not.toBe(' ');
        }
      }
      const order = rows.map((r) => r.split(' ')[0]);
      const rank = (s: string | undefined) => ['FAIL', '故障', 'WARN', '警告', 'PASS', '通过'].indexOf(s ?? '') >> 1;
      for (let i = 1; i < order.length; i++) expect(rank(order[i])).toBeGreaterThanOrEqual(rank(order[i - 1]));
      expect(rank(order[0])).toBe(0);

      const risks = tableUnder(text[lang], lang === 'en' ? 'Top risks' : '主要风险');
      expect(risks.rows).toHaveLength(report.risks.length);
      for (const row of risks.rows) for (const c of risks.columns.slice(1)) expect(row[splitAtWidth(row, c)[0].length], row).not.toBe(' ');
    });

    it(`${lang}: plain text, every section present`, () => {
      expect(text[lang]).not.toMatch(/<\/?(td|tr|table|div|svg|h1|h2)\b/);
      expect(text[lang]).toContain('<b>evil</b> & "co"'); // plain text is not escaped
      expect(text[lang]).not.toMatch(/\{\w+(:\w+)?\}/); // no unfilled placeholders
    });
  }

  it('zh-CN text speaks Chinese and lists the actions', () => {
    for (const s of ['日常巡检报告', '巡检清单', '主要风险', '建议措施（处置手册）：', '建议措施（知识库）：', '数据完整性', '平均响应时间 MTTA', '故障', '警告', '通过', '设备宕机', '采集中断'])
      expect(text['zh-CN'], s).toContain(s);
  });

  it('textTable pads CJK cells by display width', () => {
    const lines = textTable(
      ['设备', 'x'],
      [
        ['数据库服务器', '1'],
        ['db01', '2'],
      ],
    );
    expect(lines).toEqual(['设备          x', '------------  -', '数据库服务器  1', 'db01          2']);
  });
});

describe('i18n', () => {
  it('has a phrase for every message the room produces, in both languages', () => {
    const keys = new Set(report.rows.flatMap((r) => [...(r.valueMsg ?? []), ...(r.detailMsg ?? [])].map((m) => m.key)));
    for (const k of keys) expect(hasMessage(k), k).toBe(true);
    for (const r of report.rows) {
      for (const lang of LANGS) expect(renderMessages(r.valueMsg ?? [], lang), `${r.device} ${r.check}`).not.toMatch(/\{|undefined|NaN/);
    }
  });

  it('formats durations, numbers and widths', () => {
    expect(formatDuration(45_000, 'en')).toBe('45 s');
    expect(formatDuration(12 * 60_000, 'en')).toBe('12 min');
    expect(formatDuration(125 * 60_000, 'en')).toBe('2 h 5 min');
    expect(formatDuration(125 * 60_000, 'zh-CN')).toBe('2 小时 5 分钟');
    expect(formatDuration(50 * 3_600_000, 'en')).toBe('2 d 2 h');
    expect(formatDuration(null, 'en')).toBe('–');
    expect(formatNumber(1_762_000, 'en')).toBe('1,762,000');
    expect(formatNumber(97.14, 'zh-CN')).toBe('97.1');
    expect(formatNumber(0.125, 'en')).toBe('0.13');
    expect(displayWidth('巡检 ok')).toBe(7);
  });
});
