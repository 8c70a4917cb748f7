/**
 * The acknowledge link's pages: one small self-contained HTML document (inline
 * CSS, no script, no external asset, so it works on a phone on the NOC's
 * isolated network), zh-CN or en. Every value is escaped with lib/html.ts.
 */
import { escapeHtml } from '../../lib/html.js';
import { formatTime } from '../notify/templates.js';
import type { Lang } from '../notify/types.js';

export type PageState = 'confirm' | 'done' | 'already' | 'used' | 'expired' | 'forged' | 'unknown' | 'missing';

export interface PageModel {
  state: PageState;
  lang: Lang;
  timeZone?: string;
  incident?: { id: number; title: string; device: string; priority: string; status: string; acknowledgedBy?: string | null; acknowledgedAt?: number | null };
  recipient?: string;
  expiresAt?: number;
  usedAt?: number;
  /** Relative form action (the token or short id), for the confirm page. */
  action?: string;
  /** The incident in the console. */
  consoleUrl?: string;
}

interface Words {
  title: Record<PageState, string>;
  body: (m: PageModel, t: (ms: number) => string) => string;
  button: string;
  open: string;
  labels: { device: string; priority: string; status: string };
  statuses: Record<string, string>;
}

const WORDS: Record<Lang, Words> = {
  en: {
    title: {
      confirm: 'Acknowledge this incident?',
      done: 'Acknowledged',
      already: 'Already handled',
      used: 'This link was used already',
      expired: 'This link has expired',
      forged: 'This link is not valid',
      unknown: 'Unknown link',
      missing: 'No such incident',
    },
    body: (m, t) =>
      ({
        confirm: `You acknowledge as <b>${escapeHtml(m.recipient ?? '')}</b>. Repeats and escalation stop for this incident. The link works once, until ${escapeHtml(t(m.expiresAt ?? 0))}.`,
        done: `Acknowledged by <b>${escapeHtml(m.recipient ?? '')}</b>. Repeats and escalation have stopped.`,
        already:
          m.incident?.status === 'acknowledged'
            ? `It was acknowledged by <b>${escapeHtml(m.incident.acknowledgedBy ?? '')}</b> at ${escapeHtml(t(m.incident.acknowledgedAt ?? 0))}; nothing was changed.`
            : `The incident is <b>${escapeHtml(m.incident?.status ?? '')}</b>; there is nothing to acknowledge.`,
        used: `It was used at ${escapeHtml(t(m.usedAt ?? 0))}. Each acknowledge link works once; open the incident in the console instead.`,
        expired: `It expired at ${escapeHtml(t(m.expiresAt ?? 0))}. Open the incident in the console, or use the link of a newer message.`,
        forged: 'Its signature does not match: it was changed or cut short. Copy the whole link from the message, or open the console.',
        unknown: 'roomwatch never issued this link, or it is too old to remember. Open the console instead.',
        missing: 'The incident of this link does not exist (any more).',
      })[m.state],
    button: 'Acknowledge',
    open: 'Open the incident in the console',
    labels: { device: 'Device', priority: 'Priority', status: 'Status' },
    statuses: { open: 'open', acknowledged: 'acknowledged', resolved: 'resolved', closed: 'closed' },
  },
  'zh-CN': {
    title: {
      confirm: '确认此事件？',
      done: '已确认',
      already: '已有人处理',
      used: '此链接已使用过',
      expired: '此链接已过期',
      forged: '此链接无效',
      unknown: '未知链接',
      missing: '事件不存在',
    },
    body: (m, t) =>
      ({
        confirm: `您将以 <b>${escapeHtml(m.recipient ?? '')}</b> 的身份确认。确认后此事件停止重复通知和升级。此链接仅可使用一次，有效期至 ${escapeHtml(t(m.expiresAt ?? 0))}。`,
        done: `已由 <b>${escapeHtml(m.recipient ?? '')}</b> 确认，重复通知和升级已停止。`,
        already:
          m.incident?.status === 'acknowledged'
            ? `此事件已由 <b>${escapeHtml(m.incident.acknowledgedBy ?? '')}</b> 于 ${escapeHtml(t(m.incident.acknowledgedAt ?? 0))} 确认，未做任何更改。`
            : `此事件当前状态为 <b>${escapeHtml(WORDS['zh-CN'].statuses[m.incident?.status ?? ''] ?? m.incident?.status ?? '')}</b>，无需确认。`,
        used: `此链接已于 ${escapeHtml(t(m.usedAt ?? 0))} 使用。每个确认链接只能使用一次，请在控制台中打开事件。`,
        expired: `此链接已于 ${escapeHtml(t(m.expiresAt ?? 0))} 过期。请在控制台中打开事件，或使用较新消息中的链接。`,
        forged: '链接签名不符：链接被修改或不完整。请从消息中复制完整链接，或打开控制台。',
        unknown: 'roomwatch 没有签发过此链接，或链接太旧已被清除。请打开控制台。',
        missing: '此链接对应的事件不存在。',
      })[m.state],
    button: '确认事件',
    open: '在控制台中查看事件',
    labels: { device: '设备', priority: '优先级', status: '状态' },
    statuses: { open: '未处理', acknowledged: '已确认', resolved: '已恢复', closed: '已关闭' },
  },
};

