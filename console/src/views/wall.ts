/**
 * The NOC's big screen: no navigation, large type, P1 and P2 first, the SLA
 * clock that matters next, and nothing to click. It refreshes itself: live
 * events, a full re-read every minute, and a page reload every six hours so a
 * screen left on for weeks picks up a new console.
 */
import { el, replace } from '../dom.js';
import { dur, session, t } from '../state.js';
import { clockCell, tickClocks, tierLabel, type BoardRow } from '../ui.js';
import { boardModel, sortRows } from './board.js';

const RELOAD_MS = 6 * 3_600_000;

/** The clock to watch: the first one still running (respond, then plan, then resolve). */
function nextClock(row: BoardRow): { name: 'respond' | 'plan' | 'resolve'; clock: BoardRow['sla']['respond'] } {
  for (const name of ['respond', 'plan', 'resolve'] as const) if (!row.sla[name].stopped) return { name, clock: row.sla[name] };
  return { name: 'resolve', clock: row.sla.resolve };
}

export function wallView(main: HTMLElement) {
  document.title = `${t('brand')} — ${t('nav.wall')}`;
  const clock = el('span', { class: 'wall-clock' });
  const counts = el('span', { class: 'wall-counts' });
  const grid = el('div', { class: 'wall-grid' });
  replace(main, el('header', { class: 'wall-head' }, el('h1', { tabindex: -1 }, t('wall.title')), counts, clock), grid);
  const { model, stop } = boardModel(() => paint());
  function paint() {
    const now = model.now();
    const rows = sortRows(model.rows.values()).filter((r) => r.incident.status !== 'resolved');
    counts.textContent = (['firing', 'pending', 'suppressed', 'muted'] as const).map((k) => `${t(`counts.${k}`)} ${model.counts[k]}`).join(' · ');
    replace(
      grid,
      rows.length === 0 && model.loaded
        ? el('p', { class: 'wall-clear' }, t('wall.clear'))
        : rows.map((r) => {
            const i = r.incident;
            const next = nextClock(r);
            return el(
              'article',
              { class: `wall-card ${i.priority.toLowerCase()} ${i.status}`, 'data-incident': i.id, 'data-device': i.device },
              el(
                'div',
                { class: 'wall-top' },
                el('span', { class: 'wall-prio' }, i.priority),
                el('span', { class: 'wall-dev' }, i.device),
                el('span', { class: 'wall-age', 'data-since': i.openedAt }, dur(now - i.openedAt)),
              ),
              el('div', { class: 'wall-title' }, i.title),
              el(
                'div',
                { class: 'wall-foot' },
                el('span', {}, `${t(`col.${next.name}`)} `, clockCell(next.clock, now)),
                el('span', {}, `${tierLabel(i.tier)} · ${i.assignee ?? t(`status.${i.status}`)}`),
              ),
            );
          }),
    );
    grid.dataset.lang = session.lang;
  }
  void model.load().catch(() => undefined);
  const ticker = setInterval(() => {
    tickClocks(grid, model.now());
    clock.textContent = new Intl.DateTimeFormat(session.lang, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(model.now());
  }, 1000);
  const reload = setTimeout(() => location.reload(), RELOAD_MS);
  return () => {
    stop();
    clearInterval(ticker);
    clearTimeout(reload);
  };
}
