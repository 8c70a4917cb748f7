/** The audit log (operator and admin): who did what, from where; read-only, as the product never edits it. */
import { get } from '../api.js';
import { el, replace } from '../dom.js';
import { fmtTime, t } from '../state.js';
import { messageLine, table } from '../ui.js';

interface AuditEntry {
  id: number;
  at: number;
  actor: string;
  via: string;
  ip: string;
  action: string;
  target: string;
  detail: unknown;
}

export function auditView(main: HTMLElement) {
  const actor = el('input', { name: 'actor', placeholder: t('col.actor'), 'aria-label': t('col.actor') });
  const action = el('input', { name: 'action', placeholder: 'incident.close', 'aria-label': t('col.action') });
  const list = el('div', {}, el('p', {}, t('loading')));
  const msg = messageLine();
  const load = async () => {
    msg.clear();
    const q = new URLSearchParams({ limit: '200' });
    if (actor.value.trim()) q.set('actor', actor.value.trim());
    if (action.value.trim()) q.set('action', action.value.trim());
    try {
      const { entries } = await get<{ entries: AuditEntry[] }>(`/api/v1/audit?${q}`);
      const rows = entries.map((e) =>
        el(
          'tr',
          { 'data-audit': e.id },
          el('td', {}, fmtTime(e.at)),
          el('td', {}, e.actor),
          el('td', {}, e.action),
          el('td', {}, e.target),
          el('td', {}, `${e.ip} (${e.via})`),
          el('td', { class: 'detail' }, e.detail ? JSON.stringify(e.detail) : ''),
        ),
      );
      replace(list, entries.length ? table(['col.when', 'col.actor', 'col.action', 'col.target', 'col.from', 'col.detail'], rows) : el('p', { class: 'empty' }, t('audit.none')));
    } catch (err) {
      replace(list);
      msg.fail(err);
    }
  };
  replace(
    main,
    el('h1', { tabindex: -1 }, t('audit.title')),
    el('form', { class: 'search', onsubmit: (e: Event) => (e.preventDefault(), void load()) }, actor, action, el('button', { type: 'submit' }, t('filter'))),
    msg.node,
    list,
  );
  void load();
}
