// 影像数据管理 (DM-01..07): archived studies searched by patient, exam number, modality, exam and archive date,
// campus and cloud upload status, with how each was matched to its exam, completeness, who opened them, the viewer
// and re-upload (归档检索); the studies no exam could be found for, matched to one by a person, and those a department
// rule proposed an exam for, confirmed by one (待匹配, DCM-06/07), with the rules themselves (匹配规则);
// archive statistics by modality, exam time, archive time or campus (归档统计); and the cloud upload status with
// the storage summary, a chart by category, 立即上传 and 重新上传全部失败任务 (上传状态); photos, scanned forms and
// PDF reports converted into DICOM under a patient's study (上传转换, DCM-08).
// Tabs are routes: #/archive/studies (filters may be given: ?cloud=failed&modality=CT), #/archive/matching (and its
// 匹配规则, the department's own matching rules, at #/archive/matching/rules), #/archive/statistics, #/archive/upload, #/archive/convert. Everything needs archive.manage.
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
  matchErrorKey, queueCountText, suggestedExam, RULE_KEYS, RULE_ACTIONS, ruleAction, ruleKeyLabel, ruleKeyChip, orderRules, moveRule,
  ruleWindowText, ruleFormPayload, CONVERT_ACCEPT, CONVERT_MAX_FILES, CONVERT_MAX_BYTES, CONVERSION_TYPES, convertFileKind, checkConvertFiles,
  studySearchQuery, qidoStudy, convertFields, convertResultOf, convertCounts, convertMessage, progressPercent, convertBatches,
} from '../lib/archive.js';
import {
  pageHeader, button, badge, dataTable, pager, pagedList, searchToolbar, select, openModal, formModal, confirmDialog, toast, toastError, errorText,
  emptyState, clearErrors, field, showProblems, showFormError, setFormAlert,
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
/** @typedef {import('../lib/archive.js').FoundStudy} FoundStudy */
/** @typedef {import('../lib/archive.js').ConvertResult} ConvertResult */
/** @typedef {import('../lib/archive.js').MatchingRule} MatchingRule */
/** @typedef {import('../lib/archive.js').RuleKey} RuleKey */
/** @typedef {import('../lib/archive.js').Tone} Tone */
/** @typedef {import('../lib/dom.js').Child} Child */

/** @type {Record<ArchiveTab, string>} */
const TAB_LABELS = { studies: 'archive.tab.studies', matching: 'archive.tab.matching', statistics: 'archive.tab.statistics', upload: 'archive.tab.upload', convert: 'archive.tab.convert' };

/**
 * What a tab may change on the page around it: the number on the 待匹配 tab.
 * @typedef {{setQueueCount: (n: number) => void}} ArchivePage
 */

/** @type {Record<ArchiveTab, (ctx: ViewContext, page: ArchivePage) => {actions: Child, body: Child, start: () => void}>} */
const TAB_VIEWS = { studies: studiesTab, matching: matchingTab, statistics: statisticsTab, upload: uploadTab, convert: convertTab };

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
  if (tab !== 'matching' || ctx.params[1] === 'rules') {
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
 * A state as a badge in its colour (the archive's states use one more colour than the shared badge: purple for
 * 建议匹配 and 人工确认).
 * @param {{label: string, tone: Tone}} state
 * @param {Record<string, any>} [props]
 */
const stateBadge = (state, props = {}) => h('span', { ...props, class: ['badge', `badge-${state.tone}`, props.class || ''] }, state.label);

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
    return h('span', { class: 'stack-cell cloud-cell' }, stateBadge(state, { title: cloudCountsText(t, s.cloud), testid: 'study-cloud', dataset: { state: s.cloud.state } }), routing);
  };
  /** @param {ArchivedStudy} s */
  const matchCell = (s) => {
    const state = matchState(t, s.matchStatus);
    const why = s.matchStatus ? matchReason(t, s.matchReason, lang) : t('archive.match.pendingHint');
    return stateBadge(state, { class: 'match-badge', title: why, testid: 'study-match', dataset: { state: s.matchStatus || 'pending' } });
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
 * 待匹配 has two parts, each a route: the studies waiting (#/archive/matching) and the department's matching rules
 * (#/archive/matching/rules).
 * @param {ViewContext} ctx
 * @param {ArchivePage} page
 */
function matchingTab(ctx, page) {
  const rules = ctx.params[1] === 'rules';
  const view = rules ? rulesView(ctx) : queueView(ctx, page);
  const parts = /** @type {const} */ ([
    ['queue', '#/archive/matching', 'archive.matching.sub.queue'],
    ['rules', '#/archive/matching/rules', 'archive.matching.sub.rules'],
  ]);
  const current = rules ? 'rules' : 'queue';
  const nav = h(
    'nav',
    { class: 'subtabs', 'aria-label': t('archive.matching.sub.label'), testid: 'matching-subtabs' },
    parts.map(([id, href, key]) => h('a', { class: ['subtab', id === current ? 'active' : ''], href, testid: `matching-sub-${id}`, 'aria-current': id === current ? 'page' : undefined }, t(key))),
  );
  return { actions: view.actions, body: [nav, view.body], start: view.start };
}

/**
 * Studies the matcher could not settle: no exam found (未匹配) or several, or an accession number of another
 * patient (冲突), and those a department rule proposed one exam for (建议匹配). A person picks or confirms the exam
 * in the 匹配 dialog; the study then leaves the list.
 * @param {ViewContext} ctx
 * @param {ArchivePage} page
 */
function queueView(ctx, page) {
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
      render: (r) => stateBadge(matchState(t, r.status), { testid: 'queue-status', dataset: { state: r.status } }),
    },
    {
      title: t('archive.queue.col.reason'),
      render: (r) => {
        const why = matchReason(t, r.reason, lang);
        const n = r.candidates.length;
        const proposed = r.candidates.find((c) => c.id === suggestedExam(r));
        return h(
          'span',
          { class: 'stack-cell queue-reason' },
          h('span', { class: 'reason-text', title: why, testid: 'queue-reason' }, why || '—'),
          proposed
            ? h(
                'span',
                { class: 'sub queue-suggested', testid: 'queue-suggested', title: t('archive.queue.suggestedHint', { accession: proposed.accessionNumber, patientId: proposed.patientId }) },
                icon('checkCircle'),
                t('archive.queue.suggested', { accession: proposed.accessionNumber }),
              )
            : h('span', { class: ['sub', n ? '' : 'is-none'], testid: 'queue-candidates' }, n ? t('archive.queue.candidates', { n }) : t('archive.queue.noCandidates')),
        );
      },
    },
    {
      title: t('common.actions'),
      className: 'actions-col',
      render: (r) => {
        const proposed = suggestedExam(r) !== null;
        return h(
          'div',
          { class: 'row-actions' },
          button(proposed ? t('archive.queue.confirm') : t('archive.queue.match'), {
            variant: 'link',
            testid: 'queue-match',
            title: proposed ? t('archive.queue.confirmHint') : t('archive.queue.matchHint'),
            onclick: () => openMatch(ctx, r, list.reload),
          }),
        );
      },
    },
  ];
  const table = dataTable({
    columns,
    testid: 'match-queue-table',
    rowProps: (r) => ({ testid: `queue-row-${r.accessionNumber || r.studyUID}`, dataset: { uid: r.studyUID, state: r.status } }),
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
 * 匹配: the exams the study could belong to, one chosen with a radio; 确认匹配 posts it. The exam a rule proposed
 * (建议匹配) is marked 建议 and chosen already, so that confirming it is one click. Without candidates the dialog says
 * the exam must be registered first and offers no confirmation.
 * @param {ViewContext} ctx
 * @param {MatchQueueItem} item
 * @param {() => void} reload the queue (after matching, and when the study or exam turned out to be gone)
 */
function openMatch(ctx, item, reload) {
  const lang = getLanguage();
  const state = matchState(t, item.status);
  const proposed = suggestedExam(item);
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
          checked: c.id === proposed,
          testid: 'candidate-radio',
          'aria-label': `${t('archive.matchDialog.accession')} ${c.accessionNumber}`,
          onchange: () => {
            clearErrors(form);
            for (const tr of form.querySelectorAll('tr.is-picked')) tr.classList.remove('is-picked');
            form.querySelector(`tr[data-exam="${c.id}"]`)?.classList.add('is-picked');
          },
        }),
    },
    {
      title: t('archive.matchDialog.accession'),
      render: (c) =>
        h(
          'span',
          { class: 'candidate-accession-cell' },
          h('span', { class: 'ident strong', testid: 'candidate-accession' }, c.accessionNumber || '—'),
          c.id === proposed ? stateBadge({ label: t('archive.matchDialog.suggestedTag'), tone: 'purple' }, { class: 'suggested-tag', testid: 'candidate-suggested', title: t('archive.matchDialog.suggestedTagHint') }) : null,
        ),
    },
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
        return stateBadge(examState(t, c.status));
      },
    },
  ];
  const table = dataTable({
    columns,
    testid: 'candidate-table',
    rowProps: (c) => ({ testid: `candidate-${c.accessionNumber || c.id}`, dataset: { exam: String(c.id) }, class: ['pick-row', c.id === proposed ? 'is-picked is-suggested' : ''] }),
  });
  table.setRows(item.candidates);
  const form = h(
    'form',
    { class: 'match-form', novalidate: true },
    alert,
    h('p', { class: 'hint', testid: 'match-hint' }, proposed !== null ? t('archive.matchDialog.chooseSuggested') : t('archive.matchDialog.choose')),
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
    // A proposal is confirmed with one click (or Enter); otherwise the person starts at the first exam.
    initialFocus: proposed !== null ? confirm : /** @type {HTMLElement | null} */ (form.querySelector('input[type=radio]')),
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

// ---------------------------------------------------------------- 匹配规则 (DCM-06, configurable rules)

/**
 * The department's own matching rules, tried in order after the built-in ones (Study Instance UID → 检查号 → 患者ID +
 * 设备 + 日期): which facts must be equal, the date window, and whether one hit matches at once (直接匹配) or proposes
 * the exam for a person to confirm (人工确认 → 建议匹配 in the queue). Added and edited in a dialog (the server says
 * which fields are wrong, a rule too weak to be safe included), switched on and off, moved up and down, deleted.
 * @param {ViewContext} ctx
 */
function rulesView(ctx) {
  const { api } = ctx;
  const lang = getLanguage();
  const BASE = '/api/archive/matching-rules';
  /** @type {MatchingRule[]} */
  let rules = [];
  /** @type {RuleKey[]} */
  let keys = RULE_KEYS.map((key) => ({ key, zh: key, en: key }));
  let busy = false;

  /** @param {MatchingRule} r */
  const keysCell = (r) =>
    h(
      'div',
      { class: 'chips chips-wrap rule-keys', testid: 'rule-keys' },
      r.keys.map((k) => h('span', { class: 'badge badge-gray rule-key', testid: 'rule-key', dataset: { key: k }, title: ruleKeyLabel(keys, k, lang) }, ruleKeyChip(keys, k, lang))),
    );

  /** @param {MatchingRule} r */
  const activeCell = (r) => {
    const box = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', role: 'switch', checked: r.active, testid: 'rule-active-input', 'aria-label': t('archive.rules.activeSwitch', { name: r.name }) }));
    box.addEventListener('change', () => toggleActive(r, box));
    return h('label', { class: 'toggle', testid: 'rule-active' }, box, h('span', { class: 'toggle-track', 'aria-hidden': 'true' }), h('span', { class: 'toggle-text' }, r.active ? t('status.active') : t('status.inactive')));
  };

  /** @type {import('../components/ui.js').Column<MatchingRule>[]} */
  const columns = [
    { title: t('archive.rules.col.order'), className: 'num rule-order-col', render: (r) => h('span', { class: 'rule-order', testid: 'rule-order' }, String(rules.indexOf(r) + 1)) },
    { title: t('archive.rules.col.name'), render: (r) => h('span', { class: 'strong rule-name', testid: 'rule-name' }, r.name) },
    { title: t('archive.rules.col.keys'), render: keysCell },
    {
      title: t('archive.rules.col.window'),
      className: 'nowrap',
      render: (r) => {
        const text = ruleWindowText(t, r);
        return text ? h('span', { testid: 'rule-window' }, text) : h('span', { class: 'muted', testid: 'rule-window' }, t('archive.rules.noDate'));
      },
    },
    {
      title: t('archive.rules.col.action'),
      className: 'nowrap',
      render: (r) =>
        stateBadge(ruleAction(t, r.action), {
          testid: 'rule-action',
          dataset: { action: r.action },
          title: r.action === 'match' ? t('archive.rules.action.matchHint') : t('archive.rules.action.reviewHint'),
        }),
    },
    { title: t('archive.rules.col.active'), className: 'nowrap', render: activeCell },
    {
      title: t('common.actions'),
      className: 'actions-col',
      render: (r) => {
        const i = rules.indexOf(r);
        return h(
          'div',
          { class: 'row-actions' },
          button(t('archive.rules.moveUp'), { variant: 'link', testid: 'rule-up', title: t('archive.rules.moveUpHint'), disabled: i <= 0, onclick: () => move(r, -1) }),
          button(t('archive.rules.moveDown'), { variant: 'link', testid: 'rule-down', title: t('archive.rules.moveDownHint'), disabled: i >= rules.length - 1, onclick: () => move(r, 1) }),
          button(t('common.edit'), { variant: 'link', testid: 'rule-edit', onclick: () => openForm(r) }),
          button(t('common.delete'), { variant: 'link-danger', testid: 'rule-delete', onclick: () => remove(r) }),
        );
      },
    },
  ];
  const table = dataTable({
    columns,
    testid: 'rules-table',
    rowProps: (r) => ({ testid: 'rule-row', dataset: { id: String(r.id), name: r.name }, class: r.active ? undefined : 'row-inactive' }),
    empty: () => ({ title: t('archive.rules.empty'), text: t('archive.rules.emptyHint') }),
  });
  table.el.classList.add('archive-table', 'rules-table');

  async function load() {
    table.setLoading();
    try {
      /** @type {{items: MatchingRule[], keys?: RuleKey[]}} */
      const answer = await api.request('GET', BASE, { signal: ctx.signal });
      if (Array.isArray(answer.keys) && answer.keys.length) keys = answer.keys;
      rules = orderRules(answer.items || []);
      table.setRows(rules);
    } catch (error) {
      if (ctx.signal.aborted) return;
      table.setError(error, load);
    }
  }

  // ------------------------------------------------------------ row actions

  /** @param {MatchingRule} r @param {HTMLInputElement} box already flipped by the click */
  async function toggleActive(r, box) {
    const next = box.checked;
    box.disabled = true;
    try {
      await api.put(`${BASE}/${r.id}`, { active: next });
      toast(next ? t('archive.rules.enabled', { name: r.name }) : t('archive.rules.disabled', { name: r.name }), 'success');
      load();
    } catch (error) {
      box.checked = !next;
      box.disabled = false;
      toastError(error);
    }
  }

  /** @param {MatchingRule} r @param {-1 | 1} direction */
  async function move(r, direction) {
    if (busy) return;
    const changes = moveRule(rules, r.id, direction);
    if (!changes.length) return;
    busy = true;
    try {
      for (const c of changes) await api.put(`${BASE}/${c.id}`, { position: c.position });
      toast(t('archive.rules.moved'), 'success');
    } catch (error) {
      toastError(error);
    } finally {
      busy = false;
      load();
    }
  }

  /** @param {MatchingRule} r */
  async function remove(r) {
    if (!(await confirmDialog({ title: t('archive.rules.deleteTitle'), message: t('archive.rules.deleteConfirm', { name: r.name }), confirmText: t('common.delete'), danger: true }))) return;
    try {
      await api.del(`${BASE}/${r.id}`);
      toast(t('common.deleted'), 'success');
    } catch (error) {
      toastError(error);
    }
    load();
  }

  // ------------------------------------------------------------ add / edit

  /** @param {MatchingRule | null} rule */
  function openForm(rule) {
    const name = h('input', { class: 'input', name: 'name', maxlength: '40', value: rule?.name || '', placeholder: t('archive.rules.namePlaceholder'), testid: 'rule-form-name', autocomplete: 'off' });
    const chosen = new Set(rule ? rule.keys : []);
    const keyBoxes = h(
      'div',
      { class: 'check-chips', role: 'group', 'aria-label': t('archive.rules.keys'), testid: 'rule-form-keys' },
      keys.map((k) =>
        h(
          'label',
          { class: 'check-chip' },
          h('input', { type: 'checkbox', name: 'keys', value: k.key, checked: chosen.has(k.key), testid: `rule-form-key-${k.key}` }),
          h('span', null, ruleKeyLabel(keys, k.key, lang)),
        ),
      ),
    );
    const windowDays = /** @type {HTMLInputElement} */ (
      h('input', { class: 'input input-num', type: 'number', name: 'windowDays', min: '0', max: '30', step: '1', inputmode: 'numeric', value: String(rule ? rule.windowDays : 1), testid: 'rule-form-windowDays' })
    );
    const radioName = `action-${Math.random().toString(36).slice(2)}`;
    const action = h(
      'div',
      { class: 'rule-actions-choice', role: 'radiogroup', 'aria-label': t('archive.rules.action'), testid: 'rule-form-action' },
      RULE_ACTIONS.map(([code, key]) =>
        h(
          'label',
          { class: 'radio-card' },
          h('input', { type: 'radio', name: radioName, value: code, checked: (rule ? rule.action : 'review') === code, testid: `rule-form-action-${code}` }),
          h('span', { class: 'radio-card-text' }, h('span', { class: 'radio-card-title' }, t(key)), h('span', { class: 'radio-card-hint' }, code === 'match' ? t('archive.rules.action.matchHint') : t('archive.rules.action.reviewHint'))),
        ),
      ),
    );
    const active = h('input', { type: 'checkbox', name: 'active', checked: rule ? rule.active : true, testid: 'rule-form-active' });
    /** @returns {string[]} */
    const pickedKeys = () => [...keyBoxes.querySelectorAll('input[type=checkbox]')].filter((b) => /** @type {HTMLInputElement} */ (b).checked).map((b) => /** @type {HTMLInputElement} */ (b).value);
    // The window only means something when the date is compared.
    const syncWindow = () => {
      windowDays.disabled = !pickedKeys().includes('studyDate');
    };
    keyBoxes.addEventListener('change', () => {
      syncWindow();
      // A changed choice is no longer the one the server judged.
      const error = /** @type {HTMLElement | null} */ (keyBoxes.closest('.field')?.querySelector('.field-error') || null);
      if (error) {
        error.textContent = '';
        error.hidden = true;
      }
    });
    syncWindow();

    const body = h(
      'div',
      { class: 'form-grid' },
      field({ label: t('archive.rules.name'), name: 'name', control: name, required: true, wide: true }),
      field({ label: t('archive.rules.keys'), name: 'keys', control: keyBoxes, required: true, hint: t('archive.rules.keysHint'), wide: true }),
      field({ label: t('archive.rules.window'), name: 'windowDays', control: windowDays, suffix: t('archive.rules.windowUnit'), hint: t('archive.rules.windowHint') }),
      field({ label: t('archive.rules.status'), name: 'active', control: h('label', { class: 'switch-label' }, active, h('span', null, t('archive.rules.activeLabel'))) }),
      field({ label: t('archive.rules.action'), name: 'action', control: action, wide: true }),
    );

    formModal({
      title: rule ? t('archive.rules.editTitle', { name: rule.name }) : t('archive.rules.addTitle'),
      size: 'lg',
      testid: 'rule-form',
      extraFooter: rule && rule.updatedAt ? h('span', { class: 'footer-note' }, t('archive.rules.updatedAt', { at: formatDateTime(rule.updatedAt) })) : null,
      body,
      onSubmit: async (form) => {
        const picked = /** @type {HTMLInputElement | null} */ (action.querySelector('input[type=radio]:checked'));
        const { payload, problems } = ruleFormPayload({
          name: /** @type {HTMLInputElement} */ (name).value,
          keys: pickedKeys(),
          windowDays: windowDays.value,
          action: picked ? picked.value : 'review',
          active: /** @type {HTMLInputElement} */ (active).checked,
        });
        if (showProblems(form, problems) || !payload) return false;
        if (rule) await api.put(`${BASE}/${rule.id}`, payload);
        else await api.post(BASE, payload);
        toast(rule ? t('common.saved') : t('archive.rules.created', { name: payload.name }), 'success');
        load();
      },
    });
  }

  const intro = h(
    'div',
    { class: 'queue-intro rules-intro', testid: 'rules-intro' },
    icon('info'),
    h(
      'span',
      null,
      t('archive.rules.intro'),
      h(
        'span',
        { class: 'builtin-steps', testid: 'rules-builtin' },
        [t('archive.rules.builtin.uid'), t('archive.rules.builtin.accession'), t('archive.rules.builtin.patient')].flatMap((label, i) => [
          i ? h('span', { class: 'builtin-arrow', 'aria-hidden': 'true' }, ' → ') : null,
          h('span', { class: 'builtin-step' }, label),
        ]),
      ),
      t('archive.rules.introThen'),
    ),
  );

  return {
    actions: button(t('archive.rules.add'), { variant: 'primary', icon: 'plus', testid: 'rule-add', onclick: () => openForm(null) }),
    body: [intro, table.el],
    start: () => {
      load();
    },
  };
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

// ---------------------------------------------------------------- 上传转换 (DCM-08)

/**
 * 上传转换: wound and skin photos, scanned 检查申请单 and 知情同意书, PDF reports made into DICOM and filed under a
 * patient's study — one found with the finder (QIDO-RS), or a new study of a new patient. The files are checked here
 * first (kind, size, number), go up as multipart/form-data with the upload's progress, and the outcome of each file
 * is listed after, with 阅片 and 继续上传 (into the same study).
 * @param {ViewContext} ctx
 */
function convertTab(ctx) {
  const { api } = ctx;
  const lang = getLanguage();

  /** @type {'study' | 'patient'} */
  let mode = 'study';
  /** @type {FoundStudy | null} */
  let picked = null;
  /** @type {{file: File, url: string | null}[]} */
  let files = [];

  // The object URLs of the previews live as long as the page.
  ctx.signal.addEventListener('abort', () => {
    for (const f of files) if (f.url) URL.revokeObjectURL(f.url);
  });

  // ---- 1. the study the files go to
  const radioName = `convert-target-${Math.random().toString(36).slice(2)}`;
  /** @param {'study' | 'patient'} value @param {string} title @param {string} hint */
  const choice = (value, title, hint) =>
    h(
      'label',
      { class: 'target-choice', testid: `convert-target-${value}` },
      h('input', { type: 'radio', name: radioName, value, checked: value === mode, onchange: () => setMode(value) }),
      h('span', { class: 'target-choice-text' }, h('span', { class: 'target-choice-title' }, title), h('span', { class: 'sub' }, hint)),
    );
  const choices = h('div', { class: 'target-choices', role: 'radiogroup', 'aria-label': t('archive.convert.step.target') },
    choice('study', t('archive.convert.target.study'), t('archive.convert.target.studyHint')),
    choice('patient', t('archive.convert.target.patient'), t('archive.convert.target.patientHint')),
  );

  const searchInput = h('input', {
    class: 'input',
    type: 'search',
    placeholder: t('archive.convert.searchPlaceholder'),
    testid: 'convert-search',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-label': t('archive.convert.search'),
    onkeydown: (/** @type {KeyboardEvent} */ e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        findStudies();
      }
    },
  });
  const searchButton = button(t('archive.convert.searchButton'), { icon: 'search', testid: 'convert-search-go', onclick: () => findStudies() });
  const foundNote = h('p', { class: 'hint', testid: 'convert-found-note', hidden: true });

  /** @type {import('../components/ui.js').Column<FoundStudy>[]} */
  const foundColumns = [
    { title: t('archive.col.patientName'), render: (s) => patientCell(s.patientName, 'found-patient') },
    { title: t('archive.col.patientId'), render: (s) => h('span', { class: 'ident' }, s.patientId || '—') },
    { title: t('archive.col.accession'), render: (s) => h('span', { class: 'ident', testid: 'found-accession' }, s.accessionNumber || '—') },
    { title: t('archive.col.studyDate'), render: (s) => dicomDate(s.studyDate) || '—' },
    { title: t('archive.col.modality'), render: (s) => modalitiesText(s.modalities) || '—' },
    { title: t('archive.col.description'), render: (s) => h('span', { class: 'clip study-desc', title: s.description || '' }, s.description || '—') },
    {
      title: t('common.actions'),
      className: 'actions-col',
      render: (s) => h('div', { class: 'row-actions' }, button(t('archive.convert.pick'), { variant: 'link', testid: 'found-pick', onclick: () => pick(s) })),
    },
  ];
  const found = dataTable({
    columns: foundColumns,
    testid: 'convert-found',
    rowProps: (s) => ({ testid: `found-${s.accessionNumber || s.studyUID}`, dataset: { uid: s.studyUID }, class: 'pick-row' }),
    empty: () => ({ title: t('archive.convert.searchEmpty'), text: t('archive.convert.searchEmptyHint') }),
  });
  found.el.classList.add('archive-table', 'found-table');
  found.el.hidden = true;
  /** @type {FoundStudy[]} */
  let foundRows = [];
  // A click anywhere in a row picks it.
  found.el.addEventListener('click', (e) => {
    const target = /** @type {HTMLElement} */ (e.target);
    if (target.closest('button, a')) return;
    const uid = /** @type {HTMLElement | null} */ (target.closest('tr[data-uid]'))?.dataset.uid;
    const s = foundRows.find((r) => r.studyUID === uid);
    if (s) pick(s);
  });

  const finder = h('div', { class: 'finder', testid: 'convert-finder' }, h('div', { class: 'finder-bar' }, h('span', { class: 'input-icon' }, icon('search'), searchInput), searchButton), foundNote, found.el);
  const pickedBox = h('div', { class: 'picked-study', testid: 'convert-picked', hidden: true });
  const studyField = h(
    'div',
    { class: 'field field-wide', dataset: { field: 'study' } },
    finder,
    pickedBox,
    h('div', { class: 'field-error', testid: 'error-study', hidden: true }),
  );

  let seq = 0;
  async function findStudies() {
    const query = studySearchQuery(searchInput.value);
    if (!query) {
      searchInput.focus();
      return;
    }
    const mine = ++seq;
    clearErrors(studyField);
    found.el.hidden = false;
    foundNote.hidden = true;
    found.setLoading();
    try {
      const answer = await api.request('GET', '/dicomweb/studies', { query, signal: ctx.signal });
      if (mine !== seq) return;
      foundRows = (Array.isArray(answer) ? answer : []).map(qidoStudy).filter((s) => s.studyUID);
      found.setRows(foundRows);
      foundNote.hidden = foundRows.length < Number(query.limit);
      foundNote.textContent = t('archive.convert.searchMore', { n: query.limit });
    } catch (error) {
      if (mine !== seq || ctx.signal.aborted) return;
      found.setError(error, findStudies);
    }
  }

  /** @param {FoundStudy} s */
  function pick(s) {
    picked = s;
    clearErrors(studyField);
    const n = personName(s.patientName);
    const sex = sexKey(s.sex);
    const facts = [
      s.patientId ? `${t('archive.col.patientId')} ${s.patientId}` : null,
      sex ? t(sex) : null,
      s.accessionNumber ? t('archive.accessionShort', { n: s.accessionNumber }) : null,
      dicomDate(s.studyDate) || null,
      modalitiesText(s.modalities) || null,
      s.description || null,
    ].filter(Boolean);
    replace(
      pickedBox,
      icon('checkCircle'),
      h(
        'div',
        { class: 'picked-text' },
        h('div', { class: 'picked-title' }, h('span', { class: 'picked-label' }, t('archive.convert.picked')), h('strong', { testid: 'picked-patient' }, n.main || '—'), n.alt ? h('span', { class: 'sub' }, n.alt) : null),
        h('div', { class: 'picked-facts', testid: 'picked-facts' }, facts.join(' · ')),
      ),
      button(t('archive.convert.change'), { variant: 'link', testid: 'convert-change', onclick: unpick }),
    );
    pickedBox.dataset.uid = s.studyUID;
    pickedBox.hidden = false;
    finder.hidden = true;
  }

  function unpick() {
    picked = null;
    pickedBox.hidden = true;
    finder.hidden = false;
    searchInput.focus();
  }

  // New patient
  const patientId = h('input', { class: 'input', name: 'patientId', maxlength: '64', autocomplete: 'off', spellcheck: 'false', testid: 'convert-patientId' });
  const patientName = h('input', { class: 'input', name: 'patientName', maxlength: '64', autocomplete: 'off', placeholder: t('archive.convert.patientNamePlaceholder'), testid: 'convert-patientName' });
  const sex = select(
    [
      { value: 'M', label: t('archive.sex.M') },
      { value: 'F', label: t('archive.sex.F') },
      { value: 'O', label: t('archive.sex.O') },
    ],
    '',
    { name: 'sex', testid: 'convert-sex' },
    t('archive.convert.sexUnknown'),
  );
  const birthDate = h('input', { class: 'input input-date', type: 'date', name: 'birthDate', testid: 'convert-birthDate' });
  const studyDescription = h('input', { class: 'input', name: 'studyDescription', maxlength: '64', placeholder: t('archive.convert.studyDescriptionPlaceholder'), testid: 'convert-studyDescription' });
  const patientBox = h(
    'div',
    { class: 'convert-grid convert-patient', testid: 'convert-patient', hidden: true },
    field({ label: t('archive.convert.patientId'), name: 'patientId', control: patientId, required: true }),
    field({ label: t('archive.convert.patientName'), name: 'patientName', control: patientName, required: true }),
    field({ label: t('archive.convert.sex'), name: 'sex', control: sex }),
    field({ label: t('archive.convert.birthDate'), name: 'birthDate', control: birthDate }),
    field({ label: t('archive.convert.studyDescription'), name: 'studyDescription', control: studyDescription, wide: true, hint: t('archive.convert.studyDescriptionHint') }),
  );

  /** @param {'study' | 'patient'} value */
  function setMode(value) {
    mode = value;
    for (const r of /** @type {NodeListOf<HTMLInputElement>} */ (choices.querySelectorAll('input[type=radio]'))) r.checked = r.value === value;
    studyField.hidden = value !== 'study';
    patientBox.hidden = value !== 'patient';
    clearErrors(targetSection);
  }

  const targetSection = h('section', { class: 'convert-section', testid: 'convert-step-target' }, sectionTitle(1, t('archive.convert.step.target')), choices, studyField, patientBox);

  // ---- 2. how they are described
  const seriesDescription = h('input', { class: 'input', name: 'seriesDescription', maxlength: '64', placeholder: t('archive.convert.seriesDescriptionPlaceholder'), testid: 'convert-seriesDescription' });
  const title = h('input', { class: 'input', name: 'title', maxlength: '200', placeholder: t('archive.convert.titlePlaceholder'), testid: 'convert-title' });
  const conversionType = select(CONVERSION_TYPES.map(([code, key]) => ({ value: code, label: t(key) })), 'SI', { name: 'conversionType', testid: 'convert-conversionType' });
  const optionsSection = h(
    'section',
    { class: 'convert-section', testid: 'convert-step-options' },
    sectionTitle(2, t('archive.convert.step.options')),
    h(
      'div',
      { class: 'convert-grid convert-options' },
      field({ label: t('archive.convert.seriesDescription'), name: 'seriesDescription', control: seriesDescription, hint: t('archive.convert.seriesDescriptionHint') }),
      field({ label: t('archive.convert.title'), name: 'title', control: title, hint: t('archive.convert.titleHint') }),
      field({ label: t('archive.convert.conversionType'), name: 'conversionType', control: conversionType, hint: t('archive.convert.conversionTypeHint') }),
    ),
  );

  // ---- 3. the files
  const fileInput = h('input', { type: 'file', multiple: true, accept: CONVERT_ACCEPT, class: 'offscreen', tabindex: '-1', 'aria-hidden': 'true', testid: 'convert-file-input' });
  const chooseButton = button(t('archive.convert.choose'), { icon: 'upload', testid: 'convert-choose', onclick: () => fileInput.click() });
  const dropZone = h(
    'div',
    { class: 'drop-zone', testid: 'convert-drop' },
    h('div', { class: 'drop-icon' }, icon('upload')),
    h('div', { class: 'drop-title' }, h('span', null, t('archive.convert.drop')), chooseButton),
    h('div', { class: 'drop-hint' }, t('archive.convert.dropHint', { max: CONVERT_MAX_FILES, size: formatBytes(CONVERT_MAX_BYTES) })),
    fileInput,
  );
  const fileProblems = h('ul', { class: 'convert-problems', testid: 'convert-file-problems', role: 'alert', hidden: true });
  const fileSummary = h('div', { class: 'file-summary', testid: 'convert-file-summary', hidden: true });
  const fileList = h('ul', { class: 'convert-files', testid: 'convert-files', 'aria-label': t('archive.convert.step.files') });
  const filesField = h(
    'div',
    { class: 'field field-wide', dataset: { field: 'file' } },
    dropZone,
    fileProblems,
    h('div', { class: 'field-error', testid: 'error-file', hidden: true }),
    fileSummary,
    fileList,
  );
  const filesSection = h('section', { class: 'convert-section', testid: 'convert-step-files' }, sectionTitle(3, t('archive.convert.step.files')), filesField);

  fileInput.addEventListener('change', () => {
    addFiles(fileInput.files ? [...fileInput.files] : []);
    fileInput.value = '';
  });
  /** @param {DragEvent} e */
  const over = (e) => {
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    dropZone.classList.add('is-over');
  };
  dropZone.addEventListener('dragenter', over);
  dropZone.addEventListener('dragover', over);
  dropZone.addEventListener('dragleave', (e) => {
    if (!dropZone.contains(/** @type {Node | null} */ (e.relatedTarget))) dropZone.classList.remove('is-over');
  });
  dropZone.addEventListener('drop', (e) => {
    e.preventDefault();
    dropZone.classList.remove('is-over');
    if (fieldset.disabled) return;
    addFiles(e.dataTransfer ? [...e.dataTransfer.files] : []);
  });

  /** @param {File[]} incoming */
  function addFiles(incoming) {
    if (incoming.length === 0) return;
    clearErrors(filesField);
    const { accepted, problems } = checkConvertFiles(files.map((f) => f.file), incoming);
    for (const file of accepted) files.push({ file, url: convertFileKind(file) === 'image' ? URL.createObjectURL(file) : null });
    replace(fileProblems, problems.map((p) => h('li', null, icon('alert'), h('span', null, t(p.key, p.params)))));
    fileProblems.hidden = problems.length === 0;
    renderFiles();
  }

  /** @param {number} index */
  function removeFile(index) {
    const [gone] = files.splice(index, 1);
    if (gone?.url) URL.revokeObjectURL(gone.url);
    fileProblems.hidden = true;
    renderFiles();
  }

  function clearFiles() {
    for (const f of files) if (f.url) URL.revokeObjectURL(f.url);
    files = [];
    fileProblems.hidden = true;
    renderFiles();
  }

  function renderFiles() {
    const total = files.reduce((sum, f) => sum + f.file.size, 0);
    fileSummary.hidden = files.length === 0;
    replace(
      fileSummary,
      h('span', { testid: 'convert-file-count' }, t('archive.convert.filesCount', { n: files.length, max: CONVERT_MAX_FILES, size: formatBytes(total) })),
      button(t('archive.convert.clearAll'), { variant: 'link', testid: 'convert-clear-files', onclick: clearFiles }),
    );
    replace(
      fileList,
      files.map((f, i) => {
        const kind = convertFileKind(f.file);
        return h(
          'li',
          { class: 'convert-file', testid: 'convert-file', dataset: { kind: kind || '' } },
          f.url
            ? h('span', { class: 'file-thumb' }, h('img', { src: f.url, alt: '', testid: 'convert-thumb' }))
            : h('span', { class: 'file-thumb file-thumb-pdf', 'aria-hidden': 'true' }, icon('fileText'), h('span', null, 'PDF')),
          h(
            'span',
            { class: 'file-text' },
            h('span', { class: 'file-title clip', title: f.file.name, testid: 'convert-file-name' }, f.file.name),
            h('span', { class: 'sub' }, `${t(kind === 'pdf' ? 'archive.convert.kind.pdf' : 'archive.convert.kind.image')} · ${formatBytes(f.file.size)}`),
          ),
          h(
            'button',
            { type: 'button', class: 'icon-btn file-remove', testid: 'convert-file-remove', title: t('archive.convert.remove'), 'aria-label': t('archive.convert.removeName', { name: f.file.name }), onclick: () => removeFile(i) },
            icon('x'),
          ),
        );
      }),
    );
  }

  // ---- sending
  const alert = h('div', { class: 'form-alert', role: 'alert', hidden: true, testid: 'convert-alert' });
  const submitButton = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'convert-submit' }, icon('upload'), h('span', null, t('archive.convert.submit')));
  const progressBar = h('div', { class: 'progress-fill' });
  const progressText = h('span', { class: 'progress-text', testid: 'convert-progress-text' });
  const progress = h(
    'div',
    { class: 'convert-progress', testid: 'convert-progress', hidden: true, role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100' },
    h('span', { class: 'spinner' }),
    h('div', { class: 'progress-body' }, progressText, h('div', { class: 'progress-track' }, progressBar)),
  );
  const fieldset = h('fieldset', { class: 'convert-fieldset' }, targetSection, optionsSection, filesSection);
  const form = h(
    'form',
    { class: 'convert-form', novalidate: true, testid: 'convert-form' },
    h('p', { class: 'queue-intro' }, icon('info'), h('span', null, t('archive.convert.intro'))),
    alert,
    fieldset,
    h('div', { class: 'convert-actions' }, submitButton, progress),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });

  /** @param {number} loaded @param {number} total */
  function showProgress(loaded, total) {
    const pct = progressPercent(loaded, total);
    progress.setAttribute('aria-valuenow', String(pct));
    progressBar.style.width = `${pct}%`;
    progressText.textContent =
      total > 0 && loaded >= total
        ? t('archive.convert.converting')
        : t('archive.convert.uploadingPct', { n: files.length, pct, loaded: formatBytes(loaded), total: formatBytes(total) });
  }

  async function submit() {
    if (fieldset.disabled) return;
    clearErrors(form);
    fileProblems.hidden = true;
    /** @type {import('../lib/archive.js').ConvertForm} */
    const values = {
      target: mode,
      studyUID: picked?.studyUID,
      patientId: patientId.value,
      patientName: patientName.value,
      sex: sex.value,
      birthDate: birthDate.value,
      studyDescription: studyDescription.value,
      seriesDescription: seriesDescription.value,
      title: title.value,
      conversionType: conversionType.value,
    };
    const { fields, problems } = convertFields(values);
    if (files.length === 0) problems.file = { key: 'archive.convert.noFiles' };
    if (showProblems(form, problems)) {
      form.querySelector('.field-error:not([hidden])')?.closest('.field')?.scrollIntoView({ block: 'center' });
      return;
    }
    const total = files.reduce((sum, f) => sum + f.file.size, 0);
    fieldset.disabled = true;
    setBusy(submitButton, true);
    progress.hidden = false;
    showProgress(0, total);
    // Pictures and PDFs go up one after the other, each becoming a series of its own (OT, DOC); the second goes
    // into the study the first was filed in (a new patient's new study too).
    /** @type {ConvertResult} */
    const outcome = { studyUID: '', seriesUID: '', items: [] };
    let sent = 0;
    try {
      for (const batch of convertBatches(files.map((f) => f.file))) {
        const into = outcome.items.some((i) => i.ok) ? convertFields({ ...values, target: 'study', studyUID: outcome.studyUID }).fields : fields;
        const body = new FormData();
        for (const [name, value] of into) body.append(name, value);
        for (const file of batch) body.append('file', file, file.name);
        /** @type {ConvertResult | null} */
        let result = null;
        try {
          result = convertResultOf(
            await api.request('POST', '/api/archive/convert', { form: body, signal: ctx.signal, onUploadProgress: (p) => showProgress(sent + p.loaded * (batchBytes(batch) / (p.total || batchBytes(batch) || 1)), total) }),
          );
        } catch (error) {
          // 422 with the files listed: none of them could be converted; said like a success.
          result = error instanceof ApiError ? convertResultOf(error.body) : null;
          if (!result) {
            if (outcome.items.length === 0) throw error;
            // The pictures are filed already: the PDFs are listed with the reason they were not.
            for (const file of batch) outcome.items.push({ filename: file.name, ok: false, message: errorText(error) });
            continue;
          }
        } finally {
          sent += batchBytes(batch);
        }
        if (result) {
          outcome.items.push(...result.items);
          if (result.items.some((i) => i.ok) || !outcome.studyUID) {
            outcome.studyUID = result.studyUID;
            outcome.seriesUID = result.seriesUID;
          }
        }
      }
      showResult(outcome);
    } catch (error) {
      if (ctx.signal.aborted) return;
      if (error instanceof ApiError && error.status === 404) {
        setFormAlert(form, t('archive.convert.studyGone'));
        if (mode === 'study') unpick();
      } else {
        showFormError(form, error);
      }
      alert.scrollIntoView({ block: 'nearest' });
    } finally {
      fieldset.disabled = false;
      setBusy(submitButton, false);
      progress.hidden = true;
    }
  }

  /** @param {File[]} batch */
  const batchBytes = (batch) => batch.reduce((sum, f) => sum + f.size, 0);

  // ---- the outcome
  const resultBox = h('div', { class: 'convert-result', testid: 'convert-result', hidden: true });

  /** @param {ConvertResult} r */
  function showResult(r) {
    const c = convertCounts(r);
    const tone = c.failed === 0 ? 'green' : c.ok === 0 ? 'red' : 'orange';
    const summary = c.failed === 0 ? t('archive.convert.resultOk', { n: c.ok }) : c.ok === 0 ? t('archive.convert.resultFailed', { n: c.total }) : t('archive.convert.resultPartial', { ok: c.ok, failed: c.failed });
    // Where the files went: the picked study, or the new patient's.
    const who = mode === 'study' && picked
      ? picked
      : { studyUID: r.studyUID, patientName: patientName.value.trim(), patientId: patientId.value.trim(), sex: sex.value, accessionNumber: '', studyDate: '', modalities: '', description: studyDescription.value.trim() };
    const n = personName(who.patientName);
    const whereText = [n.main, who.patientId ? `${t('archive.col.patientId')} ${who.patientId}` : null, who.accessionNumber ? t('archive.accessionShort', { n: who.accessionNumber }) : null, who.description || null].filter(Boolean).join(' · ');

    /** @type {import('../components/ui.js').Column<import('../lib/archive.js').ConvertItem>[]} */
    const columns = [
      {
        title: t('archive.convert.col.file'),
        render: (i) => h('span', { class: 'stack-cell' }, h('span', { class: 'clip result-file', title: i.filename, testid: 'result-file' }, i.filename)),
      },
      { title: t('archive.convert.col.result'), render: (i) => badge(t(i.ok ? 'archive.convert.ok' : 'archive.convert.failed'), i.ok ? 'green' : 'red', { testid: 'result-state', dataset: { ok: String(i.ok) } }) },
      { title: t('archive.convert.col.message'), render: (i) => h('span', { class: i.ok ? 'muted' : 'result-error', testid: 'result-message' }, convertMessage(t, i.message, lang) || '—') },
    ];
    const table = dataTable({ columns, testid: 'convert-result-table', rowProps: (i) => ({ class: i.ok ? '' : 'is-failed' }) });
    table.setRows(r.items);
    const again = button(t('archive.convert.again'), { variant: c.ok ? 'default' : 'primary', icon: 'upload', testid: 'convert-again', onclick: () => continueUpload(r, who, c.ok > 0) });
    replace(
      resultBox,
      h(
        'div',
        { class: `completeness-state state-${tone}`, testid: 'convert-summary', dataset: { ok: String(c.ok), failed: String(c.failed) } },
        icon(c.failed === 0 ? 'checkCircle' : 'alert'),
        h('div', null, h('div', { class: 'completeness-title' }, summary), h('div', { class: 'completeness-reason', testid: 'convert-where' }, whereText)),
      ),
      table.el,
      h(
        'div',
        { class: 'convert-actions' },
        c.ok > 0 && r.studyUID
          ? h('a', { class: 'btn btn-primary', href: `/viewer/?study=${encodeURIComponent(r.studyUID)}`, target: '_blank', rel: 'noopener', testid: 'convert-view', title: t('archive.convert.viewHint') }, icon('film'), h('span', null, t('archive.convert.view')))
          : null,
        again,
        c.ok ? h('span', { class: 'hint' }, t('archive.convert.againHint')) : null,
      ),
    );
    form.hidden = true;
    resultBox.hidden = false;
    again.focus();
  }

  /**
   * Back to the form for more files: into the same study (a new patient's study is now an existing one), with the
   * same descriptions; the list of files is emptied.
   * @param {ConvertResult} r @param {FoundStudy} who @param {boolean} filed anything filed (the study exists)
   */
  function continueUpload(r, who, filed) {
    if (filed && r.studyUID) {
      if (mode === 'patient') {
        setMode('study');
        pick({ ...who, studyUID: r.studyUID });
      }
      clearFiles();
    }
    resultBox.hidden = true;
    form.hidden = false;
    fileProblems.hidden = true;
  }

  return {
    actions: null,
    body: [form, resultBox],
    start: () => searchInput.focus(),
  };
}

/**
 * "① 归属检查": a numbered step of a form.
 * @param {number} n @param {string} text
 */
function sectionTitle(n, text) {
  return h('h2', { class: 'convert-step' }, h('span', { class: 'step-no' }, String(n)), h('span', null, text));
}
