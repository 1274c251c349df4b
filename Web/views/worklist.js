// 检查列表 (#/worklist, VIEW-01, issue #6): the everyday entry to the viewer for radiologists and clinicians. Search by
// patient name (any part, Chinese or pinyin), patient ID, accession number, modality, exam date (今天 / 近3天 / 近7天 /
// 近30天 / 自定义) and study description; the studies come from QIDO-RS (GET /dicomweb/studies, DICOM JSON, the total in
// X-Total-Count), newest first, paged. A row's 阅片 (or a double-click, or Enter on the row) opens the viewer in the
// study's own browser tab. The today view re-reads itself every 30 s while 自动刷新 is on and the page is visible.
// The search is kept in the route (#/worklist?range=7d&modality=CT) so that a reload or the back button keeps it.
// Needs study.view; the server limits the studies to the user's campuses.
import { h, replace } from '../lib/dom.js';
import { icon } from '../lib/icons.js';
import { t, getLanguage, acceptLanguage } from '../lib/i18n.js';
import { sexKey } from '../lib/archive.js';
import { ageText } from '../lib/dicomjson.js';
import { pageCount } from '../lib/paging.js';
import {
  MODALITIES, RANGES, AUTO_REFRESH_MS, defaultFilters, filtersFromQuery, filtersToQuery, isPlainToday, hasTextFilters, rangeDates, checkRange,
  qidoQuery, studyRow, countsText, viewerUrl, viewerWindowName, showsStudy, thumbnailUrl, THUMB_SIZE, fetchStudies, errorKind,
} from '../lib/worklist.js';
import { pageHeader, button, select, pager, emptyState, toast, errorText, clearErrors } from '../components/ui.js';
import { remotePacsButton } from './remote-pacs.js';

/** @typedef {import('../types/models').ViewContext} ViewContext */
/** @typedef {import('../lib/worklist.js').WorklistRow} WorklistRow */
/** @typedef {import('../lib/worklist.js').WorklistFilters} WorklistFilters */
/** @typedef {import('../lib/worklist.js').RangeId} RangeId */
/** @typedef {import('../lib/dom.js').Child} Child */

/** Remembered between visits (per browser). */
const AUTO_KEY = 'yy.worklist.autoRefresh';
const PAGE_SIZE_KEY = 'yy.worklist.pageSize';

