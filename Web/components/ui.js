// Shared UI pieces: toasts, modal dialogs, confirm, popover menus, form fields with inline errors,
// the search toolbar, data tables with empty/loading/error states, and the pager.
import { h, replace } from '../lib/dom.js';
import { icon } from '../lib/icons.js';
import { t } from '../lib/i18n.js';
import { ApiError, splitFieldErrors } from '../lib/api.js';
import { pageCount, pageWindow, PAGE_SIZES } from '../lib/paging.js';

/** @typedef {import('../lib/dom.js').Child} Child */

// ---------------------------------------------------------------- toasts

/**
 * @param {string} message
 * @param {'success' | 'error' | 'info'} [tone]
 * @param {{keep?: boolean}} [options] keep: survive the next page change (a message about where the user is
 *   being taken, e.g. "password changed" before the jump to 工作台)
 */
export function toast(message, tone = 'info', options = {}) {
  let host = document.getElementById('toasts');
  if (!host) {
    host = h('div', { id: 'toasts', class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(host);
  }
  const name = tone === 'success' ? 'check' : tone === 'error' ? 'alert' : 'info';
  const el = h('div', { class: `toast toast-${tone}`, testid: `toast-${tone}`, dataset: options.keep ? { keep: '1' } : {} }, icon(name), h('span', null, message));
  host.append(el);
  setTimeout(() => {
    el.classList.add('toast-leaving');
    setTimeout(() => el.remove(), 250);
  }, tone === 'error' ? 5000 : 3000);
}

/**
 * Remove the toasts of the page being left (called on every route change). Toasts marked `keep` stay once,
 * for the page they announce.
 */
export function clearToasts() {
  const host = document.getElementById('toasts');
  if (!host) return;
  for (const el of [...host.children]) {
    const node = /** @type {HTMLElement} */ (el);
    if (node.dataset.keep) delete node.dataset.keep;
    else node.remove();
  }
}

/**
 * Show an error from an API call (or anything thrown) as a toast.
 * @param {unknown} error
 */
export function toastError(error) {
  toast(errorText(error), 'error');
}

/** @param {unknown} error */
export function errorText(error) {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return t('error.unknown');
}

// ---------------------------------------------------------------- buttons & badges

/**
 * @param {string} label
 * @param {Record<string, any>} [props] plus `variant` (primary|default|danger|link|link-danger), `icon`
 */
export function button(label, props = {}) {
  const { variant = 'default', icon: iconName, ...rest } = props;
  return h('button', { type: 'button', class: `btn btn-${variant}`, ...rest }, iconName ? icon(iconName) : null, h('span', null, label));
}

/**
 * @param {string} text
 * @param {'green' | 'gray' | 'red' | 'blue' | 'orange'} [tone]
 * @param {Record<string, any>} [props]
 */
export function badge(text, tone = 'gray', props = {}) {
  return h('span', { class: `badge badge-${tone}`, ...props }, text);
}

// ---------------------------------------------------------------- page layout

/**
 * @param {string} title
 * @param {string | null} [description]
 * @param {Child} [actions]
 */
export function pageHeader(title, description, actions) {
  return h(
    'div',
    { class: 'page-header' },
    h('div', null, h('h1', { class: 'page-title', testid: 'page-title' }, title), description ? h('p', { class: 'page-desc' }, description) : null),
    actions ? h('div', { class: 'page-actions' }, actions) : null,
  );
}

/**
 * @param {{icon?: string, title: string, text?: string | null, action?: Child, testid?: string}} o
 */
export function emptyState(o) {
  return h(
    'div',
    { class: 'empty-state', testid: o.testid || 'empty-state' },
    h('div', { class: 'empty-icon' }, icon(o.icon || 'inbox')),
    h('div', { class: 'empty-title' }, o.title),
    o.text ? h('p', { class: 'empty-text' }, o.text) : null,
    o.action || null,
  );
}

// ---------------------------------------------------------------- modal dialogs

/**
 * @typedef {object} ModalOptions
 * @property {string} title
 * @property {Child} body
 * @property {Child} [footer]
 * @property {'sm' | 'md' | 'lg' | 'xl'} [size]
 * @property {string} [testid]
 * @property {() => void} [onClose]
 * @property {HTMLElement | null} [initialFocus] element to focus when the dialog opens (default: the first
 *   enabled field of the body, else the last footer button, i.e. the main action)
 */

/** Fields a dialog may start in. */
const FOCUSABLE_FIELD = 'input:not([type=hidden]):not([disabled]):not([readonly]):not(.offscreen), select:not([disabled]), textarea:not([disabled]):not([readonly])';

/**
 * Open a modal <dialog>; it removes itself when closed (Esc, the × button, or close()).
 * @param {ModalOptions} o
 */
export function openModal(o) {
  const dialog = h('dialog', { class: `modal modal-${o.size || 'md'}`, testid: o.testid || 'modal', 'aria-label': o.title });
  const close = () => {
    if (dialog.open) dialog.close();
  };
  replace(
    dialog,
    h(
      'div',
      { class: 'modal-header' },
      h('h2', { class: 'modal-title' }, o.title),
      h('button', { type: 'button', class: 'icon-btn', 'aria-label': t('common.close'), title: t('common.close'), onclick: close, testid: 'modal-close' }, icon('x')),
    ),
    h('div', { class: 'modal-body' }, o.body),
    o.footer ? h('div', { class: 'modal-footer' }, o.footer) : null,
  );
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  dialog.addEventListener('close', () => {
    dialog.remove();
    o.onClose?.();
    // The browser returns focus to the element that opened the dialog; when that is gone (the list was
    // redrawn after saving), keep keyboard users in the page content rather than at the top of the document.
    if (!opener || !opener.isConnected) {
      if (!document.querySelector('dialog[open]')) /** @type {HTMLElement | null} */ (document.getElementById('main'))?.focus({ preventScroll: true });
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  // showModal() focuses the first focusable element, which is the × button in the header; start in the
  // content instead so that typing and Enter work at once.
  const body = /** @type {HTMLElement} */ (dialog.querySelector('.modal-body'));
  const firstField = /** @type {HTMLElement | null} */ ([...body.querySelectorAll(FOCUSABLE_FIELD)].find((el) => /** @type {HTMLElement} */ (el).offsetParent !== null) || null);
  const footerButtons = dialog.querySelectorAll('.modal-footer button:not([disabled])');
  const target = o.initialFocus !== undefined ? o.initialFocus : firstField || /** @type {HTMLElement | null} */ (footerButtons[footerButtons.length - 1] || null);
  target?.focus();
  return { dialog, close };
}

/**
 * @typedef {object} FormModalOptions
 * @property {string} title
 * @property {Child} body form content (fields)
 * @property {'sm' | 'md' | 'lg' | 'xl'} [size]
 * @property {string} [testid]
 * @property {string} [submitText]
 * @property {Child} [extraFooter] shown on the left of the footer
 * @property {boolean} [readOnly] no submit button, only "close"
 * @property {(form: HTMLFormElement) => Promise<boolean | void>} [onSubmit] resolve false to keep the dialog open
 * @property {() => void} [onClose]
 */

/**
 * A modal with a <form>: Enter submits, the submit button shows progress, errors thrown by onSubmit
 * are shown in the form (server `fields` errors inline under their inputs).
 * @param {FormModalOptions} o
 */
export function formModal(o) {
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'modal-submit' }, o.submitText || t('common.save'));
  const cancel = h('button', { type: 'button', class: 'btn btn-default', testid: 'modal-cancel' }, o.readOnly ? t('common.close') : t('common.cancel'));
  const form = h(
    'form',
    { class: 'modal-form', novalidate: true },
    h('div', { class: 'form-alert', hidden: true, role: 'alert', testid: 'form-alert' }),
    o.body,
  );
  const footer = h('div', { class: 'modal-footer-inner' }, h('div', { class: 'footer-extra' }, o.extraFooter || null), h('div', { class: 'footer-buttons' }, cancel, o.readOnly ? null : submit));
  // The footer lives outside the scrolling body, so the submit button names its form explicitly.
  const formId = `form-${Math.random().toString(36).slice(2)}`;
  form.id = formId;
  submit.setAttribute('form', formId);
  const modal = openModal({ title: o.title, size: o.size, testid: o.testid, body: form, footer, onClose: o.onClose });
  cancel.addEventListener('click', modal.close);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!o.onSubmit || submit.disabled) return;
    clearErrors(form);
    submit.disabled = true;
    submit.classList.add('is-busy');
    try {
      const keepOpen = (await o.onSubmit(form)) === false;
      if (!keepOpen) modal.close();
    } catch (error) {
      showFormError(form, error);
    } finally {
      submit.disabled = false;
      submit.classList.remove('is-busy');
    }
  });
  return { ...modal, form };
}

