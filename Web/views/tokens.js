// API 令牌 (user menu): the caller's own bearer tokens for hospital systems (HIS, integration platform).
// List, create (the secret is shown once) and revoke. Every signed-in user may manage their own tokens.
import { h, replace } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { formatDateTime } from '../lib/format.js';
import { checkTokenForm, TOKEN_NAME_MAX } from '../lib/validate.js';
import { pageHeader, button, badge, dataTable, field, formModal, confirmDialog, secretDialog, select, showProblems, toast, toastError } from '../components/ui.js';

/** @typedef {import('../types/models').ViewContext} ViewContext */
/** @typedef {import('../types/models').ApiToken} ApiToken */

/** Lifetimes offered when creating a token, in days; '' = never expires (expiresInDays left out). */
export const TOKEN_LIFETIMES = [30, 90, 180, 365];
const DEFAULT_LIFETIME = '365';

/**
 * @param {HTMLElement} main
 * @param {ViewContext} ctx
 */
export async function renderTokens(main, ctx) {
  const { api } = ctx;

  /** @param {ApiToken} tok */
  const expiresCell = (tok) => {
    if (!tok.expiresAt) return h('span', { class: 'muted' }, t('tokens.neverExpires'));
    const expired = new Date(tok.expiresAt).getTime() <= Date.now();
    return h('span', { class: 'cell-with-badge' }, formatDateTime(tok.expiresAt), expired ? badge(t('tokens.expired'), 'red', { testid: 'token-expired' }) : null);
  };

  /** @type {import('../components/ui.js').Column<ApiToken>[]} */
  const columns = [
    { title: t('tokens.name'), render: (tok) => h('span', { class: 'strong', testid: 'token-name' }, tok.name) },
    { title: t('tokens.createdAt'), render: (tok) => formatDateTime(tok.createdAt), className: 'nowrap' },
    { title: t('tokens.expiresAt'), render: expiresCell, className: 'nowrap' },
    { title: t('tokens.lastUsedAt'), render: (tok) => (tok.lastUsedAt ? formatDateTime(tok.lastUsedAt) : h('span', { class: 'muted' }, t('tokens.neverUsed'))), className: 'nowrap' },
    {
      title: t('common.actions'),
      className: 'actions-col',
      render: (tok) => h('div', { class: 'row-actions' }, button(t('tokens.revoke'), { variant: 'link-danger', testid: 'token-revoke', onclick: () => revoke(tok) })),
    },
  ];
  const table = dataTable({
    columns,
    testid: 'tokens-table',
    rowProps: (tok) => ({ testid: `token-row-${tok.id}`, dataset: { id: String(tok.id) } }),
    empty: () => ({ title: t('tokens.empty'), text: t('tokens.emptyHint') }),
  });
  const total = h('span', { class: 'pager-total', testid: 'pager-total' });

  async function load() {
    table.setLoading();
    try {
      /** @type {ApiToken[]} */
      const items = (await api.request('GET', '/api/me/tokens', { signal: ctx.signal })).items || [];
      table.setRows(items);
      total.textContent = t('pager.total', { n: items.length });
    } catch (error) {
      if (!ctx.signal.aborted) table.setError(error, load);
    }
  }

  replace(
    main,
    pageHeader(t('tokens.title'), t('tokens.desc'), button(t('tokens.add'), { variant: 'primary', icon: 'plus', testid: 'token-add', onclick: openCreate })),
    h('div', { class: 'card' }, table.el, h('div', { class: 'pager' }, total)),
  );
  await load();

  function openCreate() {
    const name = h('input', { class: 'input', name: 'name', maxlength: String(TOKEN_NAME_MAX), autocomplete: 'off', placeholder: t('tokens.namePlaceholder'), testid: 'token-form-name' });
    const lifetime = select(
      [...TOKEN_LIFETIMES.map((n) => ({ value: String(n), label: t('tokens.days', { n }) })), { value: '', label: t('tokens.neverExpires') }],
      DEFAULT_LIFETIME,
      { name: 'expiresInDays', testid: 'token-form-lifetime' },
    );
    formModal({
      title: t('tokens.add'),
      size: 'sm',
      testid: 'token-form',
      submitText: t('tokens.create'),
      body: h(
        'div',
        { class: 'form-stack' },
        field({ label: t('tokens.name'), name: 'name', control: name, required: true, hint: t('tokens.nameHint') }),
        field({ label: t('tokens.lifetime'), name: 'expiresInDays', control: lifetime, required: true, hint: t('tokens.lifetimeHint') }),
      ),
      onSubmit: async (form) => {
        const { body, problems } = checkTokenForm({ name: name.value, lifetime: lifetime.value });
        if (!body) {
          showProblems(form, problems);
          return false;
        }
        /** @type {ApiToken} */
        const created = await api.post('/api/me/tokens', body);
        load();
        // After the form has closed, so that the one-time secret is the only dialog on screen.
        setTimeout(() => showSecret(created), 0);
      },
    });
  }

  /** @param {ApiToken} created */
  function showSecret(created) {
    secretDialog({
      title: t('tokens.created'),
      intro: t('tokens.createdIntro', { name: created.name }),
      secret: created.token || '',
      note: t('tokens.once'),
      testid: 'token-dialog',
      valueTestid: 'token-value',
      long: true,
      details: h('div', { class: 'secret-usage' }, h('span', null, t('tokens.usage')), h('code', { class: 'code' }, `Authorization: Bearer ${t('tokens.usagePlaceholder')}`)),
    });
  }

  /** @param {ApiToken} tok */
  async function revoke(tok) {
    const ok = await confirmDialog({ title: t('tokens.revokeTitle'), message: t('tokens.revokeConfirm', { name: tok.name }), confirmText: t('tokens.revoke'), danger: true });
    if (!ok) return;
    try {
      await api.del(`/api/me/tokens/${tok.id}`);
      toast(t('tokens.revoked', { name: tok.name }), 'success');
    } catch (error) {
      toastError(error);
    }
    load();
  }
}
