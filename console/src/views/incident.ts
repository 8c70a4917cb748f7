/**
 * One incident: its SLA clocks, every action (ack, assign, plan, comment,
 * resolve, close with cause and fix), the alerts behind it, known fixes of the
 * same rule, the notifications sent and the timeline. It re-reads itself when
 * the event stream says the incident changed.
 */
import { get, post } from '../api.js';
import { el, replace } from '../dom.js';
import { on } from '../live.js';
import { can, dur, fmtTime, session, t } from '../state.js';
import { badge, clockCell, field, messageLine, statusLabel, table, tickClocks, tierLabel, type BoardRow, type Incident } from '../ui.js';

interface Detail {
  incident: Incident;
  sla: Record<'respond' | 'plan' | 'resolve', { deadline: number; targetMs: number; breached: boolean }>;
  alerts: Array<{ identity: string; ruleId: string; device: string; role: string; active: boolean; attachedAt: number; clearedAt: number | null }>;
  timeline: Array<{ id: number; at: number; type: string; actor: string | null; detail: Record<string, unknown> }>;
  notifications: Array<{ channel: string; recipient?: { name?: string }; kind: string; status?: string; createdAt?: number; sentAt?: number | null }>;
  known_fixes: Array<{ incidentId: number; cause: string; fix: string; closedAt: number }>;
}

function describe(entry: Detail['timeline'][number]): string {
  const d = entry.detail;
  const parts = [
    d.summary,
    d.text,
    d.note,
    d.to ? `→ ${String(d.to)}` : undefined,
    d.cause ? `${t('incident.cause')}: ${String(d.cause)}` : undefined,
    d.fix ? `${t('incident.fix')}: ${String(d.fix)}` : undefined,
    d.reason,
    d.channel ? `${String(d.channel)}` : undefined,
    d.clock ? `${String(d.clock)}` : undefined,
    d.error,
  ];
  return parts
    .filter((p) => p !== undefined && p !== null && p !== '')
    .map(String)
    .join(' · ');
}

