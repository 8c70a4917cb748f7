/**
 * The message catalogue, zh-CN and en. Every string a person reads in a
 * notification is here, so a translation is one object, not a hunt.
 */
import { escapeHtml } from '../../lib/html.js';
import { formatLocal } from '../../lib/tz.js';
import type { Lang, NotificationContent, RenderedMessage } from './types.js';

type Kind = NotificationContent['kind'];

interface Catalogue {
  kind: Record<Kind, string>;
  labels: { device: string; priority: string; tier: string; at: string; deadline: string; runbook: string; knownFixes: string; cause: string; fix: string; link: string };
  closing: string;
}

const CATALOGUES: Record<Lang, Catalogue> = {
  en: {
    kind: {
      opened: 'OPEN',
      reopened: 'REOPENED',
      escalated: 'ESCALATED',
      repeat: 'STILL OPEN',
      sla_warning: 'SLA WARNING',
      sla_breach: 'SLA BREACHED',
      acknowledged: 'ACKNOWLEDGED',
      resolved: 'RESOLVED',
      closed: 'CLOSED',
      test: 'TEST',
    },
    labels: {
      device: 'Device',
      priority: 'Priority',
      tier: 'Escalation tier',
      at: 'Time',
      deadline: 'SLA deadline',
      runbook: 'Runbook',
      knownFixes: 'Earlier causes and fixes of this problem',
      cause: 'Cause',
      fix: 'Fix',
      link: 'Incident',
    },
    closing: 'Acknowledge the incident to stop repeats and escalation.',
  },
  'zh-CN': {
    kind: {
      opened: '新事件',
      reopened: '重新打开',
      escalated: '已升级',
      repeat: '仍未处理',
      sla_warning: 'SLA 预警',
      sla_breach: 'SLA 超时',
      acknowledged: '已确认',
      resolved: '已恢复',
      closed: '已关闭',
      test: '测试',
    },
    labels: {
      device: '设备',
      priority: '优先级',
      tier: '升级层级',
      at: '时间',
      deadline: 'SLA 截止',
      runbook: '处理建议',
      knownFixes: '此问题以往的原因与处理',
      cause: '原因',
      fix: '处理',
      link: '事件',
    },
    closing: '请确认事件，以停止重复通知和升级。',
  },
};

/** "2026-11-23 08:30:05 Asia/Shanghai": ISO order in both languages, the zone named. */
export function formatTime(ms: number, timeZone = 'UTC'): string {
  return `${formatLocal(ms, timeZone, { seconds: true })} ${timeZone}`;
}

function subject(c: NotificationContent, lang: Lang): string {
  const kind = CATALOGUES[lang].kind[c.kind];
  return lang === 'zh-CN' ? `【${c.priority}】${kind} #${c.incidentId} ${c.device}：${c.title}` : `[${c.priority}] ${kind} #${c.incidentId} ${c.device}: ${c.title}`;
}

function rows(c: NotificationContent, lang: Lang): Array<[string, string]> {
  const l = CATALOGUES[lang].labels;
  const out: Array<[string, string]> = [
    [l.device, c.device],
    [l.priority, c.priority],
  ];
  if (c.tier) out.push([l.tier, c.tier]);
  out.push([l.at, formatTime(c.at, c.timeZone)]);
  if (c.deadline !== undefined) out.push([l.deadline, formatTime(c.deadline, c.timeZone)]);
  if (c.runbook) out.push([l.runbook, c.runbook]);
  if (c.url) out.push([l.link, c.url]);
  return out;
}

/** An email: subject, plain text and HTML with inline styles only (Outlook and Foxmail ignore <style>). */
export function renderEmail(c: NotificationContent, lang: Lang): RenderedMessage {
  const cat = CATALOGUES[lang];
  const fixes = c.knownFixes ?? [];
  const text = [
    c.summary,
    '',
    ...rows(c, lang).map(([k, v]) => `${k}: ${v}`),
    ...(fixes.length ? ['', `${cat.labels.knownFixes}:`, ...fixes.map((f) => `- #${f.incidentId}: ${cat.labels.cause}: ${f.cause}; ${cat.labels.fix}: ${f.fix}`)] : []),
    '',
    cat.closing,
  ].join('\n');
  const colour = { P1: '#b00020', P2: '#d35400', P3: '#b7950b', P4: '#2e86c1' }[c.priority];
  const cell = 'padding:4px 12px 4px 0;font:14px Arial,sans-serif;vertical-align:top';
  const html = [
    `<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse;max-width:640px">`,
    `<tr><td colspan="2" style="padding:8px 12px;background:${colour};color:#ffffff;font:bold 16px Arial,sans-serif">${escapeHtml(subject(c, lang))}</td></tr>`,
    `<tr><td colspan="2" style="${cell};padding-top:12px">${escapeHtml(c.summary)}</td></tr>`,
    ...rows(c, lang).map(([k, v]) => `<tr><td style="${cell};color:#555555">${escapeHtml(k)}</td><td style="${cell}">${escapeHtml(v)}</td></tr>`),
    ...(fixes.length
      ? [
          `<tr><td colspan="2" style="${cell};padding-top:12px;font-weight:bold">${escapeHtml(cat.labels.knownFixes)}</td></tr>`,
          ...fixes.map((f) => `<tr><td style="${cell}">#${f.incidentId}</td><td style="${cell}">${escapeHtml(cat.labels.cause)}: ${escapeHtml(f.cause)}<br>${escapeHtml(cat.labels.fix)}: ${escapeHtml(f.fix)}</td></tr>`),
        ]
      : []),
    `<tr><td colspan="2" style="${cell};padding-top:12px;color:#555555">${escapeHtml(cat.closing)}</td></tr>`,
    `</table>`,
  ].join('\n');
  return { subject: subject(c, lang), text, html };
}

/** One short line for SMS: at most 140 characters in English, 70 in Chinese. */
export function renderSms(c: NotificationContent, lang: Lang): RenderedMessage {
  const kind = CATALOGUES[lang].kind[c.kind];
  const line = `[${c.priority}] ${kind} #${c.incidentId} ${c.device} ${c.summary}`;
  const max = lang === 'zh-CN' ? 70 : 140;
  const chars = [...line];
  const text = chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : line;
  return { subject: text, text };
}