/**
 * Ask a yes/no question in a modal.
 * @param {{title?: string, message: string, confirmText?: string, danger?: boolean}} o
 * @returns {Promise<boolean>}
 */
export function confirmDialog(o) {
  return new Promise((resolve) => {
    let answer = false;
    const ok = button(o.confirmText || t('common.confirm'), { variant: o.danger ? 'danger' : 'primary', testid: 'confirm-ok' });
    const cancel = button(t('common.cancel'), { testid: 'confirm-cancel' });
    const modal = openModal({
      title: o.title || t('common.confirmTitle'),
      size: 'sm',
      testid: 'confirm-dialog',
      // A destructive action is never one Enter away: start on 取消.
      initialFocus: o.danger ? cancel : ok,
      body: h('div', { class: 'confirm-body' }, h('span', { class: o.danger ? 'confirm-icon danger' : 'confirm-icon' }, icon(o.danger ? 'alert' : 'info')), h('p', null, o.message)),
      footer: h('div', { class: 'footer-buttons' }, cancel, ok),
      onClose: () => resolve(answer),
    });
    cancel.addEventListener('click', modal.close);
    ok.addEventListener('click', () => {
      answer = true;
      modal.close();
    });
  });
}

/**
 * Show a one-time secret (initial password, API token) with a copy button.
 * @param {{title: string, intro: string, secret: string, note: string, actions?: (close: () => void) => Child, testid?: string, valueTestid?: string, long?: boolean, details?: Child}} o
 *   long: a long machine secret (API token): a wider dialog and a smaller type, so that it fits on one line;
 *   details: shown under the secret (e.g. how to use it)
 */
