/** The knowledge base: causes and fixes of closed incidents; search as you type, edit in place (operator). */
import { api, get } from '../api.js';
import { debounce, el, replace } from '../dom.js';
import { can, fmtTime, t } from '../state.js';
import { field, messageLine } from '../ui.js';
import type { KnowledgeEntry } from '../../../collector/contract/incidents.js';

type Entry = KnowledgeEntry;

export function kbView(main: HTMLElement) {
  const initial = new URLSearchParams(location.search).get('q') ?? '';
  const search = el('input', { type: 'search', name: 'q', value: initial, 'aria-label': t('kb.search'), placeholder: t('kb.search') });
  const list = el('div', { 'aria-live': 'polite' }, el('p', {}, t('loading')));
  const msg = messageLine();
  replace(main, el('h1', { tabindex: -1 }, t('kb.title')), el('form', { role: 'search', class: 'search', onsubmit: (e: Event) => (e.preventDefault(), void load()) }, search), msg.node, list);

  function editor(entry: Entry, item: HTMLElement) {
    const cause = el('textarea', { name: 'cause', rows: 3, required: true }, entry.cause);
    const fix = el('textarea', { name: 'fix', rows: 3, required: true }, entry.fix);
    const cancel = () => void load();
    const form = el(
      'form',
      {
        class: 'card',
        'data-form': 'kb-edit',
        onkeydown: (e: Event) => (e as KeyboardEvent).key === 'Escape' && cancel(),
        onsubmit: async (e: Event) => {
          e.preventDefault();
          try {
            await api('PUT', `/api/v1/kb/${entry.incidentId}`, { cause: cause.value, fix: fix.value });
            await load();
          } catch (err) {
            msg.fail(err);
          }
        },
      },
      field(t('col.cause'), cause),
      field(t('col.fix'), fix),
      el('button', { type: 'submit', class: 'primary' }, t('kb.save')),
      ' ',
      el('button', { type: 'button', onclick: cancel }, t('kb.cancel')),
    );
    replace(item, form);
    cause.focus();
  }

  async function load() {
    history.replaceState(null, '', search.value ? `/kb?q=${encodeURIComponent(search.value)}` : '/kb');
    const { entries } = await get<{ entries: Entry[] }>(`/api/v1/kb?q=${encodeURIComponent(search.value)}`);
    if (entries.length === 0) return replace(list, el('p', { class: 'empty' }, t('kb.none')));
    replace(
      list,
      el(
        'ul',
        { class: 'kb' },
        entries.map((e) => {
          const item: HTMLElement = el(
            'li',
            { 'data-kb': e.incidentId },
            el(
              'p',
              { class: 'kb-head' },
              el('a', { href: `/incidents/${e.incidentId}` }, `#${e.incidentId}`),
              ' ',
              el('strong', {}, e.title ?? e.ruleId),
              ` · ${e.device ?? ''} · ${e.ruleId} · ${fmtTime(e.closedAt)}`,
            ),
            el('p', {}, el('b', {}, `${t('col.cause')}: `), el('span', { class: 'cause' }, e.cause)),
            el('p', {}, el('b', {}, `${t('col.fix')}: `), el('span', { class: 'fix' }, e.fix)),
            e.editedBy ? el('p', { class: 'note' }, t('kb.edited', { by: e.editedBy, at: fmtTime(e.editedAt) })) : null,
            can('operator') ? el('button', { type: 'button', 'data-edit': e.incidentId, onclick: () => editor(e, item) }, t('kb.edit')) : null,
          );
          return item;
        }),
      ),
    );
  }
  search.addEventListener(
    'input',
    debounce(() => void load().catch((err) => msg.fail(err)), 250),
  );
  load().catch((err) => msg.fail(err));
  queueMicrotask(() => search.focus());
}
