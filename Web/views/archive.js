// 影像数据管理 (DM-01..07): archived studies searched by patient, exam number, modality, exam and archive date,
// campus and cloud upload status, with how each was matched to its exam, completeness, who opened them, the viewer
// and re-upload (归档检索); the studies no exam could be found for, matched to one by a person (待匹配, DCM-06/07);
// archive statistics by modality, exam time, archive time or campus (归档统计); and the cloud upload status with
// the storage summary, a chart by category, 立即上传 and 重新上传全部失败任务 (上传状态).
// Tabs are routes: #/archive/studies (filters may be given: ?cloud=failed&modality=CT), #/archive/matching,
// #/archive/statistics, #/archive/upload. Everything needs archive.manage.
import { h, replace } from '../lib/dom.js';
import { icon } from '../lib/icons.js';
import { t, getLanguage } from '../lib/i18n.js';
import { ApiError } from '../lib/api.js';
import { formatDateTime } from '../lib/format.js';
import { fetchAllRows, rowLabel } from '../components/refdata.js';
import { barChart } from '../components/bar-chart.js';
import {
  ARCHIVE_TABS, MODALITIES, CLOUD_STATES, STAT_GROUPS, UPLOAD_GROUPS, cleanFilters, filtersFromQuery, studyExportHref, statisticsExportHref,
  checkRanges, cloudState, cloudCountsText, completenessState, completenessReason, missingText, accessActionText, statKeyText, statTotals,
  formatBytes, formatCount, percentText, dicomDate, modalitiesText, personName, sexKey, chartRows, matchState, matchReason, examState,
  matchErrorKey, queueCountText,
} from '../lib/archive.js';
import {
  pageHeader, button, badge, dataTable, pager, pagedList, searchToolbar, select, openModal, confirmDialog, toast, toastError, errorText,
  emptyState, clearErrors,
} from '../components/ui.js';

/** @typedef {import('../types/models').ViewContext} ViewContext */
/** @typedef {import('../types/models').ArchivedStudy} ArchivedStudy */
/** @typedef {import('../types/models').StudyCompleteness} StudyCompleteness */
/** @typedef {import('../types/models').StudyAccess} StudyAccess */
/** @typedef {import('../types/models').ArchiveStatRow} ArchiveStatRow */
/** @typedef {import('../types/models').UploadStatusRow} UploadStatusRow */
/** @typedef {import('../types/models').StorageSummary} StorageSummary */
/** @typedef {import('../types/models').CloudUploadResult} CloudUploadResult */
/** @typedef {import('../types/models').MatchQueueItem} MatchQueueItem */
/** @typedef {import('../types/models').MatchCandidate} MatchCandidate */
/** @typedef {import('../lib/archive.js').ArchiveTab} ArchiveTab */
/** @typedef {import('../lib/dom.js').Child} Child */

/** @type {Record<ArchiveTab, string>} */
const TAB_LABELS = { studies: 'archive.tab.studies', matching: 'archive.tab.matching', statistics: 'archive.tab.statistics', upload: 'archive.tab.upload' };

/**
 * What a tab may change on the page around it: the number on the 待匹配 tab.
 * @typedef {{setQueueCount: (n: number) => void}} ArchivePage
 */

/** @type {Record<ArchiveTab, (ctx: ViewContext, page: ArchivePage) => {actions: Child, body: Child, start: () => void}>} */
const TAB_VIEWS = { studies: studiesTab, matching: matchingTab, statistics: statisticsTab, upload: uploadTab };

/** Bar colours: the palette of the styles (success, primary, danger). */
const COLORS = { uploaded: '#1a7f45', pending: '#7aa7e6', failed: '#cf3131', studies: '#1766d1' };

/** More keys than this are not drawn (the table below the chart lists them all). */
const CHART_LIMIT = 40;

/**
 * @param {HTMLElement} main
 * @param {ViewContext} ctx
 */
export function renderArchive(main, ctx) {
  const tab = /** @type {ArchiveTab} */ (ctx.params[0]);
  if (!ARCHIVE_TABS.includes(tab)) {
    ctx.replaceRoute('/archive/studies');
    return;
  }
  // The number of studies waiting on the 待匹配 tab: that tab reports it from its own list, the others ask for it
  // (one row of the queue; the total is all that is read).
  const queueCount = h('span', { class: 'tab-count', testid: 'archive-tab-matching-count', hidden: true });
  /** @param {number} n */
  const setQueueCount = (n) => {
    const text = queueCountText(n);
    queueCount.textContent = text;
    queueCount.hidden = !text;
    queueCount.title = text ? t('archive.tab.matchingCount', { n }) : '';
  };
  const tabBar = h(
    'nav',
    { class: 'tabs', 'aria-label': t('nav.archive'), testid: 'archive-tabs' },
    ARCHIVE_TABS.map((id) =>
      h(
        'a',
        { class: ['tab', id === tab ? 'active' : ''], href: `#/archive/${id}`, testid: `archive-tab-${id}`, 'aria-current': id === tab ? 'page' : undefined },
        t(TAB_LABELS[id]),
        id === 'matching' ? queueCount : null,
      ),
    ),
  );
  const view = TAB_VIEWS[tab](ctx, { setQueueCount });
  replace(main, pageHeader(t('nav.archive'), t('desc.archive'), view.actions), tabBar, h('div', { class: 'card card-tabbed archive-panel', testid: `archive-panel-${tab}` }, view.body));
  view.start();
  if (tab !== 'matching') {
    ctx.api
      .request('GET', '/api/archive/match-queue', { query: { page: 1, pageSize: 1 }, signal: ctx.signal })
      .then((/** @type {import('../types/models').Page<MatchQueueItem>} */ answer) => setQueueCount(answer.total))
      .catch(() => setQueueCount(0));
  }
}

// ---------------------------------------------------------------- shared pieces

/**
 * A labelled filter with an error slot for each named input (server validation errors and the range check land
 * under the input they name).
 * @param {string} label
 * @param {Child} control
 * @param {string[]} names the API names of the inputs in it
 * @param {{wide?: boolean}} [options]
 */
function filterField(label, control, names, options = {}) {
  return h(
    'div',
    { class: ['filter', options.wide ? 'filter-wide' : ''] },
    h('span', { class: 'filter-label' }, label),
    control,
    names.map((name) => h('div', { class: 'field-error', testid: `error-${name}`, hidden: true, dataset: { errorFor: name } })),
  );
}