export function secretDialog(o) {
  const value = h('code', { class: ['secret-value', o.long ? 'secret-value-long' : ''], testid: o.valueTestid || 'initial-password' }, o.secret);
  const copyBtn = button(t('common.copy'), { icon: 'copy', testid: 'copy-secret' });
  copyBtn.addEventListener('click', async () => {
    if (await copyText(o.secret)) toast(t('common.copied'), 'success');
    else {
      selectText(value);
      toast(t('common.copyManually'), 'info');
    }
  });
  const closeBtn = button(t('common.done'), { variant: 'primary', testid: 'secret-done' });
  const footer = h('div', { class: 'footer-buttons' });
  const modal = openModal({
    title: o.title,
    size: o.long ? 'md' : 'sm',
    testid: o.testid || 'secret-dialog',
    initialFocus: copyBtn,
    body: h('div', { class: 'secret-body' }, h('p', null, o.intro), h('div', { class: 'secret-box' }, value, copyBtn), o.details || null, h('p', { class: 'hint warn' }, icon('alert'), h('span', null, o.note))),
    footer,
  });
  closeBtn.addEventListener('click', modal.close);
  footer.append(...[o.actions ? o.actions(modal.close) : null, closeBtn].filter((x) => x !== null).map((x) => /** @type {Node} */ (x)));
  return modal;
}

/** @param {string} text */
async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* fall through to the selection-based copy */
  }
  const area = h('textarea', { class: 'offscreen', readonly: true }, text);
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

/** @param {Element} el */
function selectText(el) {
  const range = document.createRange();
  range.selectNodeContents(el);
  const sel = window.getSelection();
  sel?.removeAllRanges();
  sel?.addRange(range);
}

// ---------------------------------------------------------------- popover menus

/**
 * @typedef {object} MenuItem
 * @property {string} label
 * @property {string} [icon]
 * @property {() => void} onSelect
 * @property {boolean} [danger]
 * @property {boolean} [checked]
 * @property {string} [testid]
 */

/** @type {(() => void) | null} */
let closeOpenMenu = null;

