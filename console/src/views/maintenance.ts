/** Maintenance windows: the list (file windows read-only), a form to open one, and "end now" for API windows. */
import { api, get, post } from '../api.js';
import { el, replace } from '../dom.js';
import { can, dur, fmtTime, t } from '../state.js';
import { field, messageLine, splitList, table } from '../ui.js';

interface Window {
  id: string;
  name: string;
  reason?: string;
  start?: number;
  end?: number;
  cron?: string;
  durationMs?: number;
  scope: { devices?: string[]; rules?: string[]; tags?: Record<string, string> };
  source: 'file' | 'api';
  active: boolean;
  /** Who opened it, when the collector records it. */
  createdBy?: string;
  author?: string;
  by?: string;
}

const scopeText = (s: Window['scope']) =>
  [
    s.devices?.length ? s.devices.join(', ') : '',
    s.rules?.length ? `rules: ${s.rules.join(', ')}` : '',
    s.tags
      ? Object.entries(s.tags)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')
      : '',
  ]
    .filter(Boolean)
    .join(' · ') || '*';

export function maintenanceView(main: HTMLElement) {
  const list = el('div', {}, el('p', {}, t('loading')));
  const msg = messageLine();
  const name = el('input', { name: 'name', required: true, maxlength: 200 });
  const reason = el('input', { name: 'reason', required: true, maxlength: 2000 });
  const devices = el('input', { name: 'devices', required: true, placeholder: 'db01, sw-core-*' });
  const rules = el('input', { name: 'rules' });
  const start = el('input', { name: 'start', type: 'datetime-local' });
  const duration = el('input', { name: 'duration', required: true, value: '2h', pattern: '^[0-9]+(s|m|h|d)$' });
  const form = el(
    'form',
    {
      class: 'card',
      'data-form': 'maintenance',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        msg.clear();
        try {
          const startMs = start.value ? new Date(start.value).getTime() : Date.now();
          const ruleList = splitList(rules.value);
          await post('/api/v1/maintenance', {
            name: name.value.trim(),
            reason: reason.value.trim(),
            start: startMs,
            duration: duration.value.trim(),
            scope: { devices: splitList(devices.value), ...(ruleList.length ? { rules: ruleList } : {}) },
          });
          form.reset();
          msg.ok(t('incident.done'));
          await load();
        } catch (err) {
          msg.fail(err);
        }
      },
    },
    el('h2', {}, t('maint.create')),
    field(t('maint.name'), name),
    field(t('maint.reason'), reason),
    field(t('maint.devices'), devices),
    field(t('maint.rules'), rules),
    field(t('maint.start'), start),
    field(t('maint.duration'), duration),
    el('button', { type: 'submit', class: 'primary' }, t('maint.submit')),
    msg.node,
  );
  replace(main, el('h1', { tabindex: -1 }, t('maint.title')), list, can('operator') ? form : null);

  async function load() {
    const { windows } = await get<{ windows: Window[] }>('/api/v1/maintenance');
    const rows = windows.map((w) =>
      el(
        'tr',
        { 'data-window': w.id, class: w.active ? 'active' : '' },
        el('td', {}, w.name, w.active ? el('span', { class: 'pill' }, t('maint.active')) : null),
        el('td', {}, w.reason ?? '—'),
        el('td', {}, scopeText(w.scope)),
        el('td', {}, w.cron ? `${w.cron} · ${dur(w.durationMs ?? 0)}` : `${fmtTime(w.start)} → ${fmtTime(w.end)}`),
        el('td', {}, w.source === 'file' ? t('maint.file') : (w.createdBy ?? w.author ?? w.by ?? '—')),
        el(
          'td',
          {},
          w.source === 'api' && can('operator')
            ? el(
                'button',
                {
                  type: 'button',
                  'data-end': w.id,
                  onclick: async () => {
                    try {
                      await api('DELETE', `/api/v1/maintenance/${encodeURIComponent(w.id)}`);
                      await load();
                    } catch (err) {
                      msg.fail(err);
                    }
                  },
                },
                t('maint.end'),
              )
            : null,
        ),
      ),
    );
    replace(list, windows.length ? table(['col.name', 'maint.reason', 'col.scope', 'col.when', 'col.author', 'incident.actions'], rows) : el('p', { class: 'empty' }, t('maint.none')));
  }
  load().catch((err) => msg.fail(err));
}
