import { describe, expect, it } from 'vitest';
import { formatTime, renderEmail, renderSms } from '../../collector/notify/templates.js';
import { escapeHtml } from '../../lib/html.js';
import type { NotificationContent } from '../../collector/notify/types.js';

const base: NotificationContent = {
  kind: 'escalated',
  incidentId: 9,
  priority: 'P2',
  title: 'Disk failed',
  device: 'array1',
  summary: 'array1 disk in slot 0:1:7 failed',
  tier: 'L2',
  at: Date.UTC(2026, 0, 1, 0, 0, 0),
};

describe('message templates', () => {
  it('escapes every interpolated value in HTML', () => {
    const m = renderEmail({ ...base, device: '<script>alert(1)</script>', summary: 'a & b "c"' }, 'en');
    expect(m.html).not.toContain('<script>');
    expect(m.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(m.html).toContain('a &amp; b &quot;c&quot;');
    expect(escapeHtml(`'`)).toBe('&#39;');
  });

  it('names the kind and tier in both languages', () => {
    expect(renderEmail(base, 'en').subject).toBe('[P2] ESCALATED #9 array1: Disk failed');
    expect(renderEmail(base, 'zh-CN').subject).toBe('【P2】已升级 #9 array1：Disk failed');
    // A reopened incident is not mistaken for a new one (it was mailed as OPEN before).
    expect(renderEmail({ ...base, kind: 'reopened' }, 'en').subject).toBe('[P2] REOPENED #9 array1: Disk failed');
    expect(renderEmail({ ...base, kind: 'reopened' }, 'zh-CN').subject).toBe('【P2】重新打开 #9 array1：Disk failed');
    expect(renderEmail(base, 'en').text).toContain('Escalation tier: L2');
    expect(renderEmail(base, 'zh-CN').text).toContain('升级层级: L2');
  });

  it('keeps SMS within 140 characters (70 in Chinese)', () => {
    const long = { ...base, summary: 'x'.repeat(300) };
    expect([...renderSms(long, 'en').text]).toHaveLength(140);
    expect(renderSms(long, 'en').text.endsWith('…')).toBe(true);
    expect([...renderSms({ ...long, summary: '磁盘'.repeat(100) }, 'zh-CN').text]).toHaveLength(70);
    expect(renderSms(base, 'en').text).toBe('[P2] ESCALATED #9 array1 array1 disk in slot 0:1:7 failed');
  });

  it('renders times in the configured zone, across midnight', () => {
    expect(formatTime(Date.UTC(2026, 10, 22, 16, 30), 'Asia/Shanghai')).toBe('2026-11-23 00:30:00 Asia/Shanghai');
    expect(formatTime(Date.UTC(2026, 10, 22, 16, 30))).toBe('2026-11-22 16:30:00 UTC');
  });

  it('fits the short acknowledge link into the SMS limit: the text gives way, never the link', () => {
    const link = 'https://noc.example/a/Ab3dEf6hJk';
    const long = { ...base, summary: '阵列 array1 槽位 0:1:7 的磁盘故障，热备盘已开始重建，请尽快更换故障盘并确认重建进度'.repeat(2), ackShortUrl: link };
    for (const lang of ['en', 'zh-CN'] as const) {
      const text = renderSms(long, lang).text;
      expect(text.endsWith(` ${link}`), lang).toBe(true);
      expect([...text].length, lang).toBe(lang === 'en' ? 140 : 70);
      expect(text).toContain('…');
    }
    expect(renderSms({ ...base, ackShortUrl: link }, 'en').text).toBe(`[P2] ESCALATED #9 array1 array1 disk in slot 0:1:7 failed ${link}`);
  });

  it('puts the acknowledge link and its limits into both parts of an email, escaped in HTML', () => {
    const m = renderEmail({ ...base, url: 'https://noc.example/incidents/9', ackUrl: 'https://noc.example/a/1.9.x&y', ackFor: 'alice', ackExpiresAt: Date.UTC(2026, 0, 2) }, 'en');
    expect(m.text).toContain('Acknowledge as alice: https://noc.example/a/1.9.x&y');
    expect(m.text).toContain('works once, until 2026-01-02 00:00:00 UTC');
    expect(m.html).toContain('<a href="https://noc.example/a/1.9.x&amp;y"');
    expect(m.html).toContain('>Open in the console</a>');
    expect(renderEmail({ ...base, kind: 'resolved' }, 'en').text).not.toContain('Acknowledge as');
  });

  it("lists the device's syslog lines in both parts of an email, escaped, in both languages", () => {
    const logs = [{ ts: Date.UTC(2026, 0, 1, 0, 0, 5), severity: 3, text: '%LINK-3-UPDOWN: Interface <Gi0/7>, changed state to down' }];
    const en = renderEmail({ ...base, kind: 'opened', logs }, 'en');
    expect(en.text).toContain('Recent syslog from the device:\n  2026-01-01 00:00:05 UTC err %LINK-3-UPDOWN: Interface <Gi0/7>, changed state to down');
    expect(en.html).toContain('err %LINK-3-UPDOWN: Interface &lt;Gi0/7&gt;');
    expect(renderEmail({ ...base, kind: 'opened', logs }, 'zh-CN').text).toContain('设备最近的 syslog');
    expect(renderEmail(base, 'en').text).not.toContain('syslog');
  });
});