export function incidentView(main: HTMLElement, params: Record<string, string>) {
  const id = Number(params.id);
  const body = el('div', {}, el('p', {}, t('loading')));
  replace(main, el('h1', { tabindex: -1 }, t('incident.title', { id })), body);
  const msg = messageLine();

  const act = async (path: string, payload: Record<string, unknown>, form?: HTMLFormElement) => {
    msg.clear();
    const buttons = form ? [...form.querySelectorAll('button')] : [];
    buttons.forEach((b) => (b.disabled = true));
    try {
      // `by` is who is signed in; the collector takes it from the session, never from what a page claims.
      await post(`/api/v1/incidents/${id}/${path}`, { ...payload, by: session.user?.username });
      msg.ok(t('incident.done'));
      form?.reset();
      await load();
    } catch (err) {
      msg.fail(err);
    } finally {
      buttons.forEach((b) => (b.disabled = false));
    }
  };

  function actionForms(i: Incident, firing: number): HTMLElement {
    if (!can('operator'))
      return el(
        'section',
        { class: 'actions', 'aria-labelledby': 'act-h' },
        el('h2', { id: 'act-h' }, t('incident.actions')),
        el('p', { class: 'note', 'data-readonly': '' }, t('incident.readOnly', { role: session.user?.role ?? '' })),
      );
    const live = i.status === 'open' || i.status === 'acknowledged';
    const forms: HTMLElement[] = [];
    if (i.status === 'open') forms.push(el('button', { type: 'button', class: 'primary', 'data-action': 'ack', onclick: () => void act('ack', {}) }, t('incident.ack')));
    if (i.status !== 'closed') {
      const to = el('input', { name: 'to', required: true, maxlength: 128, autocomplete: 'off', value: i.assignee ?? '' });
      forms.push(
        el(
          'form',
          { 'data-action': 'assign', onsubmit: (e: Event) => (e.preventDefault(), void act('assign', { to: to.value.trim() }, e.target as HTMLFormElement)) },
          field(t('incident.assignTo'), to),
          el('button', { type: 'submit' }, t('incident.assign')),
        ),
      );
    }
    const text = el('textarea', { name: 'text', required: true, rows: 2, maxlength: 10000 });
    const plan = el('input', { type: 'checkbox', name: 'plan' });
    forms.push(
      el(
        'form',
        { 'data-action': 'comment', onsubmit: (e: Event) => (e.preventDefault(), void act('comment', { text: text.value, plan: plan.checked }, e.target as HTMLFormElement)) },
        field(t('incident.commentText'), text),
        el('label', { class: 'check' }, plan, ' ', t('incident.isPlan')),
        el('button', { type: 'submit' }, t('incident.addComment')),
      ),
    );
    if (live) {
      const note = el('input', { name: 'note', maxlength: 10000 });
      forms.push(
        el(
          'form',
          { 'data-action': 'resolve', onsubmit: (e: Event) => (e.preventDefault(), void act('resolve', note.value ? { note: note.value } : {}, e.target as HTMLFormElement)) },
          field(t('incident.note'), note),
          el('button', { type: 'submit' }, t('incident.resolve')),
        ),
      );
    }
    if (i.status !== 'closed') {
      const cause = el('textarea', { name: 'cause', required: true, rows: 2, maxlength: 10000 });
      const fix = el('textarea', { name: 'fix', required: true, rows: 2, maxlength: 10000 });
      const force = el('input', { type: 'checkbox', name: 'force' });
      const reason = el('input', { name: 'reason', maxlength: 10000 });
      forms.push(
        el(
          'form',
          {
            'data-action': 'close',
            onsubmit: (e: Event) => {
              e.preventDefault();
              void act('close', { cause: cause.value, fix: fix.value, ...(force.checked ? { force: true, reason: reason.value } : {}) }, e.target as HTMLFormElement);
            },
          },
          field(t('incident.cause'), cause),
          field(t('incident.fix'), fix),
          firing > 0 ? [el('label', { class: 'check' }, force, ' ', t('incident.force')), field(t('incident.forceReason'), reason)] : null,
          el('button', { type: 'submit' }, t('incident.close')),
        ),
      );
    }
    return el('section', { class: 'actions', 'aria-labelledby': 'act-h' }, el('h2', { id: 'act-h' }, t('incident.actions')), forms, msg.node);
  }

  function paint(d: Detail) {
    const i = d.incident;
    const now = Date.now();
    const stopped = { respond: (i.acknowledgedAt ?? i.resolvedAt) !== null, plan: (i.plannedAt ?? i.resolvedAt) !== null, resolve: i.resolvedAt !== null };
    const clocks = (['respond', 'plan', 'resolve'] as const).map((c) => el('div', { class: 'kv' }, el('span', {}, t(`col.${c}`)), clockCell({ ...d.sla[c], stopped: stopped[c] }, now)));
    const firing = d.alerts.filter((a) => a.active).length;
    replace(
      body,
      el(
        'section',
        { class: 'summary', 'data-status': i.status },
        el('p', { class: 'headline' }, badge(i.priority), ' ', el('strong', {}, i.title)),
        el(
          'div',
          { class: 'facts' },
          el('div', { class: 'kv' }, el('span', {}, t('col.status')), statusLabel(i.status)),
          el('div', { class: 'kv' }, el('span', {}, t('col.device')), el('a', { href: `/devices/${encodeURIComponent(i.device)}` }, i.device)),
          el('div', { class: 'kv' }, el('span', {}, t('col.rule')), i.ruleId),
          el('div', { class: 'kv' }, el('span', {}, t('col.age')), el('span', { 'data-since': i.openedAt }, dur(now - i.openedAt))),
          el('div', { class: 'kv' }, el('span', {}, t('col.tier')), tierLabel(i.tier)),
          el('div', { class: 'kv' }, el('span', {}, t('col.assignee')), i.assignee ?? '—'),
          clocks,
        ),
        i.cause ? el('p', {}, el('b', {}, `${t('incident.cause')}: `), i.cause, el('br'), el('b', {}, `${t('incident.fix')}: `), i.fix ?? '') : null,
      ),
      actionForms(i, firing),
      el(
        'section',
        { 'aria-labelledby': 'al-h' },
        el('h2', { id: 'al-h' }, t('incident.alerts')),
        table(
          ['col.rule', 'col.device', 'col.reason', 'col.state', 'col.since'],
          d.alerts.map((a) =>
            el(
              'tr',
              {},
              el('td', {}, a.ruleId),
              el('td', {}, a.device),
              el('td', {}, a.role),
              el('td', {}, a.active ? t('incident.active') : t('incident.cleared')),
              el('td', {}, fmtTime(a.attachedAt)),
            ),
          ),
        ),
      ),
      el(
        'section',
        { 'aria-labelledby': 'kf-h', class: 'known-fixes' },
        el('h2', { id: 'kf-h' }, t('incident.knownFixes')),
        d.known_fixes.length === 0
          ? el('p', { class: 'empty' }, t('incident.noFixes'))
          : el(
              'ul',
              {},
              d.known_fixes.map((f) =>
                el(
                  'li',
                  {},
                  el('a', { href: `/incidents/${f.incidentId}` }, `#${f.incidentId}`),
                  ` ${fmtTime(f.closedAt)} — `,
                  el('b', {}, `${t('incident.cause')}: `),
                  f.cause,
                  '; ',
                  el('b', {}, `${t('incident.fix')}: `),
                  f.fix,
                ),
              ),
            ),
      ),
      el(
        'section',
        { 'aria-labelledby': 'tl-h' },
        el('h2', { id: 'tl-h' }, t('incident.timeline')),
        el(
          'ol',
          { class: 'timeline' },
          d.timeline.map((e) => el('li', { 'data-type': e.type }, el('time', {}, fmtTime(e.at)), ' ', el('b', {}, e.type), e.actor ? ` (${e.actor})` : '', ' ', describe(e))),
        ),
      ),
      d.notifications.length
        ? el(
            'section',
            { 'aria-labelledby': 'nt-h' },
            el('h2', { id: 'nt-h' }, t('incident.notifications')),
            el(
              'ul',
              {},
              d.notifications.map((n) => el('li', {}, `${n.kind} · ${n.channel} · ${n.recipient?.name ?? ''} · ${n.status ?? ''}`)),
            ),
          )
        : null,
    );
  }

  async function load() {
    try {
      paint(await get<Detail>(`/api/v1/incidents/${id}`));
    } catch (err) {
      replace(body, el('p', { class: 'message error', role: 'alert' }, String(err instanceof Error ? err.message : err)));
    }
  }
  void load();
  const offs = [
    on('incident', (data) => {
      if ((data as BoardRow).incident.id !== id) return;
      // Someone else changed it while this operator types: keep the text, re-read after their own action.
      const typing = [...body.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('form textarea, form input:not([type=checkbox])')].some((f) => f.value !== f.defaultValue);
      if (!typing) void load();
    }),
    on('resync', () => void load()),
  ];
  const ticker = setInterval(() => tickClocks(body, Date.now()), 1000);
  return () => {
    offs.forEach((off) => off());
    clearInterval(ticker);
  };
}