/**
 * Open a small menu under an anchor element; closes on outside click, Esc, scroll or resize.
 * @param {HTMLElement} anchor
 * @param {(MenuItem | 'separator')[]} items
 * @param {{align?: 'left' | 'right', testid?: string}} [options]
 */
export function openMenu(anchor, items, options = {}) {
  closeOpenMenu?.();
  const menu = h('div', { class: 'menu', role: 'menu', testid: options.testid || 'menu' });
  for (const item of items) {
    if (item === 'separator') {
      menu.append(h('div', { class: 'menu-sep', role: 'separator' }));
      continue;
    }
    menu.append(
      h(
        'button',
        {
          type: 'button',
          role: 'menuitem',
          class: ['menu-item', item.danger ? 'danger' : '', item.checked ? 'checked' : ''],
          testid: item.testid,
          onclick: () => {
            close();
            item.onSelect();
          },
        },
        item.icon ? icon(item.icon) : h('span', { class: 'icon-space' }),
        h('span', { class: 'menu-label' }, item.label),
        item.checked ? icon('check', 'icon menu-check') : null,
      ),
    );
  }
  document.body.append(menu);
  const rect = anchor.getBoundingClientRect();
  const width = menu.offsetWidth;
  const height = menu.offsetHeight;
  let left = options.align === 'left' ? rect.left : rect.right - width;
  left = Math.max(8, Math.min(left, window.innerWidth - width - 8));
  let top = rect.bottom + 4;
  if (top + height > window.innerHeight - 8) top = Math.max(8, rect.top - height - 4);
  menu.style.left = `${left}px`;
  menu.style.top = `${top}px`;
  anchor.setAttribute('aria-expanded', 'true');

  /** @param {Event} e */
  const onDown = (e) => {
    if (!menu.contains(/** @type {Node} */ (e.target)) && !anchor.contains(/** @type {Node} */ (e.target))) close();
  };
  /** @param {KeyboardEvent} e */
  const onKey = (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      close();
      anchor.focus();
      return;
    }
    if (e.key === 'Tab') {
      close();
      return;
    }
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp' && e.key !== 'Home' && e.key !== 'End') return;
    const entries = /** @type {HTMLElement[]} */ ([...menu.querySelectorAll('.menu-item')]);
    if (entries.length === 0) return;
    e.preventDefault();
    const at = entries.indexOf(/** @type {HTMLElement} */ (document.activeElement));
    const next = e.key === 'Home' ? 0 : e.key === 'End' ? entries.length - 1 : e.key === 'ArrowDown' ? (at + 1) % entries.length : (at - 1 + entries.length) % entries.length;
    entries[next].focus();
  };
  function close() {
    menu.remove();
    anchor.setAttribute('aria-expanded', 'false');
    document.removeEventListener('mousedown', onDown, true);
    document.removeEventListener('keydown', onKey, true);
    window.removeEventListener('resize', close);
    window.removeEventListener('scroll', close, true);
    if (closeOpenMenu === close) closeOpenMenu = null;
  }
  document.addEventListener('mousedown', onDown, true);
  document.addEventListener('keydown', onKey, true);
  window.addEventListener('resize', close);
  window.addEventListener('scroll', close, true);
  closeOpenMenu = close;
  /** @type {HTMLElement | null} */ (menu.querySelector('.menu-item'))?.focus();
  return close;
}

// ---------------------------------------------------------------- form fields

/**
 * A labelled form row with a slot for its error message.
 * @param {{label: string, name: string, control: HTMLElement | Child, required?: boolean, hint?: Child, wide?: boolean, suffix?: string}} o
 */
