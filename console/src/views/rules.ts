/** The loaded rules with their state: how many of their alerts fire, pend, are suppressed or muted; the last load's problems. */
import { get, post } from '../api.js';
import { el, replace } from '../dom.js';
import { can, dur, fmtTime, t } from '../state.js';
import { badge, messageLine, table, type Alert, type Priority } from '../ui.js';
import { classify } from './alerts.js';

interface Rule {
  id: string;
  group: string;
  name: string;
  file: string;
  line: number;
  priority: Priority;
  for_ms: number;
  summary: string | null;
}
interface LastLoad {
  ok?: boolean;
  at?: number;
  problems?: string[];
}

export function rulesView(main: HTMLElement) {
  const body = el('div', {}, el('p', {}, t('loading')));
  const msg = messageLine();
  const reload = el(
    'button',
    {
      type: 'button',
      onclick: async () => {
        try {
          await post('/api/v1/rules/reload');
          msg.ok(t('incident.done'));
        } catch (err) {
          msg.fail(err);
        }
        await load().catch(() => undefined);
      },
    },
    t('rules.reload'),
  );
  replace(main, el('h1', { tabindex: -1 }, t('rules.title')), can('operator') ? el('p', {}, reload) : null, msg.node, body);

  async function load() {
    const [{ rules, last_load }, { alerts }] = await Promise.all([
      get<{ rules: Rule[]; last_load?: LastLoad | null }>('/api/v1/rules'),
      get<{ alerts: Alert[] }>('/api/v1/alerts?state=pending,firing,suppressed'),
    ]);
    const counts = new Map<string, Record<string, number>>();
    for (const a of alerts) {
      const c = counts.get(a.ruleId) ?? {};
      const k = classify(a);
      c[k] = (c[k] ?? 0) + 1;
      counts.set(a.ruleId, c);
    }
    const rows = rules.map((r) => {
      const c = counts.get(r.id) ?? {};
      const state =
        (['firing', 'pending', 'suppressed', 'muted'] as const)
          .filter((k) => c[k])
          .map((k) => `${c[k]} ${t(`counts.${k}`)}`)
          .join(', ') || t('room.ok');
      return el(
        'tr',
        { 'data-rule': r.id, class: c.firing ? 'firing' : '' },
        el('td', {}, badge(r.priority)),
        el('td', {}, r.group),
        el('td', {}, r.name),
        el('td', {}, r.for_ms ? dur(r.for_ms) : '—'),
        el('td', {}, state),
        el('td', { class: 'file' }, `${r.file}:${r.line}`),
      );
    });
    replace(
      body,
      last_load ? el('p', { class: 'note' }, t('rules.lastLoad', { at: fmtTime(last_load.at) })) : null,
      last_load?.problems?.length
        ? [
            el('h2', {}, t('rules.problems')),
            el(
              'ul',
              { class: 'problems' },
              last_load.problems.map((p) => el('li', {}, el('code', {}, p))),
            ),
          ]
        : null,
      table(['col.priority', 'col.scope', 'col.name', 'col.for', 'col.state', 'col.file'], rows),
    );
  }
  load().catch((err) => msg.fail(err));
}
