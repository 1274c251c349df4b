// Yunying single-page shell: session bootstrap, login / forced password change, sidebar + top bar,
// and the hash router that renders one view at a time.
import { createApiClient } from './lib/api.js';
import { t, initLanguage, setLanguage, getLanguage, acceptLanguage } from './lib/i18n.js';
import { visibleNav, parseHash, resolveRoute, hasPermission } from './lib/nav.js';
import { h, replace } from './lib/dom.js';
import { icon, logoMark } from './lib/icons.js';
import { openMenu, toast, clearToasts, button, errorText } from './components/ui.js';
import { renderLogin } from './views/login.js';
import { renderForcedPasswordChange, renderPasswordPage } from './views/password.js';
import { renderHome } from './views/home.js';
import { renderPlanned, renderForbidden, renderNotFound } from './views/status.js';
import { renderUsers } from './views/users.js';
import { renderRoles } from './views/roles.js';
import { renderDictionaries } from './views/dict.js';
import { renderSecurity } from './views/security.js';
import { renderAudit } from './views/audit.js';
import { renderTokens } from './views/tokens.js';
import { renderDicom } from './views/dicom.js';
import { renderArchive } from './views/archive.js';
import { renderWorklist } from './views/worklist.js';
import { renderRegistration } from './views/registration.js';
import { renderSchedulingCalendar } from './views/scheduling-calendar.js';
import { renderSlotAdmin, renderExamNumbers, renderBlacklist, renderBookingStats } from './views/scheduling-admin.js';
import { renderBookingRules } from './views/booking-rules.js';
import { takeReturnPath } from './lib/return-to.js';

/** @typedef {import('./types/models').Me} Me */
/** @typedef {import('./types/models').ViewContext} ViewContext */

/** @type {Record<string, (main: HTMLElement, ctx: ViewContext) => void | Promise<void>>} */
const VIEWS = {
  home: renderHome,
  users: renderUsers,
  roles: renderRoles,
  dict: renderDictionaries,
  security: renderSecurity,
  audit: renderAudit,
  dicom: renderDicom,
  archive: renderArchive,
  worklist: renderWorklist,
  registration: renderRegistration,
  schedCalendar: renderSchedulingCalendar,
  schedSlots: renderSlotAdmin,
  schedNumbers: renderExamNumbers,
  schedRules: renderBookingRules,
  schedBlacklist: renderBlacklist,
  schedStats: renderBookingStats,
  password: renderPasswordPage,
  tokens: renderTokens,
};

const root = /** @type {HTMLElement} */ (document.getElementById('app'));

/** @type {Me | null} */
let me = null;
/** @type {'boot' | 'login' | 'password' | 'shell'} */
let mode = 'boot';
/** @type {AbortController | null} */
let viewController = null;
/** @type {{main: HTMLElement, nav: HTMLElement} | null} */
let shell = null;

const api = createApiClient({
  acceptLanguage,
  translate: t,
  onUnauthenticated: () => showLogin(me !== null),
  onPasswordChangeRequired: () => {
    if (me) me.passwordChangeRequired = true;
    showForcedPasswordChange();
  },
});

/** @param {Me} user @param {string | null | undefined} csrfToken */
function signedIn(user, csrfToken) {
  me = user;
  api.setCsrfToken(csrfToken || user.csrfToken || null);
  enter();
}

function enter() {
  if (!me) return showLogin(false);
  if (me.passwordChangeRequired) return showForcedPasswordChange();
  // Sent here by the viewer (/viewer/) because the session had expired: go back to the study.
  const back = takeReturnPath(sessionStore());
  if (back) return location.assign(back);
  showShell();
}

/** @returns {Storage | null} */
function sessionStore() {
  try {
    return sessionStorage;
  } catch {
    return null;
  }
}

/** @param {boolean} expired */
function showLogin(expired) {
  if (mode === 'login') return;
  mode = 'login';
  me = null;
  shell = null;
  clearToasts();
  api.setCsrfToken(null);
  abortView();
  document.title = t('app.title');
  renderLogin(root, {
    api,
    expired,
    onLoggedIn: (answer) => signedIn(answer.user, answer.csrfToken),
  });
}

