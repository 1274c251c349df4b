// 数据字典 (DICT-04..08): one generic page for every dictionary kind, driven by GET /api/dictionaries.
import { h, replace } from '../lib/dom.js';
import { icon } from '../lib/icons.js';
import { t, getLanguage } from '../lib/i18n.js';
import { ApiError, buildQuery } from '../lib/api.js';
import { formatDateTime } from '../lib/format.js';
import { checkRecord, fenToYuan, toInputValue } from '../lib/validate.js';
import {
  pageHeader, button, badge, dataTable, pager, pagedList, searchToolbar, select, field, formModal, openModal, confirmDialog,
  toast, toastError, showProblems, emptyState,
} from '../components/ui.js';
import { fetchAllRows, rowLabel, rowOptions, refName } from '../components/refdata.js';

/** @typedef {import('../types/models').ViewContext} ViewContext */
/** @typedef {import('../types/models').DictKind} DictKind */
/** @typedef {import('../types/models').DictRow} DictRow */
/** @typedef {import('../lib/validate.js').DictField} DictField */

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Kinds with more listed fields than this leave the 更新时间 column out of the table. */
const WIDE_KIND_COLUMNS = 6;

/** Metadata is the same for the whole session, per language (labels are translated by the server). */
/** @type {{lang: string, kinds: DictKind[]} | null} */
let metaCache = null;

/**
 * @param {ViewContext} ctx
 * @returns {Promise<DictKind[]>}
 */
async function loadKinds(ctx) {
  const lang = getLanguage();
  if (metaCache && metaCache.lang === lang) return metaCache.kinds;
  const answer = await ctx.api.request('GET', '/api/dictionaries', { signal: ctx.signal });
  metaCache = { lang, kinds: answer.kinds };
  return answer.kinds;
}

/**
 * A cell for one field of a row.
 * @param {DictField} f
 * @param {DictRow} row
 * @returns {string | Node}
 */
function cell(f, row) {
  const value = row[f.name];
  switch (f.type) {
    case 'ref':
      return refName(row, f.name) ?? '';
    case 'money':
      return fenToYuan(value);
    case 'bool':
      return value === true ? t('common.yes') : value === false ? t('common.no') : '';
    case 'enum': {
      const option = (f.options || []).find((o) => String(o.value) === String(value));
      return option ? option.label : value === null || value === undefined ? '' : String(value);
    }
    case 'textarea': {
      const text = value === null || value === undefined ? '' : String(value);
      return h('span', { class: 'clip', title: text }, text);
    }
    default:
      return value === null || value === undefined ? '' : String(value);
  }
}

/** @param {DictField} f */
function columnTitle(f) {
  // Money is shown in yuan; say so unless the server's label already does ("价格（元）").
  return f.type === 'money' && !/元|yuan/i.test(f.label) ? t('dict.moneyColumn', { label: f.label }) : f.label;
}

/**
 * @param {HTMLElement} main
 * @param {ViewContext} ctx
 */
