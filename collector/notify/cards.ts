/**
 * Chat robot messages with the incident and acknowledge links as buttons or
 * links: WeCom group robot `markdown`, DingTalk custom robot `actionCard`
 * (markdown when there is no link), Feishu/Lark custom bot `interactive`
 * card. Each returns the robot's JSON body without signing (channels/http.ts
 * signs); the words come from the message catalogue (templates.ts).
 */
import { catalogue, formatTime, subject } from './templates.js';
import type { Lang, NotificationContent } from './types.js';

/** WeCom markdown and DingTalk text stop at 4096 bytes; the runbook gives way first. */
const MAX_BYTES = 4000;

function clip(text: string, bytes: number): string {
  if (Buffer.byteLength(text) <= bytes) return text;
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch) > bytes - 3) break;
    out += ch;
  }
  return `${out}…`;
}

function facts(c: NotificationContent, lang: Lang): Array<[string, string]> {
  const l = catalogue(lang).labels;
  const out: Array<[string, string]> = [
    [l.device, c.device],
    [l.priority, c.priority],
  ];
  if (c.tier) out.push([l.tier, c.tier]);
  out.push([l.at, formatTime(c.at, c.timeZone)]);
  if (c.deadline !== undefined) out.push([l.deadline, formatTime(c.deadline, c.timeZone)]);
  return out;
}

function links(c: NotificationContent, lang: Lang): Array<{ title: string; url: string }> {
  const ack = catalogue(lang).ack;
  return [...(c.ackUrl ? [{ title: ack.as(c.ackFor ?? ''), url: c.ackUrl }] : []), ...(c.url ? [{ title: ack.open, url: c.url }] : [])];
}

function limits(c: NotificationContent, lang: Lang): string | undefined {
  return c.ackUrl ? catalogue(lang).ack.limits(formatTime(c.ackExpiresAt ?? c.at, c.timeZone)) : undefined;
}

/** The markdown body both WeCom and DingTalk render (bold, quotes, [text](url)). */
function markdown(c: NotificationContent, lang: Lang, withLinks: boolean): string {
  const l = catalogue(lang).labels;
  const head = `**${subject(c, lang)}**`;
  const body = [c.summary, '', ...facts(c, lang).map(([k, v]) => `> ${k}: ${v}`)].join('\n');
  const tail = withLinks
    ? [
        links(c, lang)
          .map((x) => `[${x.title}](${x.url})`)
          .join('  ·  '),
        limits(c, lang) ?? '',
      ]
        .filter(Boolean)
        .join('\n\n')
    : '';
  const runbook = c.runbook ? `\n\n${l.runbook}: ${c.runbook}` : '';
  const fixed = `${head}\n\n${body}${tail ? `\n\n${tail}` : ''}`;
  return `${head}\n\n${body}${clip(runbook, MAX_BYTES - Buffer.byteLength(fixed))}${tail ? `\n\n${tail}` : ''}`;
}

export function wecomMessage(c: NotificationContent, lang: Lang): object {
  // WeCom markdown shows only three colours; the P1/P2 headline in "warning" (orange-red).
  const md = markdown(c, lang, true);
  const content = c.priority === 'P1' || c.priority === 'P2' ? md.replace(/^\*\*(.*?)\*\*/, '<font color="warning">**$1**</font>') : md;
  return { msgtype: 'markdown', markdown: { content } };
}

export function dingtalkMessage(c: NotificationContent, lang: Lang): object {
  const title = clip(subject(c, lang), 120);
  const btns = links(c, lang).map((x) => ({ title: x.title, actionURL: x.url }));
  if (btns.length === 0) return { msgtype: 'markdown', markdown: { title, text: markdown(c, lang, false) } };
  // Buttons side by side ("1"); the card's title is what the conversation list shows.
  return { msgtype: 'actionCard', actionCard: { title, text: [markdown(c, lang, false), limits(c, lang)].filter(Boolean).join('\n\n'), btnOrientation: '1', btns } };
}

const FEISHU_COLOUR = { P1: 'red', P2: 'orange', P3: 'yellow', P4: 'blue' } as const;

export function feishuMessage(c: NotificationContent, lang: Lang): object {
  const l = catalogue(lang).labels;
  const text = [c.summary, '', ...facts(c, lang).map(([k, v]) => `**${k}**: ${v}`), ...(c.runbook ? [`**${l.runbook}**: ${clip(c.runbook, 2000)}`] : [])].join('\n');
  const buttons = links(c, lang).map((x, i) => ({ tag: 'button', text: { tag: 'plain_text', content: x.title }, type: i === 0 && c.ackUrl ? 'primary' : 'default', url: x.url }));
  const note = limits(c, lang);
  return {
    msg_type: 'interactive',
    card: {
      config: { wide_screen_mode: true },
      header: { title: { tag: 'plain_text', content: subject(c, lang) }, template: FEISHU_COLOUR[c.priority] },
      elements: [
        { tag: 'div', text: { tag: 'lark_md', content: text } },
        ...(buttons.length ? [{ tag: 'action', actions: buttons }] : []),
        ...(note ? [{ tag: 'note', elements: [{ tag: 'plain_text', content: note }] }] : []),
      ],
    },
  };
}