export function field(o) {
  const id = `f-${o.name}-${Math.random().toString(36).slice(2, 7)}`;
  if (o.control instanceof HTMLElement && /^(INPUT|SELECT|TEXTAREA)$/.test(o.control.tagName) && !o.control.id) o.control.id = id;
  const controlId = o.control instanceof HTMLElement && o.control.id ? o.control.id : null;
  // Screen readers read the hint (e.g. the password rules) with the control.
  const hintId = o.hint && controlId ? `${controlId}-hint` : null;
  if (hintId && o.control instanceof HTMLElement && !o.control.hasAttribute('aria-describedby')) o.control.setAttribute('aria-describedby', hintId);
  return h(
    'div',
    { class: ['field', o.wide ? 'field-wide' : ''], dataset: { field: o.name } },
    h('label', { class: 'field-label', for: controlId || undefined }, o.label, o.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, '*') : null),
    o.suffix ? h('div', { class: 'input-group' }, o.control, h('span', { class: 'input-suffix' }, o.suffix)) : o.control,
    o.hint ? h('div', { class: 'field-hint', id: hintId || undefined }, o.hint) : null,
    h('div', { class: 'field-error', testid: `error-${o.name}`, hidden: true }),
  );
}

/**
 * @param {ParentNode} form
 */
