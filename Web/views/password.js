// Change password: forced (first login, reset or expired password) and voluntary (user menu).
import { h, replace } from '../lib/dom.js';
import { icon } from '../lib/icons.js';
import { t } from '../lib/i18n.js';
import { checkPasswordChange } from '../lib/validate.js';
import { passwordRulesText } from '../lib/password-rules.js';
import { field, clearErrors, showFormError, showProblems, toast, pageHeader, button } from '../components/ui.js';
import { authBrand, languageSwitch, miniBrand } from './login.js';

/**
 * The three-box password form. The policy's rules are stated under the new-password box, and server policy
 * errors (422 `fields` on newPassword) appear there too.
 * @param {{api: import('../lib/api.js').ApiClient, username: string, policy?: import('../types/models').PasswordRules | null, onDone: () => void | Promise<void>, submitText: string}} o
 */
function passwordForm(o) {
  const rules = passwordRulesText(t, o.policy);
  /** @param {string} name @param {string} testid @param {string} autocomplete */
  const input = (name, testid, autocomplete) => h('input', { class: 'input', type: 'password', name, autocomplete, testid });
  const current = input('currentPassword', 'pwd-current', 'current-password');
  const next = input('newPassword', 'pwd-new', 'new-password');
  const confirm = input('confirmPassword', 'pwd-confirm', 'new-password');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'pwd-submit' }, o.submitText);
  const form = h(
    'form',
    {
      class: 'form-stack',
      novalidate: true,
      testid: 'password-form',
      onsubmit: async (/** @type {Event} */ event) => {
        event.preventDefault();
        clearErrors(form);
        const values = { currentPassword: current.value, newPassword: next.value, confirmPassword: confirm.value };
        if (showProblems(form, checkPasswordChange(values))) return;
        submit.disabled = true;
        submit.classList.add('is-busy');
        try {
          await o.api.post('/api/me/password', { currentPassword: values.currentPassword, newPassword: values.newPassword });
          toast(t('password.changed'), 'success', { keep: true });
          await o.onDone();
        } catch (error) {
          showFormError(form, error);
        } finally {
          submit.disabled = false;
          submit.classList.remove('is-busy');
        }
      },
    },
    h('div', { class: 'form-alert', hidden: true, role: 'alert', testid: 'form-alert' }),
    // Lets password managers file the new password under the right account.
    h('input', { type: 'text', name: 'username', autocomplete: 'username', value: o.username, hidden: true, readOnly: true, tabindex: '-1' }),
    field({ label: t('password.current'), name: 'currentPassword', control: current, required: true }),
    field({ label: t('password.new'), name: 'newPassword', control: next, required: true, hint: rules ? h('span', { testid: 'password-rules' }, rules) : t('password.policyHint') }),
    field({ label: t('password.confirm'), name: 'confirmPassword', control: confirm, required: true }),
    h('div', { class: 'form-actions' }, submit),
  );
  return { form, focus: () => current.focus() };
}

/**
 * Full-screen page while the server says `passwordChangeRequired`.
 * @param {HTMLElement} root
 * @param {{api: import('../lib/api.js').ApiClient, me: import('../types/models').Me, onChanged: () => Promise<void>, onLogout: () => void}} o
 */
export function renderForcedPasswordChange(root, o) {
  const { form, focus } = passwordForm({ api: o.api, username: o.me.username, policy: o.me.passwordPolicy, onDone: o.onChanged, submitText: t('password.submitAndEnter') });
  replace(
    root,
    h(
      'div',
      { class: 'auth-page', testid: 'forced-password-page' },
      authBrand(),
      h(
        'section',
        { class: 'auth-panel' },
        h('div', { class: 'auth-top' }, languageSwitch(() => renderForcedPasswordChange(root, o))),
        miniBrand(),
        h(
          'div',
          { class: 'auth-card' },
          h('h2', { class: 'auth-title' }, t('password.forced.title')),
          h('div', { class: 'auth-notice' }, icon('info'), h('span', null, t('password.forced.text', { name: o.me.displayName || o.me.username }))),
          form,
          h('p', { class: 'auth-help' }, button(t('password.forced.logout'), { variant: 'link', icon: 'logout', onclick: o.onLogout, testid: 'forced-logout' })),
        ),
      ),
    ),
  );
  focus();
}

/**
 * 修改密码 page inside the shell.
 * @param {HTMLElement} main
 * @param {import('../types/models').ViewContext} ctx
 */
export async function renderPasswordPage(main, ctx) {
  // The rules as they are now (a security administrator may have changed them since sign-in).
  let policy = ctx.me.passwordPolicy;
  try {
    const fresh = /** @type {import('../types/models').Me} */ (await ctx.api.request('GET', '/api/me', { signal: ctx.signal }));
    if (fresh.passwordPolicy) policy = ctx.me.passwordPolicy = fresh.passwordPolicy;
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    // Keep the rules known from sign-in; the server checks the new password anyway.
  }
  const { form, focus } = passwordForm({
    api: ctx.api,
    username: ctx.me.username,
    policy,
    submitText: t('common.save'),
    onDone: async () => {
      for (const input of form.querySelectorAll('input[type=password]')) /** @type {HTMLInputElement} */ (input).value = '';
      // The server may start a new session on a password change: pick up its CSRF token.
      const fresh = /** @type {import('../types/models').Me} */ (await ctx.api.get('/api/me'));
      if (fresh.csrfToken) ctx.api.setCsrfToken(fresh.csrfToken);
      ctx.navigate('/home');
    },
  });
  replace(main, pageHeader(t('password.title'), t('password.desc')), h('div', { class: 'card card-narrow' }, form));
  focus();
}
