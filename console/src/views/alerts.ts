/**
 * Alerts by state — firing, pending, suppressed, muted — each with the reason
 * it is in that state: the value and since when, the `for` it waits out, the
 * parent that is down, the maintenance window that mutes it.
 */
import { get } from '../api.js';
import { debounce, el, replace } from '../dom.js';
import { on } from '../live.js';
import { dur, fmtTime, session, t } from '../state.js';
import { alertText, badge, table, type Alert } from '../ui.js';

type Show = 'firing' | 'pending' | 'suppressed' | 'muted';
const SHOWS: Show[] = ['firing', 'pending', 'suppressed', 'muted'];

interface Window {
  id: string;
  name: string;
  reason?: string;
  active: boolean;
  scope: { devices?: string[]; rules?: string[]; tags?: Record<string, string> };
}

const glob = (pattern: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );

/** Which active windows could cover the alert (the collector decided it is muted; this names the likely window). */
function coveringWindows(a: Alert, windows: Window[]): string[] {
  return windows
    .filter((w) => w.active)
    .filter((w) => !w.scope.devices?.length || w.scope.devices.some((d) => glob(d).test(a.device)))
    .filter((w) => !w.scope.rules?.length || w.scope.rules.some((r) => glob(r).test(a.ruleId)))
    .filter((w) => Object.entries(w.scope.tags ?? {}).every(([k, v]) => a.tags[k] !== undefined && glob(v).test(a.tags[k] as string)))
    .map((w) => (w.reason ? `${w.name} (${w.reason})` : w.name));
}

export function classify(a: Alert): Show {
  if (a.state === 'suppressed') return 'suppressed';
  if (a.muted) return 'muted';
  return a.state === 'pending' ? 'pending' : 'firing';
}

export function alertsView(main: HTMLElement) {
  let show: Show = (SHOWS as string[]).includes(new URLSearchParams(location.search).get('show') ?? '') ? (new URLSearchParams(location.search).get('show') as Show) : 'firing';
  const body = el('div', {}, el('p', {}, t('loading')));
  replace(main, el('h1', { tabindex: -1 }, t('alerts.title')), body);
  let data: { alerts: Alert[]; windows: Window[]; forMs: Map<string, number> } | undefined;

  function reason(a: Alert, kind: Show): string {
    const since = fmtTime(a.firingSince ?? a.activeSince);
    const text =
      kind === 'suppressed'
        ? t('reason.suppressed', { parent: a.suppressedBy ?? '?' })
        : kind === 'muted'
          ? (() => {
              const names = coveringWindows(a, data?.windows ?? []);
              return names.length ? t('reason.muted', { windows: names.join(', ') }) : t('reason.mutedAny');
            })()
          : kind === 'pending'
            ? t('reason.pending', { since, for: dur(data?.forMs.get(a.ruleId) ?? 0) })
            : t('reason.firing', { since, value: a.value === null ? '—' : String(Math.round(a.value * 100) / 100) });
    return a.flapping ? `${text}; ${t('reason.flapping')}` : text;
  }

  function paint() {
    if (!data) return;
    const groups = new Map<Show, Alert[]>(SHOWS.map((s) => [s, []]));
    for (const a of data.alerts) groups.get(classify(a))?.push(a);
    const list = groups.get(show) ?? [];
    const tabs = el(
      'div',
      { class: 'tabs', role: 'tablist' },
      SHOWS.map((s) =>
        el(
          'button',
          {
            type: 'button',
            role: 'tab',
            'aria-selected': s === show ? 'true' : 'false',
            'data-key': `tab-${s}`,
            'data-show': s,
            onclick: () => ((show = s), history.replaceState(null, '', `/alerts?show=${s}`), paint()),
          },
          `${t(`counts.${s}`)} (${groups.get(s)?.length ?? 0})`,
        ),
      ),
    );
    const rows = list.map((a) =>
      el(
        'tr',
        { 'data-identity': a.identity },
        el('td', {}, badge(a.priority)),
        el('td', {}, el('a', { href: `/devices/${encodeURIComponent(a.device)}` }, a.device)),
        el('td', {}, a.ruleId),
        el('td', {}, alertText(a, session.lang)),
        el('td', {}, fmtTime(a.firingSince ?? a.activeSince)),
        el('td', { class: 'reason' }, reason(a, show)),
      ),
    );
    replace(body, tabs, list.length ? table(['col.priority', 'col.device', 'col.rule', 'col.summary', 'col.since', 'col.reason'], rows) : el('p', { class: 'empty' }, t('alerts.none')));
  }

  async function load() {
    const [alerts, maint, rules] = await Promise.all([
      get<{ alerts: Alert[] }>('/api/v1/alerts?state=pending,firing,suppressed'),
      get<{ windows: Window[] }>('/api/v1/maintenance'),
      get<{ rules: Array<{ id: string; for_ms: number }> }>('/api/v1/rules'),
    ]);
    data = { alerts: alerts.alerts, windows: maint.windows, forMs: new Map(rules.rules.map((r) => [r.id, r.for_ms])) };
    paint();
  }
  const reload = debounce(() => void load().catch(() => undefined), 500);
  load().catch((err) => replace(body, el('p', { class: 'message error', role: 'alert' }, String(err instanceof Error ? err.message : err))));
  const offs = [on('alert', reload), on('resync', reload)];
  return () => offs.forEach((off) => off());
}