/**
 * "从 [date] 至 [date]"
 * @param {HTMLInputElement} from @param {HTMLInputElement} to
 */
const dateRange = (from, to) => h('span', { class: 'range' }, from, h('span', { class: 'range-sep' }, t('archive.toSep')), to);

/**
 * @param {string} name API name of the filter
 * @param {string} label its text (the accessible name)
 * @param {string} [value]
 */
const dateInput = (name, label, value = '') => h('input', { class: 'input input-date', type: 'date', name, value, testid: `archive-${name}`, 'aria-label': label });

/**
 * Put messages under the inputs they name; returns those that have no input here.
 * @param {ParentNode} form
 * @param {Record<string, string>} messages
 */
function placeErrors(form, messages) {
  /** @type {string[]} */
  const unplaced = [];
  for (const [name, message] of Object.entries(messages)) {
    const slot = /** @type {HTMLElement | null} */ (form.querySelector(`[data-error-for="${CSS.escape(name)}"]`));
    if (!slot) {
      unplaced.push(message);
      continue;
    }
    slot.textContent = message;
    slot.hidden = false;
    form.querySelector(`[name="${CSS.escape(name)}"]`)?.setAttribute('aria-invalid', 'true');
  }
  return unplaced;
}

/**
 * A 422 from the server: its field errors under the inputs. True when it was one.
 * @param {ParentNode} form @param {unknown} error
 */
function placeServerErrors(form, error) {
  if (!(error instanceof ApiError) || error.status !== 422 || error.fields.length === 0) return false;
  /** @type {Record<string, string>} */
  const messages = {};
  for (const f of error.fields) if (f.field && !(f.field in messages)) messages[f.field] = f.message;
  const rest = placeErrors(form, messages);
  if (rest.length) toast(rest.join(' '), 'error');
  return true;
}

/**
 * @param {HTMLButtonElement} b @param {boolean} busy
 */
function setBusy(b, busy) {
  b.disabled = busy;
  b.classList.toggle('is-busy', busy);
}

/**
 * The drawing width of a chart: the width of its box (the chart is drawn once per load, at 1:1 so that its text
 * has the page's size), within sensible bounds.
 * @param {HTMLElement} box
 */
const chartWidth = (box) => Math.max(360, Math.min(1100, Math.floor(box.clientWidth || 720)));

/**
 * A patient's name as the tables show it: the Chinese name, the pinyin under it.
 * @param {string} value DICOM person name
 * @param {string} testid
 */
function patientCell(value, testid) {
  const n = personName(value);
  return h('span', { class: 'stack-cell' }, h('span', { class: 'strong', testid }, n.main || '—'), n.alt ? h('span', { class: 'sub' }, n.alt) : null);
}

/** @param {string} href @param {string} testid */
const exportLink = (href, testid) => h('a', { class: 'btn btn-default', href, download: true, testid }, icon('download'), h('span', null, t('common.exportExcel')));

// ---------------------------------------------------------------- 归档检索

/**
 * @param {ViewContext} ctx
 */
