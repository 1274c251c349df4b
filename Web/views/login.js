// Login page (shown whenever GET /api/me answers 401).
import { h, replace } from '../lib/dom.js';
import { icon, logoMark } from '../lib/icons.js';
import { t, getLanguage, setLanguage } from '../lib/i18n.js';
import { ApiError } from '../lib/api.js';
import { errorText } from '../components/ui.js';

/** @typedef {import('../types/models').LoginAnswer} LoginAnswer */

/**
 * Segmented 中文 / English switch for the pages shown before the shell.
 * @param {() => void} rerender called after the language changed
 */
export function languageSwitch(rerender) {
  const lang = getLanguage();
  /** @param {'zh-CN' | 'en'} value @param {string} label */
  const option = (value, label) =>
    h(
      'button',
      {
        type: 'button',
        class: ['seg', lang === value ? 'active' : ''],
        'aria-pressed': lang === value ? 'true' : 'false',
        testid: `lang-${value}`,
        onclick: () => {
          if (getLanguage() === value) return;
          setLanguage(value);
          rerender();
        },
      },
      label,
    );
  return h('div', { class: 'lang-switch', role: 'group', 'aria-label': t('common.language'), testid: 'lang-toggle' }, icon('globe'), option('zh-CN', '中文'), option('en', 'English'));
}

/**
 * The brand column of the login and forced-password pages.
 */
export function authBrand() {
  return h(
    'section',
    { class: 'auth-brand' },
    h('div', { class: 'auth-brand-inner' }, h('div', { class: 'auth-logo' }, logoMark('logo-mark logo-lg')), h('h1', { class: 'auth-product', testid: 'product-name' }, t('app.title')), h('p', { class: 'auth-tagline' }, t('login.subtitle'))),
    h('div', { class: 'auth-brand-foot' }, t('login.footer')),
  );
}

/**
 * Logo and product name above the card on narrow screens, where the brand column is hidden (CSS shows it
 * below 900px only).
 */
export function miniBrand() {
  return h('div', { class: 'auth-mini-brand', testid: 'mini-brand' }, logoMark('logo-mark'), h('span', { class: 'auth-mini-name' }, t('app.title')));
}

/**
 * @param {HTMLElement} root
 * @param {{api: import('../lib/api.js').ApiClient, expired: boolean, onLoggedIn: (answer: LoginAnswer) => void}} o
 * @param {{username?: string}} [keep] values kept across a language switch
 */
export function renderLogin(root, o, keep = {}) {
  document.title = t('app.title');
  const username = h('input', { class: 'input input-lg', name: 'username', autocomplete: 'username', autocapitalize: 'off', spellcheck: 'false', placeholder: t('login.usernamePlaceholder'), value: keep.username || '', testid: 'login-username', 'aria-label': t('login.username') });
  const password = h('input', { class: 'input input-lg', name: 'password', type: 'password', autocomplete: 'current-password', placeholder: t('login.passwordPlaceholder'), testid: 'login-password', 'aria-label': t('login.password') });
  const message = h('div', { class: 'auth-error', role: 'alert', testid: 'login-error', hidden: !o.expired });
  if (o.expired) {
    message.className = 'auth-notice';
    message.textContent = t('login.expired');
  }
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block btn-lg', testid: 'login-submit' }, t('login.submit'));

  /** @param {string} text */
  const showError = (text) => {
    message.className = 'auth-error';
    message.textContent = text;
    message.hidden = false;
  };

  const form = h(
    'form',
    {
      class: 'auth-card',
      novalidate: true,
      testid: 'login-form',
      onsubmit: async (/** @type {Event} */ event) => {
        event.preventDefault();
        const u = username.value.trim();
        if (!u) {
          showError(t('login.usernameRequired'));
          username.focus();
          return;
        }
        if (!password.value) {
          showError(t('login.passwordRequired'));
          password.focus();
          return;
        }
        submit.disabled = true;
        submit.classList.add('is-busy');
        submit.textContent = t('login.submitting');
        try {
          const answer = /** @type {LoginAnswer} */ (await o.api.request('POST', '/api/auth/login', { json: { username: u, password: password.value }, handleAuth: false }));
          o.onLoggedIn(answer);
        } catch (error) {
          submit.disabled = false;
          submit.classList.remove('is-busy');
          submit.textContent = t('login.submit');
          password.value = '';
          // invalid_credentials gets our wording; locked / disabled accounts keep the server's message
          // (it says how long the lock lasts).
          showError(error instanceof ApiError && error.code === 'invalid_credentials' ? t('login.invalid') : errorText(error));
          password.focus();
        }
      },
    },
    h('h2', { class: 'auth-title' }, t('login.title')),
    h('p', { class: 'auth-hint' }, t('login.hint')),
    message,
    h('label', { class: 'auth-field' }, h('span', { class: 'auth-label' }, t('login.username')), h('span', { class: 'input-icon' }, icon('user'), username)),
    h('label', { class: 'auth-field' }, h('span', { class: 'auth-label' }, t('login.password')), h('span', { class: 'input-icon' }, icon('lock'), password)),
    submit,
    h('p', { class: 'auth-help' }, t('login.help')),
  );

  replace(
    root,
    h(
      'div',
      { class: 'auth-page', testid: 'login-page' },
      authBrand(),
      h('section', { class: 'auth-panel' }, h('div', { class: 'auth-top' }, languageSwitch(() => renderLogin(root, o, { username: username.value }))), miniBrand(), form),
    ),
  );
  (username.value ? password : username).focus();
}
