// 导出检查 (issue #6: VIEW-29 批量导出 JPEG, VIEW-30 导出原始 DICOM): the viewer's dialog for
// GET /api/viewer/studies/{uid}/export?format=dicom|jpeg&series=…&window=center,width (docs/api.md "Viewer"), which
// answers a ZIP (the original files with a DICOMDIR, or one JPEG per frame). The reader picks the format, all series or
// some, and for JPEG the active viewport's window or each image's own; the browser downloads the ZIP itself through a
// plain link (the session cookie goes with it; nothing is held in memory). Just before, a QIDO-RS series query (no side
// effects, not audited) checks what the export would refuse — a study or series gone (404), more than 5,000 images
// (413), an expired session (401) — so that the reader gets the reason in words rather than a failed download.

import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { searchSeries, urls, DicomwebError } from './dicomweb.js';
import { strings, number } from './pixels.js';

/** @typedef {'dicom' | 'jpeg'} ExportFormat */
/** @typedef {{ uid: string, number: number, modality: string, description: string, count: number, study?: string }} ExportSeries */
/** @typedef {{ center: number, width: number, fn?: string }} ExportWindow */

/** The server's limit of instances per export (413 too_many_instances above it). */
export const MAX_EXPORT = 5000;
/** From this many images on, the dialog says the file is large. */
export const LARGE_EXPORT = 1000;

/** Series without images of their own (shown without a thumbnail). */
const NON_IMAGE = ['SR', 'KO', 'PR', 'DOC', 'REG', 'SEG', 'RWV'];

/**
 * The export's URL. `series` null or empty: the whole study. A window is sent for JPEG only.
 * @param {string} study @param {{ format: ExportFormat, series?: readonly string[] | null, window?: ExportWindow | null }} o
 */
export function exportUrl(study, o) {
  const q = new URLSearchParams({ format: o.format });
  if (o.series?.length) q.set('series', o.series.join(','));
  if (o.format === 'jpeg' && o.window) {
    const num = (/** @type {number} */ n) => String(Math.round(n * 100) / 100);
    const fn = o.window.fn && o.window.fn !== 'LINEAR' ? `,${o.window.fn}` : '';
    q.set('window', `${num(o.window.center)},${num(o.window.width)}${fn}`);
  }
  return `/api/viewer/studies/${encodeURIComponent(study)}/export?${q.toString().replace(/%2C/g, ',')}`;
}

/**
 * What a selection comes to: series and images, whether it is large, whether the server would refuse it.
 * @param {readonly { uid: string, count: number }[]} all @param {ReadonlySet<string> | null} selected null: all series
 */
export function exportSize(all, selected) {
  const chosen = selected ? all.filter((s) => selected.has(s.uid)) : all;
  const images = chosen.reduce((n, s) => n + (Number(s.count) || 0), 0);
  return { series: chosen.length, images, large: images > LARGE_EXPORT, tooMany: images > MAX_EXPORT };
}

/**
 * Checks a selection against the study as the server has it now (its QIDO-RS series).
 * @param {readonly { uid: string, count: number }[]} fresh @param {ReadonlySet<string> | null} selected
 * @returns {'ok' | 'notFound' | 'tooMany'}
 */
export function checkExport(fresh, selected) {
  if (!fresh.length) return 'notFound';
  if (selected) {
    const present = new Set(fresh.map((s) => s.uid));
    for (const uid of selected) if (!present.has(uid)) return 'notFound';
  }
  return exportSize(fresh, selected).tooMany ? 'tooMany' : 'ok';
}

/**
 * The message for a failed check (DicomwebError status, or anything else).
 * @param {unknown} error @returns {string}
 */
export function exportErrorText(error) {
  const status = error instanceof DicomwebError ? error.status : -1;
  if (status === 401) return t('studyExport.unauthorized');
  if (status === 403) return t('studyExport.forbidden');
  if (status === 404) return t('studyExport.notFound');
  if (status === 0) return t('studyExport.network');
  return t('studyExport.failed', { message: error instanceof Error ? error.message : String(error) });
}

/**
 * What the viewer lends the dialog.
 * @typedef {object} ExportHost
 * @property {(testid: string, title: string, body: import('../dom.js').Child, footer?: import('../dom.js').Child) => HTMLDialogElement} dialog
 * @property {() => string} study
 * @property {() => readonly ExportSeries[]} series the study's series (QIDO-RS)
 * @property {() => string | null} activeSeries the series in the active viewport
 * @property {() => ExportWindow | null} activeWindow the window the active viewport shows (null: a colour image)
 * @property {() => boolean} windowChanged whether the reader set that window (then JPEG defaults to it)
 */