function studiesTab(ctx) {
  const { api } = ctx;
  const lang = getLanguage();
  const initial = filtersFromQuery(ctx.query);
  /** @param {'patientName' | 'patientId' | 'accessionNumber'} name @param {string} placeholder */
  const text = (name, placeholder) => h('input', { class: 'input', name, value: initial[name] || '', placeholder, testid: `archive-${name}`, autocomplete: 'off', spellcheck: 'false' });
  const patientName = text('patientName', t('archive.patientNamePlaceholder'));
  const patientId = text('patientId', t('archive.patientIdPlaceholder'));
  const accessionNumber = text('accessionNumber', t('archive.accessionPlaceholder'));
  const modality = select(MODALITIES.map((m) => ({ value: m, label: m })), initial.modality || '', { name: 'modality', testid: 'archive-modality' }, t('archive.allModalities'));
  const studyFrom = dateInput('studyFrom', t('archive.studyFrom'), initial.studyFrom);
  const studyTo = dateInput('studyTo', t('archive.studyTo'), initial.studyTo);
  const receivedFrom = dateInput('receivedFrom', t('archive.receivedFrom'), initial.receivedFrom);
  const receivedTo = dateInput('receivedTo', t('archive.receivedTo'), initial.receivedTo);
  const institution = select([], '', { name: 'institutionId', testid: 'archive-institution' }, t('archive.allInstitutions'));
  const cloud = select(
    CLOUD_STATES.map(([code, key]) => ({ value: code, label: t(key) })),
    initial.cloud || '',
    { name: 'cloud', testid: 'archive-cloud' },
    t('archive.allCloudStates'),
  );
  // Campuses for the select (the dictionary needs dict.view; without it the filter stays at 全部院区).
  const institutionsReady = fetchAllRows(api, 'institutions', {}, ctx.signal)
    .then((rows) => {
      for (const r of rows) institution.append(h('option', { value: String(r.id), selected: String(r.id) === initial.institutionId, dataset: { code: String(r.code ?? '') } }, rowLabel(r)));
    })
    .catch(() => {
      institution.disabled = true;
      institution.title = t('archive.institutionsUnavailable');
    });

  /** @type {Record<string, string>} */
  let applied = {};
  const readFilters = () =>
    cleanFilters({
      patientName: patientName.value,
      patientId: patientId.value,
      accessionNumber: accessionNumber.value,
      modality: modality.value,
      studyFrom: studyFrom.value,
      studyTo: studyTo.value,
      receivedFrom: receivedFrom.value,
      receivedTo: receivedTo.value,
      institutionId: institution.value,
      cloud: cloud.value,
    });

  const exporter = exportLink(studyExportHref({}, lang), 'archive-export');
  const canRouting = ctx.can('monitor.view');

  /** @param {ArchivedStudy} s */
  const nameCell = (s) => patientCell(s.patientName, 'study-patient');
  /** @param {ArchivedStudy} s */
  const cloudCell = (s) => {
    const state = cloudState(t, s.cloud.state);
    const routing = s.routingPending || s.routingFailed
      ? h(
          canRouting ? 'a' : 'span',
          { class: ['routing-note', s.routingFailed ? 'is-failed' : ''], href: canRouting ? `#/dicom/outbox${s.routingFailed ? '?status=dead' : ''}` : undefined, testid: 'study-routing', title: t('archive.routingHint') },
          [s.routingPending ? t('archive.routingPending', { n: s.routingPending }) : null, s.routingFailed ? t('archive.routingFailed', { n: s.routingFailed }) : null].filter(Boolean).join(' · '),
        )
      : null;
    return h('span', { class: 'stack-cell cloud-cell' }, badge(state.label, state.tone, { title: cloudCountsText(t, s.cloud), testid: 'study-cloud', dataset: { state: s.cloud.state } }), routing);
  };
  /** @param {ArchivedStudy} s */
  const matchCell = (s) => {
    const state = matchState(t, s.matchStatus);
    const why = s.matchStatus ? matchReason(t, s.matchReason, lang) : t('archive.match.pendingHint');
    return badge(state.label, state.tone, { class: `badge badge-${state.tone} match-badge`, title: why, testid: 'study-match', dataset: { state: s.matchStatus || 'pending' } });
  };

  /** @type {import('../components/ui.js').Column<ArchivedStudy>[]} */
  const columns = [
    { title: t('archive.col.patientName'), render: nameCell },
    { title: t('archive.col.patientId'), render: (s) => h('span', { class: 'ident' }, s.patientId || '—') },
    { title: t('archive.col.sex'), render: (s) => (sexKey(s.sex) ? t(sexKey(s.sex)) : '—') },
    { title: t('archive.col.accession'), render: (s) => h('span', { class: 'ident', testid: 'study-accession' }, s.accessionNumber || '—') },
    { title: t('archive.col.studyDate'), render: (s) => dicomDate(s.studyDate) || '—' },
    { title: t('archive.col.modality'), render: (s) => h('span', { testid: 'study-modality' }, modalitiesText(s.modalities) || '—') },
    { title: t('archive.col.description'), render: (s) => h('span', { class: 'clip study-desc', title: s.description || '' }, s.description || '—') },
    { title: t('archive.col.institution'), render: (s) => h('span', { class: 'clip inst-name', title: s.institutionName || '' }, s.institutionName || '—') },
    { title: t('archive.col.seriesImages'), render: (s) => `${s.numSeries} / ${s.numInstances}`, className: 'num' },
    { title: t('archive.col.size'), render: (s) => formatBytes(s.sizeBytes), className: 'num' },
    {
      title: t('archive.col.archivedAt'),
      render: (s) => {
        const at = formatDateTime(s.archivedAt, { seconds: true });
        return h('span', { class: 'stack-cell', title: at }, h('span', null, at.slice(0, 10)), h('span', { class: 'sub' }, at.slice(11)));
      },
    },
    { title: t('archive.col.match'), render: matchCell },
    { title: t('archive.col.cloud'), render: cloudCell },
    {
      title: t('common.actions'),
      className: 'actions-col',
      render: (s) =>
        h(
          'div',
          { class: 'row-actions' },
          button(t('archive.action.completeness'), { variant: 'link', testid: 'study-completeness', onclick: () => openCompleteness(ctx, s) }),
          button(t('archive.action.access'), { variant: 'link', testid: 'study-access', onclick: () => openAccessLog(ctx, s) }),
          h('a', { class: 'btn btn-link', href: `/viewer/?study=${encodeURIComponent(s.studyUID)}`, target: '_blank', rel: 'noopener', testid: 'study-view', title: t('archive.action.viewHint') }, h('span', null, t('archive.action.view'))),
          s.cloud.state === 'failed' ? button(t('archive.action.retry'), { variant: 'link', testid: 'study-retry', title: t('archive.action.retryHint'), onclick: (/** @type {Event} */ e) => retryStudy(s, /** @type {HTMLButtonElement} */ (e.currentTarget)) }) : null,
        ),
    },
  ];
  const table = dataTable({
    columns,
    testid: 'archive-studies-table',
    rowProps: (s) => ({ testid: `study-row-${s.accessionNumber || s.studyUID}`, dataset: { uid: s.studyUID } }),
    empty: () =>
      Object.keys(applied).length
        ? { title: t('common.noMatch'), text: t('common.noMatchHint') }
        : { title: t('archive.studies.empty'), text: t('archive.studies.emptyHint') },
  });
  table.el.classList.add('archive-table');
  const pg = pager((p, size) => list.goTo(p, size));
  const list = pagedList({
    table,
    pager: pg,
    load: async (page, pageSize) => {
      try {
        return await api.request('GET', '/api/archive/studies', { query: { ...applied, page, pageSize }, signal: ctx.signal });
      } catch (error) {
        placeServerErrors(toolbar, error);
        throw error;
      }
    },
  });

  /** @param {ArchivedStudy} s @param {HTMLButtonElement} b */
  async function retryStudy(s, b) {
    setBusy(b, true);
    try {
      const answer = await api.request('POST', '/api/archive/cloud/retry-failed', { query: { study: s.studyUID }, signal: ctx.signal });
      toast(t('archive.retry.studyDone', { n: answer.requeued ?? 0 }), 'success');
      list.reload();
    } catch (error) {
      if (ctx.signal.aborted) return;
      setBusy(b, false);
      toastError(error);
    }
  }

  const apply = () => {
    const f = readFilters();
    clearErrors(toolbar);
    /** @type {Record<string, string>} */
    const messages = {};
    for (const [name, p] of Object.entries(checkRanges(f))) messages[name] = t(p.key);
    if (Object.keys(messages).length) {
      placeErrors(toolbar, messages);
      return;
    }
    applied = f;
    exporter.href = studyExportHref(applied, lang);
    list.search();
  };

  const toolbar = searchToolbar({
    wrap: true,
    filters: h(
      'div',
      { class: 'filter-grid' },
      filterField(t('archive.patientName'), patientName, ['patientName']),
      filterField(t('archive.patientId'), patientId, ['patientId']),
      filterField(t('archive.accession'), accessionNumber, ['accessionNumber']),
      filterField(t('archive.modality'), modality, ['modality']),
      filterField(t('archive.studyDate'), dateRange(studyFrom, studyTo), ['studyFrom', 'studyTo'], { wide: true }),
      filterField(t('archive.receivedDate'), dateRange(receivedFrom, receivedTo), ['receivedFrom', 'receivedTo'], { wide: true }),
      filterField(t('archive.institution'), institution, ['institutionId']),
      filterField(t('archive.cloudState'), cloud, ['cloud']),
    ),
    queryTestid: 'archive-query',
    onSearch: apply,
    onReset: () => {
      for (const input of [patientName, patientId, accessionNumber, studyFrom, studyTo, receivedFrom, receivedTo]) input.value = '';
      modality.value = '';
      institution.value = '';
      cloud.value = '';
    },
  });
  toolbar.classList.add('archive-toolbar');
  for (const s of [modality, institution, cloud]) s.addEventListener('change', apply);

  return {
    actions: exporter,
    body: [toolbar, table.el, pg.el],
    start: () => {
      // A campus given in the route is only selectable once the list is there.
      if (initial.institutionId) institutionsReady.then(apply);
      else apply();
    },
  };
}