function showForcedPasswordChange() {
  if (mode === 'password' || !me) return;
  mode = 'password';
  shell = null;
  abortView();
  document.title = `${t('password.forced.title')} - ${t('app.name')}`;
  renderForcedPasswordChange(root, {
    api,
    me,
    onChanged: async () => {
      mode = 'boot';
      await reloadMe();
    },
    onLogout: logout,
  });
}

async function reloadMe() {
  try {
    const fresh = /** @type {Me} */ (await api.get('/api/me'));
    signedIn(fresh, fresh.csrfToken);
  } catch (error) {
    if (mode !== 'login') showFatal(error);
  }
}

async function logout() {
  try {
    await api.request('POST', '/api/auth/logout', { handleAuth: false });
  } catch {
    /* the session may already be gone; the login page is shown either way */
  }
  history.replaceState(null, '', '#/home');
  showLogin(false);
}

// ---------------------------------------------------------------- shell

function showShell() {
  if (!me) return;
  mode = 'shell';
  const user = me;
  const nav = h('nav', { class: 'sidebar-nav', 'aria-label': t('nav.aria') });
  const main = h('main', { class: 'main', id: 'main', tabindex: '-1' });
  const userButton = h(
    'button',
    { type: 'button', class: 'user-button', testid: 'user-menu', 'aria-haspopup': 'menu', 'aria-expanded': 'false', onclick: () => openUserMenu(userButton) },
    h('span', { class: 'avatar' }, avatarText(user.displayName || user.username)),
    h('span', { class: 'user-text' }, h('span', { class: 'user-name', testid: 'current-user' }, user.displayName || user.username), h('span', { class: 'user-role' }, user.roles.map((r) => r.name).join('、') || user.username)),
    icon('chevronDown'),
  );
  const topbar = h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', href: '#/home', testid: 'brand' }, logoMark(), h('span', { class: 'brand-name' }, t('app.name')), h('span', { class: 'brand-sub' }, t('app.subtitle'))),
    h('div', { class: 'topbar-right' }, userButton),
  );
  replace(root, h('div', { class: 'layout' }, topbar, h('div', { class: 'layout-body' }, h('aside', { class: 'sidebar' }, nav), main)));
  shell = { main, nav };
  renderNav();
  route();
}

/**
 * Avatar text: the given name of a Chinese name (王建国 → 建国, 李安 → 李安), the first two characters of
 * longer titles (系统管理员 → 系统), or the initial of a Latin name.
 * @param {string} name
 */
function avatarText(name) {
  const chars = [...name.trim()];
  if (chars.length === 0) return '?';
  if (!/[\u4e00-\u9fff]/.test(chars[0])) return chars[0].toUpperCase();
  return chars.length <= 3 ? chars.slice(-2).join('') : chars.slice(0, 2).join('');
}

function renderNav() {
  if (!shell || !me) return;
  const current = '/' + (parseHash(location.hash).segments[0] || 'home');
  replace(
    shell.nav,
    visibleNav(me.permissions).map((group) =>
      h(
        'div',
        { class: 'nav-group', testid: `nav-group-${group.id}` },
        group.labelKey ? h('div', { class: 'nav-group-title' }, t(group.labelKey)) : null,
        group.items.map((item) =>
          h(
            'a',
            { class: ['nav-item', item.path === current ? 'active' : ''], href: `#${item.path}`, title: t(item.labelKey), testid: `nav-${item.id}`, 'aria-current': item.path === current ? 'page' : undefined },
            icon(item.icon),
            h('span', { class: 'nav-label' }, t(item.labelKey)),
            item.planned ? h('span', { class: 'nav-tag', title: t('planned.badge') }, t('planned.tag')) : null,
          ),
        ),
      ),
    ),
  );
}