/** @param {ExportHost} host */
export function openExportDialog(host) {
  const study = host.study();
  const all = host.series().filter((s) => s.uid && !s.study);
  const win = host.activeWindow();
  /** @type {ExportFormat} */
  let format = 'dicom';
  let allSeries = true;
  const active = host.activeSeries();
  const checked = new Set(active && all.some((s) => s.uid === active) ? [active] : all.map((s) => s.uid));
  let useCurrent = Boolean(win && host.windowChanged());

  const radio = (/** @type {string} */ name, /** @type {string} */ value, /** @type {boolean} */ on, /** @type {import('../dom.js').Child} */ label, /** @type {() => void} */ pick, o = /** @type {{ disabled?: boolean, hint?: string }} */ ({})) => h(
    'label',
    { class: ['vx-choice', o.disabled && 'disabled'], testid: `export-${name}-${value}` },
    h('input', { type: 'radio', name: `vx-${name}`, value, checked: on, disabled: Boolean(o.disabled), onchange: () => {
      pick();
      update();
    } }),
    h('span', { class: 'vx-choice-text' }, h('span', null, label), o.hint ? h('span', { class: 'vx-hint' }, o.hint) : null),
  );

  const size = exportSize(all, null);
  const formatBox = h('div', { class: 'vx-choices' },
    radio('format', 'dicom', true, t('studyExport.dicom'), () => { format = 'dicom'; }, { hint: t('studyExport.dicomHint') }),
    radio('format', 'jpeg', false, t('studyExport.jpeg'), () => { format = 'jpeg'; }, { hint: t('studyExport.jpegHint') }));
  const scopeBox = h('div', { class: 'vx-choices vx-inline' },
    radio('scope', 'all', true, t('studyExport.allSeries', { series: size.series, images: size.images }), () => { allSeries = true; }),
    radio('scope', 'some', false, t('studyExport.someSeries'), () => { allSeries = false; }));

  const boxes = new Map(all.map((s) => [s.uid, h('input', { type: 'checkbox', checked: checked.has(s.uid), 'aria-label': t('viewer.seriesNumber', { n: s.number }), onchange: (/** @type {Event} */ e) => {
    if (/** @type {HTMLInputElement} */ (e.target).checked) checked.add(s.uid);
    else checked.delete(s.uid);
    update();
  } })]));
  const rows = all.map((s) => {
    const image = !NON_IMAGE.includes(s.modality.toUpperCase()) && s.count > 0;
    return h(
      'tr',
      { testid: 'export-series', dataset: { series: s.uid, number: String(s.number) }, onclick: (/** @type {MouseEvent} */ e) => {
        const box = /** @type {HTMLInputElement} */ (boxes.get(s.uid));
        if (e.target === box) return;
        if (allSeries) { // a click on a row means "this one": switch to choosing series with it ticked
          allSeries = false;
          checked.clear();
          checked.add(s.uid);
        } else if (checked.has(s.uid)) checked.delete(s.uid);
        else checked.add(s.uid);
        update();
      } },
      h('td', null, boxes.get(s.uid)),
      h('td', null, image
        ? h('img', { class: 'vx-thumb', src: urls.seriesThumbnail(study, s.uid), alt: '', loading: 'lazy', draggable: 'false' })
        : h('span', { class: 'vx-thumb vx-thumb-empty' }, s.modality || '—')),
      h('td', { class: 'vx-num' }, String(s.number)),
      h('td', null, s.modality || '—'),
      h('td', { class: 'vx-desc' }, s.description || t('viewer.noDescription')),
      h('td', { class: 'vx-num' }, String(s.count)),
    );
  });
  const table = h('div', { class: 'vx-series-scroll' }, h('table', { class: 'vx-series', testid: 'export-series-list' },
    h('thead', null, h('tr', null, h('th', null), h('th', null), h('th', { class: 'vx-num' }, t('studyExport.colNumber')), h('th', null, t('studyExport.colModality')),
      h('th', null, t('studyExport.colDescription')), h('th', { class: 'vx-num' }, t('studyExport.colImages')))),
    h('tbody', null, rows)));

  const windowSection = h('section', { class: 'vx-section', testid: 'export-window' },
    h('h3', null, t('studyExport.window')),
    h('div', { class: 'vx-choices vx-inline' },
      radio('window', 'current', useCurrent, win ? t('studyExport.windowCurrent', { w: fmt(win.width), l: fmt(win.center) }) : t('studyExport.windowNone'), () => { useCurrent = true; }, { disabled: !win }),
      radio('window', 'default', !useCurrent, t('studyExport.windowDefault'), () => { useCurrent = false; })),
    h('p', { class: 'vx-hint' }, t('studyExport.windowHint')));

  const summary = h('p', { class: 'vx-summary', testid: 'export-summary' });
  const status = h('p', { class: 'vx-status', role: 'status', testid: 'export-status' });
  const cancel = h('button', { type: 'button', class: 'vw-btn', testid: 'export-cancel', onclick: () => d.close() }, t('viewer.cancel'));
  const download = h('button', { type: 'button', class: 'vw-btn vw-btn-primary', testid: 'export-download', onclick: () => void start() }, t('studyExport.download'));
  /** @type {HTMLDialogElement} */
  const d = host.dialog('study-export-dialog', t('studyExport.title'), [
    h('section', { class: 'vx-section' }, h('h3', null, t('studyExport.format')), formatBox),
    h('section', { class: 'vx-section' }, h('h3', null, t('studyExport.series')), scopeBox, table),
    windowSection,
    summary,
    status,
  ], [
    cancel,
    download,
  ]);
  d.classList.add('vx-dialog');

  function selection() {
    return allSeries ? null : checked;
  }

  function update() {
    for (const [uid, box] of boxes) {
      box.checked = allSeries || checked.has(uid);
      box.closest('tr')?.classList.toggle('on', box.checked);
    }
    table.classList.toggle('all', allSeries);
    for (const input of /** @type {NodeListOf<HTMLInputElement>} */ (d.querySelectorAll('input[name="vx-scope"]'))) input.checked = (input.value === 'all') === allSeries;
    windowSection.hidden = format !== 'jpeg';
    const s = exportSize(all, selection());
    /** @type {string[]} */
    const notes = [];
    let ok = true;
    if (!s.series) {
      notes.push(t('studyExport.none'));
      ok = false;
    } else if (s.tooMany) {
      notes.push(t('studyExport.tooMany', { max: MAX_EXPORT }));
      ok = false;
    } else if (s.large) notes.push(t('studyExport.large'));
    replace(summary, t('studyExport.summary', { series: s.series, images: s.images }), notes.length ? h('span', { class: ['vx-note', !ok && 'error'], testid: 'export-note' }, notes.join(' ')) : null);
    download.disabled = !ok;
    status.textContent = '';
    status.classList.remove('error');
  }

  async function start() {
    const chosen = selection();
    const large = exportSize(all, chosen).large;
    download.disabled = true;
    status.classList.remove('error');
    status.textContent = t('studyExport.checking');
    /** @type {string | null} */
    let problem = null;
    try {
      const fresh = (await searchSeries(study)).map((j) => ({ uid: strings(j, '0020000E')[0] ?? '', count: number(j, '00201209', 0) }));
      const verdict = checkExport(fresh, chosen);
      if (verdict === 'notFound') problem = t('studyExport.notFound');
      else if (verdict === 'tooMany') problem = t('studyExport.tooMany', { max: MAX_EXPORT });
    } catch (e) {
      problem = exportErrorText(e);
    }
    if (problem) {
      status.textContent = problem;
      status.classList.add('error');
      download.disabled = false;
      return;
    }
    const href = exportUrl(study, { format, series: chosen ? all.filter((s) => chosen.has(s.uid)).map((s) => s.uid) : null, window: useCurrent ? win : null });
    const a = h('a', { href, download: '', hidden: true, testid: 'export-link' });
    document.body.append(a);
    a.click();
    a.remove();
    status.textContent = t(large ? 'studyExport.startedLarge' : 'studyExport.started');
    cancel.textContent = t('viewer.close');
    // A second click would start a second download of the same files: wait a moment before allowing it.
    setTimeout(() => {
      download.disabled = false;
    }, 3000);
  }

  update();
  return d;
}

/** @param {number} n */
function fmt(n) {
  return String(Math.round(n * 100) / 100);
}