export function clearErrors(form) {
  for (const el of form.querySelectorAll('.field-error')) {
    el.textContent = '';
    /** @type {HTMLElement} */ (el).hidden = true;
  }
  for (const el of form.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute('aria-invalid');
  for (const el of form.querySelectorAll('.form-alert')) {
    el.textContent = '';
    /** @type {HTMLElement} */ (el).hidden = true;
  }
}

/**
 * Put messages under the fields they belong to; returns those without a matching field.
 * @param {ParentNode} form
 * @param {Record<string, string>} messages
 * @returns {string[]}
 */
export function setFieldErrors(form, messages) {
  /** @type {string[]} */
  const unplaced = [];
  for (const [name, message] of Object.entries(messages)) {
    const row = form.querySelector(`.field[data-field="${CSS.escape(name)}"]`);
    const slot = row?.querySelector('.field-error');
    if (!row || !slot) {
      unplaced.push(message);
      continue;
    }
    slot.textContent = message;
    /** @type {HTMLElement} */ (slot).hidden = false;
    row.querySelector('input, select, textarea')?.setAttribute('aria-invalid', 'true');
  }
  return unplaced;
}

/**
 * @param {ParentNode} form
 * @param {string} message
 */
export function setFormAlert(form, message) {
  const alert = /** @type {HTMLElement | null} */ (form.querySelector('.form-alert'));
  if (!alert) {
    toast(message, 'error');
    return;
  }
  alert.textContent = message;
  alert.hidden = false;
}

/**
 * Show any error in a form: server `fields` errors inline, the overall message in the form's alert.
 * @param {ParentNode} form
 * @param {unknown} error
 */
export function showFormError(form, error) {
  if (error instanceof ApiError && error.fields.length) {
    const { inline, alert } = splitFieldErrors(error, (name) => form.querySelector(`.field[data-field="${CSS.escape(name)}"] .field-error`) !== null);
    setFieldErrors(form, inline);
    if (alert) setFormAlert(form, alert);
  } else {
    setFormAlert(form, errorText(error));
  }
  const first = /** @type {HTMLElement | null} */ (form.querySelector('[aria-invalid="true"]'));
  first?.focus();
}

/**
 * Client-side problems → messages under the fields. Returns true when there were any.
 * @param {ParentNode} form
 * @param {Record<string, {key: string, params?: Record<string, string | number>}>} problems
 */
export function showProblems(form, problems) {
  /** @type {Record<string, string>} */
  const messages = {};
  for (const [name, p] of Object.entries(problems)) messages[name] = t(p.key, p.params);
  const names = Object.keys(messages);
  if (names.length === 0) return false;
  clearErrors(form);
  setFieldErrors(form, messages);
  /** @type {HTMLElement | null} */ (form.querySelector('[aria-invalid="true"]'))?.focus();
  return true;
}

/**
 * @param {{value: string, label: string, attrs?: Record<string, any>}[]} options
 * @param {string} selected
 * @param {Record<string, any>} [props]
 * @param {string | null} [emptyLabel] first option with value '' (e.g. "全部" or "请选择")
 */
export function select(options, selected, props = {}, emptyLabel = null) {
  return h(
    'select',
    { class: 'input', ...props },
    emptyLabel !== null ? h('option', { value: '' }, emptyLabel) : null,
    options.map((o) => h('option', { value: o.value, selected: o.value === selected, ...(o.attrs || {}) }, o.label)),
  );
}

/**
 * A file chooser in the page's language (the native control speaks the browser's language).
 * @param {{accept: string, buttonText: string, emptyText: string, testid?: string, onChange: (file: File | null) => void}} o
 */
export function filePicker(o) {
  const input = h('input', { type: 'file', accept: o.accept, class: 'offscreen', tabindex: '-1', testid: o.testid });
  const name = h('span', { class: 'file-name' }, o.emptyText);
  const choose = button(o.buttonText, { icon: 'upload', onclick: () => input.click() });
  input.addEventListener('change', () => {
    const file = input.files && input.files[0] ? input.files[0] : null;
    name.textContent = file ? file.name : o.emptyText;
    o.onChange(file);
  });
  return {
    el: h('div', { class: 'file-picker' }, choose, name, input),
    clear() {
      input.value = '';
      name.textContent = o.emptyText;
    },
  };
}

// ---------------------------------------------------------------- tables and paging

/**
 * @typedef {object} SearchToolbarOptions
 * @property {HTMLInputElement} [query] the free-text search box, shown first with a magnifier; 重置 empties it
 * @property {Child} [filters] further filter controls after it (selects, switches …)
 * @property {() => void} onSearch run the search: Enter in a field, 查询, and after 重置
 * @property {() => void} [onReset] put `filters` back to "all" (重置 then searches again)
 * @property {string} queryTestid data-testid of the 查询 button
 * @property {boolean} [wrap] the filters take the free width and wrap (a long row of filters)
 */

/**
 * The search form above a paged table: filters on the left, 查询 / 重置 on the right.
 * @param {SearchToolbarOptions} o
 */
export function searchToolbar(o) {
  const { query } = o;
  return h(
    'form',
    {
      class: ['toolbar', o.wrap ? 'toolbar-wrap' : ''],
      onsubmit: (/** @type {Event} */ e) => {
        e.preventDefault();
        o.onSearch();
      },
    },
    h('div', { class: 'toolbar-filters' }, query ? h('span', { class: 'input-icon' }, icon('search'), query) : null, o.filters),
    h(
      'div',
      { class: 'toolbar-buttons' },
      h('button', { type: 'submit', class: 'btn btn-primary', testid: o.queryTestid }, t('common.query')),
      button(t('common.reset'), {
        onclick: () => {
          if (query) query.value = '';
          o.onReset?.();
          o.onSearch();
        },
      }),
    ),
  );
}

/**
 * @template T
 * @typedef {object} Column
 * @property {string} title
 * @property {(row: T) => Child} render
 * @property {string} [className]
 */

/**
 * A data table with loading, error and empty states.
 * @template T
 * @param {{columns: Column<T>[], testid?: string, rowProps?: (row: T) => Record<string, any>, emptyText?: string, empty?: () => {title: string, text?: string | null}}} o
 *   `empty` decides the empty state when the table is shown empty (e.g. "no matches" while filters are set)
 */
export function dataTable(o) {
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'table', testid: o.testid },
    h('thead', null, h('tr', null, o.columns.map((c) => h('th', { class: c.className }, c.title)))),
    tbody,
  );
  const wrap = h('div', { class: 'table-wrap' }, table);
  /** @param {Child} content @param {string} cls */
  const stateRow = (content, cls) => replace(tbody, h('tr', { class: 'state-row' }, h('td', { colspan: String(o.columns.length), class: cls }, content)));
  return {
    el: wrap,
    setLoading() {
      wrap.classList.add('is-loading');
      table.setAttribute('aria-busy', 'true');
      if (!tbody.querySelector('tr:not(.state-row)')) stateRow(h('div', { class: 'table-state' }, h('span', { class: 'spinner' }), t('common.loading')), 'state-loading');
    },
    /** @param {T[]} rows */
    setRows(rows) {
      wrap.classList.remove('is-loading');
      table.removeAttribute('aria-busy');
      if (rows.length === 0) {
        const state = o.empty ? o.empty() : { title: o.emptyText || t('common.empty') };
        stateRow(emptyState(state), 'state-empty');
        return;
      }
      replace(tbody, rows.map((row) => h('tr', o.rowProps ? o.rowProps(row) : null, o.columns.map((c) => h('td', { class: c.className }, c.render(row))))));
    },
    /** @param {unknown} error @param {() => void} retry */
    setError(error, retry) {
      wrap.classList.remove('is-loading');
      table.removeAttribute('aria-busy');
      stateRow(
        h('div', { class: 'table-state error', testid: 'table-error' }, icon('alert'), h('span', null, errorText(error)), button(t('common.retry'), { variant: 'link', onclick: retry })),
        'state-error',
      );
    },
  };
}