/**
 * 完整性: the overall state with its reason, and every series (received, expected, missing numbers).
 * @param {ViewContext} ctx
 * @param {ArchivedStudy} s
 */
function openCompleteness(ctx, s) {
  const lang = getLanguage();
  const body = h('div', { class: 'completeness', testid: 'completeness-body' }, h('div', { class: 'table-state' }, h('span', { class: 'spinner' }), t('common.loading')));
  const close = button(t('common.close'), { testid: 'completeness-close' });
  const modal = openModal({ title: t('archive.completeness.title'), size: 'lg', testid: 'completeness-dialog', body: h('div', null, studyLine(s), body), footer: h('div', { class: 'footer-buttons' }, close), initialFocus: close });
  close.addEventListener('click', modal.close);
  ctx.api
    .request('GET', `/api/archive/studies/${encodeURIComponent(s.studyUID)}/completeness`, { signal: ctx.signal })
    .then((/** @type {StudyCompleteness} */ c) => {
      const state = completenessState(t, c.state);
      /** @type {import('../components/ui.js').Column<StudyCompleteness['series'][number]>[]} */
      const columns = [
        { title: t('archive.series.number'), render: (r) => r.seriesNumber || '—', className: 'num' },
        { title: t('archive.series.modality'), render: (r) => r.modality || '—' },
        { title: t('archive.series.description'), render: (r) => h('span', { class: 'clip series-desc', title: r.description || '' }, r.description || '—') },
        { title: t('archive.series.received'), render: (r) => String(r.received), className: 'num' },
        { title: t('archive.series.expected'), render: (r) => (r.expected == null ? h('span', { class: 'muted', title: t('archive.series.noExpected') }, '—') : String(r.expected)), className: 'num' },
        { title: t('archive.series.missing'), render: (r) => h('span', { class: r.missingNumbers.length ? 'missing-numbers' : 'muted', title: r.missingNumbers.join(', ') }, missingText(r.missingNumbers, t('archive.listSep'))) },
        {
          title: t('archive.series.complete'),
          render: (r) =>
            h('span', { class: ['complete-mark', r.complete ? 'is-ok' : 'is-bad'], testid: 'series-complete', title: r.complete ? t('archive.series.isComplete') : t('archive.series.isIncomplete') }, r.complete ? '✓' : '✗'),
          className: 'center',
        },
      ];
      const table = dataTable({ columns, testid: 'completeness-table', emptyText: t('archive.series.empty') });
      table.setRows(c.series);
      replace(
        body,
        h(
          'div',
          { class: `completeness-state state-${state.tone}`, testid: 'completeness-state', dataset: { state: c.state } },
          icon(c.state === 'complete' ? 'checkCircle' : c.state === 'receiving' ? 'clock' : 'alert'),
          h('div', null, h('div', { class: 'completeness-title' }, state.label), h('div', { class: 'completeness-reason', testid: 'completeness-reason' }, completenessReason(t, c.reason, lang))),
        ),
        h(
          'p',
          { class: 'hint completeness-basis' },
          c.mppsStatus ? t('archive.completeness.mpps', { status: c.mppsStatus }) : t('archive.completeness.noMpps'),
        ),
        table.el,
      );
    })
    .catch((error) => {
      if (ctx.signal.aborted) return;
      replace(body, h('div', { class: 'table-state error', testid: 'completeness-error' }, icon('alert'), h('span', null, errorText(error))));
    });
}

/**
 * The study a dialog is about: "张三 · CT2024001 · 2024-12-20 · CT/OT · 胸腹部CT增强".
 * @param {Pick<ArchivedStudy, 'patientName' | 'accessionNumber' | 'studyDate' | 'modalities' | 'description'>} s
 */
function studyLine(s) {
  const n = personName(s.patientName);
  const parts = [n.main, s.accessionNumber ? t('archive.accessionShort', { n: s.accessionNumber }) : null, dicomDate(s.studyDate), modalitiesText(s.modalities), s.description].filter(Boolean);
  return h('div', { class: 'study-line', testid: 'dialog-study' }, icon('fileText'), h('span', null, parts.join(' · ')));
}

/**
 * 访问记录: who opened, searched or downloaded the study, newest first (DM-04).
 * @param {ViewContext} ctx
 * @param {ArchivedStudy} s
 */
function openAccessLog(ctx, s) {
  const OUTCOME = /** @type {Record<string, [string, 'green' | 'red' | 'orange']>} */ ({
    success: ['audit.outcome.success', 'green'],
    failure: ['audit.outcome.failure', 'red'],
    denied: ['audit.outcome.denied', 'orange'],
  });
  /** @type {import('../components/ui.js').Column<StudyAccess>[]} */
  const columns = [
    { title: t('archive.access.at'), render: (r) => formatDateTime(r.at, { seconds: true }) },
    { title: t('archive.access.user'), render: (r) => r.username || '—' },
    { title: t('archive.access.ip'), render: (r) => h('span', { class: 'mono' }, r.clientIp || '—') },
    {
      title: t('archive.access.action'),
      render: (r) => {
        const name = accessActionText(t, r.action);
        return name ? h('span', { class: 'stack-cell' }, h('span', null, name), h('code', { class: 'action-code' }, r.action)) : h('code', { class: 'code' }, r.action);
      },
    },
    { title: t('archive.access.outcome'), render: (r) => (OUTCOME[r.outcome] ? badge(t(OUTCOME[r.outcome][0]), OUTCOME[r.outcome][1]) : badge(r.outcome, 'gray')) },
    { title: t('archive.access.detail'), render: (r) => h('span', { class: 'clip access-detail', title: r.detail || '' }, r.detail || '') },
  ];
  const table = dataTable({ columns, testid: 'access-table', empty: () => ({ title: t('archive.access.empty') }) });
  const pg = pager((p, size) => list.goTo(p, size));
  const list = pagedList({
    table,
    pager: pg,
    load: (page, pageSize) => ctx.api.request('GET', `/api/archive/studies/${encodeURIComponent(s.studyUID)}/access`, { query: { page, pageSize }, signal: ctx.signal }),
  });
  const close = button(t('common.close'), { testid: 'access-close' });
  const modal = openModal({
    title: t('archive.access.title'),
    size: 'xl',
    testid: 'access-dialog',
    body: h('div', null, studyLine(s), h('p', { class: 'hint' }, t('archive.access.intro')), table.el, pg.el),
    footer: h('div', { class: 'footer-buttons' }, close),
    initialFocus: close,
  });
  close.addEventListener('click', modal.close);
  list.search();
}