const COLOURS: Record<PageState, string> = {
  confirm: '#1e6fb8',
  done: '#1e7e34',
  already: '#7f8c8d',
  used: '#b9770e',
  expired: '#b9770e',
  forged: '#b00020',
  unknown: '#b00020',
  missing: '#7f8c8d',
};

export function renderAckPage(m: PageModel): string {
  const w = WORDS[m.lang];
  const t = (ms: number) => formatTime(ms, m.timeZone ?? 'UTC');
  const inc = m.incident;
  const facts = inc
    ? `<p class="inc">#${inc.id} ${escapeHtml(inc.title)}</p><dl><dt>${w.labels.device}</dt><dd>${escapeHtml(inc.device)}</dd><dt>${w.labels.priority}</dt><dd>${escapeHtml(inc.priority)}</dd><dt>${w.labels.status}</dt><dd>${escapeHtml(w.statuses[inc.status] ?? inc.status)}</dd></dl>`
    : '';
  const form =
    m.state === 'confirm' && m.action ? `<form method="post" action="${escapeHtml(m.action)}"><input type="hidden" name="confirm" value="1"><button type="submit">${w.button}</button></form>` : '';
  const open = m.consoleUrl ? `<p><a href="${escapeHtml(m.consoleUrl)}">${w.open}</a></p>` : '';
  return `<!doctype html>
<html lang="${m.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">
<title>roomwatch · ${escapeHtml(w.title[m.state])}</title>
<style>body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;background:#f4f5f7;color:#222}
main{max-width:32rem;margin:2rem auto;background:#fff;border-radius:6px;box-shadow:0 1px 3px rgba(0,0,0,.15);overflow:hidden}
h1{margin:0;padding:1rem 1.25rem;font-size:1.25rem;color:#fff;background:${COLOURS[m.state]}}section{padding:1rem 1.25rem}
.inc{font-weight:bold;margin:0 0 .5rem}dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:0 0 1rem}dt{color:#666}dd{margin:0}
button{font:inherit;font-weight:bold;padding:.75rem 1.5rem;border:0;border-radius:4px;background:#1e7e34;color:#fff;cursor:pointer;width:100%}
button:focus{outline:3px solid #f1c40f}a{color:#1e6fb8}</style></head>
<body><main><h1>${escapeHtml(w.title[m.state])}</h1><section>${facts}<p>${w.body(m, t)}</p>${form}${open}</section></main></body></html>
`;
}

/** The page's language: the recipient's when the link names one, else the browser's first zh or en. */
export function pageLang(linkLang: Lang | undefined, acceptLanguage: string | undefined): Lang {
  if (linkLang) return linkLang;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]?.trim().toLowerCase() ?? '';
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}
