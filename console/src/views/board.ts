/**
 * The incident board: every incident not closed, most urgent first, with its
 * SLA clocks counting down. Rows arrive live over the event stream; the whole
 * board is read again after a reconnect and every minute (the escalation tier
 * changes on the server's SLA watch, which sends no event).
 */
import { get } from '../api.js';
import { debounce, el, replace } from '../dom.js';
import { on } from '../live.js';
import { dur, session, t } from '../state.js';
import { badge, clockCell, PRIORITY_ORDER, statusLabel, table, tickClocks, tierLabel, type BoardRow } from '../ui.js';

type Counts = Record<'firing' | 'pending' | 'suppressed' | 'muted', number>;

export function sortRows(rows: Iterable<BoardRow>): BoardRow[] {
  // Resolved incidents (waiting for a close) sink below the live ones; then priority, then the oldest first.
  const live = (r: BoardRow) => (r.incident.status === 'resolved' ? 1 : 0);
  return [...rows].sort((a, b) => live(a) - live(b) || PRIORITY_ORDER.indexOf(a.incident.priority) - PRIORITY_ORDER.indexOf(b.incident.priority) || a.incident.openedAt - b.incident.openedAt);
}

/** Keeps the board's rows and re-reads them; shared by the board and the wall screen. */
export function boardModel(onChange: () => void) {
  const rows = new Map<number, BoardRow>();
  const model = {
    rows,
    counts: { firing: 0, pending: 0, suppressed: 0, muted: 0 } as Counts,
    skew: 0,
    loaded: false,
    async load() {
      const data = await get<{ now: number; rows: BoardRow[]; alerts: Counts }>('/api/v1/board');
      rows.clear();
      for (const r of data.rows) rows.set(r.incident.id, r);
      model.counts = data.alerts;
      // Clocks count against the collector's time, not a workstation clock that may be off.
      model.skew = data.now - Date.now();
      model.loaded = true;
      onChange();
    },
    now: () => Date.now() + model.skew,
  };
  const refreshCounts = debounce(() => {
    get<{ now: number; rows: BoardRow[]; alerts: Counts }>('/api/v1/board')
      .then((d) => {
        model.counts = d.alerts;
        onChange();
      })
      .catch(() => undefined);
  }, 1000);
  const offs = [
    on('incident', (data) => {
      const row = data as BoardRow;
      if (row.incident.status === 'closed') rows.delete(row.incident.id);
      else rows.set(row.incident.id, row);
      onChange();
    }),
    on('alert', refreshCounts),
    on('resync', () => void model.load().catch(() => undefined)),
  ];
  const minute = setInterval(() => void model.load().catch(() => undefined), 60_000);
  return { model, stop: () => (offs.forEach((off) => off()), clearInterval(minute)) };
}

export function countsLine(counts: Counts): HTMLElement {
  return el(
    'p',
    { class: 'counts' },
    (['firing', 'pending', 'suppressed', 'muted'] as const).map((k) => el('a', { href: `/alerts?show=${k}`, class: `count ${k}` }, el('b', {}, counts[k]), ' ', t(`counts.${k}`))),
  );
}

export function boardView(main: HTMLElement) {
  const body = el('div', {}, el('p', {}, t('loading')));
  replace(main, el('h1', { tabindex: -1 }, t('board.title')), body);
  const { model, stop } = boardModel(() => paint());
  function paint() {
    const now = model.now();
    const list = sortRows(model.rows.values());
    const rows = list.map(({ incident: i, sla }) =>
      el(
        'tr',
        { 'data-incident': i.id, 'data-device': i.device, class: `row ${i.priority.toLowerCase()} ${i.status}` },
        el('td', {}, badge(i.priority)),
        el('td', {}, el('a', { href: `/incidents/${i.id}`, 'data-key': `inc-${i.id}` }, `#${i.id}`)),
        el('td', { class: 'title' }, el('a', { href: `/incidents/${i.id}`, tabindex: -1 }, i.title)),
        el('td', {}, el('a', { href: `/devices/${encodeURIComponent(i.device)}`, tabindex: -1 }, i.device)),
        el('td', { class: 'nowrap' }, el('span', { 'data-since': i.openedAt }, dur(now - i.openedAt))),
        el('td', {}, clockCell(sla.respond, now)),
        el('td', {}, clockCell(sla.plan, now)),
        el('td', {}, clockCell(sla.resolve, now)),
        el('td', {}, tierLabel(i.tier)),
        el('td', {}, i.assignee ?? '—'),
        el('td', {}, statusLabel(i.status)),
      ),
    );
    replace(
      body,
      countsLine(model.counts),
      list.length === 0
        ? el('p', { class: 'empty' }, t('board.empty'))
        : table(['col.priority', 'col.id', 'col.title', 'col.device', 'col.age', 'col.respond', 'col.plan', 'col.resolve', 'col.tier', 'col.assignee', 'col.status'], rows),
    );
    body.dataset.lang = session.lang;
  }
  model.load().catch((err) => replace(body, el('p', { class: 'message error' }, String(err))));
  const ticker = setInterval(() => tickClocks(body, model.now()), 1000);
  return () => {
    stop();
    clearInterval(ticker);
  };
}
