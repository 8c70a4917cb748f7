/** The archive of daily (and weekly/monthly) health-check reports, opened in the console's language. */
import { get } from '../api.js';
import { el, replace } from '../dom.js';
import { fmtTime, session, t } from '../state.js';
import { table } from '../ui.js';

interface Daily {
  date: string;
  lang: string;
  site?: string;
  generatedAt: number;
  summary: { fail: number; warn: number; devices: number };
}
interface Period {
  period: 'week' | 'month';
  label: string;
  lang: string;
  generatedAt: number;
}

export function reportsView(main: HTMLElement) {
  const body = el('div', {}, el('p', {}, t('loading')));
  replace(main, el('h1', { tabindex: -1 }, t('reports.title')), body);
  get<{ reports: Daily[]; periods?: Period[] }>('/api/v1/reports')
    .then(({ reports, periods = [] }) => {
      const link = (href: string) => el('a', { href, target: '_blank', rel: 'noopener' }, t('reports.open'));
      const daily = reports.map((r) =>
        el(
          'tr',
          { 'data-report': r.date },
          el('td', {}, r.date),
          el('td', {}, r.site ?? '—'),
          el('td', {}, r.lang),
          el('td', {}, t('reports.summary', { fail: r.summary.fail, warn: r.summary.warn, devices: r.summary.devices })),
          el('td', {}, fmtTime(r.generatedAt)),
          el('td', {}, link(`/api/v1/reports/${r.date}?lang=${encodeURIComponent(r.lang || session.lang)}${r.site ? `&site=${encodeURIComponent(r.site)}` : ''}`)),
        ),
      );
      const period = periods.map((p) =>
        el(
          'tr',
          {},
          el('td', {}, `${p.period} ${p.label}`),
          el('td', {}, p.lang),
          el('td', {}, fmtTime(p.generatedAt)),
          el('td', {}, link(`/api/v1/reports/${p.period}/${p.label}?lang=${encodeURIComponent(p.lang || session.lang)}`)),
        ),
      );
      replace(
        body,
        reports.length ? table(['col.date', 'col.scope', 'col.lang', 'col.summary', 'col.when', 'incident.actions'], daily) : el('p', { class: 'empty' }, t('reports.none')),
        period.length ? [el('h2', {}, t('reports.periods')), table(['col.name', 'col.lang', 'col.when', 'incident.actions'], period)] : null,
      );
    })
    .catch((err) => replace(body, el('p', { class: 'message error', role: 'alert' }, String(err instanceof Error ? err.message : err))));
}