// ---------------------------------------------------------------- 待匹配 (DCM-06, DCM-07)

/**
 * Studies the matcher could not settle: no exam found (未匹配) or several, or an accession number of another
 * patient (冲突). A person picks the exam in the 匹配 dialog; the study then leaves the list.
 * @param {ViewContext} ctx
 * @param {ArchivePage} page
 */
function matchingTab(ctx, page) {
  const { api } = ctx;
  const lang = getLanguage();

  /** @type {import('../components/ui.js').Column<MatchQueueItem>[]} */
  const columns = [
    { title: t('archive.queue.col.patient'), render: (r) => patientCell(r.patientName, 'queue-patient') },
    { title: t('archive.col.patientId'), render: (r) => h('span', { class: 'ident', testid: 'queue-patient-id' }, r.patientId || '—') },
    { title: t('archive.queue.col.imageAccession'), render: (r) => h('span', { class: 'ident', testid: 'queue-accession' }, r.accessionNumber || '—') },
    { title: t('archive.col.studyDate'), render: (r) => dicomDate(r.studyDate) || '—' },
    { title: t('archive.col.modality'), render: (r) => modalitiesText(r.modalities) || '—' },
    { title: t('archive.col.description'), render: (r) => h('span', { class: 'clip study-desc', title: r.description || '' }, r.description || '—') },
    {
      title: t('archive.queue.col.status'),
      render: (r) => {
        const state = matchState(t, r.status);
        return badge(state.label, state.tone, { testid: 'queue-status', dataset: { state: r.status } });
      },
    },
    {
      title: t('archive.queue.col.reason'),
      render: (r) => {
        const why = matchReason(t, r.reason, lang);
        const n = r.candidates.length;
        return h(
          'span',
          { class: 'stack-cell queue-reason' },
          h('span', { class: 'reason-text', title: why, testid: 'queue-reason' }, why || '—'),
          h('span', { class: ['sub', n ? '' : 'is-none'], testid: 'queue-candidates' }, n ? t('archive.queue.candidates', { n }) : t('archive.queue.noCandidates')),
        );
      },
    },
    {
      title: t('common.actions'),
      className: 'actions-col',
      render: (r) =>
        h('div', { class: 'row-actions' }, button(t('archive.queue.match'), { variant: 'link', testid: 'queue-match', title: t('archive.queue.matchHint'), onclick: () => openMatch(ctx, r, list.reload) })),
    },
  ];
  const table = dataTable({
    columns,
    testid: 'match-queue-table',
    rowProps: (r) => ({ testid: `queue-row-${r.accessionNumber || r.studyUID}`, dataset: { uid: r.studyUID } }),
    empty: () => ({ title: t('archive.queue.empty'), text: t('archive.queue.emptyHint') }),
  });
  table.el.classList.add('archive-table', 'queue-table');
  const pg = pager((p, size) => list.goTo(p, size));
  const list = pagedList({
    table,
    pager: pg,
    load: async (p, pageSize) => {
      /** @type {import('../types/models').Page<MatchQueueItem>} */
      const answer = await api.request('GET', '/api/archive/match-queue', { query: { page: p, pageSize }, signal: ctx.signal });
      page.setQueueCount(answer.total);
      return answer;
    },
  });
  const refresh = button(t('archive.queue.refresh'), { icon: 'refresh', testid: 'queue-refresh', title: t('archive.queue.refreshHint'), onclick: () => list.reload() });

  return {
    actions: refresh,
    body: [h('p', { class: 'queue-intro', testid: 'queue-intro' }, icon('info'), h('span', null, t('archive.queue.intro'))), table.el, pg.el],
    start: () => list.search(),
  };
}

/**
 * 匹配: the exams the study could belong to, one chosen with a radio; 确认匹配 posts it. Without candidates the
 * dialog says the exam must be registered first and offers no confirmation.
 * @param {ViewContext} ctx
 * @param {MatchQueueItem} item
 * @param {() => void} reload the queue (after matching, and when the study or exam turned out to be gone)
 */