/** @param {HTMLElement} anchor */
function openUserMenu(anchor) {
  const lang = getLanguage();
  openMenu(
    anchor,
    [
      { label: t('password.title'), icon: 'lock', testid: 'menu-change-password', onSelect: () => (location.hash = '#/password') },
      { label: t('tokens.title'), icon: 'key', testid: 'menu-tokens', onSelect: () => (location.hash = '#/tokens') },
      'separator',
      { label: '中文', icon: 'globe', checked: lang === 'zh-CN', testid: 'menu-lang-zh', onSelect: () => switchLanguage('zh-CN') },
      { label: 'English', icon: 'globe', checked: lang === 'en', testid: 'menu-lang-en', onSelect: () => switchLanguage('en') },
      'separator',
      { label: t('auth.logout'), icon: 'logout', danger: true, testid: 'menu-logout', onSelect: logout },
    ],
    { align: 'right', testid: 'user-menu-list' },
  );
}

/** @param {string} lang */
function switchLanguage(lang) {
  if (lang === getLanguage()) return;
  setLanguage(lang);
  showShell();
}

function abortView() {
  viewController?.abort();
  viewController = null;
}

function route() {
  if (mode !== 'shell' || !shell || !me) return;
  const user = me;
  const { path, segments, query } = parseHash(location.hash);
  abortView();
  // Messages about the page being left do not follow the user to the next one.
  clearToasts();
  const controller = new AbortController();
  viewController = controller;
  renderNav();
  const main = shell.main;
  // Shown until the view has its data and replaces it.
  replace(main, h('div', { class: 'page-loading', testid: 'page-loading' }, h('span', { class: 'spinner' }), t('common.loading')));
  main.scrollTop = 0;

  /** @type {ViewContext} */
  const ctx = {
    api,
    me: user,
    can: (permission) => hasPermission(permission, user.permissions),
    signal: controller.signal,
    params: segments.slice(1),
    query,
    navigate: (to) => {
      location.hash = `#${to}`;
    },
    replaceRoute: (to) => {
      history.replaceState(null, '', `#${to}`);
      route();
    },
  };

  const resolved = resolveRoute(path, user.permissions);
  if (resolved.status === 'not_found') {
    document.title = `${t('status.notFound.title')} - ${t('app.name')}`;
    renderNotFound(main, ctx);
    return;
  }
  const item = resolved.item;
  document.title = `${t(item.labelKey)} - ${t('app.name')}`;
  if (resolved.status === 'forbidden') {
    renderForbidden(main, ctx, item);
    return;
  }
  const view = item.planned ? (/** @type {HTMLElement} */ m, /** @type {ViewContext} */ c) => renderPlanned(m, c, item) : VIEWS[item.id];
  if (!view) {
    renderNotFound(main, ctx);
    return;
  }
  Promise.resolve()
    .then(() => view(main, ctx))
    .catch((error) => {
      if (controller.signal.aborted) return;
      if (error && error.name === 'AbortError') return;
      replace(main, h('div', { class: 'card page-error', testid: 'page-error' }, icon('alert'), h('p', null, errorText(error)), button(t('common.retry'), { variant: 'primary', onclick: route })));
    });
}

/** @param {unknown} error */
function showFatal(error) {
  mode = 'boot';
  replace(
    root,
    h(
      'div',
      { class: 'fatal', testid: 'fatal' },
      logoMark(),
      h('h1', null, t('app.name')),
      h('p', null, t('error.startup')),
      h('p', { class: 'muted' }, errorText(error)),
      button(t('common.retry'), { variant: 'primary', onclick: () => start() }),
    ),
  );
}

async function start() {
  initLanguage();
  document.title = t('app.title');
  try {
    const user = /** @type {Me} */ (await api.get('/api/me'));
    signedIn(user, user.csrfToken);
  } catch (error) {
    // 401 already showed the login page through onUnauthenticated.
    if (mode === 'boot') showFatal(error);
  }
}

window.addEventListener('hashchange', route);
window.addEventListener('unhandledrejection', (event) => {
  if (event.reason && event.reason.name === 'AbortError') return;
  toast(errorText(event.reason), 'error');
});

start();
