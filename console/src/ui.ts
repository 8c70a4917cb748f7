/** Pieces several views share: priority badges, SLA clocks, tables, the message line, API types. */
import { ApiError } from './api.js';
import { el } from './dom.js';
import { dur, t } from './state.js';
import type { BoardClock as Clock, Incident, Priority } from '../../collector/contract/incidents.js';
import type { Key } from './i18n.js';

export type { BoardRow, Incident, Priority } from '../../collector/contract/incidents.js';
export type { BoardClock as Clock } from '../../collector/contract/incidents.js';
export interface Alert {
  identity: string;
  ruleId: string;
  device: string;
  tags: Record<string, string>;
  state: 'inactive' | 'pending' | 'firing' | 'resolved' | 'suppressed';
  priority: Priority;
  value: number | null;
  activeSince: number | null;
  firingSince: number | null;
  flapping: boolean;
  suppressedBy: string | null;
  muted: boolean;
  summary: string;
  runbook: string;
  texts?: Partial<Record<'en' | 'zh-CN', { summary: string; runbook: string }>>;
}

export const PRIORITY_ORDER: Priority[] = ['P1', 'P2', 'P3', 'P4'];

export const badge = (p: Priority) => el('span', { class: `badge ${p.toLowerCase()}` }, p);
export const tierLabel = (tier: number) => `L${tier + 1}`;
export const statusLabel = (s: Incident['status']) => el('span', { class: `status ${s}` }, t(`status.${s}` as Key));

/** The alert's text in the console's language when the rule has it. */
export function alertText(a: Alert, lang: string): string {
  return a.texts?.[lang as 'en' | 'zh-CN']?.summary ?? a.summary;
}

/** An SLA clock cell: `data-deadline` lets the once-a-second ticker update it without re-rendering the row. */
export function clockCell(c: Clock, now: number): HTMLElement {
  const span = el('span', { class: 'clock', 'data-deadline': c.stopped ? null : c.deadline, 'data-target': c.targetMs });
  paintClock(span, c, now);
  return span;
}

export function paintClock(span: HTMLElement, c: Pick<Clock, 'deadline' | 'stopped' | 'breached' | 'targetMs'>, now: number): void {
  if (c.stopped) {
    span.textContent = c.breached ? t('sla.breached', { d: '' }).trim() : t('sla.stopped');
    span.className = `clock ${c.breached ? 'late' : 'done'}`;
    return;
  }
  const left = c.deadline - now;
  span.textContent = left >= 0 ? t('sla.left', { d: dur(left) }) : t('sla.breached', { d: dur(-left) });
  span.className = `clock ${left < 0 ? 'late' : left < c.targetMs * 0.25 ? 'soon' : 'ok'}`;
}

/** Updates every running clock and age on the page; views call it from one interval. */
export function tickClocks(root: ParentNode, now: number): void {
  for (const span of root.querySelectorAll<HTMLElement>('.clock[data-deadline]')) {
    paintClock(span, { deadline: Number(span.dataset.deadline), targetMs: Number(span.dataset.target), stopped: false, breached: false }, now);
  }
  for (const span of root.querySelectorAll<HTMLElement>('[data-since]')) span.textContent = dur(now - Number(span.dataset.since));
}

export function table(headers: Key[], rows: Node[], caption?: string): HTMLElement {
  return el(
    'div',
    { class: 'scroll' },
    el(
      'table',
      {},
      caption ? el('caption', {}, caption) : null,
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          headers.map((h) => el('th', { scope: 'col' }, t(h))),
        ),
      ),
      el('tbody', {}, rows),
    ),
  );
}

/** The line under a form that says what happened; role=alert so a screen reader announces refusals. */
export function messageLine(): { node: HTMLElement; ok(text: string): void; fail(err: unknown): void; clear(): void } {
  const node = el('p', { class: 'message', role: 'alert', 'aria-live': 'assertive' });
  return {
    node,
    ok(text) {
      node.className = 'message ok';
      node.textContent = text;
    },
    fail(err) {
      node.className = 'message error';
      const msg = err instanceof Error ? err.message : String(err);
      node.textContent = err instanceof ApiError && err.status === 403 ? t('error.forbidden', { msg }) : t('error.generic', { msg });
    },
    clear() {
      node.className = 'message';
      node.textContent = '';
    },
  };
}

export function field(label: string, input: HTMLElement): HTMLElement {
  return el('label', { class: 'field' }, el('span', {}, label), input);
}

export const splitList = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