/** @returns {Storage | null} */
function store() {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

/**
 * Open a study in the viewer, one browser tab per study: a tab already showing it is brought to the front rather
 * than loaded again; otherwise the study's named tab (new or reused) goes to the viewer.
 * @param {string} uid
 */
export function openViewer(uid) {
  const name = viewerWindowName(uid);
  const url = viewerUrl(uid);
  /** @type {Window | null} */
  let w = null;
  try {
    w = window.open('', name);
  } catch {
    w = null;
  }
  if (!w) {
    toast(t('worklist.popupBlocked'), 'error');
    return;
  }
  try {
    if (showsStudy(w.location, uid)) {
      w.focus();
      return;
    }
  } catch {
    /* a tab of that name on another site: load the viewer in it */
  }
  w.location.href = url;
  w.focus();
}

/**
 * @param {HTMLElement} main
 * @param {ViewContext} ctx
 */
export function renderWorklist(main, ctx) {
  const lang = getLanguage();
  /** @type {WorklistFilters} */
  let filters = filtersFromQuery(ctx.query);
  let page = 1;
  const storedSize = Number(store()?.getItem(PAGE_SIZE_KEY));
  let pageSize = [10, 20, 50, 100].includes(storedSize) ? storedSize : 20;
  let autoRefresh = store()?.getItem(AUTO_KEY) !== '0';
  let seq = 0;
  let loading = false;
  let lastLoaded = 0;
  /** @type {WorklistRow[]} */
  let rows = [];

  // ------------------------------------------------------------ search form

  /** @param {keyof WorklistFilters} name @param {string} placeholder */
  const textInput = (name, placeholder) =>
    h('input', { class: 'input', name, value: String(filters[name] || ''), placeholder, testid: `wl-${name}`, autocomplete: 'off', spellcheck: 'false' });
  const nameInput = textInput('name', t('worklist.namePlaceholder'));
  const idInput = textInput('patientId', t('worklist.patientIdPlaceholder'));
  const accessionInput = textInput('accession', t('worklist.accessionPlaceholder'));
  const descriptionInput = textInput('description', t('worklist.descriptionPlaceholder'));
  const modalitySelect = select(MODALITIES.map((m) => ({ value: m, label: m })), filters.modality, { name: 'modality', testid: 'wl-modality' }, t('worklist.allModalities'));
  const fromInput = h('input', { class: 'input input-date', type: 'date', name: 'from', value: filters.from, testid: 'wl-from', 'aria-label': t('worklist.dateFrom') });
  const toInput = h('input', { class: 'input input-date', type: 'date', name: 'to', value: filters.to, testid: 'wl-to', 'aria-label': t('worklist.dateTo') });
  const customRange = h('span', { class: 'range wl-custom', testid: 'wl-custom-range' }, fromInput, h('span', { class: 'range-sep' }, t('worklist.toSep')), toInput);

  /** @type {Map<RangeId, HTMLButtonElement>} */
  const rangeButtons = new Map();
  const rangeGroup = h(
    'div',
    { class: 'wl-ranges', role: 'group', 'aria-label': t('worklist.studyDate') },
    RANGES.map(([id, key]) => {
      const b = h('button', { type: 'button', class: 'wl-range', testid: `wl-range-${id}`, onclick: () => chooseRange(id) }, t(key));
      rangeButtons.set(id, b);
      return b;
    }),
  );

  /** @param {string} label @param {Child} control @param {string[]} errorNames @param {string} [cls] */
  const filterField = (label, control, errorNames, cls) =>
    h(
      'div',
      { class: ['filter', cls || ''] },
      h('span', { class: 'filter-label' }, label),
      control,
      errorNames.map((name) => h('div', { class: 'field-error', testid: `error-${name}`, hidden: true, dataset: { errorFor: name } })),
    );

  const form = h(
    'form',
    {
      class: 'toolbar toolbar-wrap wl-toolbar',
      testid: 'wl-search',
      onsubmit: (/** @type {Event} */ e) => {
        e.preventDefault();
        apply();
      },
    },
    h(
      'div',
      { class: 'toolbar-filters' },
      h(
        'div',
        { class: 'wl-filter-grid' },
        filterField(t('worklist.patientName'), h('span', { class: 'input-icon' }, icon('search'), nameInput), [], 'wl-f-name'),
        filterField(t('worklist.patientId'), idInput, []),
        filterField(t('worklist.accession'), accessionInput, []),
        filterField(t('worklist.modality'), modalitySelect, []),
        filterField(t('worklist.description'), descriptionInput, []),
        filterField(t('worklist.studyDate'), h('div', { class: 'wl-date-row' }, rangeGroup, customRange), ['to'], 'wl-f-date'),
      ),
    ),
    h(
      'div',
      { class: 'toolbar-buttons' },
      h('button', { type: 'submit', class: 'btn btn-primary', testid: 'wl-query' }, icon('search'), h('span', null, t('common.query'))),
      button(t('common.reset'), { testid: 'wl-reset', onclick: reset }),
    ),
  );
  modalitySelect.addEventListener('change', () => apply());
  for (const input of [fromInput, toInput]) input.addEventListener('change', () => apply());

  // ------------------------------------------------------------ the bar above the table

  const summary = h('div', { class: 'wl-summary', testid: 'wl-summary' });
  const autoBox = h('input', { type: 'checkbox', checked: autoRefresh, testid: 'wl-auto-refresh' });
  const autoText = h('span', { class: 'toggle-text' }, t('worklist.autoRefresh'));
  const autoToggle = h('label', { class: 'toggle wl-auto' }, autoBox, h('span', { class: 'toggle-track', 'aria-hidden': 'true' }), autoText);
  autoBox.addEventListener('change', () => {
    autoRefresh = autoBox.checked;
    store()?.setItem(AUTO_KEY, autoRefresh ? '1' : '0');
    renderBar();
  });
  const updated = h('span', { class: 'wl-updated', testid: 'wl-updated' });
  const refreshButton = button(t('worklist.refresh'), { icon: 'refresh', testid: 'wl-refresh', onclick: () => load() });
  const bar = h('div', { class: 'wl-bar' }, summary, h('div', { class: 'wl-bar-right' }, updated, autoToggle, refreshButton));

  // ------------------------------------------------------------ table

  /** @type {{title: string, className?: string, render: (r: WorklistRow) => Child}[]} */
  const columns = [
    { title: '', className: 'wl-thumb-col', render: thumbCell },
    {
      title: t('worklist.col.name'),
      className: 'wl-name-col',
      render: (r) => h('span', { class: 'stack-cell' }, h('span', { class: 'strong wl-name', testid: 'wl-name' }, r.name.main || '—'), r.name.alt ? h('span', { class: 'sub', testid: 'wl-pinyin' }, r.name.alt) : null),
    },
    { title: t('worklist.col.sex'), render: (r) => (sexKey(r.sex) ? t(sexKey(r.sex)) : '—') },
    { title: t('worklist.col.age'), className: 'num', render: (r) => h('span', { testid: 'wl-age' }, ageText(r.age, lang) || '—') },
    { title: t('worklist.col.patientId'), render: (r) => h('span', { class: 'ident', testid: 'wl-patient-id' }, r.patientId || '—') },
    { title: t('worklist.col.accession'), render: (r) => h('span', { class: 'ident', testid: 'wl-accession' }, r.accession || '—') },
    {
      title: t('worklist.col.dateTime'),
      render: (r) => h('span', { class: 'stack-cell', testid: 'wl-datetime' }, h('span', null, r.date || '—'), r.time ? h('span', { class: 'sub' }, r.time) : null),
    },
    {
      title: t('worklist.col.modality'),
      render: (r) => h('span', { class: 'wl-mods', testid: 'wl-modality' }, r.modalities.length ? r.modalities.map((m) => h('span', { class: 'wl-mod', dataset: { m } }, m)) : '—'),
    },
    { title: t('worklist.col.description'), className: 'wl-desc-col', render: (r) => h('span', { class: 'clip wl-desc', title: r.description, testid: 'wl-description' }, r.description || '—') },
    { title: t('worklist.col.counts'), className: 'num', render: (r) => h('span', { testid: 'wl-counts', title: t('worklist.countsHint', { series: r.series ?? '—', images: r.images ?? '—' }) }, countsText(r.series, r.images)) },
    { title: t('worklist.col.institution'), render: (r) => h('span', { class: 'clip wl-inst', title: r.institution }, r.institution || '—') },
    {
      title: t('common.actions'),
      className: 'actions-col',
      render: (r) =>
        h(
          'a',
          {
            class: 'btn btn-primary btn-sm wl-open',
            href: viewerUrl(r.uid),
            target: viewerWindowName(r.uid),
            testid: 'wl-open',
            title: t('worklist.openHint'),
            onclick: (/** @type {MouseEvent} */ e) => {
              // Ctrl / Shift / middle click keep the browser's own handling of the link.
              if (e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
              e.preventDefault();
              openViewer(r.uid);
            },
          },
          icon('monitor'),
          h('span', null, t('worklist.open')),
        ),
    },
  ];

  /** @param {WorklistRow} r */
  function thumbCell(r) {
    const size = String(THUMB_SIZE);
    const img = h('img', { class: 'wl-thumb', src: thumbnailUrl(r.uid), alt: '', width: size, height: size, loading: 'lazy', decoding: 'async', testid: 'wl-thumb' });
    const box = h('span', { class: 'wl-thumb-box' }, img);
    img.addEventListener('error', () => replace(box, icon('film', 'icon wl-thumb-none')), { once: true });
    return box;
  }

  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'table wl-table', testid: 'worklist-table' },
    h('thead', null, h('tr', null, columns.map((c) => h('th', { class: c.className }, c.title)))),
    tbody,
  );
  const tableWrap = h('div', { class: 'table-wrap wl-table-wrap' }, table);
  const pg = pager((p, size) => {
    if (size !== pageSize) store()?.setItem(PAGE_SIZE_KEY, String(size));
    page = p;
    pageSize = size;
    load();
  });

  /** @param {Child} content @param {string} cls */
  const stateRow = (content, cls) => replace(tbody, h('tr', { class: 'state-row' }, h('td', { colspan: String(columns.length), class: cls }, content)));

  /** @param {WorklistRow} r */
  const rowElement = (r) =>
    h(
      'tr',
      {
        class: 'wl-row',
        tabindex: '0',
        testid: 'worklist-row',
        title: t('worklist.rowHint'),
        dataset: { uid: r.uid },
        ondblclick: (/** @type {MouseEvent} */ e) => {
          if (/** @type {HTMLElement} */ (e.target).closest('a, button, input')) return;
          window.getSelection()?.removeAllRanges();
          openViewer(r.uid);
        },
        onkeydown: (/** @type {KeyboardEvent} */ e) => {
          if (e.key === 'Enter' && e.target === e.currentTarget) {
            e.preventDefault();
            openViewer(r.uid);
          }
        },
      },
      columns.map((c) => h('td', { class: c.className }, c.render(r))),
    );

  function showEmpty() {
    /** @type {{title: string, text: string, action?: Child}} */
    let state;
    if (isPlainToday(filters)) {
      state = {
        title: t('worklist.empty.today'),
        text: t('worklist.empty.todayHint'),
        action: button(t('worklist.empty.show7d'), { variant: 'default', testid: 'wl-empty-7d', onclick: () => chooseRange('7d') }),
      };
    } else if (!hasTextFilters(filters)) {
      state = { title: t('worklist.empty.range'), text: t('worklist.empty.rangeHint') };
    } else {
      state = { title: t('worklist.empty.search'), text: t('worklist.empty.searchHint') };
    }
    stateRow(emptyState({ icon: 'inbox', testid: 'worklist-empty', ...state }), 'state-empty');
  }

  /** @param {unknown} error */
  function showError(error) {
    const kind = errorKind(error);
    if (kind === 'auth') {
      // Let the shell notice (it shows the login page or the password change, as for any API call).
      ctx.api.get('/api/me').catch(() => {});
    }
    const texts = {
      network: { title: t('worklist.error.network'), text: t('worklist.error.networkHint'), retry: true },
      forbidden: { title: t('worklist.error.forbidden'), text: t('worklist.error.forbiddenHint'), retry: false },
      tooMany: { title: t('worklist.error.tooMany'), text: `${errorText(error)} ${t('worklist.error.tooManyHint')}`, retry: false },
      auth: { title: t('worklist.error.auth'), text: errorText(error), retry: true },
      other: { title: t('worklist.error.other'), text: errorText(error), retry: true },
    }[kind];
    stateRow(
      h(
        'div',
        { class: 'wl-error', testid: 'worklist-error', dataset: { kind } },
        h('span', { class: 'wl-error-icon' }, icon(kind === 'forbidden' ? 'lock' : 'alert')),
        h('div', { class: 'wl-error-title' }, texts.title),
        h('p', { class: 'wl-error-text' }, texts.text),
        texts.retry ? button(t('common.retry'), { variant: 'primary', icon: 'refresh', testid: 'wl-retry', onclick: () => load() }) : null,
      ),
      'state-error',
    );
  }

  // ------------------------------------------------------------ loading

  /**
   * Read the current page. `quiet`: the automatic refresh, which neither dims the table nor replaces an error.
   * @param {{quiet?: boolean}} [o]
   * @returns {Promise<void>}
   */
  async function load(o = {}) {
    const mine = ++seq;
    loading = true;
    refreshButton.disabled = true;
    if (!o.quiet) {
      tableWrap.classList.add('is-loading');
      table.setAttribute('aria-busy', 'true');
      if (!tbody.querySelector('tr:not(.state-row)')) stateRow(h('div', { class: 'table-state', testid: 'worklist-loading' }, h('span', { class: 'spinner' }), t('worklist.loading')), 'state-loading');
    }
    const now = new Date();
    try {
      const answer = await fetchStudies({ acceptLanguage: acceptLanguage(), translate: t }, qidoQuery(filters, { page, pageSize, now }), ctx.signal);
      if (mine !== seq || ctx.signal.aborted) return;
      // The last page emptied meanwhile (studies moved out of the range): go to the last real page.
      if (answer.items.length === 0 && answer.total > 0 && page > 1) {
        page = pageCount(answer.total, pageSize);
        return load(o);
      }
      const fresh = answer.items.map(studyRow);
      const same = o.quiet && JSON.stringify(fresh) === JSON.stringify(rows) && tbody.querySelector('tr.wl-row');
      rows = fresh;
      lastLoaded = Date.now();
      // An automatic refresh that found nothing new leaves the rows alone (no flicker, a double-click in progress
      // still lands); otherwise the row with the keyboard focus keeps it.
      if (!same) {
        const focused = /** @type {HTMLElement | null} */ (tbody.querySelector('tr.wl-row:focus'))?.dataset.uid;
        if (rows.length === 0) showEmpty();
        else replace(tbody, rows.map(rowElement));
        if (focused) /** @type {HTMLElement | null} */ (tbody.querySelector(`tr.wl-row[data-uid="${CSS.escape(focused)}"]`))?.focus({ preventScroll: true });
      }
      pg.update({ total: answer.total, page, pageSize });
      renderSummary(answer.total, now);
      updated.textContent = t('worklist.updatedAt', { time: clock(new Date(lastLoaded)) });
    } catch (error) {
      if (mine !== seq || ctx.signal.aborted) return;
      if (error && /** @type {any} */ (error).name === 'AbortError') return;
      // A failed automatic refresh keeps the rows on screen; the time of the last good read says how old they are.
      if (o.quiet && rows.length) {
        updated.textContent = t('worklist.refreshFailed', { time: lastLoaded ? clock(new Date(lastLoaded)) : '—' });
        updated.classList.add('is-stale');
        return;
      }
      rows = [];
      showError(error);
      pg.update({ total: 0, page: 1, pageSize });
      renderSummary(null, now);
    } finally {
      if (mine === seq) {
        loading = false;
        refreshButton.disabled = false;
        tableWrap.classList.remove('is-loading');
        table.removeAttribute('aria-busy');
        if (lastLoaded && Date.now() - lastLoaded < 1000) updated.classList.remove('is-stale');
      }
    }
  }

  /** @param {Date} d */
  const clock = (d) => d.toTimeString().slice(0, 8);

  /** @param {number | null} total null: not known (the search failed) @param {Date} now */
  function renderSummary(total, now) {
    const { from, to } = rangeDates(filters, now);
    const when = filters.range === 'today'
      ? t('worklist.summary.today', { date: to })
      : from && to
        ? from === to ? from : t('worklist.summary.range', { from, to })
        : from
          ? t('worklist.summary.from', { from })
          : to
            ? t('worklist.summary.to', { to })
            : t('worklist.summary.anyDate');
    replace(summary, h('span', { class: 'wl-when' }, icon('calendar'), when), total === null ? null : h('span', { class: 'wl-total', testid: 'wl-total' }, t('worklist.summary.total', { n: total })));
  }

  function renderBar() {
    const today = filters.range === 'today';
    autoBox.disabled = !today;
    // Off (and shown off) outside the today view; the choice comes back with 今天.
    autoBox.checked = today && autoRefresh;
    autoToggle.title = today ? t('worklist.autoRefreshHint') : t('worklist.autoRefreshTodayOnly');
    autoToggle.classList.toggle('is-off', !today);
  }

  function renderRange() {
    for (const [id, b] of rangeButtons) {
      const on = id === filters.range;
      b.classList.toggle('active', on);
      b.setAttribute('aria-pressed', on ? 'true' : 'false');
    }
    customRange.hidden = filters.range !== 'custom';
  }

  // ------------------------------------------------------------ actions

  /** Filters from the form (the range is kept as chosen). */
  function readForm() {
    return {
      ...filters,
      name: nameInput.value.trim(),
      patientId: idInput.value.trim(),
      accession: accessionInput.value.trim(),
      modality: modalitySelect.value,
      description: descriptionInput.value.trim(),
      from: filters.range === 'custom' ? fromInput.value : '',
      to: filters.range === 'custom' ? toInput.value : '',
    };
  }

  function apply() {
    const next = readForm();
    clearErrors(form);
    const problems = checkRange(next);
    if (Object.keys(problems).length) {
      for (const [name, key] of Object.entries(problems)) {
        const slot = /** @type {HTMLElement | null} */ (form.querySelector(`[data-error-for="${name}"]`));
        if (slot) {
          slot.textContent = t(key);
          slot.hidden = false;
        }
        form.querySelector(`[name="${name}"]`)?.setAttribute('aria-invalid', 'true');
      }
      return;
    }
    filters = next;
    page = 1;
    const q = filtersToQuery(filters);
    // The route keeps the search (reload, back button) without rendering the page again.
    history.replaceState(null, '', `#/worklist${q ? `?${q}` : ''}`);
    renderRange();
    renderBar();
    load();
  }

  /** @param {RangeId} id */
  function chooseRange(id) {
    if (id === 'custom' && filters.range !== 'custom') {
      // Start from the dates shown so far, so that the range only needs widening.
      const { from, to } = rangeDates(filters, new Date());
      fromInput.value = from;
      toInput.value = to;
    }
    filters = { ...filters, range: id };
    renderRange();
    if (id === 'custom') fromInput.focus();
    apply();
  }

  function reset() {
    for (const input of [nameInput, idInput, accessionInput, descriptionInput, fromInput, toInput]) input.value = '';
    modalitySelect.value = '';
    filters = defaultFilters();
    renderRange();
    apply();
  }

  // ------------------------------------------------------------ automatic refresh

  const due = () => autoRefresh && filters.range === 'today' && !loading && Date.now() - lastLoaded >= AUTO_REFRESH_MS - 500;
  const timer = setInterval(() => {
    if (document.hidden || !due()) return;
    load({ quiet: true });
  }, AUTO_REFRESH_MS);
  // Back on the browser tab after a while: refresh at once instead of waiting for the next tick.
  const onVisible = () => {
    if (!document.hidden && lastLoaded && due()) load({ quiet: true });
  };
  document.addEventListener('visibilitychange', onVisible);
  ctx.signal.addEventListener('abort', () => {
    clearInterval(timer);
    document.removeEventListener('visibilitychange', onVisible);
  });

  // ------------------------------------------------------------ page

  replace(
    main,
    pageHeader(t('nav.worklist'), t('worklist.desc'), remotePacsButton(ctx, openViewer, () => load({ quiet: true }))),
    h('div', { class: 'card wl-card', testid: 'worklist-page' }, form, bar, tableWrap, pg.el),
  );
  renderRange();
  renderBar();
  load();
  nameInput.focus({ preventScroll: true });
}