function openMatch(ctx, item, reload) {
  const lang = getLanguage();
  const state = matchState(t, item.status);
  const alert = h('div', { class: 'form-alert', role: 'alert', hidden: true, testid: 'match-alert' });
  const reason = h(
    'div',
    { class: `completeness-state state-${state.tone}`, testid: 'match-reason', dataset: { state: item.status } },
    icon(item.status === 'conflict' ? 'alert' : 'info'),
    h('div', null, h('div', { class: 'completeness-title' }, state.label), h('div', { class: 'completeness-reason' }, matchReason(t, item.reason, lang))),
  );
  const close = button(item.candidates.length ? t('common.cancel') : t('common.close'), { testid: 'match-cancel' });

  if (item.candidates.length === 0) {
    const modal = openModal({
      title: t('archive.matchDialog.title'),
      size: 'md',
      testid: 'match-dialog',
      body: h(
        'div',
        null,
        studyLine(item),
        reason,
        h(
          'div',
          { class: 'match-none', testid: 'match-no-candidates' },
          h('div', { class: 'match-none-title' }, t('archive.matchDialog.noCandidatesTitle')),
          h('p', null, item.patientId ? t('archive.matchDialog.noCandidates', { patientId: item.patientId }) : t('archive.matchDialog.noCandidatesNoId')),
        ),
      ),
      footer: h('div', { class: 'footer-buttons' }, close),
      initialFocus: close,
    });
    close.addEventListener('click', modal.close);
    return;
  }

  const radioName = `exam-${Math.random().toString(36).slice(2)}`;
  /** @type {import('../components/ui.js').Column<MatchCandidate>[]} */
  const columns = [
    {
      title: t('archive.matchDialog.select'),
      className: 'center pick-col',
      render: (c) =>
        h('input', {
          type: 'radio',
          name: radioName,
          value: String(c.id),
          testid: 'candidate-radio',
          'aria-label': `${t('archive.matchDialog.accession')} ${c.accessionNumber}`,
          onchange: () => {
            clearErrors(form);
            for (const tr of form.querySelectorAll('tr.is-picked')) tr.classList.remove('is-picked');
            form.querySelector(`tr[data-exam="${c.id}"]`)?.classList.add('is-picked');
          },
        }),
    },
    { title: t('archive.matchDialog.accession'), render: (c) => h('span', { class: 'ident strong', testid: 'candidate-accession' }, c.accessionNumber || '—') },
    {
      title: t('archive.matchDialog.patient'),
      render: (c) => {
        const n = personName(c.patientName);
        const other = Boolean(item.patientId) && c.patientId !== item.patientId;
        return h(
          'span',
          { class: 'stack-cell' },
          h('span', null, n.main || '—'),
          h('span', { class: ['sub', 'ident', other ? 'is-other' : ''], title: other ? t('archive.matchDialog.otherPatient') : undefined }, c.patientId || '—', other ? ' ⚠' : ''),
        );
      },
    },
    { title: t('archive.matchDialog.modality'), render: (c) => c.modality || '—' },
    { title: t('archive.matchDialog.scheduledDate'), render: (c) => dicomDate(c.scheduledDate) || '—' },
    { title: t('archive.matchDialog.procedure'), render: (c) => h('span', { class: 'clip series-desc', title: c.procedureDescription || '' }, c.procedureDescription || '—') },
    {
      title: t('archive.matchDialog.status'),
      render: (c) => {
        const s = examState(t, c.status);
        return badge(s.label, s.tone);
      },
    },
  ];
  const table = dataTable({ columns, testid: 'candidate-table', rowProps: (c) => ({ testid: `candidate-${c.accessionNumber || c.id}`, dataset: { exam: String(c.id) }, class: 'pick-row' }) });
  table.setRows(item.candidates);
  const form = h(
    'form',
    { class: 'match-form', novalidate: true },
    alert,
    h('p', { class: 'hint' }, t('archive.matchDialog.choose')),
    table.el,
    h('div', { class: 'field-error', testid: 'error-examId', hidden: true, dataset: { errorFor: 'examId' } }),
  );
  // A click anywhere in a row chooses it.
  table.el.addEventListener('click', (e) => {
    const target = /** @type {HTMLElement} */ (e.target);
    if (target.closest('input')) return;
    const radio = /** @type {HTMLInputElement | null} */ (target.closest('tr')?.querySelector('input[type=radio]') || null);
    if (radio && !radio.checked) {
      radio.checked = true;
      radio.dispatchEvent(new Event('change', { bubbles: true }));
    }
  });
  const confirm = button(t('archive.matchDialog.confirm'), { variant: 'primary', testid: 'match-confirm' });
  const modal = openModal({
    title: t('archive.matchDialog.title'),
    size: 'xl',
    testid: 'match-dialog',
    body: h('div', null, studyLine(item), reason, form),
    footer: h('div', { class: 'footer-buttons' }, close, confirm),
    initialFocus: /** @type {HTMLElement | null} */ (form.querySelector('input[type=radio]')),
  });
  close.addEventListener('click', modal.close);

  const submit = async () => {
    clearErrors(form);
    alert.hidden = true;
    const picked = /** @type {HTMLInputElement | null} */ (form.querySelector('input[type=radio]:checked'));
    if (!picked) {
      placeErrors(form, { examId: t('archive.matchDialog.chooseExam') });
      return;
    }
    const exam = item.candidates.find((c) => String(c.id) === picked.value);
    setBusy(confirm, true);
    try {
      await ctx.api.request('POST', `/api/archive/studies/${encodeURIComponent(item.studyUID)}/match`, { json: { examId: Number(picked.value) }, signal: ctx.signal });
      modal.close();
      toast(t('archive.matchDialog.done', { accession: exam?.accessionNumber || picked.value }), 'success');
      reload();
    } catch (error) {
      if (ctx.signal.aborted) return;
      setBusy(confirm, false);
      if (placeServerErrors(form, error)) return;
      const key = matchErrorKey(error instanceof ApiError ? error : null);
      alert.textContent = key ? t(key) : errorText(error);
      alert.hidden = false;
      if (key === 'archive.matchDialog.gone') reload();
    }
  };
  confirm.addEventListener('click', submit);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });
}

// ---------------------------------------------------------------- 归档统计

/**
 * @param {ViewContext} ctx
 */
