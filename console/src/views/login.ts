/** Sign-in, and the change-password form a first sign-in with a one-time password must pass. */
import { api, ApiError, post } from '../api.js';
import { el, replace } from '../dom.js';
import { navigate } from '../nav.js';
import { session, setLang, t, type User } from '../state.js';
import { field, messageLine } from '../ui.js';

function nextPath(): string {
  const next = new URLSearchParams(location.search).get('next') ?? '/';
  // Only a path on this console: an open redirect to another site would make a fine phishing link.
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/';
}

export function loginView(main: HTMLElement) {
  const msg = messageLine();
  const expired = new URLSearchParams(location.search).get('expired') === '1';
  const username = el('input', { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = el('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const langButton = el(
    'button',
    { type: 'button', class: 'lang', 'aria-label': t('lang.label'), onclick: () => (setLang(session.lang === 'en' ? 'zh-CN' : 'en'), navigate(location.pathname + location.search, true)) },
    t('lang.switch'),
  );

  const changeForm = () => {
    const current = el('input', { name: 'current', type: 'password', autocomplete: 'current-password', required: true, value: password.value });
    const next = el('input', { name: 'next', type: 'password', autocomplete: 'new-password', required: true, minlength: 8 });
    const m = messageLine();
    return el(
      'form',
      {
        class: 'card',
        'data-form': 'change-password',
        onsubmit: async (e: Event) => {
          e.preventDefault();
          try {
            await post('/api/v1/auth/password', { current: current.value, next: next.value });
            if (session.user) session.user.must_change_password = false;
            navigate(nextPath(), true);
          } catch (err) {
            m.fail(err);
          }
        },
      },
      el('h2', {}, t('login.change')),
      field(t('login.current'), current),
      field(t('login.next'), next),
      el('button', { type: 'submit', class: 'primary' }, t('login.changeSubmit')),
      m.node,
    );
  };

  const form = el(
    'form',
    {
      class: 'card',
      'data-form': 'login',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        msg.clear();
        try {
          const res = await api<{ user: User; csrf: string }>('POST', '/api/v1/auth/login', { username: username.value.trim(), password: password.value });
          session.user = res.user;
          session.csrf = res.csrf;
          if (res.user.must_change_password) {
            replace(main, el('div', { class: 'login' }, el('div', { class: 'login-top' }, el('h1', { tabindex: -1 }, t('brand')), langButton), changeForm()));
            (main.querySelector('input[name="next"]') as HTMLInputElement | null)?.focus();
          } else navigate(nextPath(), true);
        } catch (err) {
          msg.node.className = 'message error';
          msg.node.textContent = t('login.failed', { msg: err instanceof ApiError ? err.message : String(err) });
          password.select();
        }
      },
    },
    expired ? el('p', { class: 'message warn', role: 'status', 'data-expired': '' }, t('login.expired')) : null,
    field(t('login.username'), username),
    field(t('login.password'), password),
    el('button', { type: 'submit', class: 'primary' }, t('login.submit')),
    msg.node,
  );
  if (session.user?.must_change_password) {
    replace(main, el('div', { class: 'login' }, el('div', { class: 'login-top' }, el('h1', { tabindex: -1 }, t('brand')), langButton), changeForm()));
    return;
  }
  replace(main, el('div', { class: 'login' }, el('div', { class: 'login-top' }, el('h1', { tabindex: -1 }, t('brand')), langButton), el('h2', {}, t('login.title')), form));
  queueMicrotask(() => username.focus());
}
