/**
 * The console's entry: sign-in check, the page frame (skip link, navigation,
 * language switch, user), and the router. Paths are real URLs (no #), so a
 * notification's /incidents/42 link opens that incident.
 */
import { get, post, whenUnauthenticated } from './api.js';
import { el, replace } from './dom.js';
import { connected, startLive, stopLive, on } from './live.js';
import { session, setLang, t, type User } from './state.js';
import { navigate, setRenderer } from './nav.js';
import { routes, type View } from './routes.js';

const app = document.getElementById('app') as HTMLElement;
let cleanup: (() => void) | void;

setRenderer(() => void render());

function toLogin(expired: boolean): void {
  stopLive();
  session.user = undefined;
  const here = location.pathname + location.search;
  if (location.pathname === '/login') return;
  navigate(`/login?next=${encodeURIComponent(here)}${expired ? '&expired=1' : ''}`, true);
}
whenUnauthenticated(() => toLogin(true));

function match(path: string): { view: View; params: Record<string, string>; chrome: boolean } {
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (m) return { view: r.view, params: m.groups ?? {}, chrome: r.chrome !== false };
  }
  return { view: (main) => replace(main, el('h1', { tabindex: -1 }, t('notFound'))), params: {}, chrome: true };
}

function frame(): { header: HTMLElement; main: HTMLElement; off: () => void } {
  const nav = (href: string, key: Parameters<typeof t>[0]) => {
    const current = href === '/' ? location.pathname === '/' || location.pathname.startsWith('/incidents/') : location.pathname.startsWith(href);
    return el('a', { href, 'aria-current': current ? 'page' : null }, t(key));
  };
  const status = el('span', { class: 'live', role: 'status', 'data-live': connected ? 'on' : 'off' }, connected ? t('board.live') : t('board.offline'));
  const off = on('status', (up) => {
    status.dataset.live = up ? 'on' : 'off';
    status.textContent = up ? t('board.live') : t('board.offline');
  });
  const header = el(
    'header',
    { class: 'top' },
    el('a', { class: 'skip', href: '#main' }, t('skip')),
    el('a', { class: 'brand', href: '/' }, t('brand')),
    el(
      'nav',
      { 'aria-label': 'main' },
      nav('/', 'nav.board'),
      nav('/alerts', 'nav.alerts'),
      nav('/room', 'nav.room'),
      nav('/maintenance', 'nav.maintenance'),
      nav('/kb', 'nav.kb'),
      nav('/reports', 'nav.reports'),
      nav('/rules', 'nav.rules'),
      nav('/audit', 'nav.audit'),
      nav('/wall', 'nav.wall'),
    ),
    el(
      'div',
      { class: 'tools' },
      status,
      el('button', { type: 'button', class: 'lang', 'aria-label': t('lang.label'), onclick: () => (setLang(session.lang === 'en' ? 'zh-CN' : 'en'), void render()) }, t('lang.switch')),
      session.user ? el('span', { class: 'who', title: session.user.role }, `${session.user.display || session.user.username} · ${session.user.role}`) : null,
      session.user
        ? el(
            'button',
            {
              type: 'button',
              onclick: () =>
                void post('/api/v1/auth/logout')
                  .catch(() => undefined)
                  .then(() => toLogin(false)),
            },
            t('signOut'),
          )
        : null,
    ),
  );
  const main = el('main', { id: 'main', tabindex: -1 });
  return { header, main, off };
}

async function ensureUser(): Promise<boolean> {
  if (session.user) return true;
  try {
    const me = await get<{ user: User; csrf: string }>('/api/v1/auth/me');
    session.user = me.user;
    session.csrf = me.csrf;
    return true;
  } catch {
    return false; // api.ts has sent us to sign-in
  }
}

export async function render(): Promise<void> {
  cleanup?.();
  cleanup = undefined;
  setLang(session.lang);
  const path = location.pathname;
  const { view, params, chrome } = match(path);
  if (path !== '/login' && !(await ensureUser())) return;
  // A one-time password is changed before anything else (the collector refuses other calls until then).
  if (path !== '/login' && session.user?.must_change_password) return navigate(`/login?next=${encodeURIComponent(path + location.search)}`, true);
  if (path !== '/login') startLive();
  const { header, main, off } = frame();
  document.body.classList.toggle('wall', !chrome);
  replace(app, chrome ? header : null, main);
  const viewCleanup = view(main, params);
  cleanup = () => {
    off();
    viewCleanup?.();
  };
  // Move focus to the new page's heading so keyboard and screen-reader users start there.
  (main.querySelector('h1') as HTMLElement | null)?.focus({ preventScroll: true });
}

// Links inside the console change the view without a reload; modified clicks and other origins are left to the browser.
document.addEventListener('click', (e) => {
  const a = (e.target as Element | null)?.closest('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || a.target || a.hasAttribute('download') || url.pathname.startsWith('/api/') || a.getAttribute('href')?.startsWith('#')) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', () => void render());

void render();