function statisticsTab(ctx) {
  const { api } = ctx;
  const lang = getLanguage();
  const by = select(STAT_GROUPS.map(([code, key]) => ({ value: code, label: t(key) })), STAT_GROUPS.some(([c]) => c === ctx.query.get('by')) ? String(ctx.query.get('by')) : 'modality', { name: 'by', testid: 'stats-by' });
  const from = dateInput('from', t('archive.receivedFrom'), ctx.query.get('from') || '');
  const to = dateInput('to', t('archive.receivedTo'), ctx.query.get('to') || '');
  const exporter = exportLink(statisticsExportHref({ by: 'modality' }, lang), 'stats-export');
  const summary = h('div', { class: 'stat-summary', testid: 'stats-summary', role: 'status' });
  const chartBox = h('div', { class: 'stat-chart', testid: 'stats-chart-box' });

  /** @type {{by: string, from?: string, to?: string}} */
  let applied = { by: 'modality' };
  const keyTitle = () => t(STAT_GROUPS.find(([code]) => code === applied.by)?.[1] || 'archive.by.modality');

  /** @type {import('../components/ui.js').Column<ArchiveStatRow>[]} */
  const columns = [
    { title: t('archive.stats.key'), render: (r) => h('span', { class: r.key ? '' : 'muted', testid: 'stat-key' }, statKeyText(t, applied.by, r.key)) },
    { title: t('archive.stats.studies'), render: (r) => h('span', { testid: 'stat-studies' }, formatCount(r.studies)), className: 'num' },
    { title: t('archive.stats.instances'), render: (r) => formatCount(r.instances), className: 'num' },
    { title: t('archive.stats.size'), render: (r) => formatBytes(r.bytes), className: 'num' },
  ];
  const table = dataTable({
    columns,
    testid: 'stats-table',
    empty: () => (applied.from || applied.to ? { title: t('archive.stats.emptyRange'), text: t('archive.stats.emptyRangeHint') } : { title: t('archive.stats.empty') }),
  });

  let seq = 0;
  async function load() {
    const mine = ++seq;
    table.setLoading();
    try {
      const answer = await api.request('GET', '/api/archive/statistics', { query: applied, signal: ctx.signal });
      if (mine !== seq) return;
      /** @type {ArchiveStatRow[]} */
      const rows = answer.items || [];
      // The key column's title follows the grouping (设备类型 / 检查月份 …).
      const th = table.el.querySelector('th');
      if (th) th.textContent = keyTitle();
      table.setRows(rows);
      const sum = statTotals(rows);
      replace(
        summary,
        rows.length
          ? [
              h('span', { class: 'stat-fact' }, t('archive.stats.totalStudies'), h('strong', { testid: 'stats-total-studies' }, formatCount(sum.studies))),
              h('span', { class: 'stat-fact' }, t('archive.stats.totalInstances'), h('strong', null, formatCount(sum.instances))),
              h('span', { class: 'stat-fact' }, t('archive.stats.totalSize'), h('strong', null, formatBytes(sum.bytes))),
              h('span', { class: 'stat-fact muted' }, t('archive.stats.groups', { n: rows.length, by: keyTitle() })),
            ]
          : null,
      );
      const shown = chartRows(rows, CHART_LIMIT);
      replace(
        chartBox,
        rows.length
          ? [
              h('div', { class: 'chart-title' }, t('archive.stats.chartTitle', { by: keyTitle() })),
              barChart({
                width: chartWidth(chartBox),
                rows: shown.rows.map((r) => ({ label: statKeyText(t, applied.by, r.key), values: [r.studies] })),
                series: [{ label: t('archive.stats.studies'), color: COLORS.studies }],
                format: formatCount,
                tooltip: (row) => t('archive.stats.barTip', { key: row.label, n: formatCount(row.values[0]) }),
                testid: 'stats-chart',
                ariaLabel: t('archive.stats.chartTitle', { by: keyTitle() }),
              }),
              shown.hidden ? h('p', { class: 'hint' }, t('archive.chartLimited', { n: CHART_LIMIT, hidden: shown.hidden })) : null,
            ]
          : emptyState({ icon: 'barChart', title: t('archive.stats.noChart'), testid: 'stats-chart-empty' }),
      );
    } catch (error) {
      if (mine !== seq || ctx.signal.aborted) return;
      placeServerErrors(toolbar, error);
      table.setError(error, load);
      replace(summary);
      replace(chartBox);
    }
  }

  const apply = () => {
    clearErrors(toolbar);
    const f = { by: by.value, from: from.value, to: to.value };
    /** @type {Record<string, string>} */
    const messages = {};
    for (const [name, p] of Object.entries(checkRanges(f))) messages[name] = t(p.key);
    if (Object.keys(messages).length) {
      placeErrors(toolbar, messages);
      return;
    }
    applied = { by: f.by, from: f.from || undefined, to: f.to || undefined };
    exporter.href = statisticsExportHref(applied, lang);
    load();
  };

  const toolbar = searchToolbar({
    wrap: true,
    filters: h(
      'div',
      { class: 'filter-grid filter-grid-stats' },
      filterField(t('archive.stats.by'), by, ['by']),
      filterField(t('archive.receivedDate'), dateRange(from, to), ['from', 'to'], { wide: true }),
    ),
    queryTestid: 'stats-query',
    onSearch: apply,
    onReset: () => {
      by.value = 'modality';
      from.value = '';
      to.value = '';
    },
  });
  toolbar.classList.add('archive-toolbar');
  by.addEventListener('change', apply);

  return {
    actions: exporter,
    body: [toolbar, summary, h('div', { class: 'stat-layout' }, chartBox, h('div', { class: 'stat-table' }, table.el))],
    start: apply,
  };
}

// ---------------------------------------------------------------- 上传状态

/**
 * @param {ViewContext} ctx
 */
