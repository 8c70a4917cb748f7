/** What the whole console shares: the language, the signed-in user and the CSRF token of the session. */
import { LANGS, translate, formatDuration, type Key, type Lang } from './i18n.js';

export type Role = 'viewer' | 'operator' | 'admin';
export interface User {
  username: string;
  display: string;
  role: Role;
  teams: string[];
  must_change_password?: boolean;
}

const LANG_KEY = 'roomwatch.lang';

function initialLang(): Lang {
  const forced = new URLSearchParams(location.search).get('lang');
  if (forced && (LANGS as readonly string[]).includes(forced)) return forced as Lang;
  const saved = localStorage.getItem(LANG_KEY);
  if (saved && (LANGS as readonly string[]).includes(saved)) return saved as Lang;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export const session: { user: User | undefined; csrf: string; lang: Lang } = { user: undefined, csrf: '', lang: initialLang() };

export function setLang(lang: Lang): void {
  session.lang = lang;
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang;
}

export const t = (key: Key, vars?: Record<string, string | number>) => translate(session.lang, key, vars);
export const dur = (ms: number) => formatDuration(ms, session.lang);

export function fmtTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return new Intl.DateTimeFormat(session.lang, { month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(ms);
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
export const can = (role: Role) => session.user !== undefined && RANK[session.user.role] >= RANK[role];
