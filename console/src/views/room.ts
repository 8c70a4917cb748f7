/**
 * The room: devices grouped by site, room and class, each tile coloured by its
 * worst state (the highest-priority firing alert; pending, suppressed and
 * muted shown apart from a real problem).
 */
import { get } from '../api.js';
import { debounce, el, replace } from '../dom.js';
import { on } from '../live.js';
import { t } from '../state.js';
import { PRIORITY_ORDER, type Alert } from '../ui.js';
import { classify } from './alerts.js';

export interface DeviceRecord {
  name: string;
  class: string | null;
  vendor: string | null;
  model: string | null;
  site: string | null;
  room: string | null;
  parent: string | null;
  address: string | null;
  serial: string | null;
  os: string | null;
  agent: string | null;
  labels: Record<string, string>;
  first_seen: number;
  last_seen: number;
}

/** The worst state of each device: p1…p4 (firing), pending, suppressed, muted, or ok. */
export function worstStates(alerts: Alert[]): Map<string, string> {
  const rank = (s: string) => ['p1', 'p2', 'p3', 'p4', 'pending', 'suppressed', 'muted', 'ok'].indexOf(s);
  const worst = new Map<string, string>();
  for (const a of alerts) {
    const kind = classify(a);
    const state = kind === 'firing' ? a.priority.toLowerCase() : kind;
    const before = worst.get(a.device);
    if (!before || rank(state) < rank(before)) worst.set(a.device, state);
  }
  return worst;
}

function group<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (!out.has(k)) out.set(k, []);
    out.get(k)!.push(item);
  }
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

export function roomView(main: HTMLElement) {
  const body = el('div', {}, el('p', {}, t('loading')));
  replace(main, el('h1', { tabindex: -1 }, t('room.title')), body);
  async function load() {
    const [devices, alerts] = await Promise.all([get<{ devices: DeviceRecord[] }>('/api/v1/devices'), get<{ alerts: Alert[] }>('/api/v1/alerts?state=pending,firing,suppressed')]);
    const worst = worstStates(alerts.alerts);
    if (devices.devices.length === 0) return replace(body, el('p', { class: 'empty' }, t('room.none')));
    const legend = el(
      'p',
      { class: 'legend' },
      [...PRIORITY_ORDER.map((p) => p.toLowerCase()), 'pending', 'suppressed', 'muted', 'ok'].map((s) =>
        el('span', { class: `tile-key ${s}` }, s === 'ok' ? t('room.ok') : s.startsWith('p') && s.length === 2 ? s.toUpperCase() : t(`counts.${s as 'pending'}`)),
      ),
    );
    const sites = [...group(devices.devices, (d) => d.site ?? '')].map(([site, inSite]) =>
      el(
        'section',
        { class: 'site' },
        el('h2', {}, site || t('room.unknownSite')),
        [...group(inSite, (d) => d.room ?? '')].map(([room, inRoom]) =>
          el(
            'div',
            { class: 'roomgroup' },
            el('h3', {}, room || t('room.unknownRoom')),
            [...group(inRoom, (d) => d.class ?? 'unknown')].map(([cls, inClass]) =>
              el(
                'div',
                { class: 'classgroup' },
                el('h4', {}, cls),
                el(
                  'ul',
                  { class: 'tiles' },
                  inClass.map((d) => {
                    const state = worst.get(d.name) ?? 'ok';
                    return el(
                      'li',
                      {},
                      el(
                        'a',
                        {
                          href: `/devices/${encodeURIComponent(d.name)}`,
                          class: `tile ${state}`,
                          'data-device': d.name,
                          'data-state': state,
                          title: `${d.vendor ?? ''} ${d.model ?? ''}`.trim() || d.name,
                        },
                        d.name,
                      ),
                    );
                  }),
                ),
              ),
            ),
          ),
        ),
      ),
    );
    replace(body, legend, sites);
  }
  const reload = debounce(() => void load().catch(() => undefined), 1000);
  load().catch((err) => replace(body, el('p', { class: 'message error', role: 'alert' }, String(err instanceof Error ? err.message : err))));
  const offs = [on('alert', reload), on('resync', reload)];
  return () => offs.forEach((off) => off());
}