function uploadTab(ctx) {
  const { api } = ctx;
  const notice = h('div', { class: 'notice notice-warn', hidden: true, testid: 'no-object-store', role: 'note' }, icon('alert'), h('span', null, t('archive.upload.noStore')));
  const cards = h('div', { class: 'storage-cards', testid: 'storage-cards' }, h('div', { class: 'table-state' }, h('span', { class: 'spinner' }), t('common.loading')));
  const uploadNow = button(t('archive.upload.now'), { variant: 'primary', icon: 'upload', testid: 'upload-now', disabled: true });
  const retryAll = button(t('archive.upload.retryAll'), { icon: 'refresh', testid: 'retry-all', disabled: true });
  // A disabled button shows no tooltip in every browser; the wrapper carries it.
  const uploadWrap = h('span', { class: 'btn-wrap', testid: 'upload-now-wrap' }, uploadNow);
  const retryWrap = h('span', { class: 'btn-wrap', testid: 'retry-all-wrap' }, retryAll);
  const groupBy = select(UPLOAD_GROUPS.map(([code, key]) => ({ value: code, label: t(key) })), 'modality', { testid: 'upload-by', 'aria-label': t('archive.stats.by') });
  const chartBox = h('div', { class: 'upload-chart', testid: 'upload-chart-box' });
  const failedLink = h('a', { class: 'btn btn-link', href: '#/archive/studies?cloud=failed', hidden: true, testid: 'upload-failed-link' }, h('span', null, t('archive.upload.showFailed')), icon('arrowRight'));

  /** @type {StorageSummary | null} */
  let storage = null;

  /**
   * @param {string} label @param {string} value @param {string | null} sub @param {string} tone @param {string} testid
   */
  const card = (label, value, sub, tone, testid) =>
    h('div', { class: `storage-card tone-${tone}`, testid }, h('div', { class: 'storage-label' }, label), h('div', { class: 'storage-value' }, value), sub ? h('div', { class: 'storage-sub' }, sub) : null);

  async function loadStorage() {
    try {
      /** @type {StorageSummary} */
      const s = await api.request('GET', '/api/archive/storage', { signal: ctx.signal });
      storage = s;
      notice.hidden = s.objectStore;
      replace(
        cards,
        card(t('archive.upload.instances'), formatCount(s.instances), t('archive.upload.bytes', { size: formatBytes(s.bytes) }), 'plain', 'storage-instances'),
        card(t('archive.cloud.uploaded'), formatCount(s.uploaded), percentText(s.uploaded, s.instances), 'green', 'storage-uploaded'),
        card(t('archive.cloud.pending'), formatCount(s.pending), s.objectStore ? percentText(s.pending, s.instances) : t('archive.upload.pendingNoStore'), 'blue', 'storage-pending'),
        card(t('archive.cloud.failed'), formatCount(s.failed), s.failed ? t('archive.upload.failedHint') : percentText(0, s.instances), s.failed ? 'red' : 'plain', 'storage-failed'),
        card(t('archive.upload.evicted'), formatCount(s.evicted), t('archive.upload.evictedHint'), 'plain', 'storage-evicted'),
      );
      failedLink.hidden = s.failed === 0;
      const off = !s.objectStore;
      uploadNow.disabled = off;
      retryAll.disabled = off || s.failed === 0;
      uploadWrap.title = off ? t('archive.upload.noStoreShort') : t('archive.upload.nowHint');
      retryWrap.title = off ? t('archive.upload.noStoreShort') : s.failed === 0 ? t('archive.upload.noFailed') : t('archive.upload.retryAllHint', { n: s.failed });
    } catch (error) {
      if (ctx.signal.aborted) return;
      replace(cards, h('div', { class: 'table-state error', testid: 'storage-error' }, icon('alert'), h('span', null, errorText(error)), button(t('common.retry'), { variant: 'link', onclick: loadStorage })));
    }
  }

  let seq = 0;
  async function loadChart() {
    const mine = ++seq;
    const by = groupBy.value;
    chartBox.classList.add('is-loading');
    try {
      const answer = await api.request('GET', '/api/archive/upload-status', { query: { by }, signal: ctx.signal });
      if (mine !== seq) return;
      /** @type {UploadStatusRow[]} */
      const rows = answer.items || [];
      const shown = chartRows(rows, CHART_LIMIT);
      const series = [
        { label: t('archive.cloud.uploaded'), color: COLORS.uploaded },
        { label: t('archive.cloud.pending'), color: COLORS.pending },
        { label: t('archive.cloud.failed'), color: COLORS.failed },
      ];
      replace(
        chartBox,
        rows.length
          ? [
              barChart({
                width: chartWidth(chartBox),
                rows: shown.rows.map((r) => ({ label: statKeyText(t, by, r.key), values: [r.uploaded, r.pending, r.failed] })),
                series,
                format: formatCount,
                tooltip: (row, k) => t('archive.upload.barTip', { key: row.label, state: series[k].label, n: formatCount(row.values[k]) }),
                testid: 'upload-chart',
                ariaLabel: t('archive.upload.chartTitle'),
              }),
              shown.hidden ? h('p', { class: 'hint' }, t('archive.chartLimited', { n: CHART_LIMIT, hidden: shown.hidden })) : null,
            ]
          : emptyState({ icon: 'barChart', title: t('archive.upload.chartEmpty'), text: t('archive.studies.emptyHint'), testid: 'upload-chart-empty' }),
      );
    } catch (error) {
      if (mine !== seq || ctx.signal.aborted) return;
      replace(chartBox, h('div', { class: 'table-state error' }, icon('alert'), h('span', null, errorText(error)), button(t('common.retry'), { variant: 'link', onclick: loadChart })));
    } finally {
      if (mine === seq) chartBox.classList.remove('is-loading');
    }
  }
  groupBy.addEventListener('change', loadChart);

  uploadNow.addEventListener('click', async () => {
    setBusy(uploadNow, true);
    try {
      /** @type {CloudUploadResult} */
      const r = await api.request('POST', '/api/archive/cloud/upload', { signal: ctx.signal });
      showUploadResult(r);
    } catch (error) {
      if (!ctx.signal.aborted) toastError(error);
    } finally {
      setBusy(uploadNow, false);
      if (!ctx.signal.aborted) refresh();
    }
  });

  retryAll.addEventListener('click', async () => {
    const n = storage?.failed ?? 0;
    if (!(await confirmDialog({ title: t('archive.upload.retryAll'), message: t('archive.upload.retryAllConfirm', { n }), confirmText: t('archive.upload.retryAllOk') }))) return;
    setBusy(retryAll, true);
    try {
      const answer = await api.request('POST', '/api/archive/cloud/retry-failed', { signal: ctx.signal });
      toast(t('archive.upload.requeued', { n: answer.requeued ?? 0 }), 'success');
    } catch (error) {
      if (!ctx.signal.aborted) toastError(error);
    } finally {
      setBusy(retryAll, false);
      if (!ctx.signal.aborted) refresh();
    }
  });

  /** @param {CloudUploadResult} r */
  function showUploadResult(r) {
    const ok = r.failed === 0;
    if (ok && (!r.errors || r.errors.length === 0)) {
      toast(r.uploaded ? t('archive.upload.doneOk', { n: r.uploaded, size: formatBytes(r.bytes) }) : t('archive.upload.nothing'), 'success');
      return;
    }
    const close = button(t('common.close'), { variant: 'primary', testid: 'upload-result-close' });
    const modal = openModal({
      title: t('archive.upload.resultTitle'),
      size: 'md',
      testid: 'upload-result',
      body: h(
        'div',
        { class: 'upload-result' },
        h(
          'div',
          { class: 'result-facts' },
          h('span', null, t('archive.upload.resUploaded', { n: r.uploaded })),
          h('span', { class: r.failed ? 'is-failed' : '' }, t('archive.upload.resFailed', { n: r.failed })),
          h('span', null, t('archive.upload.resEvicted', { n: r.evicted })),
          h('span', null, t('archive.upload.resBytes', { size: formatBytes(r.bytes) })),
        ),
        r.errors && r.errors.length
          ? [h('div', { class: 'section-label' }, t('archive.upload.errors')), h('ul', { class: 'error-list', testid: 'upload-errors' }, r.errors.slice(0, 50).map((e) => h('li', null, e)))]
          : null,
        h('p', { class: 'hint' }, t('archive.upload.resultHint')),
      ),
      footer: h('div', { class: 'footer-buttons' }, close),
      initialFocus: close,
    });
    close.addEventListener('click', modal.close);
  }

  function refresh() {
    loadStorage();
    loadChart();
  }

  return {
    actions: h('div', { class: 'header-buttons' }, retryWrap, uploadWrap),
    body: [
      h('div', { class: 'upload-top' }, notice, cards),
      h(
        'div',
        { class: 'upload-chart-card' },
        h(
          'div',
          { class: 'chart-head' },
          h('div', { class: 'chart-title' }, t('archive.upload.chartTitle')),
          h('label', { class: 'chart-by' }, h('span', { class: 'filter-label' }, t('archive.stats.by')), groupBy),
          failedLink,
        ),
        chartBox,
      ),
    ],
    start: refresh,
  };
}