/**
 * Pager: "共 N 条", page size, previous / numbered pages / next.
 * @param {(page: number, pageSize: number) => void} onChange
 */
export function pager(onChange) {
  const el = h('div', { class: 'pager', testid: 'pager' });
  let state = { total: 0, page: 1, pageSize: 20 };
  function render() {
    const count = pageCount(state.total, state.pageSize);
    const sizeSelect = select(
      PAGE_SIZES.map((n) => ({ value: String(n), label: t('pager.perPage', { n }) })),
      String(state.pageSize),
      { class: 'input input-sm', 'aria-label': t('pager.pageSize'), onchange: (/** @type {Event} */ e) => onChange(1, Number(/** @type {HTMLSelectElement} */ (e.target).value)) },
    );
    replace(
      el,
      h('span', { class: 'pager-total', testid: 'pager-total' }, t('pager.total', { n: state.total })),
      h(
        'div',
        { class: 'pager-controls' },
        sizeSelect,
        h('button', { type: 'button', class: 'btn btn-default btn-sm', disabled: state.page <= 1, onclick: () => onChange(state.page - 1, state.pageSize), testid: 'pager-prev' }, icon('chevronLeft'), h('span', null, t('pager.prev'))),
        pageWindow(state.page, count).map((p) =>
          p === 'gap'
            ? h('span', { class: 'pager-gap' }, '…')
            : h('button', { type: 'button', class: ['btn btn-sm pager-page', p === state.page ? 'current' : ''], 'aria-current': p === state.page ? 'page' : undefined, onclick: () => onChange(p, state.pageSize) }, String(p)),
        ),
        h('button', { type: 'button', class: 'btn btn-default btn-sm', disabled: state.page >= count, onclick: () => onChange(state.page + 1, state.pageSize), testid: 'pager-next' }, h('span', null, t('pager.next')), icon('chevronRight')),
      ),
    );
  }
  render();
  return {
    el,
    /** @param {{total: number, page: number, pageSize: number}} s */
    update(s) {
      state = { total: s.total, page: s.page, pageSize: s.pageSize };
      render();
    },
  };
}

/**
 * @template T
 * @typedef {{items: T[], total: number, page: number, pageSize: number}} Page
 */

/**
 * Wire a table and a pager to a paged API call. Late answers of superseded requests are ignored.
 * @template T
 * @param {{table: ReturnType<typeof dataTable<T>>, pager: ReturnType<typeof pager>, load: (page: number, pageSize: number) => Promise<Page<T>>, pageSize?: number}} o
 */
export function pagedList(o) {
  let page = 1;
  let pageSize = o.pageSize || 20;
  let seq = 0;
  /** @type {T[]} */
  let rows = [];
  /** @returns {Promise<void>} */
  async function go() {
    const mine = ++seq;
    o.table.setLoading();
    try {
      const result = await o.load(page, pageSize);
      if (mine !== seq) return;
      // A page that emptied (e.g. after deleting its last row): step back to the last real page.
      if (result.items.length === 0 && result.total > 0 && page > 1) {
        page = pageCount(result.total, pageSize);
        return go();
      }
      rows = result.items;
      o.table.setRows(result.items);
      o.pager.update({ total: result.total, page: result.page || page, pageSize: result.pageSize || pageSize });
    } catch (error) {
      if (mine !== seq) return;
      o.table.setError(error, go);
      o.pager.update({ total: 0, page: 1, pageSize });
    }
  }
  return {
    /** @param {number} p @param {number} size */
    goTo(p, size) {
      page = p;
      pageSize = size;
      return go();
    },
    /** Reload the current page. */
    reload: () => go(),
    /** Back to page 1 (after a new search). */
    search() {
      page = 1;
      return go();
    },
    rows: () => rows,
  };
}