export async function renderDictionaries(main, ctx) {
  const { api } = ctx;
  const kinds = await loadKinds(ctx);
  if (kinds.length === 0) {
    replace(main, pageHeader(t('dict.pageTitle'), t('desc.dict')), h('div', { class: 'card' }, emptyState({ title: t('common.empty') })));
    return;
  }
  const kindName = ctx.params[0];
  if (!kindName) {
    ctx.replaceRoute(`/dict/${kinds[0].kind}`);
    return;
  }
  const meta = kinds.find((k) => k.kind === kindName);
  const tabs = h(
    'nav',
    { class: 'tabs', 'aria-label': t('dict.pageTitle'), testid: 'dict-tabs' },
    kinds.map((k) => h('a', { class: ['tab', k.kind === kindName ? 'active' : ''], href: `#/dict/${k.kind}`, testid: `dict-tab-${k.kind}`, 'aria-current': k.kind === kindName ? 'page' : undefined }, k.name)),
  );
  if (!meta) {
    replace(main, pageHeader(t('dict.pageTitle'), t('desc.dict')), tabs, h('div', { class: 'card' }, emptyState({ icon: 'info', title: t('dict.unknownKind', { kind: kindName }) })));
    return;
  }
  const kind = meta.kind;
  const base = `/api/dictionaries/${encodeURIComponent(kind)}`;
  const canManage = ctx.can('dict.manage');
  // `active` is edited with the status switch and shown as the status column, whether or not the
  // metadata lists it as a field.
  const fields = meta.fields.filter((f) => f.name !== 'active');
  const refFields = fields.filter((f) => f.type === 'ref' && f.ref);

  // Rows of referenced kinds, loaded once per page view (filters and the form share them).
  /** @type {Map<string, Promise<DictRow[]>>} */
  const refRows = new Map();
  /** @param {string} refKind */
  const refRowsOf = (refKind) => {
    let p = refRows.get(refKind);
    if (!p) {
      p = fetchAllRows(api, refKind, {}, ctx.signal);
      refRows.set(refKind, p);
    }
    return p;
  };

  const q = h('input', { class: 'input', type: 'search', placeholder: t('dict.searchPlaceholder'), testid: 'dict-search', 'aria-label': t('common.search') });
  const activeFilter = select(
    [
      { value: 'true', label: t('status.active') },
      { value: 'false', label: t('status.inactive') },
    ],
    '',
    { testid: 'dict-active-filter', 'aria-label': t('common.status') },
    t('common.allStatus'),
  );
  /** @type {{field: DictField, el: HTMLSelectElement}[]} */
  const refFilters = [];
  for (const f of refFields) {
    try {
      const rows = await refRowsOf(/** @type {string} */ (f.ref));
      refFilters.push({ field: f, el: select(rowOptions(rows), '', { testid: `dict-filter-${f.name}`, 'aria-label': f.label }, t('dict.allOf', { label: f.label })) });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      // Filter left out when the referenced list cannot be read; the page still works.
    }
  }

  const listed = fields.filter((f) => f.listed);
  /** @type {import('../components/ui.js').Column<DictRow>[]} */
  const columns = listed.map((f) => ({ title: columnTitle(f), render: (row) => cell(f, row), className: f.type === 'money' || f.type === 'int' || f.type === 'decimal' ? 'num' : undefined }));
  columns.push({ title: t('common.status'), render: (row) => (row.active ? badge(t('status.active'), 'green') : badge(t('status.inactive'), 'gray')), className: 'nowrap' });
  // Wide kinds (检查项目) would push the row actions off a 1440-wide screen; their edit dialog shows the time.
  if (listed.length <= WIDE_KIND_COLUMNS) columns.push({ title: t('common.updatedAt'), render: (row) => formatDateTime(row.updatedAt), className: 'nowrap muted' });
  if (canManage) {
    columns.push({
      title: t('common.actions'),
      className: 'actions-col',
      render: (row) =>
        h(
          'div',
          { class: 'row-actions' },
          button(t('common.edit'), { variant: 'link', testid: 'dict-edit', onclick: () => openForm(row) }),
          button(row.active ? t('common.disable') : t('common.enable'), { variant: 'link', testid: 'dict-toggle', onclick: () => toggleActive(row) }),
          button(t('common.delete'), { variant: 'link-danger', testid: 'dict-delete', onclick: () => remove(row) }),
        ),
    });
  }

  const table = dataTable({
    columns,
    testid: 'dict-table',
    rowProps: (row) => ({ testid: `dict-row-${row.code ?? row.id}` }),
    empty: () => (q.value.trim() || activeFilter.value || refFilters.some((rf) => rf.el.value) ? { title: t('common.noMatch'), text: t('common.noMatchHint') } : { title: t('common.empty') }),
  });
  const pg = pager((p, size) => list.goTo(p, size));
  const list = pagedList({
    table,
    pager: pg,
    load: (page, pageSize) => {
      /** @type {Record<string, unknown>} */
      const query = { q: q.value.trim(), active: activeFilter.value, page, pageSize };
      for (const rf of refFilters) query[rf.field.name] = rf.el.value;
      return api.request('GET', base, { query, signal: ctx.signal });
    },
  });

  // Import: the raw .xlsx bytes, in the export's column layout.
  const importInput = h('input', { type: 'file', accept: `.xlsx,${XLSX_TYPE}`, class: 'offscreen', testid: 'dict-import-file', tabindex: '-1' });
  importInput.addEventListener('change', () => {
    const file = importInput.files && importInput.files[0];
    importInput.value = '';
    if (file) importFile(file);
  });

  const toolbar = searchToolbar({
    query: q,
    filters: [refFilters.map((rf) => rf.el), activeFilter],
    queryTestid: 'dict-query',
    onSearch: () => list.search(),
    onReset: () => {
      activeFilter.value = '';
      for (const rf of refFilters) rf.el.value = '';
    },
  });

  const actions = h(
    'div',
    { class: 'header-buttons' },
    h('a', { class: 'btn btn-default', href: `${base}/export.xlsx${buildQuery({ lang: getLanguage() })}`, download: true, testid: 'dict-export' }, icon('download'), h('span', null, t('common.exportExcel'))),
    canManage ? button(t('common.importExcel'), { icon: 'upload', testid: 'dict-import', onclick: () => importInput.click() }) : null,
    canManage ? button(t('dict.addOf', { kind: meta.name }), { variant: 'primary', icon: 'plus', testid: 'dict-add', onclick: () => openForm(null) }) : null,
    importInput,
  );

  replace(main, pageHeader(t('dict.pageTitle'), t('desc.dict'), actions), tabs, h('div', { class: 'card card-tabbed' }, toolbar, table.el, pg.el));
  list.search();

  // ------------------------------------------------------------ create / edit

  /**
   * Options of a ref select; keeps `selected` (adding it from the row's name when it is not among the choices).
   * @param {HTMLSelectElement} sel
   * @param {DictRow[]} choices
   * @param {string} selected
   * @param {{id: string, label: string} | null} [fallback]
   */
  function fillRefSelect(sel, choices, selected, fallback) {
    const options = rowOptions(choices);
    if (fallback && !options.some((o) => o.value === fallback.id)) options.unshift({ value: fallback.id, label: fallback.label, attrs: {} });
    const keep = options.some((o) => o.value === selected) ? selected : '';
    replace(sel, h('option', { value: '' }, t('common.pleaseSelect')), options.map((o) => h('option', { value: o.value, selected: o.value === keep, ...(o.attrs || {}) }, o.label)));
  }

  /** @param {DictRow | null} row */
  async function openForm(row) {
    /** @type {Map<string, HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>} */
    const controls = new Map();
    /**
     * Rows offered by each ref field.
     * @type {Map<string, DictRow[]>}
     */
    const refChoices = new Map();
    /** @type {HTMLElement[]} */
    const rowsEl = [];
    for (const f of fields) {
      const initial = row ? toInputValue(f, row[f.name]) : f.type === 'bool' ? false : '';
      const common = { name: f.name, testid: `dict-form-${f.name}` };
      /** @type {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} */
      let control;
      let wide = false;
      /** @type {string | undefined} */
      let suffix;
      switch (f.type) {
        case 'textarea':
          control = h('textarea', { class: 'input', rows: '6', maxlength: f.maxLength ? String(f.maxLength) : undefined, ...common }, String(initial));
          wide = true;
          break;
        case 'int':
          control = h('input', { class: 'input', inputmode: 'numeric', value: String(initial), ...common });
          break;
        case 'decimal':
          control = h('input', { class: 'input', inputmode: 'decimal', value: String(initial), ...common });
          break;
        case 'money':
          control = h('input', { class: 'input', inputmode: 'decimal', value: String(initial), placeholder: '0.00', ...common });
          suffix = t('dict.yuan');
          break;
        case 'bool':
          control = h('input', { type: 'checkbox', checked: initial === true, ...common });
          break;
        case 'enum':
          control = select((f.options || []).map((o) => ({ value: String(o.value), label: o.label })), String(initial), common, t('common.pleaseSelect'));
          break;
        case 'ref': {
          /** @type {DictRow[]} */
          let choices = [];
          try {
            // Active rows (plus the current value), and never the row itself (an institution is not its own parent).
            choices = (await refRowsOf(/** @type {string} */ (f.ref))).filter((r) => (r.active || String(r.id) === initial) && !(row && f.ref === kind && r.id === row.id));
          } catch (error) {
            toastError(error);
          }
          refChoices.set(f.name, choices);
          const sel = select([], '', common, t('common.pleaseSelect'));
          const current = initial ? { id: String(initial), label: (row && refName(row, f.name)) || `#${initial}` } : null;
          fillRefSelect(sel, choices, String(initial), current);
          control = sel;
          break;
        }
        default:
          // The length limit is enforced by the box itself; it is only spelled out for long texts.
          control = h('input', { class: 'input', value: String(initial), autocomplete: 'off', maxlength: f.maxLength ? String(f.maxLength) : undefined, ...common });
      }
      controls.set(f.name, control);
      const hintParts = [];
      if (f.maxLength && f.type === 'textarea') hintParts.push(t('dict.maxLengthHint', { max: f.maxLength }));
      if (f.type !== 'money' && (f.min !== null && f.min !== undefined) && (f.max !== null && f.max !== undefined)) hintParts.push(t('dict.rangeHint', { min: f.min, max: f.max }));
      const labelled = f.type === 'bool' ? h('label', { class: 'switch-label' }, control, h('span', null, t('common.yes'))) : control;
      rowsEl.push(field({ label: f.label, name: f.name, control: labelled, required: f.required, wide, suffix, hint: hintParts.join(' ') || null }));
    }
    // Dependent selects: when the rows of one ref field carry another field of this form (exam groups carry
    // categoryId, so an exam item's group follows its category), offer only the rows that match.
    for (const f of refFields) {
      const choices = refChoices.get(f.name) || [];
      const parent = refFields.find((g) => g !== f && choices.some((r) => g.name in r));
      const parentControl = parent && controls.get(parent.name);
      const sel = /** @type {HTMLSelectElement} */ (controls.get(f.name));
      if (!parent || !parentControl) continue;
      const narrow = () => {
        const p = parentControl.value;
        fillRefSelect(sel, p ? choices.filter((r) => String(r[parent.name]) === p) : choices, sel.value);
      };
      parentControl.addEventListener('change', narrow);
      if (parentControl.value) narrow();
    }

    const active = h('input', { type: 'checkbox', name: 'active', checked: row ? row.active : true, testid: 'dict-form-active' });
    rowsEl.push(field({ label: t('common.status'), name: 'active', control: h('label', { class: 'switch-label' }, active, h('span', null, t('status.active'))), hint: t('dict.activeHint') }));

    const wideForm = fields.some((f) => f.type === 'textarea');
    formModal({
      title: row ? t('dict.edit', { kind: meta?.name || kind, name: rowLabel(row) }) : t('dict.addOf', { kind: meta?.name || kind }),
      size: wideForm ? 'xl' : 'lg',
      testid: 'dict-form',
      extraFooter: row && row.updatedAt ? h('span', { class: 'footer-note', testid: 'dict-form-updated' }, t('dict.updatedAt', { at: formatDateTime(row.updatedAt) })) : null,
      body: h('div', { class: 'form-grid' }, rowsEl),
      onSubmit: async (form) => {
        /** @type {Record<string, string | boolean>} */
        const values = {};
        for (const f of fields) {
          const c = /** @type {HTMLInputElement} */ (controls.get(f.name));
          values[f.name] = f.type === 'bool' ? c.checked : c.value;
        }
        const { payload, problems } = checkRecord(fields, values);
        if (showProblems(form, problems)) return false;
        const body = { ...payload, active: active.checked };
        if (row) await api.put(`${base}/${row.id}`, body);
        else await api.post(base, body);
        toast(t('common.saved'), 'success');
        list.reload();
      },
    });
  }

  // ------------------------------------------------------------ row actions

  /** @param {DictRow} row */
  async function toggleActive(row) {
    // Disabling takes the row out of every selection list (an institution's users keep it, but new work cannot
    // choose it): ask first. Enabling is harmless.
    if (row.active && !(await confirmDialog({ title: t('dict.disableTitle', { kind: meta?.name || kind }), message: t('dict.disableConfirm', { name: rowLabel(row) }), confirmText: t('common.disable'), danger: true }))) return;
    /** @type {Record<string, unknown>} */
    const body = {};
    for (const f of fields) body[f.name] = row[f.name] ?? null;
    body.active = !row.active;
    try {
      await api.put(`${base}/${row.id}`, body);
      toast(row.active ? t('dict.disabled', { name: rowLabel(row) }) : t('dict.enabled', { name: rowLabel(row) }), 'success');
      list.reload();
    } catch (error) {
      toastError(error);
    }
  }

  /** @param {DictRow} row */
  async function remove(row) {
    if (!(await confirmDialog({ title: t('dict.deleteTitle', { kind: meta?.name || kind }), message: t('dict.deleteConfirm', { name: rowLabel(row) }), confirmText: t('common.delete'), danger: true }))) return;
    try {
      await api.del(`${base}/${row.id}`);
      toast(t('common.deleted'), 'success');
      list.reload();
    } catch (error) {
      // 409 in_use: the server says what still refers to the row.
      toastError(error);
    }
  }

  /** @param {File} file */
  async function importFile(file) {
    if (!/\.xlsx$/i.test(file.name)) {
      toast(t('dict.importType'), 'error');
      return;
    }
    if (!(await confirmDialog({ title: t('common.importExcel'), message: t('dict.importConfirm', { file: file.name, kind: meta?.name || kind }) }))) return;
    try {
      const answer = await api.request('POST', `${base}/import`, { raw: file, contentType: XLSX_TYPE });
      toast(t('dict.importDone', { created: answer?.created ?? 0, updated: answer?.updated ?? 0 }), 'success');
      list.search();
    } catch (error) {
      if (error instanceof ApiError && error.fields.length) showImportErrors(error);
      else toastError(error);
    }
  }

  /**
   * Row problems of a refused import. The server names the row inside each message ("第 3 行：…") and the
   * column by field name; a separate `row` number is shown when present.
   * @param {ApiError} error
   */
  function showImportErrors(error) {
    const hasRow = error.fields.some((f) => f.row !== undefined);
    /** @param {string} name */
    const columnLabel = (name) => fields.find((f) => f.name === name)?.label || name;
    const modal = openModal({
      title: t('dict.importFailed'),
      size: 'lg',
      testid: 'import-errors',
      body: h(
        'div',
        null,
        h('p', { class: 'dialog-intro' }, t('dict.importProblems', { n: error.fields.length })),
        h(
          'div',
          { class: 'table-wrap table-scroll' },
          h(
            'table',
            { class: 'table table-compact' },
            h('thead', null, h('tr', null, hasRow ? h('th', null, t('dict.importRow')) : null, h('th', null, t('dict.importField')), h('th', null, t('dict.importError')))),
            h(
              'tbody',
              null,
              error.fields.map((f) =>
                h('tr', null, hasRow ? h('td', null, f.row !== undefined ? String(f.row) : '') : null, h('td', null, columnLabel(f.field)), h('td', { class: 'wrap' }, f.message)),
              ),
            ),
          ),
        ),
      ),
      footer: h('div', { class: 'footer-buttons' }, button(t('common.close'), { variant: 'primary', onclick: () => modal.close() })),
    });
  }
}
