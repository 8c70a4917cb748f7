/**
 * One device: its inventory, its alerts, the latest value of every series it
 * stores and small charts of the last six hours (uPlot, bundled: no CDN).
 */
import uPlot from 'uplot';
import { get } from '../api.js';
import { el, replace } from '../dom.js';
import { fmtTime, session, t } from '../state.js';
import { alertText, badge, table, type Alert } from '../ui.js';
import type { DeviceRecord } from './room.js';

interface SeriesInfo {
  metric: string;
  measurement: string;
  field: string;
  device: string;
  tags: Record<string, string>;
}
interface QueryResult {
  series: Array<SeriesInfo & { points: Array<[number, number | null]> }>;
}

/** Charts are few and small; a device with hundreds of interfaces shows its latest values, and charts of the first ones. */
const MAX_CHARTS = 12;
/** Series the collector writes about itself for Grafana (alert and incident events), not readings of the device. */
const EVENT_MEASUREMENTS = new Set(['alert_state', 'alert', 'incident', 'noc']);
const MAX_QUERIES = 40;

const label = (s: SeriesInfo) => {
  const extra = Object.entries(s.tags).filter(([k]) => k !== 'device');
  return `${s.measurement}.${s.field}${extra.length ? `{${extra.map(([k, v]) => `${k}=${v}`).join(',')}}` : ''}`;
};

export function deviceView(main: HTMLElement, params: Record<string, string>) {
  const name = decodeURIComponent(params.device ?? '');
  const body = el('div', {}, el('p', {}, t('loading')));
  replace(main, el('h1', { tabindex: -1 }, t('device.title', { name })), body);
  const plots: uPlot[] = [];

  async function load() {
    const q = encodeURIComponent(name);
    const [devices, alerts, series] = await Promise.all([
      get<{ devices: DeviceRecord[] }>('/api/v1/devices'),
      get<{ alerts: Alert[] }>(`/api/v1/alerts?state=pending,firing,suppressed&device=${q}`),
      get<{ series: SeriesInfo[] }>(`/api/v1/series?device=${q}&limit=500`),
    ]);
    const d = devices.devices.find((x) => x.name === name);
    const metrics = [...new Set(series.series.filter((s) => !EVENT_MEASUREMENTS.has(s.measurement)).map((s) => s.metric))].slice(0, MAX_QUERIES);
    const results = await Promise.all(metrics.map((m) => get<QueryResult>(`/api/v1/query?metric=${encodeURIComponent(m)}&device=${q}&from=-6h&step=5m&agg=avg`).catch(() => ({ series: [] }))));
    const all = results
      .flatMap((r) => r.series)
      .filter((s) => s.points.some((p) => typeof p[1] === 'number'))
      .sort((a, b) => label(a).localeCompare(label(b)));
    const latest = all.map((s) => {
      const last = [...s.points].reverse().find((p) => p[1] !== null);
      return el('tr', {}, el('td', {}, label(s)), el('td', { class: 'num' }, last ? String(Math.round((last[1] as number) * 100) / 100) : '—'), el('td', {}, last ? fmtTime(last[0]) : '—'));
    });
    const charts = el('div', { class: 'charts' });
    replace(
      body,
      d
        ? el(
            'section',
            { 'aria-labelledby': 'meta-h' },
            el('h2', { id: 'meta-h' }, t('device.meta')),
            el(
              'dl',
              { class: 'meta' },
              Object.entries({
                class: d.class,
                vendor: d.vendor,
                model: d.model,
                os: d.os,
                serial: d.serial,
                address: d.address,
                site: d.site,
                room: d.room,
                parent: d.parent,
                agent: d.agent,
                last_seen: fmtTime(d.last_seen),
              })
                .filter(([, v]) => v)
                .map(([k, v]) => [el('dt', {}, k), el('dd', {}, k === 'parent' ? el('a', { href: `/devices/${encodeURIComponent(String(v))}` }, String(v)) : String(v))]),
            ),
          )
        : null,
      alerts.alerts.length
        ? el(
            'section',
            {},
            el('h2', {}, t('alerts.title')),
            table(
              ['col.priority', 'col.rule', 'col.summary', 'col.state'],
              alerts.alerts.map((a) =>
                el('tr', {}, el('td', {}, badge(a.priority)), el('td', {}, a.ruleId), el('td', {}, alertText(a, session.lang)), el('td', {}, a.muted ? t('counts.muted') : a.state)),
              ),
            ),
          )
        : null,
      el(
        'section',
        { 'aria-labelledby': 'latest-h' },
        el('h2', { id: 'latest-h' }, t('device.latest')),
        all.length ? table(['col.name', 'col.value', 'col.when'], latest) : el('p', { class: 'empty' }, t('device.noSeries')),
      ),
      all.length ? el('section', { 'aria-labelledby': 'charts-h' }, el('h2', { id: 'charts-h' }, t('device.charts')), charts) : null,
    );
    const width = Math.min(360, Math.max(240, charts.clientWidth - 16));
    for (const s of all.filter((x) => x.points.length > 1).slice(0, MAX_CHARTS)) {
      const box = el('figure', { class: 'chart' }, el('figcaption', {}, label(s)));
      charts.appendChild(box);
      const xs = s.points.map((p) => p[0] / 1000);
      const ys = s.points.map((p) => p[1]);
      plots.push(
        new uPlot(
          {
            width,
            height: 110,
            legend: { show: false },
            cursor: { show: true },
            scales: { x: { time: true } },
            axes: [
              { size: 24, font: '10px sans-serif' },
              { size: 40, font: '10px sans-serif' },
            ],
            series: [{}, { stroke: '#2563eb', width: 1.5, fill: 'rgba(37,99,235,0.08)' }],
          },
          [xs, ys],
          box,
        ),
      );
    }
  }
  load().catch((err) => replace(body, el('p', { class: 'message error', role: 'alert' }, String(err instanceof Error ? err.message : err))));
  return () => plots.forEach((p) => p.destroy());
}
