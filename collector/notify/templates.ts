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
  labels: { device: string; priority: string; tier: string; at: string; deadline: string; runbook: string; knownFixes: string; cause: string; fix: string; link: string; logs: string };
  closing: string;
  /** The acknowledge link's words: button, who it acknowledges as, and its limits. */
  ack: { button: string; as: (name: string) => string; limits: (until: string) => string; open: string };
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
      logs: 'Recent syslog from the device',
    },
    closing: 'Acknowledge the incident to stop repeats and escalation.',
    ack: {
      button: 'Acknowledge',
      as: (name) => `Acknowledge as ${name}`,
      limits: (until) => `The acknowledge link works once, until ${until}; opening it asks for confirmation first.`,
      open: 'Open in the console',
    },
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
      logs: '设备最近的 syslog',
    },
    closing: '请确认事件，以停止重复通知和升级。',
    ack: {
      button: '确认事件',
      as: (name) => `以 ${name} 身份确认`,
      limits: (until) => `确认链接仅可使用一次，有效期至 ${until}；打开后需再次点击确认。`,
      open: '在控制台中查看',
    },
  },
};

/** "2026-11-23 08:30:05 Asia/Shanghai": ISO order in both languages, the zone named. */
export function formatTime(ms: number, timeZone = 'UTC'): string {
  return `${formatLocal(ms, timeZone, { seconds: true })} ${timeZone}`;
}

/** The catalogue of a language, for renderers beside this file (chat cards). */
export function catalogue(lang: Lang): Catalogue {
  return CATALOGUES[lang];
}

const SEVERITY_NAMES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

/** One syslog line as a message shows it: time, severity, text. */
function logLine(l: NonNullable<NotificationContent['logs']>[number], c: NotificationContent): string {
  return `${formatTime(l.ts, c.timeZone)} ${SEVERITY_NAMES[l.severity] ?? l.severity} ${l.text}`;
}

export function subject(c: NotificationContent, lang: Lang): string {
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
  const logs = c.logs ?? [];
  const text = [
    c.summary,
    '',
    ...rows(c, lang).map(([k, v]) => `${k}: ${v}`),
    ...(fixes.length ? ['', `${cat.labels.knownFixes}:`, ...fixes.map((f) => `- #${f.incidentId}: ${cat.labels.cause}: ${f.cause}; ${cat.labels.fix}: ${f.fix}`)] : []),
    ...(logs.length ? ['', `${cat.labels.logs}:`, ...logs.map((l) => `  ${logLine(l, c)}`)] : []),
    '',
    ...(c.ackUrl ? [`${cat.ack.as(c.ackFor ?? '')}: ${c.ackUrl}`, cat.ack.limits(formatTime(c.ackExpiresAt ?? c.at, c.timeZone)), ''] : []),
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
          ...fixes.map(
            (f) =>
              `<tr><td style="${cell}">#${f.incidentId}</td><td style="${cell}">${escapeHtml(cat.labels.cause)}: ${escapeHtml(f.cause)}<br>${escapeHtml(cat.labels.fix)}: ${escapeHtml(f.fix)}</td></tr>`,
          ),
        ]
      : []),
    ...(c.ackUrl || c.url ? [`<tr><td colspan="2" style="${cell};padding-top:16px">${buttons(c, lang)}</td></tr>`] : []),
    ...(c.ackUrl ? [`<tr><td colspan="2" style="${cell};color:#555555;font-size:12px">${escapeHtml(cat.ack.limits(formatTime(c.ackExpiresAt ?? c.at, c.timeZone)))}</td></tr>`] : []),
    ...(logs.length
      ? [
          `<tr><td colspan="2" style="${cell};padding-top:12px;font-weight:bold">${escapeHtml(cat.labels.logs)}</td></tr>`,
          `<tr><td colspan="2" style="padding:4px 0;font:12px Consolas,monospace;white-space:pre-wrap">${logs.map((l) => escapeHtml(logLine(l, c))).join('<br>')}</td></tr>`,
        ]
      : []),
    `<tr><td colspan="2" style="${cell};padding-top:12px;color:#555555">${escapeHtml(cat.closing)}</td></tr>`,
    `</table>`,
  ].join('\n');
  return { subject: subject(c, lang), text, html };
}

/** Links drawn as buttons (bulletproof: a padded <a>, which Outlook renders without CSS support). */
function buttons(c: NotificationContent, lang: Lang): string {
  const cat = CATALOGUES[lang];
  const style = (bg: string) => `display:inline-block;padding:8px 16px;margin-right:8px;background:${bg};color:#ffffff;text-decoration:none;font:bold 14px Arial,sans-serif;border-radius:3px`;
  return [
    c.ackUrl ? `<a href="${escapeHtml(c.ackUrl)}" style="${style('#1e7e34')}">${escapeHtml(cat.ack.as(c.ackFor ?? ''))}</a>` : '',
    c.url ? `<a href="${escapeHtml(c.url)}" style="${style('#34495e')}">${escapeHtml(cat.ack.open)}</a>` : '',
  ].join('');
}

/**
 * One short line for SMS: at most 140 characters in English, 70 in Chinese
 * (one UCS-2 segment), the short acknowledge link included: the text gives
 * way, never the link.
 */
export function renderSms(c: NotificationContent, lang: Lang): RenderedMessage {
  const kind = CATALOGUES[lang].kind[c.kind];
  const line = `[${c.priority}] ${kind} #${c.incidentId} ${c.device} ${c.summary}`;
  const link = c.ackShortUrl ? ` ${c.ackShortUrl}` : '';
  const max = (lang === 'zh-CN' ? 70 : 140) - [...link].length;
  const chars = [...line];
  const text = `${chars.length > max ? `${chars.slice(0, Math.max(0, max - 1)).join('')}…` : line}${link}`;
  return { subject: text, text };
}
