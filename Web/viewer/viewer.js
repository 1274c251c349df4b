// The diagnostic 2D viewer (issue #6): /viewer/?study=<StudyInstanceUID> or /viewer/?accession=<AccessionNumber>.
// One page, one WebGL2 context (lib/viewer/gl-renderer.js) behind a grid of viewports; series come from
// DICOMweb (QIDO-RS for the study and its series, WADO-RS metadata per series, frames as native pixels decoded
// in workers), a /rendered JPEG stands in for a slice until its exact pixels arrive. Interaction goes through
// lib/viewer/tools.js; everything the page says is in lib/i18n/viewer.*.js.

import { RenderingEngine } from '../lib/viewer/gl-renderer.js';
import { FrameLoader } from '../lib/viewer/loader.js';
import { priorityOrder, interleave } from '../lib/viewer/frame-queue.js';
import { buildStack } from '../lib/viewer/series.js';
import { searchStudies, searchSeries, seriesMetadata, urls, DicomwebError } from '../lib/viewer/dicomweb.js';
import { activePresets, presetWindow, presetForKey, matchPreset } from '../lib/viewer/presets.js';
import { createDepartmentPresets, presetName } from '../lib/viewer/preset-editor.js';
import { openExportDialog } from '../lib/viewer/export-dialog.js';
import { LAYOUTS, MAX_ROWS, MAX_COLS, hang, clampActive, isValidLayout, layoutName } from '../lib/viewer/layout.js';
import { cornerInfo, personName, sexText, ageText, dateText } from '../lib/viewer/corner.js';
import { tagRows } from '../lib/viewer/dicom-dict.js';
import { ToolManager, MEASURE_TOOLS, DrawTool } from '../lib/viewer/tools.js';
import { PALETTE, DEFAULT_COLOR, newId, hit as hitAnnotation, measureAnnotation } from '../lib/viewer/annotations.js';
import { calibration, valueUnit } from '../lib/viewer/measure.js';
import { AnnotationSync } from '../lib/viewer/annotation-sync.js';
import { KeyMarks, KeyImageClient, buildPayload } from '../lib/viewer/key-images.js';
import { drawAnnotations, mapper, FONT } from '../lib/viewer/overlay.js';
import { OverlayStore, drawOverlayPlanes } from '../lib/viewer/overlay-planes.js';
import { Magnifier, MagnifyTool } from '../lib/viewer/magnifier.js';
import { viewerIcon, layoutIcon } from '../lib/viewer/icons.js';
import { imagePlane, imageToPatient, patientToImage, planeIntersection, nearestPlane, syncedIndex, sameFrame } from '../lib/viewer/geometry.js';
import { LUT_NAMES } from '../lib/viewer/luts.js';
import { isColor, fullRangeWindow, strings, number } from '../lib/viewer/pixels.js';
import {
  fit, oneToOne, reset, rotateBy, flipHorizontal, flipVertical, zoomAt, imageToCanvas,
} from '../lib/viewer/view-transform.js';
import { h, replace } from '../lib/dom.js';
import { t, initLanguage, setLanguage, getLanguage } from '../lib/i18n.js';
import { logoMark } from '../lib/icons.js';
import { RETURN_KEY } from '../lib/return-to.js';
import { createCompare } from './compare.js';

/** @typedef {import('../lib/viewer/pixels.js').DicomJson} DicomJson */
/** @typedef {import('../lib/viewer/pixels.js').Window} Window */
/** @typedef {import('../lib/viewer/series.js').Stack} Stack */
/** @typedef {import('../lib/viewer/gl-renderer.js').Frame} Frame */
/** @typedef {import('../lib/viewer/luts.js').LutName} LutName */
/** @typedef {import('../lib/viewer/layout.js').Layout} Layout */
/** @typedef {import('../lib/viewer/tools.js').ViewportHandle} ViewportHandle */
/** @typedef {import('../lib/viewer/tools.js').AnnotationLayer} AnnotationLayer */
/** @typedef {import('../lib/viewer/annotations.js').Annotation} Annotation */
/** @typedef {import('../lib/viewer/annotation-sync.js').SyncStatus} SyncStatus */
/** @typedef {import('../lib/viewer/overlay.js').Drawn} Drawn */
/** @typedef {import('../lib/viewer/geometry.js').ImagePlane} ImagePlane */
/** @typedef {import('../lib/viewer/geometry.js').Vec3} Vec3 */
/** @typedef {import('../lib/viewer/view-transform.js').Point} Point */
/**
 * @typedef {object} Series
 * @property {string} uid
 * @property {number} number
 * @property {string} description
 * @property {string} modality
 * @property {number} count instances (QIDO)
 * @property {Stack | null} stack
 * @property {Promise<Stack> | null} loading
 * @property {DicomwebError | null} error
 * @property {number} loaded frames decoded so far
 * @property {HTMLElement | null} card its entry in the study browser
 * @property {string} [study] the study it belongs to when not the current one (对比: a prior, compare.js)
 */
/**
 * @typedef {object} Cell
 * @property {string} id engine viewport id
 * @property {HTMLElement} el
 * @property {Record<'topLeft' | 'topRight' | 'bottomLeft' | 'bottomRight', HTMLElement>} corners
 * @property {HTMLElement} status
 * @property {HTMLImageElement} preview
 * @property {Series | null} series
 * @property {number} index position in the stack
 * @property {number} direction last paging direction
 * @property {string | null} shown key of the frame on screen
 * @property {Window | null} window the user's window (null: the image's own)
 * @property {boolean} invert
 * @property {LutName} lut
 * @property {number | null} cine interval timer
 * @property {number | null} previewTimer
 * @property {boolean} frameError
 * @property {HTMLCanvasElement} overlay the annotations, over the WebGL canvas
 * @property {Drawn[]} drawn what the overlay shows now (labels for hit testing and the tests)
 * @property {{ annotation: Annotation, closed: boolean } | null} draft a shape being drawn
 * @property {number} offset synchronised scrolling: slices this viewport is shifted by against the active one
 * @property {[Point, Point] | null} refLine the reference line shown (image coordinates)
 * @property {Point | null} cursorAt the 3D cursor shown (image coordinates)
 * @property {HTMLElement} keyBadge the 关键图像 star in the corner
 */

initLanguage();
document.title = `${t('viewer.title')} · ${t('app.name')}`;
const root = /** @type {HTMLElement} */ (document.getElementById('viewer'));
const params = new URLSearchParams(location.search);

const state = {
  /** @type {string} */
  study: '',
  /** @type {DicomJson | null} */
  studyMeta: null,
  /** @type {Series[]} */
  series: [],
  /** @type {Layout} */
  layout: { rows: 1, cols: 1 },
  /** @type {Cell[]} */
  cells: [],
  active: 0,
  showCorners: true,
  fps: 10,
  /** @type {number | null} */
  firstImageAt: null,
  startedAt: performance.now(),
  /** @type {Annotation[]} every measurement and annotation of the study (this user's) */
  annotations: [],
  /** @type {string | null} */
  selected: null,
  color: DEFAULT_COLOR,
  /** 参考线 (VIEW-05) */
  refLines: true,
  /** 同步 (VIEW-03/07) */
  syncScroll: false,
  /** @type {{ point: Vec3, frameOfReference: string } | null} the 3D cursor (VIEW-06), a patient point */
  cursor: null,
  /**
   * 平铺 (VIEW-02): one series' images across the grid, a page at a time, and the layout to go back to.
   * @type {{ series: Series, page: number, per: number, back: { layout: Layout, series: (Series | null)[], indices: number[], active: number } } | null}
   */
  tile: null,
};

/** @type {RenderingEngine} */
let engine;
/** @type {FrameLoader} */
let loader;
const tools = new ToolManager();
/** @type {HTMLElement} */
let grid;
/** @type {HTMLElement} */
let seriesList;
/** @type {Record<string, HTMLElement>} */
const buttons = {};
/** @type {AnnotationSync | null} */
let sync = null;
/** 关键图像 (VIEW-10): the marked images of the study, the client that loads and saves them, and its panel. */
const keyMarks = new KeyMarks();
/** @type {KeyImageClient | null} */
let keyClient = null;
/** @type {HTMLElement} */
let keyPanel;
let keySaving = false;
/** 叠加层 (VIEW-01): the DICOM 60xx overlay planes of the images shown, on by default. */
const overlayStore = new OverlayStore({ onLoad: () => engine?.render() });
let showOverlays = true;
/**
 * 放大镜 (VIEW-17)
 * @type {Magnifier | null}
 */
let magnifier = null;
/** 对比 / 历史检查 (VIEW-28): the patient's other studies, opened beside this one (compare.js). */
const compare = createCompare({
  study: () => state.study,
  studyMeta: () => state.studyMeta,
  series: () => state.series,
  cells: () => state.cells,
  layout: () => state.layout,
  activeCell: () => activeCell(),
  seriesCard: (s) => seriesCard(s),
  setLayout: (l, initial, o) => setLayout(l, initial, o),
  markCards: () => markCards(),
  toast: (text) => toast(text),
  syncOn: () => state.syncScroll,
  planeOf: (c) => planeOf(c),
  stackPlanes: (c) => stackPlanes(c),
  toLogin: () => toLogin(),
});
/** 科室窗宽窗位预设 (VIEW-15): the department's list replaces the built-in presets once loaded (preset-editor.js). */
const deptPresets = createDepartmentPresets({
  dialog: (testid, title, body, footer) => dialog(testid, title, body, footer),
  menuItem: (testid, content, action) => menuItem(testid, content, action),
  activeWindow: () => {
    const c = activeCell();
    return c && engine ? engine.viewport(c.id).display.window : null;
  },
  toast: (text) => toast(text),
  changed: () => {
    for (const c of state.cells) refresh(c);
  },
});

// ---------------------------------------------------------------- start

function start() {
  const study = params.get('study')?.trim() ?? '';
  const accession = params.get('accession')?.trim() ?? '';
  if (!study && !accession) return showError(t('viewer.error.noStudy'), t('viewer.error.noStudyHint'), 'search', false);
  showLoading();
  void deptPresets.load();
  openStudy(study, accession).catch(failed);
}

/** @param {string} study @param {string} accession */
async function openStudy(study, accession) {
  const found = await searchStudies(study ? { StudyInstanceUID: study, includefield: 'all' } : { AccessionNumber: accession, includefield: 'all' });
  if (!found.length) throw new DicomwebError(404, 'not found');
  state.studyMeta = found[0];
  state.study = strings(found[0], '0020000D')[0];
  const list = await searchSeries(state.study);
  state.series = list
    .map((s) => /** @type {Series} */ ({
      uid: strings(s, '0020000E')[0],
      number: number(s, '00200011', 0),
      description: strings(s, '0008103E')[0] ?? '',
      modality: strings(s, '00080060')[0] ?? '',
      count: number(s, '00201209', 0),
      stack: null,
      loading: null,
      error: null,
      loaded: 0,
      card: null,
    }))
    .filter((s) => s.uid)
    .sort((a, b) => a.number - b.number);
  if (!state.series.length) throw new DicomwebError(404, 'no series');
  buildPage();
  startAnnotations();
  startKeyImages();
  if (accession && found.length > 1) toast(t('viewer.multipleStudies', { n: found.length }));
  // The first viewport shows the biggest image series (the main stack rather than a localizer); further
  // viewports follow the study browser's order.
  const viewable = state.series.filter(isImageSeries);
  const first = [...viewable].sort((a, b) => b.count - a.count)[0] ?? state.series[0];
  setLayout(state.layout, [first]);
}

/**
 * Any failure before the page is built (and 401 at any time).
 * @param {unknown} error
 */
function failed(error) {
  const status = error instanceof DicomwebError ? error.status : -1;
  console.error(error);
  if (status === 401) return toLogin();
  if (status === 404) return showError(t('viewer.error.notFound'), t('viewer.error.notFoundHint'), 'search', true);
  if (status === 403) return showError(t('viewer.error.forbidden'), t('viewer.error.forbiddenHint'), 'lock', false);
  if (status === 0) return showError(t('viewer.error.network'), t('viewer.error.networkHint'), 'wifiOff', true);
  const message = error instanceof Error ? error.message : String(error);
  return showError(t('viewer.error.server'), t('viewer.error.serverHint', { message }), 'alert', true);
}

function toLogin() {
  try {
    sessionStorage.setItem(RETURN_KEY, location.pathname + location.search);
  } catch {
    /* storage blocked: the user comes back by hand */
  }
  replace(root, h('div', { class: 'vw-state', testid: 'viewer-login-redirect' }, h('p', null, t('viewer.sessionExpired'))));
  setTimeout(() => location.assign('/#/login'), 600);
}

function showLoading() {
  replace(root, h('div', { class: 'vw-state', testid: 'viewer-loading' }, h('span', { class: 'vw-spinner' }), h('p', null, t('viewer.loading'))));
}

/**
 * @param {string} title @param {string} hint @param {string} iconName @param {boolean} canRetry
 */
function showError(title, hint, iconName, canRetry) {
  replace(
    root,
    h(
      'div',
      { class: 'vw-state vw-error', testid: 'viewer-error', role: 'alert' },
      viewerIcon(iconName, 'vw-state-icon'),
      h('h1', { testid: 'viewer-error-title' }, title),
      h('p', { class: 'vw-state-hint' }, hint),
      h(
        'div',
        { class: 'vw-state-actions' },
        canRetry && h('button', { type: 'button', class: 'vw-btn vw-btn-primary', testid: 'viewer-retry', onclick: () => start() }, t('viewer.retry')),
        h('a', { class: 'vw-btn', href: '/#/home' }, t('viewer.backToApp')),
      ),
    ),
  );
}

// ---------------------------------------------------------------- page

function buildPage() {
  const canvas = h('canvas', { class: 'vw-canvas', testid: 'viewer-canvas' });
  grid = h('div', { class: 'vw-grid', testid: 'viewer-grid' });
  const stage = h('main', { class: 'vw-stage', testid: 'viewer-stage' }, canvas, grid);
  seriesList = h('div', { class: 'vw-series-list', testid: 'series-list' });
  const panel = h(
    'aside',
    { class: 'vw-panel', testid: 'study-browser' },
    h('div', { class: 'vw-panel-head' }, h('span', null, t('viewer.studyBrowser')), h('span', { class: 'vw-muted' }, t('viewer.seriesCount', { n: state.series.length }))),
    seriesList,
    keyPanel = h('section', { class: 'vw-key-panel', testid: 'key-images' }),
  );
  replace(root, h('div', { class: 'vw-app' }, header(), toolbar(), h('div', { class: 'vw-body' }, panel, stage)));
  try {
    engine = new RenderingEngine(canvas);
  } catch (e) {
    console.error(e);
    showError(t('viewer.error.webgl'), t('viewer.error.webglHint'), 'alert', false);
    throw new Error('no WebGL2');
  }
  loader = new FrameLoader({
    concurrency: 4,
    onFrame: frameArrived,
    onError: frameFailed,
    inUse: (key) => state.cells.some((c) => c.shown === key),
  });
  magnifier = new Magnifier(engine, {
    target: () => {
      const c = activeCell();
      return c ? { id: c.id, element: c.el } : null;
    },
    decorate: drawLens,
  });
  tools.tools.set(MagnifyTool.id, new MagnifyTool(magnifier));
  engine.onRender = () => {
    drawAllAnnotations();
    magnifier?.draw();
  };
  for (const s of state.series) seriesList.append(seriesCard(s));
  compare.mount(panel, seriesList);
  document.addEventListener('keydown', onKey);
}

function header() {
  const m = /** @type {DicomJson} */ (state.studyMeta);
  const str = (/** @type {string} */ tag) => strings(m, tag)[0] ?? '';
  const sexAge = [sexText(str('00100040'), t), ageText(m, t)].filter(Boolean).join(' ');
  return h(
    'header',
    { class: 'vw-header' },
    h('a', { class: 'vw-brand', href: '/#/home', title: t('viewer.backToApp') }, logoMark('vw-logo'), h('span', null, t('app.name'))),
    h(
      'div',
      { class: 'vw-patient', testid: 'patient-banner' },
      h('strong', { testid: 'patient-name' }, personName(m, '00100010') || '—'),
      sexAge && h('span', null, sexAge),
      str('00100020') && h('span', null, `ID ${str('00100020')}`),
      h('span', { class: 'vw-sep' }),
      h('span', null, [dateText(str('00080020')), str('00080061'), str('00081030')].filter(Boolean).join('  ')),
      str('00080050') && h('span', { class: 'vw-muted' }, t('viewer.corner.accession', { n: str('00080050') })),
    ),
    h(
      'div',
      { class: 'vw-header-right' },
      h('span', { class: 'vw-save', testid: 'annotation-status', role: 'status', hidden: true }),
      h('button', { type: 'button', class: 'vw-tbtn vw-lang', testid: 'viewer-lang', 'data-tip': t('common.language'), onclick: () => {
        setLanguage(getLanguage() === 'en' ? 'zh-CN' : 'en');
        location.reload();
      } }, viewerIcon('globe'), h('span', null, t('viewer.language'))),
    ),
  );
}

/**
 * A toolbar button with an icon and a tooltip.
 * @param {string} id @param {string} iconName @param {string} tip @param {() => void} onclick
 */
function tbtn(id, iconName, tip, onclick) {
  const b = h('button', { type: 'button', class: 'vw-tbtn', testid: `tool-${id}`, 'data-tip': tip, 'aria-label': tip, onclick }, viewerIcon(iconName));
  buttons[id] = b;
  return b;
}

/** Tooltip keys of the tools (written out so that the catalogue check finds them). */
const TOOL_TIPS = {
  stackScroll: 'viewer.tool.stackScroll',
  windowLevel: 'viewer.tool.windowLevel',
  pan: 'viewer.tool.pan',
  zoom: 'viewer.tool.zoom',
  rotate: 'viewer.tool.rotate',
};

/** Names of the measurement tools (VIEW-19…25). */
const MEASURE_NAMES = {
  probe: 'viewer.tool.probe',
  length: 'viewer.tool.length',
  rect: 'viewer.tool.rect',
  ellipse: 'viewer.tool.ellipse',
  polygon: 'viewer.tool.polygon',
  freehand: 'viewer.tool.freehand',
  angle: 'viewer.tool.angle',
  cobb: 'viewer.tool.cobb',
  ctr: 'viewer.tool.ctr',
  text: 'viewer.tool.text',
  arrow: 'viewer.tool.arrow',
};

/** How each measurement tool is used, for its tooltip. */
const MEASURE_HINTS = {
  probe: 'viewer.hint.probe',
  length: 'viewer.hint.drag',
  rect: 'viewer.hint.box',
  ellipse: 'viewer.hint.box',
  polygon: 'viewer.hint.polygon',
  freehand: 'viewer.hint.freehand',
  angle: 'viewer.hint.angle',
  cobb: 'viewer.hint.cobb',
  ctr: 'viewer.hint.ctr',
  text: 'viewer.hint.text',
  arrow: 'viewer.hint.arrow',
};

/** Colour names for the palette's tooltips, in PALETTE order. */
const COLOR_NAMES = ['viewer.color.yellow', 'viewer.color.green', 'viewer.color.cyan', 'viewer.color.red', 'viewer.color.orange', 'viewer.color.white'];

const VIEW_TOOL_IDS = /** @type {const} */ (['stackScroll', 'windowLevel', 'pan', 'zoom', 'rotate']);
const ALL_TOOL_IDS = [...VIEW_TOOL_IDS, 'magnify', 'locate', ...MEASURE_TOOLS.map(([id]) => id)];

/**
 * Makes a tool the left-button tool and shows it pressed.
 * @param {string} id
 */
function chooseTool(id) {
  tools.setPrimary(id);
  for (const other of ALL_TOOL_IDS) buttons[other]?.classList.toggle('on', other === tools.primary);
  for (const c of state.cells) c.el.classList.toggle('drawing', tools.current().draws);
}

/** @type {Record<LutName, string>} */
const LUT_LABELS = { grey: 'viewer.lut.grey', hotIron: 'viewer.lut.hotIron', rainbow: 'viewer.lut.rainbow', jet: 'viewer.lut.jet', pet: 'viewer.lut.pet' };

function toolbar() {
  const toolButtons = VIEW_TOOL_IDS.map((id) => {
    const b = tbtn(id, id, t(TOOL_TIPS[id]), () => chooseTool(id));
    b.classList.toggle('on', tools.primary === id);
    return b;
  });
  const measureButtons = MEASURE_TOOLS.map(([id, key]) => tbtn(id, id, `${t(MEASURE_NAMES[id])} (${key}) — ${t(MEASURE_HINTS[id])}`, () => chooseTool(id)));
  const color = menuButton('color', 'palette', t('viewer.annot.color'), colorMenu);
  color.append(h('span', { class: 'vw-color-dot', testid: 'annotation-color', style: { background: state.color } }));
  const fps = h(
    'select',
    { class: 'vw-select', testid: 'cine-fps', 'aria-label': t('viewer.fps'), title: t('viewer.fps'), onchange: (/** @type {Event} */ e) => {
      state.fps = Number(/** @type {HTMLSelectElement} */ (e.target).value);
      const c = activeCell();
      if (c?.cine) startCine(c);
    } },
    [2, 5, 10, 15, 20, 25, 30, 60].map((n) => h('option', { value: String(n), selected: n === state.fps }, t('viewer.fpsUnit', { n }))),
  );
  buttons.fps = fps;
  return h(
    'div',
    { class: 'vw-toolbar', role: 'toolbar', testid: 'viewer-toolbar' },
    h('div', { class: 'vw-group' }, toolButtons, tbtn('magnify', 'magnify', `${t('viewer.magnify')} (M) — ${t('viewer.magnify.hint')}`, () => chooseTool('magnify'))),
    h(
      'div',
      { class: 'vw-group vw-measure', role: 'group', 'aria-label': t('viewer.measure'), testid: 'measure-tools' },
      h('span', { class: 'vw-group-label' }, t('viewer.measure')),
      measureButtons,
      color,
      tbtn('deleteAnnotation', 'trash', t('viewer.annot.delete'), () => deleteSelected()),
      tbtn('clearAnnotations', 'eraser', t('viewer.annot.clearAll'), () => clearAll()),
    ),
    h(
      'div',
      { class: 'vw-group' },
      menuButton('layout', 'layout', t('viewer.layout'), layoutMenu),
      menuButton('presets', 'presets', t('viewer.presets'), presetMenu),
      tbtn('invert', 'invert', t('viewer.invert'), () => toggleInvert()),
      menuButton('lut', 'lut', t('viewer.lut'), lutMenu),
      tbtn('overlays', 'overlays', t('viewer.overlays'), () => toggleOverlays()),
    ),
    h(
      'div',
      { class: 'vw-group' },
      tbtn('fit', 'fit', t('viewer.fit'), () => changeView(fit)),
      tbtn('oneToOne', 'oneToOne', t('viewer.oneToOne'), () => changeView(oneToOne)),
      tbtn('rotateLeft', 'rotateLeft', t('viewer.rotateLeft'), () => changeView((v) => rotateBy(v, -90))),
      tbtn('rotateRight', 'rotateRight', t('viewer.rotateRight'), () => changeView((v) => rotateBy(v, 90))),
      tbtn('flipH', 'flipH', t('viewer.flipH'), () => changeView(flipHorizontal)),
      tbtn('flipV', 'flipV', t('viewer.flipV'), () => changeView(flipVertical)),
      tbtn('reset', 'reset', t('viewer.reset'), () => resetCell()),
    ),
    h('div', { class: 'vw-group' }, tbtn('cine', 'play', t('viewer.cine'), () => toggleCine()), fps),
    h(
      'div',
      { class: 'vw-group' },
      tbtn('refLines', 'refLines', t('viewer.refLines'), () => toggleRefLines()),
      tbtn('sync', 'sync', t('viewer.sync'), () => toggleSync()),
      compare.toolbarButton(),
      tbtn('locate', 'locate', t('viewer.tool.locate'), () => chooseTool('locate')),
      menuButton('export', 'export', t('viewer.export'), exportMenu),
      tbtn('exportStudy', 'exportStudy', t('studyExport.button'), () => openStudyExport()),
      tbtn('tile', 'tile', t('viewer.tile'), () => toggleTile()),
      tbtn('keyImage', 'star', `${t('viewer.keyImage.toggle')} (K)`, () => toggleKeyImage()),
    ),
    h(
      'div',
      { class: 'vw-group' },
      tbtn('corners', 'corners', t('viewer.corners'), () => toggleCorners()),
      tbtn('tags', 'tags', t('viewer.tags'), () => openTags()),
      tbtn('help', 'help', t('viewer.help'), () => openHelp()),
    ),
  );
}

// ---------------------------------------------------------------- menus

/** @type {{ el: HTMLElement, close: () => void } | null} */
let openMenu = null;

/**
 * @param {string} id @param {string} iconName @param {string} tip @param {() => HTMLElement[]} items
 */
function menuButton(id, iconName, tip, items) {
  const b = h('button', { type: 'button', class: 'vw-tbtn vw-has-menu', testid: `tool-${id}`, 'data-tip': tip, 'aria-label': tip, 'aria-haspopup': 'menu' }, viewerIcon(iconName), viewerIcon('chevronDown', 'vw-caret'));
  b.addEventListener('click', () => {
    const was = openMenu?.el.dataset.owner === id;
    closeMenu();
    if (was) return;
    const menu = h('div', { class: 'vw-menu', role: 'menu', testid: `menu-${id}`, dataset: { owner: id } }, items());
    document.body.append(menu);
    const r = b.getBoundingClientRect();
    menu.style.left = `${Math.min(r.left, window.innerWidth - menu.offsetWidth - 8)}px`;
    menu.style.top = `${r.bottom + 4}px`;
    const outside = (/** @type {MouseEvent} */ e) => {
      if (!menu.contains(/** @type {Node} */ (e.target)) && !b.contains(/** @type {Node} */ (e.target))) closeMenu();
    };
    setTimeout(() => document.addEventListener('mousedown', outside), 0);
    openMenu = { el: menu, close: () => document.removeEventListener('mousedown', outside) };
  });
  buttons[id] = b;
  return b;
}

function closeMenu() {
  if (!openMenu) return;
  openMenu.close();
  openMenu.el.remove();
  openMenu = null;
}

/**
 * @param {string} testid @param {import('../lib/dom.js').Child} content @param {() => void} action
 * @param {{ checked?: boolean, shortcut?: string }} [o]
 */
function menuItem(testid, content, action, o = {}) {
  return h(
    'button',
    { type: 'button', class: ['vw-menu-item', o.checked && 'checked'], role: 'menuitem', testid, onclick: () => {
      closeMenu();
      action();
    } },
    h('span', { class: 'vw-check' }, o.checked ? viewerIcon('check') : null),
    h('span', { class: 'vw-menu-label' }, content),
    o.shortcut ? h('kbd', null, o.shortcut) : null,
  );
}

function layoutMenu() {
  const cur = layoutName(state.layout);
  return [
    h('div', { class: 'vw-layout-grid' }, LAYOUTS.map((l) => h('button', {
      type: 'button', class: ['vw-layout-opt', layoutName(l) === cur && 'checked'], testid: `layout-${layoutName(l)}`, title: `${l.rows}×${l.cols}`,
      onclick: () => {
        closeMenu();
        setLayout(l);
      },
    }, layoutIcon(l.rows, l.cols), h('span', null, `${l.rows}×${l.cols}`)))),
    menuItem('layout-custom', t('viewer.layout.custom'), () => customLayout()),
  ];
}

function presetMenu() {
  const c = activeCell();
  const w = c ? engine.viewport(c.id).display.window : null;
  const current = matchPreset(w);
  return [
    ...deptPresets.menuHead(),
    menuItem('preset-default', t('viewer.preset.default'), () => applyWindow(null), { checked: Boolean(c && !c.window) }),
    ...activePresets().map((p) => menuItem(`preset-${p.id}`, h('span', { class: 'vw-preset' }, h('span', null, presetName(p)), h('span', { class: 'vw-muted' }, t('viewer.corner.window', { w: p.width, l: p.center }))),
      () => applyWindow(presetWindow(p)), { checked: Boolean(c?.window) && current === p, shortcut: p.key || undefined })),
    h('div', { class: 'vw-menu-sep' }),
    menuItem('preset-custom', t('viewer.preset.custom'), () => customWindow()),
    ...deptPresets.menuTail(),
  ];
}

function lutMenu() {
  const c = activeCell();
  return LUT_NAMES.map((name) => menuItem(`lut-${name}`, h('span', { class: 'vw-lut' }, h('span', { class: `vw-swatch vw-swatch-${name}` }), t(LUT_LABELS[name])),
    () => forTargets((cell) => {
      cell.lut = name;
      engine.setDisplay(cell.id, { lut: name });
      refresh(cell);
    }), { checked: c?.lut === name }));
}

// ---------------------------------------------------------------- dialogs

/**
 * A modal dialog (native <dialog>), removed when closed.
 * @param {string} testid @param {string} title @param {import('../lib/dom.js').Child} body @param {import('../lib/dom.js').Child} [footer]
 */
function dialog(testid, title, body, footer) {
  const d = h(
    'dialog',
    { class: 'vw-dialog', testid },
    h('div', { class: 'vw-dialog-head' }, h('h2', null, title), h('button', { type: 'button', class: 'vw-icon-btn', 'aria-label': t('viewer.close'), testid: `${testid}-close`, onclick: () => d.close() }, viewerIcon('x'))),
    h('div', { class: 'vw-dialog-body' }, body),
    footer ? h('div', { class: 'vw-dialog-foot' }, footer) : null,
  );
  if (testid === 'tags-dialog') d.classList.add('wide');
  d.addEventListener('close', () => d.remove());
  document.body.append(d);
  d.showModal();
  return d;
}

function openTags() {
  const c = activeCell();
  const f = c && currentFrame(c);
  if (!c || !f) return;
  const rows = tagRows(f.instance);
  const tbody = h('tbody');
  const count = h('span', { class: 'vw-muted', testid: 'tags-count' });
  const render = (/** @type {string} */ q) => {
    const needle = q.trim().toLowerCase();
    const shown = needle ? rows.filter((r) => `${r.tag} ${r.keyword} ${r.value}`.toLowerCase().includes(needle)) : rows;
    replace(tbody, shown.slice(0, 2000).map((r) => h('tr', { class: r.depth ? 'vw-nested' : null },
      h('td', { class: 'vw-mono' }, r.tag), h('td', { style: { paddingLeft: `${8 + r.depth * 16}px` } }, r.keyword), h('td', { class: 'vw-mono' }, r.vr), h('td', { class: 'vw-tag-value' }, r.value))));
    count.textContent = t('viewer.tags.count', { n: shown.length });
  };
  const filter = h('input', { class: 'vw-input', type: 'search', placeholder: t('viewer.tags.filter'), testid: 'tags-filter', oninput: (/** @type {Event} */ e) => render(/** @type {HTMLInputElement} */ (e.target).value) });
  render('');
  const name = `${c.series?.description || ''} · ${t('viewer.corner.image', { n: c.index + 1, total: c.series?.stack?.frames.length ?? 0 })}`;
  dialog('tags-dialog', t('viewer.tags.title', { name }), [
    h('div', { class: 'vw-tags-tools' }, filter, count),
    h('div', { class: 'vw-tags-scroll' }, h('table', { class: 'vw-tags' },
      h('thead', null, h('tr', null, h('th', null, t('viewer.tags.tag')), h('th', null, t('viewer.tags.keyword')), h('th', null, t('viewer.tags.vr')), h('th', null, t('viewer.tags.value')))), tbody)),
  ]);
  filter.focus();
}

function openHelp() {
  const mouse = ['viewer.key.wheel', 'viewer.key.left', 'viewer.key.right', 'viewer.key.middle'];
  const keys = ['viewer.key.arrows', 'viewer.key.page', 'viewer.key.space', 'viewer.key.presets', 'viewer.key.view', 'viewer.key.display', 'viewer.key.keyImage', 'viewer.key.sync', 'viewer.key.magnify', 'viewer.key.help'];
  dialog('help-dialog', t('viewer.help.title'), [
    h('h3', null, t('viewer.help.mouse')),
    h('ul', { class: 'vw-help' }, mouse.map((k) => h('li', null, t(k)))),
    h('h3', null, t('viewer.help.keyboard')),
    h('ul', { class: 'vw-help' }, keys.map((k) => h('li', null, t(k)))),
    h('table', { class: 'vw-help-presets', testid: 'help-presets' }, activePresets().map((p) => h('tr', null, h('td', null, p.key ? h('kbd', null, p.key) : null), h('td', null, presetName(p)), h('td', { class: 'vw-muted' }, t('viewer.corner.window', { w: p.width, l: p.center }))))),
    h('h3', null, t('viewer.help.measure')),
    h('table', { class: 'vw-help-presets', testid: 'help-measure' }, MEASURE_TOOLS.map(([id, key]) => h('tr', null, h('td', null, h('kbd', null, key)), h('td', null, t(MEASURE_NAMES[id])), h('td', { class: 'vw-muted' }, t(MEASURE_HINTS[id]))))),
    h('ul', { class: 'vw-help' }, ['viewer.key.edit', 'viewer.key.delete', 'viewer.key.escape', 'viewer.key.calibration'].map((k) => h('li', null, t(k)))),
  ]);
}

/**
 * A small form dialog with two number fields.
 * @param {string} testid @param {string} title @param {[string, string, number][]} fields name, label, value
 * @param {(values: number[]) => string | null} submit returns an error text, or null when done
 */
function numberDialog(testid, title, fields, submit) {
  const inputs = fields.map(([name, , value]) => h('input', { class: 'vw-input', type: 'number', name, value: String(value), testid: `${testid}-${name}` }));
  const error = h('p', { class: 'vw-form-error', role: 'alert' });
  /** @type {HTMLDialogElement} */
  let d;
  const ok = () => {
    const message = submit(inputs.map((i) => Number(i.value)));
    if (message) error.textContent = message;
    else d.close();
  };
  d = dialog(testid, title, h('form', { class: 'vw-form', onsubmit: (/** @type {Event} */ e) => {
    e.preventDefault();
    ok();
  } }, fields.map(([, label], i) => h('label', null, h('span', null, label), inputs[i])), error, h('button', { type: 'submit', hidden: true })), [
    h('button', { type: 'button', class: 'vw-btn', onclick: () => d.close() }, t('viewer.cancel')),
    h('button', { type: 'button', class: 'vw-btn vw-btn-primary', testid: `${testid}-ok`, onclick: ok }, t('viewer.ok')),
  ]);
  inputs[0].focus();
  inputs[0].select();
}

function customLayout() {
  numberDialog('layout-dialog', t('viewer.layout.customTitle'), [['rows', t('viewer.layout.rows'), state.layout.rows], ['cols', t('viewer.layout.cols'), state.layout.cols]], ([rows, cols]) => {
    const l = { rows, cols };
    if (!isValidLayout(l)) return t('viewer.layout.invalid', { rows: MAX_ROWS, cols: MAX_COLS });
    setLayout(l);
    return null;
  });
}

function customWindow() {
  const c = activeCell();
  const w = c ? engine.viewport(c.id).display.window : null;
  numberDialog('window-dialog', t('viewer.preset.customTitle'), [['width', t('viewer.preset.width'), w?.width ?? 400], ['center', t('viewer.preset.center'), w?.center ?? 40]], ([width, center]) => {
    if (!Number.isFinite(width) || !Number.isFinite(center) || width < 1) return t('viewer.preset.width');
    applyWindow({ center, width, fn: 'LINEAR' });
    return null;
  });
}

/** @type {number | null} */
let toastTimer = null;
/** @param {string} text */
function toast(text) {
  document.querySelector('.vw-toast')?.remove();
  const el = h('div', { class: 'vw-toast', role: 'status', testid: 'viewer-toast' }, text);
  document.body.append(el);
  if (toastTimer !== null) clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => el.remove(), 4000);
}

// ---------------------------------------------------------------- study browser

/** @param {Series} s */
function isImageSeries(s) {
  return !['SR', 'KO', 'PR', 'DOC', 'REG', 'SEG', 'RWV'].includes(s.modality.toUpperCase()) && s.count > 0;
}

/** @param {Series} s */
function seriesCard(s) {
  const viewable = isImageSeries(s);
  const thumb = viewable
    ? h('img', { class: 'vw-thumb', src: urls.seriesThumbnail(s.study ?? state.study, s.uid), alt: '', loading: 'lazy', draggable: 'false' })
    : h('div', { class: 'vw-thumb vw-thumb-empty' }, s.modality || '—');
  const card = h(
    'div',
    {
      class: ['vw-series', !viewable && 'disabled'],
      testid: 'series-card',
      dataset: { series: s.uid, number: String(s.number) },
      draggable: viewable ? 'true' : 'false',
      tabindex: '0',
      title: s.description,
      onclick: () => viewable && assign(activeCell(), s),
      onkeydown: (/** @type {KeyboardEvent} */ e) => {
        if (viewable && (e.key === 'Enter' || e.key === ' ')) {
          e.preventDefault();
          e.stopPropagation();
          assign(activeCell(), s);
        }
      },
      ondragstart: (/** @type {DragEvent} */ e) => {
        e.dataTransfer?.setData('application/x-yunying-series', s.uid);
        e.dataTransfer?.setData('text/plain', s.uid);
        if (e.dataTransfer) e.dataTransfer.effectAllowed = 'copy';
      },
    },
    h('div', { class: 'vw-thumb-box' }, thumb, h('span', { class: 'vw-badge' }, s.modality)),
    h(
      'div',
      { class: 'vw-series-text' },
      h('div', { class: 'vw-series-title' }, h('span', null, t('viewer.seriesNumber', { n: s.number })), h('span', { class: 'vw-muted' }, viewable ? t('viewer.images', { n: s.count }) : t('viewer.noImages'))),
      h('div', { class: 'vw-series-desc' }, s.description || t('viewer.noDescription')),
      h('div', { class: 'vw-progress' }, h('span', { class: 'vw-progress-bar' })),
    ),
  );
  s.card = card;
  return card;
}

/** @param {Series} s */
function updateCard(s) {
  if (!s.card) return;
  const total = s.stack?.frames.length ?? 0;
  const bar = /** @type {HTMLElement} */ (s.card.querySelector('.vw-progress-bar'));
  const p = total ? Math.min(1, s.loaded / total) : 0;
  bar.style.width = `${Math.round(p * 100)}%`;
  s.card.classList.toggle('complete', total > 0 && s.loaded >= total);
}

function markCards() {
  const active = activeCell()?.series;
  const shown = new Set(state.cells.map((c) => c.series));
  for (const s of [...state.series, ...compare.series()]) {
    s.card?.classList.toggle('shown', shown.has(s));
    s.card?.classList.toggle('active', s === active);
  }
}

// ---------------------------------------------------------------- layout and cells

/**
 * @param {Layout} layout
 * @param {(Series | null)[]} [initial] series for the first cells
 * @param {{ exact?: boolean, indices?: number[], tile?: boolean }} [o] exact: exactly these series (no hanging),
 *   indices: the slice of each cell, tile: the grid is the tiled series (else tiling ends)
 */
function setLayout(layout, initial, o = {}) {
  closeMenu();
  if (!o.tile) state.tile = null;
  grid.classList.toggle('tiled', Boolean(o.tile));
  buttons.tile?.classList.toggle('on', Boolean(o.tile));
  const old = state.cells;
  for (const c of old) {
    stopCine(c);
    engine.removeViewport(c.id);
  }
  const n = layout.rows * layout.cols;
  const placed = o.exact ? Array.from({ length: n }, (_, i) => initial?.[i] ?? null) : hang(initial ?? old.map((c) => c.series), n, state.series.filter(isImageSeries));
  state.layout = layout;
  grid.style.gridTemplateColumns = `repeat(${layout.cols}, 1fr)`;
  grid.style.gridTemplateRows = `repeat(${layout.rows}, 1fr)`;
  /** @type {Cell[]} */
  const cells = [];
  for (let i = 0; i < n; i++) {
    const prev = old[i];
    const cell = makeCell(i);
    if (prev && prev.series === placed[i]) {
      cell.index = prev.index;
      cell.window = prev.window;
      cell.invert = prev.invert;
      cell.lut = prev.lut;
    }
    cells.push(cell);
  }
  state.cells = cells;
  replace(grid, cells.map((c) => c.el));
  for (const c of cells) engine.addViewport(c.id, c.el);
  state.active = clampActive(state.active, n);
  cells.forEach((c, i) => {
    if (placed[i]) assign(c, /** @type {Series} */ (placed[i]), o.indices?.[i] ?? c.index);
    else refresh(c);
  });
  setActive(state.active);
}

/** @param {number} i @returns {Cell} */
function makeCell(i) {
  const corners = {
    topLeft: h('div', { class: 'vw-corner tl', testid: 'corner-tl' }),
    topRight: h('div', { class: 'vw-corner tr', testid: 'corner-tr' }),
    bottomLeft: h('div', { class: 'vw-corner bl', testid: 'corner-bl' }),
    bottomRight: h('div', { class: 'vw-corner br', testid: 'corner-br' }),
  };
  const status = h('div', { class: 'vw-vp-status', testid: 'viewport-status' });
  const keyBadge = h('div', { class: 'vw-key-badge', testid: 'key-badge', title: t('viewer.keyImage.title'), hidden: true }, viewerIcon('star'));
  const preview = h('img', { class: 'vw-preview', alt: '', hidden: true, draggable: 'false' });
  const overlay = h('canvas', { class: 'vw-annotations', testid: 'annotation-overlay' });
  const el = h('div', { class: ['vw-vp', !state.showCorners && 'no-corners', tools.current().draws && 'drawing'], testid: 'viewport', dataset: { index: String(i) } }, preview, overlay, corners.topLeft, corners.topRight, corners.bottomLeft, corners.bottomRight, keyBadge, status);
  /** @type {Cell} */
  const cell = { id: `vp${i}`, el, corners, status, preview, series: null, index: 0, direction: 1, shown: null, window: null, invert: false, lut: 'grey', cine: null, previewTimer: null, frameError: false, overlay, drawn: [], draft: null, offset: 0, refLine: null, cursorAt: null, keyBadge };
  tools.bind(el, () => (cell.series?.stack ? handle(cell) : null), () => setActive(state.cells.indexOf(cell)));
  let wheelRest = 0;
  el.addEventListener('wheel', (e) => {
    e.preventDefault();
    if (state.syncScroll && e.shiftKey && cell.series?.stack) {
      // Shift + wheel with sync on: shift this viewport against the active one by a slice (misregistration, priors);
      // on the active viewport it steps that one alone.
      const step = Math.sign(e.deltaY || e.deltaX);
      if (!step) return;
      if (cell === activeCell()) scrollBy(cell, step, false, false);
      else {
        compare.ensureLink(cell, /** @type {Cell} */ (activeCell()));
        cell.offset += step;
        syncCell(cell, /** @type {Cell} */ (activeCell()));
        refresh(cell);
      }
      return;
    }
    setActive(state.cells.indexOf(cell));
    if (!cell.series?.stack) return;
    if (e.ctrlKey) {
      const v = engine.view(cell.id);
      const r = el.getBoundingClientRect();
      const k = window.devicePixelRatio || 1;
      if (v) handle(cell).setView(zoomAt(v, Math.exp(-e.deltaY / 500), { x: (e.clientX - r.left) * k, y: (e.clientY - r.top) * k }));
      return;
    }
    // A mouse notch (|deltaY| ≥ 50) is one image; a touchpad's small deltas add up to one.
    if (Math.abs(e.deltaY) >= 50 || e.deltaMode !== 0) {
      wheelRest = 0;
      scrollBy(cell, Math.sign(e.deltaY));
    } else {
      wheelRest += e.deltaY;
      if (Math.abs(wheelRest) >= 50) {
        scrollBy(cell, Math.sign(wheelRest));
        wheelRest = 0;
      }
    }
  }, { passive: false });
  el.addEventListener('dragover', (e) => {
    if (!e.dataTransfer?.types.includes('application/x-yunying-series')) return;
    e.preventDefault();
    el.classList.add('drop');
  });
  el.addEventListener('dragleave', () => el.classList.remove('drop'));
  el.addEventListener('drop', (e) => {
    el.classList.remove('drop');
    const uid = e.dataTransfer?.getData('application/x-yunying-series');
    const s = state.series.find((x) => x.uid === uid) ?? compare.findSeries(uid ?? '');
    if (!s) return;
    e.preventDefault();
    setActive(state.cells.indexOf(cell));
    assign(cell, s);
  });
  el.addEventListener('dblclick', () => {
    if (tools.current().draws) return; // a polygon ends with a double-click
    if (state.tile) {
      // A tile opens its image alone; a second double-click goes back to the grid from before the tiling.
      const back = state.tile.back;
      if (!cell.series) return;
      lastGrid = { layout: back.layout, series: back.series, active: back.active };
      state.active = 0;
      setLayout({ rows: 1, cols: 1 }, [cell.series], { exact: true, indices: [cell.index] });
      return;
    }
    // Double-click toggles between this viewport alone and the grid it came from.
    if (state.layout.rows * state.layout.cols > 1) {
      lastGrid = { layout: state.layout, series: state.cells.map((c) => c.series), active: state.cells.indexOf(cell) };
      state.active = 0;
      setLayout({ rows: 1, cols: 1 }, [cell.series]);
    } else if (lastGrid) {
      const g = lastGrid;
      lastGrid = null;
      state.active = g.active;
      setLayout(g.layout, g.series);
    }
  });
  return cell;
}

/** @type {{ layout: Layout, series: (Series | null)[], active: number } | null} */
let lastGrid = null;

/** @param {number} i */
function setActive(i) {
  if (i < 0) return;
  state.active = i;
  state.cells.forEach((c, k) => c.el.classList.toggle('active', k === i));
  markCards();
  syncToolbar();
  engine?.render(); // the reference lines now come from this viewport
}

function activeCell() {
  return state.cells[state.active] ?? null;
}

/**
 * Puts a series into a viewport, loading its metadata first if need be.
 * @param {Cell | null} cell @param {Series} s @param {number} [index]
 */
async function assign(cell, s, index) {
  if (!cell) return;
  const changed = cell.series !== s;
  stopCine(cell);
  cell.series = s;
  cell.frameError = false;
  if (changed) {
    cell.window = null;
    cell.invert = false;
    cell.lut = 'grey';
    cell.shown = null;
    clearFrame(cell);
  }
  markCards();
  refresh(cell);
  try {
    const stack = await loadSeries(s);
    if (cell.series !== s) return;
    const mid = s.modality.toUpperCase() === 'US' ? 0 : 0; // first image; kept explicit for a future hanging rule
    cell.index = Math.max(0, Math.min(stack.frames.length - 1, index ?? (changed ? mid : cell.index)));
    if (stack.frameTime) state.fps = Math.max(1, Math.min(60, Math.round(1000 / stack.frameTime)));
    showFrame(cell, true);
    schedule();
  } catch (error) {
    if (error instanceof DicomwebError && error.status === 401) return toLogin();
    s.error = error instanceof DicomwebError ? error : new DicomwebError(0, String(error));
    refresh(cell);
  }
}

/** @param {Series} s @returns {Promise<Stack>} */
function loadSeries(s) {
  if (s.stack) return Promise.resolve(s.stack);
  if (!s.loading) {
    s.error = null;
    s.loading = seriesMetadata(s.study ?? state.study, s.uid)
      .then((metas) => {
        const stack = buildStack(metas);
        s.stack = stack;
        loader.register(s.study ?? state.study, s.uid, stack.frames);
        for (const f of stack.frames) seriesOfKey.set(f.key, s);
        updateCard(s);
        if (keyMarks.list().some((m) => !m.series && seriesOfKey.get(`${m.sop}/${m.frame}`) === s)) renderKeyPanel();
        return stack;
      })
      .finally(() => {
        s.loading = null;
      });
  }
  return s.loading;
}

/** @type {Map<string, Series>} */
const seriesOfKey = new Map();

/** @param {Cell} cell */
function currentFrame(cell) {
  return cell.series?.stack?.frames[cell.index] ?? null;
}

/** @param {Cell} cell */
function clearFrame(cell) {
  const vp = engine.viewports.get(cell.id);
  if (vp) {
    vp.frame = null;
    engine.render();
  }
}

/**
 * Shows the cell's current slice: exact pixels when decoded, else the server's JPEG of it while they load.
 * @param {Cell} cell @param {boolean} [first] show the JPEG preview at once (else after a short pause, so that
 *   fast scrolling over slices not yet loaded does not ask the server to render each)
 */
function showFrame(cell, first = false) {
  const f = currentFrame(cell);
  const s = cell.series;
  if (!f || !s) return;
  const frame = loader.get(f.key);
  if (cell.previewTimer !== null) clearTimeout(cell.previewTimer);
  cell.previewTimer = null;
  if (frame) {
    const firstOfSeries = cell.shown === null;
    cell.shown = f.key;
    const win = cell.window ?? (firstOfSeries || !engine.viewport(cell.id).display.window ? defaultWindow(frame) : null);
    engine.setFrame(cell.id, frame, win ?? undefined);
    engine.setDisplay(cell.id, { invert: cell.invert, lut: cell.lut });
    cell.preview.hidden = true;
    cell.preview.removeAttribute('src');
    if (state.firstImageAt === null) {
      state.firstImageAt = performance.now() - state.startedAt;
      document.body.dataset.firstImage = 'true';
    }
  } else {
    clearFrame(cell);
    const show = () => {
      cell.previewTimer = null;
      if (currentFrame(cell) !== f || loader.get(f.key)) return;
      const r = cell.el.getBoundingClientRect();
      cell.preview.src = urls.rendered(s.study ?? state.study, s.uid, f.sop, f.frame, Math.max(64, r.width), Math.max(64, r.height));
      cell.preview.hidden = false;
    };
    if (first) show();
    else cell.previewTimer = window.setTimeout(show, 250);
  }
  refresh(cell);
}

/**
 * The image's own first window (CT: soft tissue), else one spanning its values; none for colour.
 * @param {Frame} frame
 */
function defaultWindow(frame) {
  if (isColor(frame.info)) return null;
  return frame.info.windows[0] ?? fullRangeWindow(frame.pixels, frame.info);
}

/** @param {string} key @param {Frame} frame */
function frameArrived(key, frame) {
  const s = seriesOfKey.get(key);
  if (s) {
    s.loaded++;
    updateCard(s);
  }
  for (const c of state.cells) if (currentFrame(c)?.key === key) showFrame(c);
  void frame;
}

/** @param {string} key @param {DicomwebError} error */
function frameFailed(key, error) {
  if (error.status === 401) return toLogin();
  console.warn('frame failed', key, error);
  for (const c of state.cells) {
    if (currentFrame(c)?.key === key) {
      c.frameError = true;
      refresh(c);
    }
  }
}

/** Tells the loader what to fetch next: every visible stack outwards from its current slice. */
function schedule() {
  /** @type {string[][]} */
  const lists = [];
  const active = activeCell();
  // The active viewport first, then the others.
  const ordered = active ? [active, ...state.cells.filter((c) => c !== active)] : state.cells;
  for (const c of ordered) {
    const stack = c.series?.stack;
    if (!stack || !stack.frames.length) continue;
    const cap = loader.capacity(loader.info(stack.frames[0].meta));
    lists.push(priorityOrder(stack.frames.length, c.index, c.direction, cap).map((i) => stack.frames[i].key));
  }
  loader.want(interleave(lists));
}

/**
 * @param {Cell} cell @param {number} delta images @param {boolean} [wrap] cine wraps around
 * @param {boolean} [follow] with sync on, the viewports in the same frame of reference follow the active one
 */
function scrollBy(cell, delta, wrap = false, follow = true) {
  const stack = cell.series?.stack;
  if (!stack || !delta) return;
  if (follow && state.tile) return tilePage(Math.sign(delta));
  const n = stack.frames.length;
  let i = cell.index + delta;
  i = wrap ? ((i % n) + n) % n : Math.max(0, Math.min(n - 1, i));
  if (i === cell.index) return;
  if (cell.draft) tools.cancel();
  // Viewports of another study (对比) follow from where they are now: link them before this one moves.
  if (follow && state.syncScroll && cell === activeCell()) compare.ensureLinks(cell);
  cell.direction = delta > 0 ? 1 : -1;
  cell.index = i;
  showFrame(cell);
  if (follow && state.syncScroll && cell === activeCell()) syncOthers(cell);
  schedule();
}

/** @param {Cell} cell @param {number} i */
function scrollTo(cell, i) {
  scrollBy(cell, i - cell.index);
}

/** @param {Cell} cell @returns {ViewportHandle} */
function handle(cell) {
  return {
    view: () => engine.view(cell.id),
    setView: (v) => {
      engine.setView(cell.id, v);
      refresh(cell);
    },
    window: () => engine.viewport(cell.id).display.window,
    setWindow: (w) => {
      if (!cell.shown || isColor(engine.viewport(cell.id).frame?.info ?? /** @type {any} */ ({ samplesPerPixel: 1 }))) return;
      cell.window = w;
      engine.setDisplay(cell.id, { window: w });
      refresh(cell);
    },
    scroll: (d) => scrollBy(cell, d),
    dpr: () => window.devicePixelRatio || 1,
    annotations: layer(cell),
    locate: (p) => locate(cell, p),
  };
}

/**
 * Toolbar actions act on the active viewport.
 * @param {(c: Cell) => void} fn
 */
function forTargets(fn) {
  const c = activeCell();
  if (c?.series) fn(c);
}

/** @param {Window | null} w null: back to the image's own */
function applyWindow(w) {
  forTargets((c) => {
    const frame = c.shown ? loader.get(c.shown) : null;
    if (frame && isColor(frame.info)) return;
    c.window = w;
    const win = w ?? (frame ? defaultWindow(frame) : null);
    if (win) engine.setDisplay(c.id, { window: win });
    refresh(c);
  });
}

function toggleInvert() {
  forTargets((c) => {
    c.invert = !c.invert;
    engine.setDisplay(c.id, { invert: c.invert });
    refresh(c);
  });
}

/** @param {(v: import('../lib/viewer/view-transform.js').ViewState) => import('../lib/viewer/view-transform.js').ViewState} fn */
function changeView(fn) {
  forTargets((c) => {
    const v = engine.view(c.id);
    if (v) handle(c).setView(fn(v));
  });
}

function resetCell() {
  forTargets((c) => {
    const v = engine.view(c.id);
    if (v) engine.setView(c.id, reset(v));
    c.window = null;
    c.invert = false;
    c.lut = 'grey';
    const frame = c.shown ? loader.get(c.shown) : null;
    engine.setDisplay(c.id, { invert: false, lut: 'grey', ...(frame ? { window: defaultWindow(frame) } : {}) });
    refresh(c);
  });
}

function toggleCorners() {
  state.showCorners = !state.showCorners;
  for (const c of state.cells) c.el.classList.toggle('no-corners', !state.showCorners);
  syncToolbar();
}

/** 显示/隐藏叠加层 (VIEW-01): the DICOM overlay planes in every viewport. */
function toggleOverlays() {
  showOverlays = !showOverlays;
  syncToolbar();
  engine.render();
}

/** @param {Cell} cell the overlay planes of the image a viewport shows (none while hidden or still loading) */
function overlayDrawables(cell) {
  const shown = shownFrame(cell);
  return showOverlays && shown ? overlayStore.drawables(shown.f.sop, shown.f.instance, shown.f.frame) : [];
}

/**
 * What the magnifier's lens shows over the magnified image: the overlay planes and the measurements/annotations
 * (with their labels), through the lens' view.
 * @param {CanvasRenderingContext2D} ctx @param {import('../lib/viewer/view-transform.js').ViewState} view
 * @param {{ id: string }} target
 */
function drawLens(ctx, view, target) {
  const cell = state.cells.find((c) => c.id === target.id);
  if (!cell || !shownFrame(cell)) return;
  drawOverlayPlanes(ctx, view, overlayDrawables(cell));
  drawAnnotations(ctx, view, annotationsOf(cell).map((a) => ({ annotation: a, lines: measured(a, cell).lines })), { selected: state.selected, dpr: window.devicePixelRatio || 1 });
}

// ---------------------------------------------------------------- cine

/** @param {Cell} cell */
function startCine(cell) {
  stopCine(cell, true);
  cell.cine = window.setInterval(() => {
    const stack = cell.series?.stack;
    if (!stack) return;
    const next = (cell.index + 1) % stack.frames.length;
    // Wait for a frame that is still loading rather than flash its preview.
    if (!loader.get(stack.frames[next].key)) {
      schedule();
      return;
    }
    scrollBy(cell, 1, true);
  }, 1000 / state.fps);
  syncToolbar();
}

/** @param {Cell} cell @param {boolean} [quiet] */
function stopCine(cell, quiet = false) {
  if (cell.cine !== null) clearInterval(cell.cine);
  cell.cine = null;
  if (!quiet) syncToolbar();
}

function toggleCine() {
  forTargets((c) => (c.cine !== null ? stopCine(c) : startCine(c)));
}

// ---------------------------------------------------------------- overlay

/** @type {Set<Cell>} */
const dirty = new Set();
/** @type {number | null} */
let overlayFrame = null;

/**
 * Updates a cell's corner text and status on the next animation frame.
 * @param {Cell} cell
 */
function refresh(cell) {
  dirty.add(cell);
  if (overlayFrame === null) {
    overlayFrame = requestAnimationFrame(() => {
      overlayFrame = null;
      for (const c of dirty) drawOverlay(c);
      dirty.clear();
      syncToolbar();
    });
  }
}

/** @param {Cell} cell */
function drawOverlay(cell) {
  const s = cell.series;
  const f = currentFrame(cell);
  cell.el.classList.toggle('empty', !s);
  compare.decorate(cell);
  /** @type {import('../lib/dom.js').Child} */
  let status = null;
  if (!s) status = h('div', { class: 'vw-vp-empty' }, t('viewer.emptyViewport'));
  else if (s.error) status = h('div', { class: 'vw-vp-error' }, h('span', null, t('viewer.error.series')), h('button', { type: 'button', class: 'vw-btn vw-btn-sm', testid: 'viewport-retry', onclick: () => assign(cell, s) }, t('viewer.retry')));
  else if (!s.stack) status = h('div', { class: 'vw-vp-loading' }, h('span', { class: 'vw-spinner' }), t('viewer.loadingSeries'));
  else if (cell.frameError && f && !loader.get(f.key)) {
    status = h('div', { class: 'vw-vp-error' }, h('span', null, t('viewer.error.frame')), h('button', { type: 'button', class: 'vw-btn vw-btn-sm', testid: 'viewport-retry', onclick: () => {
      cell.frameError = false;
      loader.retry();
      schedule();
      refresh(cell);
    } }, t('viewer.retry')));
  } else if (f && cell.shown !== f.key) status = h('div', { class: 'vw-vp-loading small' }, h('span', { class: 'vw-spinner' }), t('viewer.loadingImage'));
  replace(cell.status, status);
  cell.keyBadge.hidden = !(f && keyMarks.has(f.sop, f.frame));
  cell.el.classList.toggle('key', !cell.keyBadge.hidden);
  cell.el.dataset.loaded = String(Boolean(f && cell.shown === f.key));
  if (!s?.stack || !f) {
    for (const el of Object.values(cell.corners)) el.replaceChildren();
    return;
  }
  const vp = engine.viewport(cell.id);
  const view = vp.view;
  const frame = cell.shown ? loader.get(cell.shown) : null;
  const win = frame && !isColor(frame.info) ? vp.display.window : null;
  const preset = cell.window ? matchPreset(cell.window) : undefined;
  const info = cornerInfo(f.meta, {
    index: cell.index,
    count: s.stack.frames.length,
    window: win,
    zoom: view ? view.zoom / (window.devicePixelRatio || 1) : 1,
    rotation: view?.rotation ?? 0,
    flipH: view?.flipH ?? false,
    flipV: view?.flipV ?? false,
    invert: cell.invert,
    frame: f.frame,
    frames: number(f.meta, '00280008', 1),
    location: f.perFrame ? sliceLocation(planeOfFrame(f)) : undefined,
    presetName: preset ? presetName(preset) : undefined,
  }, t);
  if (state.syncScroll && cell.offset) info.topRight.push(t('viewer.sync.offset', { n: cell.offset > 0 ? `+${cell.offset}` : String(cell.offset) }));
  for (const [corner, lines] of Object.entries(info)) {
    replace(cell.corners[/** @type {keyof Cell['corners']} */ (corner)], lines.map((l) => h('div', null, l)));
  }
}

function syncToolbar() {
  const c = activeCell();
  buttons.invert?.classList.toggle('on', Boolean(c?.invert));
  buttons.lut?.classList.toggle('on', Boolean(c && c.lut !== 'grey'));
  buttons.corners?.classList.toggle('on', state.showCorners);
  buttons.overlays?.classList.toggle('on', showOverlays);
  buttons.refLines?.classList.toggle('on', state.refLines);
  buttons.sync?.classList.toggle('on', state.syncScroll);
  const f = c && currentFrame(c);
  buttons.keyImage?.classList.toggle('on', Boolean(f && keyMarks.has(f.sop, f.frame)));
  const playing = Boolean(c && c.cine !== null);
  const cine = buttons.cine;
  if (cine) {
    cine.classList.toggle('on', playing);
    const icon = cine.querySelector('svg');
    const want = playing ? 'pause' : 'play';
    if (icon && cine.dataset.icon !== want) {
      icon.replaceWith(viewerIcon(want));
      cine.dataset.icon = want;
    }
  }
  const fps = /** @type {HTMLSelectElement | undefined} */ (buttons.fps);
  if (fps && fps.value !== String(state.fps)) {
    if (![...fps.options].some((o) => o.value === String(state.fps))) fps.append(h('option', { value: String(state.fps) }, t('viewer.fpsUnit', { n: state.fps })));
    fps.value = String(state.fps);
  }
}

// ---------------------------------------------------------------- measurements and annotations

/**
 * The frame on screen with its exact pixels (annotations are drawn and measured only then).
 * @param {Cell} cell
 */
function shownFrame(cell) {
  const f = currentFrame(cell);
  if (!f || cell.shown !== f.key) return null;
  const frame = loader.get(f.key);
  return frame ? { f, frame } : null;
}

/** @param {Cell} cell the annotations of the image a viewport shows */
function annotationsOf(cell) {
  const f = currentFrame(cell);
  if (!f) return [];
  return state.annotations.filter((a) => a.sop === f.sop && a.frame === f.frame);
}

/** @type {Map<string, { sig: string, result: ReturnType<typeof measureAnnotation> }>} ROI statistics are kept until the shape changes */
const measureCache = new Map();

/** @param {Annotation} a @param {Cell} cell */
function measured(a, cell) {
  const f = currentFrame(cell);
  if (!f) return { lines: [], values: {} };
  const shown = shownFrame(cell);
  const sig = `${f.key}|${shown ? 1 : 0}|${a.type}|${a.text ?? ''}|${a.points.map((p) => `${p.x},${p.y}`).join(';')}`;
  const hit = measureCache.get(a.id);
  if (hit && hit.sig === sig) return hit.result;
  const result = measureAnnotation(a, { cal: calibration(f.meta), unit: valueUnit(f.meta), frame: shown ? shown.frame : null }, t);
  measureCache.set(a.id, { sig, result });
  return result;
}

/** Draws every viewport's annotations (called by the engine after each draw, so they move with the image). */
function drawAllAnnotations() {
  for (const c of state.cells) drawCellAnnotations(c);
}

/** @param {Cell} cell */
function drawCellAnnotations(cell) {
  const canvas = cell.overlay;
  const ctx = canvas.getContext('2d');
  const view = engine.viewports.get(cell.id)?.view;
  const shown = shownFrame(cell);
  if (!ctx) return;
  if (!view || !shown) {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    cell.drawn = [];
    cell.refLine = null;
    cell.cursorAt = null;
    return;
  }
  if (canvas.width !== view.viewportWidth) canvas.width = view.viewportWidth;
  if (canvas.height !== view.viewportHeight) canvas.height = view.viewportHeight;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  drawOverlayPlanes(ctx, view, overlayDrawables(cell));
  const items = annotationsOf(cell).map((a) => ({ annotation: a, lines: measured(a, cell).lines }));
  const d = cell.draft;
  const draft = d ? { ...d, lines: measureAnnotation(d.annotation, { cal: calibration(shown.f.meta), unit: valueUnit(shown.f.meta), frame: shown.frame }, t).lines } : null;
  cell.drawn = drawAnnotations(ctx, view, items, { selected: state.selected, dpr: window.devicePixelRatio || 1, draft });
  drawLocalization(ctx, cell, view);
}

/**
 * What is under a canvas point of a viewport: an annotation's handle, its outline or its label.
 * @param {Cell} cell @param {import('../lib/viewer/view-transform.js').Point} p device pixels
 * @returns {{ id: string, handle: number | null } | null}
 */
function hitTest(cell, p) {
  const view = engine.viewports.get(cell.id)?.view;
  if (!view || !shownFrame(cell)) return null;
  const toCanvas = mapper(view);
  const tolerance = 6 * (window.devicePixelRatio || 1);
  const list = annotationsOf(cell).reverse(); // the last drawn is on top
  const selected = list.find((a) => a.id === state.selected);
  for (const a of selected ? [selected, ...list.filter((x) => x !== selected)] : list) {
    const h = hitAnnotation(a, toCanvas, p, tolerance);
    if (h) return { id: a.id, handle: 'handle' in h ? h.handle : null };
  }
  for (const d of [...cell.drawn].reverse()) {
    const b = d.label;
    if (b && p.x >= b.x && p.x <= b.x + b.width && p.y >= b.y && p.y <= b.y + b.height) return { id: d.annotation.id, handle: null };
  }
  return null;
}

/** @type {WeakMap<Cell, AnnotationLayer>} one layer per viewport, so that a tool can tell viewports apart */
const layers = new WeakMap();

/** @param {Cell} cell @returns {AnnotationLayer} */
function layer(cell) {
  let l = layers.get(cell);
  if (!l) {
    l = makeLayer(cell);
    layers.set(cell, l);
  }
  return l;
}

/** @param {Cell} cell @returns {AnnotationLayer} */
function makeLayer(cell) {
  return {
    hit: (p) => hitTest(cell, p),
    select: (id) => select(id),
    get: (id) => state.annotations.find((a) => a.id === id),
    create: (type, points) => {
      const f = currentFrame(cell);
      if (!f || !shownFrame(cell)) return null;
      return { id: newId(), type, sop: f.sop, frame: f.frame, series: cell.series?.uid, points, color: state.color };
    },
    draft: (a, closed = true) => {
      cell.draft = a ? { annotation: a, closed } : null;
      engine.render();
    },
    add: (a) => {
      state.annotations.push(a);
      annotationsChanged();
    },
    update: (a, final) => {
      const i = state.annotations.findIndex((x) => x.id === a.id);
      if (i < 0) return;
      state.annotations[i] = a;
      if (final) annotationsChanged();
      else engine.render();
    },
    askText: (done, initial) => textDialog(done, initial),
    menu: (id, x, y) => annotationMenu(id, x, y),
  };
}

/** @param {string | null} id */
function select(id) {
  if (state.selected === id) return;
  state.selected = id;
  engine.render();
  syncAnnotationButtons();
}

function annotationsChanged() {
  sync?.changed(state.annotations);
  engine.render();
  syncAnnotationButtons();
}

function syncAnnotationButtons() {
  const del = /** @type {HTMLButtonElement | undefined} */ (buttons.deleteAnnotation);
  if (del) del.disabled = !state.selected;
  const clear = /** @type {HTMLButtonElement | undefined} */ (buttons.clearAnnotations);
  if (clear) clear.disabled = !state.annotations.length;
  const dot = /** @type {HTMLElement | null | undefined} */ (buttons.color?.querySelector('.vw-color-dot'));
  if (dot) dot.style.background = state.color;
}

function deleteSelected() {
  const id = state.selected;
  if (!id) return;
  state.annotations = state.annotations.filter((a) => a.id !== id);
  measureCache.delete(id);
  state.selected = null;
  annotationsChanged();
}

/** 清除全部 (VIEW-21): every annotation of the study, after a confirmation. */
function clearAll() {
  const n = state.annotations.length;
  if (!n) return;
  /** @type {HTMLDialogElement} */
  let d;
  d = dialog('clear-dialog', t('viewer.annot.clearTitle'), h('p', { class: 'vw-confirm' }, t('viewer.annot.clearConfirm', { n })), [
    h('button', { type: 'button', class: 'vw-btn', onclick: () => d.close() }, t('viewer.cancel')),
    h('button', { type: 'button', class: 'vw-btn vw-btn-danger', testid: 'clear-dialog-ok', onclick: () => {
      d.close();
      state.annotations = [];
      state.selected = null;
      measureCache.clear();
      annotationsChanged();
    } }, t('viewer.annot.clearOk')),
  ]);
}

/** @param {string} color */
function setColor(color) {
  state.color = color;
  const a = state.annotations.find((x) => x.id === state.selected);
  if (a) {
    state.annotations = state.annotations.map((x) => (x === a ? { ...a, color } : x));
    annotationsChanged();
  } else syncAnnotationButtons();
}

function colorMenu() {
  const current = state.annotations.find((x) => x.id === state.selected)?.color ?? state.color;
  return [h('div', { class: 'vw-palette' }, PALETTE.map((c, i) => h('button', {
    type: 'button', class: ['vw-swatch-btn', c === current && 'checked'], testid: `color-${i}`, title: t(COLOR_NAMES[i]), 'aria-label': t(COLOR_NAMES[i]),
    style: { background: c }, onclick: () => {
      closeMenu();
      setColor(c);
    },
  })))];
}

/**
 * The context menu of an annotation (right click on it): colour, edit text, delete.
 * @param {string} id @param {number} x @param {number} y client pixels
 */
function annotationMenu(id, x, y) {
  closeMenu();
  const a = state.annotations.find((q) => q.id === id);
  if (!a) return;
  const menu = h('div', { class: 'vw-menu', role: 'menu', testid: 'annotation-menu', dataset: { owner: 'annotation' } },
    h('div', { class: 'vw-palette' }, PALETTE.map((c, i) => h('button', {
      type: 'button', class: ['vw-swatch-btn', c === a.color && 'checked'], testid: `annotation-color-${i}`, title: t(COLOR_NAMES[i]), 'aria-label': t(COLOR_NAMES[i]),
      style: { background: c }, onclick: () => {
        closeMenu();
        state.selected = id;
        setColor(c);
      },
    }))),
    h('div', { class: 'vw-menu-sep' }),
    (a.type === 'text' || a.type === 'arrow') && menuItem('annotation-edit-text', t('viewer.annot.editText'), () => textDialog((text) => {
      const cur = state.annotations.find((q) => q.id === id);
      if (!cur || text === null) return;
      if (!text && cur.type === 'text') return;
      const next = { ...cur };
      if (text) next.text = text;
      else delete next.text;
      state.annotations = state.annotations.map((q) => (q === cur ? next : q));
      annotationsChanged();
    }, a.text ?? '')),
    menuItem('annotation-delete', t('viewer.annot.deleteOne'), () => {
      state.selected = id;
      deleteSelected();
    }, { shortcut: 'Delete' }),
  );
  document.body.append(menu);
  menu.style.left = `${Math.min(x, window.innerWidth - menu.offsetWidth - 8)}px`;
  menu.style.top = `${Math.min(y, window.innerHeight - menu.offsetHeight - 8)}px`;
  const outside = (/** @type {MouseEvent} */ e) => {
    if (!menu.contains(/** @type {Node} */ (e.target))) closeMenu();
  };
  setTimeout(() => document.addEventListener('mousedown', outside), 0);
  openMenu = { el: menu, close: () => document.removeEventListener('mousedown', outside) };
}

/**
 * Asks for the words of a text (or arrow) annotation.
 * @param {(text: string | null) => void} done null: cancelled
 * @param {string} [initial]
 */
function textDialog(done, initial = '') {
  const input = h('input', { class: 'vw-input vw-text-input', type: 'text', maxlength: '500', value: initial, testid: 'text-dialog-input', placeholder: t('viewer.annot.textPlaceholder') });
  /** @type {HTMLDialogElement} */
  let d;
  let answered = false;
  const ok = () => {
    answered = true;
    done(input.value.trim());
    d.close();
  };
  d = dialog('text-dialog', t('viewer.annot.textTitle'), h('form', { class: 'vw-form', onsubmit: (/** @type {Event} */ e) => {
    e.preventDefault();
    ok();
  } }, input, h('button', { type: 'submit', hidden: true })), [
    h('button', { type: 'button', class: 'vw-btn', onclick: () => d.close() }, t('viewer.cancel')),
    h('button', { type: 'button', class: 'vw-btn vw-btn-primary', testid: 'text-dialog-ok', onclick: ok }, t('viewer.ok')),
  ]);
  d.addEventListener('close', () => {
    if (!answered) done(null);
  });
  input.focus();
  input.select();
}

/** Texts of the save indicator. */
const SAVE_TEXTS = {
  saving: 'viewer.annot.saving',
  saved: 'viewer.annot.saved',
  error: 'viewer.annot.saveError',
  offline: 'viewer.annot.offline',
  conflict: 'viewer.annot.conflict',
  tooLarge: 'viewer.annot.tooLarge',
  loadError: 'viewer.annot.loadError',
};

/** @param {SyncStatus | 'loadError'} status */
function showSaveStatus(status) {
  const el = /** @type {HTMLElement | null} */ (document.querySelector('[data-testid="annotation-status"]'));
  if (!el) return;
  el.dataset.status = status;
  if (status === 'idle') {
    el.hidden = true;
    return;
  }
  el.hidden = false;
  el.className = ['vw-save', status === 'saved' ? 'ok' : status === 'saving' ? '' : 'warn'].filter(Boolean).join(' ');
  replace(el, viewerIcon(status === 'saving' ? 'cloud' : status === 'saved' ? 'check' : 'alert', 'vw-save-icon'), h('span', null, t(SAVE_TEXTS[status])),
    status === 'conflict' && h('button', { type: 'button', class: 'vw-btn vw-btn-sm', testid: 'annotation-reload', onclick: () => reloadAnnotations() }, t('viewer.annot.reload')));
  if (status === 'conflict') toast(t('viewer.annot.conflict'));
}

/** Loads this user's annotations of the study and keeps them saved. */
function startAnnotations() {
  sync = new AnnotationSync({ study: state.study, onStatus: showSaveStatus, onUnauthorized: () => toLogin() });
  const s = sync;
  s.load()
    .then((list) => {
      // Anything drawn while the list was loading is kept and saved on top of it.
      const local = state.annotations.filter((a) => !list.some((b) => b.id === a.id));
      state.annotations = [...list, ...local];
      if (local.length) s.changed(state.annotations);
      if (s.dropped) toast(t('viewer.annot.dropped', { n: s.dropped }));
      engine.render();
      syncAnnotationButtons();
    })
    .catch((e) => {
      console.warn('annotations not loaded', e);
      showSaveStatus('loadError');
    });
  const leave = () => void s.flush({ keepalive: true });
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') leave();
  });
  window.addEventListener('pagehide', leave);
  syncAnnotationButtons();
}

/** After a conflict: the server's copy replaces what is on screen. */
function reloadAnnotations() {
  if (!sync) return;
  sync.load()
    .then((list) => {
      state.annotations = list;
      state.selected = null;
      measureCache.clear();
      engine.render();
      syncAnnotationButtons();
      toast(t('viewer.annot.reloaded'));
    })
    .catch(() => showSaveStatus('loadError'));
}

// ---------------------------------------------------------------- 关键图像 (VIEW-10)

function startKeyImages() {
  const c = new KeyImageClient({ study: state.study });
  keyClient = c;
  renderKeyPanel();
  c.me().then(() => renderKeyPanel());
  c.load()
    .then((list) => {
      // The newest saved selection is where the user left off; anything marked meanwhile is kept on top of it.
      const local = keyMarks.list();
      keyMarks.load(list[0]);
      for (const m of local) keyMarks.add(m);
      const desc = /** @type {HTMLInputElement | null} */ (keyPanel.querySelector('input'));
      if (desc && !desc.value && list[0]?.description) desc.value = list[0].description;
      keysChanged();
      void resolveKeySeries();
    })
    .catch((e) => console.warn('key images not loaded', e));
}

/** @param {import('../lib/viewer/key-images.js').KeyMark} m @returns {Series | null} */
function seriesOfMark(m) {
  return (m.series ? state.series.find((s) => s.uid === m.series) : null) ?? seriesOfKey.get(`${m.sop}/${m.frame}`) ?? null;
}

/** Marks loaded from the server name no series: read the image series' metadata until each is found. */
async function resolveKeySeries() {
  for (const s of state.series.filter(isImageSeries)) {
    if (keyMarks.list().every((m) => seriesOfMark(m))) break;
    try {
      await loadSeries(s);
    } catch {
      /* that series stays unknown; its marks show without a thumbnail */
    }
  }
  renderKeyPanel();
}

/** Marks or unmarks the active viewport's image. */
function toggleKeyImage() {
  const c = activeCell();
  const f = c && currentFrame(c);
  if (!c || !f) return;
  if (compare.isPrior(c.series)) return toast(t('compare.noKeyImage'));
  const on = keyMarks.toggle({ sop: f.sop, frame: f.frame, multiFrame: number(f.meta, '00280008', 1) > 1, series: c.series?.uid ?? null });
  toast(t(on ? 'viewer.keyImage.marked' : 'viewer.keyImage.unmarked'));
  keysChanged();
}

function keysChanged() {
  for (const c of state.cells) refresh(c);
  renderKeyPanel();
}

/** @param {import('../lib/viewer/key-images.js').KeyMark} m */
async function jumpToKey(m) {
  const s = seriesOfMark(m);
  const cell = activeCell();
  if (!s || !cell) return;
  const stack = await loadSeries(s);
  const i = stack.frames.findIndex((f) => f.sop === m.sop && f.frame === m.frame);
  if (i < 0) return;
  if (cell.series === s) scrollTo(cell, i);
  else void assign(cell, s, i);
}

function renderKeyPanel() {
  if (!keyPanel) return;
  const marks = keyMarks.list();
  const old = /** @type {HTMLInputElement | null} */ (keyPanel.querySelector('input'));
  const desc = old ?? h('input', { class: 'vw-input', type: 'text', maxlength: '64', testid: 'key-description', placeholder: t('viewer.keyImage.description'), 'aria-label': t('viewer.keyImage.description') });
  const canSave = Boolean(keyClient?.canSave);
  const known = keyClient?.permissions !== null;
  const tip = !canSave && known ? t('viewer.keyImage.noPermission') : marks.length ? t('viewer.keyImage.saveHint') : t('viewer.keyImage.none');
  const save = h('button', {
    type: 'button', class: 'vw-btn vw-btn-primary vw-btn-sm', testid: 'key-save', title: tip,
    disabled: !canSave || !marks.length || keySaving, onclick: () => void saveKeyImages(desc.value),
  }, t('viewer.keyImage.save'));
  const items = marks.map((m) => {
    const s = seriesOfMark(m);
    const idx = s?.stack ? s.stack.frames.findIndex((f) => f.sop === m.sop && f.frame === m.frame) : -1;
    const label = s ? `${t('viewer.seriesNumber', { n: s.number })} · ${idx >= 0 ? t('viewer.keyImage.image', { n: idx + 1 }) : ''}` : t('viewer.keyImage.unknownSeries');
    return h(
      'div',
      { class: 'vw-key-item', testid: 'key-item', dataset: { sop: m.sop, frame: String(m.frame) }, tabindex: '0', title: m.sop, onclick: () => void jumpToKey(m),
        onkeydown: (/** @type {KeyboardEvent} */ e) => {
          if (e.key === 'Enter') {
            e.stopPropagation();
            void jumpToKey(m);
          }
        } },
      s ? h('img', { class: 'vw-key-thumb', src: urls.instanceThumbnail(state.study, s.uid, m.sop), alt: '', loading: 'lazy', draggable: 'false' }) : h('div', { class: 'vw-key-thumb' }),
      h('span', { class: 'vw-key-label' }, label, m.multiFrame ? h('span', { class: 'vw-muted' }, ` ${t('viewer.keyImage.frame', { n: m.frame })}`) : null),
      h('button', { type: 'button', class: 'vw-icon-btn', testid: 'key-remove', 'aria-label': t('viewer.keyImage.remove'), title: t('viewer.keyImage.remove'), onclick: (/** @type {Event} */ e) => {
        e.stopPropagation();
        keyMarks.remove(m.sop, m.frame);
        keysChanged();
      } }, viewerIcon('x')),
    );
  });
  replace(
    keyPanel,
    h('div', { class: 'vw-panel-head' }, h('span', null, viewerIcon('star', 'vw-icon vw-key-icon'), t('viewer.keyImage.title')), h('span', { class: 'vw-muted', testid: 'key-count' }, t('viewer.keyImage.count', { n: marks.length }))),
    h('div', { class: 'vw-key-list' }, items.length ? items : h('p', { class: 'vw-muted vw-key-empty' }, t('viewer.keyImage.empty'))),
    h('div', { class: 'vw-key-save' }, desc, h('span', { class: 'vw-key-save-btn', 'data-tip': tip, title: tip }, save)),
  );
  keyPanel.dataset.count = String(marks.length);
}

/** What a save came to, for the toast (written out so that the catalogue check finds them). */
const KEY_RESULTS = {
  ok: 'viewer.keyImage.result.ok',
  forbidden: 'viewer.keyImage.result.forbidden',
  empty: 'viewer.keyImage.result.empty',
  notFound: 'viewer.keyImage.result.notFound',
  error: 'viewer.keyImage.result.error',
  offline: 'viewer.keyImage.result.offline',
};

/** @param {string} description */
async function saveKeyImages(description) {
  if (!keyClient || keySaving || !keyMarks.size) return;
  keySaving = true;
  renderKeyPanel();
  try {
    const { outcome } = await keyClient.save(buildPayload(keyMarks.list(), description));
    if (outcome === 'unauthorized') return toLogin();
    toast(t(KEY_RESULTS[outcome]));
    if (outcome === 'ok') void addNewSeries();
  } finally {
    keySaving = false;
    renderKeyPanel();
  }
}

/** The saved document is a new KO series: list it in the study browser (not as an image series). */
async function addNewSeries() {
  try {
    for (const x of await searchSeries(state.study)) {
      const uid = strings(x, '0020000E')[0];
      if (!uid || state.series.some((s) => s.uid === uid)) continue;
      /** @type {Series} */
      const s = { uid, number: number(x, '00200011', 0), description: strings(x, '0008103E')[0] ?? '', modality: strings(x, '00080060')[0] ?? '', count: number(x, '00201209', 0), stack: null, loading: null, error: null, loaded: 0, card: null };
      state.series.push(s);
      seriesList.append(seriesCard(s));
    }
  } catch {
    /* shown after the next reload */
  }
}

// ---------------------------------------------------------------- multi-series: reference lines, sync, 3D cursor

/** @type {WeakMap<object, ImagePlane | null>} the plane of each stack frame, computed once */
const planeCache = new WeakMap();

/**
 * The patient plane of a stack frame (null without geometry). A frame of an enhanced multi-frame object has its
 * own, from its functional groups (series.js frameMeta); other multi-frame objects have none (Image Position at
 * the top level does not tell where each frame is).
 * @param {import('../lib/viewer/series.js').StackFrame | null | undefined} f
 */
function planeOfFrame(f) {
  if (!f) return null;
  let p = planeCache.get(f);
  if (p === undefined) {
    p = f.perFrame || number(f.meta, '00280008', 1) <= 1 ? imagePlane(f.meta) : null;
    planeCache.set(f, p);
  }
  return p;
}

/**
 * Where a plane lies along its normal (mm), for the corner of frames that have no Slice Location (0020,1041):
 * the frames of enhanced objects.
 * @param {ImagePlane | null} p
 */
function sliceLocation(p) {
  return p ? p.origin[0] * p.normal[0] + p.origin[1] * p.normal[1] + p.origin[2] * p.normal[2] : undefined;
}

/** @param {Cell} cell the plane of the slice a viewport shows */
function planeOf(cell) {
  return planeOfFrame(currentFrame(cell));
}

/** @param {Cell} cell every plane of a viewport's stack */
function stackPlanes(cell) {
  return (cell.series?.stack?.frames ?? []).map(planeOfFrame);
}

function toggleRefLines() {
  state.refLines = !state.refLines;
  syncToolbar();
  engine.render();
}

function toggleSync() {
  state.syncScroll = !state.syncScroll;
  compare.resetLinks();
  syncToolbar();
  const c = activeCell();
  if (state.syncScroll && c) syncOthers(c);
  for (const x of state.cells) refresh(x);
}

/**
 * Synchronised scrolling: every other viewport in the same frame of reference goes to its slice nearest the
 * source's, plus its own offset.
 * @param {Cell} source
 */
function syncOthers(source) {
  for (const c of state.cells) if (c !== source) syncCell(c, source);
}

/** @param {Cell} cell @param {Cell} source */
function syncCell(cell, source) {
  if (!source || cell === source || !cell.series?.stack) return;
  let i = syncedIndex(planeOf(source), stackPlanes(cell), cell.offset);
  // Another study (对比): another Frame of Reference, followed by distance from where both were linked.
  if (i < 0) i = compare.syncIndex(cell, source);
  if (i >= 0 && i !== cell.index) scrollBy(cell, i - cell.index, false, false);
}

/**
 * 定位 (VIEW-06): the patient point under an image point of a viewport becomes the 3D cursor; every other viewport
 * in the same frame of reference goes to its slice nearest that point.
 * @param {Cell} cell @param {Point} p image coordinates
 */
function locate(cell, p) {
  const plane = planeOf(cell);
  if (!plane || !plane.frameOfReference) return;
  const point = imageToPatient(plane, p);
  state.cursor = { point, frameOfReference: plane.frameOfReference };
  for (const c of state.cells) {
    if (c === cell || !c.series?.stack) continue;
    const planes = stackPlanes(c);
    if (!sameFrame(plane, planes.find((x) => x) ?? null)) continue;
    const i = nearestPlane(planes, point);
    if (i >= 0 && i !== c.index) scrollBy(c, i - c.index, false, false);
  }
  engine.render();
}

/**
 * Reference line of the active viewport's slice and the 3D cursor, on a viewport's overlay. Both are computed in
 * image coordinates and mapped through the view, so they stay right through zoom, pan, rotation and flips.
 * @param {CanvasRenderingContext2D} ctx @param {Cell} cell @param {import('../lib/viewer/view-transform.js').ViewState} view
 */
function drawLocalization(ctx, cell, view) {
  cell.refLine = null;
  cell.cursorAt = null;
  const plane = planeOf(cell);
  if (!plane) return;
  const toCanvas = mapper(view);
  const k = window.devicePixelRatio || 1;
  /** @param {() => void} path @param {string} color @param {number[]} [dash] */
  const stroke = (path, color, dash = []) => {
    ctx.save();
    ctx.setLineDash(dash.map((d) => d * k));
    ctx.beginPath();
    path();
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.6)';
    ctx.lineWidth = 3 * k;
    ctx.stroke();
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5 * k;
    ctx.stroke();
    ctx.restore();
  };
  const active = activeCell();
  const source = active && active !== cell ? planeOf(active) : null;
  if (state.refLines && source && sameFrame(source, plane)) {
    const line = planeIntersection(source, plane);
    if (line) {
      cell.refLine = line;
      const [a, b] = line.map(toCanvas);
      stroke(() => {
        ctx.moveTo(a.x, a.y);
        ctx.lineTo(b.x, b.y);
      }, '#ffd54a');
    }
  }
  const cur = state.cursor;
  if (cur && cur.frameOfReference === plane.frameOfReference) {
    // Shown on the slice nearest the point (any slice of a one-image series such as a localizer).
    const planes = stackPlanes(cell);
    if (planes.length === 1 || nearestPlane(planes, cur.point) === cell.index) {
      const q = patientToImage(plane, cur.point);
      if (q.x >= 0 && q.y >= 0 && q.x <= plane.columns && q.y <= plane.rows) {
        cell.cursorAt = { x: q.x, y: q.y };
        const c = toCanvas(q);
        const r = 14 * k;
        const gap = 4 * k;
        stroke(() => {
          ctx.moveTo(c.x - r, c.y);
          ctx.lineTo(c.x - gap, c.y);
          ctx.moveTo(c.x + gap, c.y);
          ctx.lineTo(c.x + r, c.y);
          ctx.moveTo(c.x, c.y - r);
          ctx.lineTo(c.x, c.y - gap);
          ctx.moveTo(c.x, c.y + gap);
          ctx.lineTo(c.x, c.y + r);
          ctx.moveTo(c.x + 7 * k, c.y);
          ctx.arc(c.x, c.y, 7 * k, 0, 2 * Math.PI);
        }, '#5eead4');
      }
    }
  }
}

// ---------------------------------------------------------------- tiling (VIEW-02)

/**
 * The grid for tiling n images: as few cells as hold them, at most 4×5 (then paged).
 * @param {number} n
 */
function tileLayout(n) {
  const options = [{ rows: 1, cols: 2 }, { rows: 2, cols: 2 }, { rows: 2, cols: 3 }, { rows: 3, cols: 3 }, { rows: 3, cols: 4 }, { rows: 4, cols: 5 }];
  return options.find((l) => l.rows * l.cols >= n) ?? options[options.length - 1];
}

/** 平铺: the active viewport's series across the grid from the page of its current image; again: back. */
function toggleTile() {
  const t0 = state.tile;
  if (t0) {
    state.active = t0.back.active;
    setLayout(t0.back.layout, t0.back.series, { exact: true, indices: t0.back.indices });
    return;
  }
  const c = activeCell();
  const s = c?.series;
  const n = s?.stack?.frames.length ?? 0;
  if (!c || !s || n < 2) return;
  const layout = tileLayout(n);
  const per = layout.rows * layout.cols;
  const page = Math.floor(c.index / per);
  const back = { layout: state.layout, series: state.cells.map((x) => x.series), indices: state.cells.map((x) => x.index), active: state.active };
  state.tile = { series: s, page, per, back };
  state.active = c.index - page * per;
  const series = Array.from({ length: per }, (_, i) => (page * per + i < n ? s : null));
  setLayout(layout, series, { exact: true, tile: true, indices: series.map((_, i) => page * per + i) });
}

/**
 * Next (+1) or previous (−1) page of tiles.
 * @param {number} dir
 */
function tilePage(dir) {
  const tile = state.tile;
  const n = tile?.series.stack?.frames.length ?? 0;
  if (!tile || !dir) return;
  const pages = Math.ceil(n / tile.per);
  const page = Math.max(0, Math.min(pages - 1, tile.page + dir));
  if (page === tile.page) return;
  tile.page = page;
  state.cells.forEach((c, i) => {
    const idx = page * tile.per + i;
    if (idx >= n) {
      if (c.series) {
        c.series = null;
        c.shown = null;
        clearFrame(c);
        refresh(c);
      }
    } else if (c.series !== tile.series) void assign(c, tile.series, idx);
    else if (c.index !== idx) {
      c.direction = dir;
      c.index = idx;
      showFrame(c);
    }
  });
  markCards();
  schedule();
}

// ---------------------------------------------------------------- export (VIEW-23)

function exportMenu() {
  return [
    menuItem('export-png', t('viewer.export.png'), () => void exportImage('png')),
    menuItem('export-jpeg', t('viewer.export.jpeg'), () => void exportImage('jpeg')),
    h('div', { class: 'vw-menu-sep' }),
    menuItem('export-study', `${t('studyExport.title')}…`, () => openStudyExport()),
  ];
}

/** 导出检查 (VIEW-29/30): original DICOM with a DICOMDIR or JPEG per frame, as a ZIP (lib/viewer/export-dialog.js). */
function openStudyExport() {
  closeMenu();
  openExportDialog({
    dialog: (testid, title, body, footer) => dialog(testid, title, body, footer),
    study: () => state.study,
    series: () => state.series,
    activeSeries: () => activeCell()?.series?.uid ?? null,
    activeWindow: () => {
      const c = activeCell();
      const frame = c?.shown ? loader.get(c.shown) : null;
      return c && frame && !isColor(frame.info) ? engine.viewport(c.id).display.window : null;
    },
    windowChanged: () => Boolean(activeCell()?.window),
  });
}

/**
 * A file name part without characters file systems refuse.
 * @param {string} s
 */
const safeName = (s) => s.replace(/[\\/:*?"<>|\s]+/g, '_').replace(/^_+|_+$/g, '');

/**
 * The active viewport as the reader sees it: the image read back from WebGL, with the annotation overlay (shapes,
 * labels, reference lines, cursor) and the corner text burnt in.
 * @param {Cell} cell
 * @returns {HTMLCanvasElement | null}
 */
function composeImage(cell) {
  const f = currentFrame(cell);
  if (!f || !shownFrame(cell)) return null;
  engine.renderNow();
  drawCellAnnotations(cell);
  const read = engine.readPixels(cell.id);
  const out = document.createElement('canvas');
  out.width = read.width;
  out.height = read.height;
  const ctx = out.getContext('2d');
  if (!ctx) return null;
  ctx.putImageData(new ImageData(new Uint8ClampedArray(read.data.buffer, read.data.byteOffset, read.data.byteLength), read.width, read.height), 0, 0);
  ctx.drawImage(cell.overlay, 0, 0);
  if (state.showCorners) {
    const k = window.devicePixelRatio || 1;
    const size = 12 * k;
    const lineH = Math.round(size * 1.35);
    const pad = 8 * k;
    ctx.font = `500 ${size}px ${FONT}`;
    ctx.textBaseline = 'top';
    for (const [name, el] of Object.entries(cell.corners)) {
      const lines = [...el.children].map((d) => d.textContent ?? '');
      const right = name === 'topRight' || name === 'bottomRight';
      const bottom = name === 'bottomLeft' || name === 'bottomRight';
      ctx.textAlign = right ? 'right' : 'left';
      lines.forEach((l, i) => {
        const x = right ? out.width - pad : pad;
        const y = bottom ? out.height - pad - (lines.length - i) * lineH : pad + i * lineH;
        ctx.fillStyle = 'rgba(0, 0, 0, 0.8)';
        ctx.fillText(l, x + k, y + k);
        ctx.fillStyle = '#e6e9ee';
        ctx.fillText(l, x, y);
      });
    }
  }
  return out;
}

/**
 * The export's file name: patient ID, series number, instance number (and frame).
 * @param {Cell} cell @param {'png' | 'jpeg'} type
 */
function exportName(cell, type) {
  const f = /** @type {import('../lib/viewer/series.js').StackFrame} */ (currentFrame(cell));
  const pid = safeName(strings(f.meta, '00100020')[0] ?? strings(/** @type {DicomJson} */ (state.studyMeta), '00100020')[0] ?? '') || 'image';
  const series = cell.series?.number ?? number(f.meta, '00200011', 0);
  const inst = number(f.meta, '00200013', cell.index + 1);
  const frame = number(f.meta, '00280008', 1) > 1 ? `_F${f.frame}` : '';
  return `${pid}_S${series}_I${inst}${frame}.${type === 'png' ? 'png' : 'jpg'}`;
}

/** @param {'png' | 'jpeg'} type */
async function exportImage(type) {
  const cell = activeCell();
  if (!cell) return;
  const canvas = composeImage(cell);
  if (!canvas) return;
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, type === 'png' ? 'image/png' : 'image/jpeg', 0.95));
  if (!blob) return;
  const name = exportName(cell, type);
  const url = URL.createObjectURL(/** @type {Blob} */ (blob));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  toast(t('viewer.export.done', { name }));
}

// ---------------------------------------------------------------- keyboard

/** @param {KeyboardEvent} e */
function onKey(e) {
  if (document.querySelector('dialog[open]')) return; // the dialog handles its own keys (Esc closes it)
  const target = /** @type {HTMLElement} */ (e.target);
  if (target.closest('input, select, textarea')) return;
  if (e.altKey || e.metaKey) return;
  const c = activeCell();
  if (e.key === 'Escape') {
    if (openMenu) return closeMenu();
    tools.cancel();
    return select(null);
  }
  if (e.key === '?' || e.key === 'F1') {
    e.preventDefault();
    return openHelp();
  }
  if (e.key === 'Tab') {
    e.preventDefault();
    const n = state.cells.length;
    return setActive((state.active + (e.shiftKey ? n - 1 : 1)) % n);
  }
  if (!c) return;
  const n = c.series?.stack?.frames.length ?? 0;
  /** @type {Record<string, () => void>} */
  const actions = {
    ArrowUp: () => scrollBy(c, -1),
    ArrowLeft: () => scrollBy(c, -1),
    ArrowDown: () => scrollBy(c, 1),
    ArrowRight: () => scrollBy(c, 1),
    PageUp: () => scrollBy(c, -10),
    PageDown: () => scrollBy(c, 10),
    Home: () => scrollTo(c, 0),
    End: () => scrollTo(c, n - 1),
    ' ': () => toggleCine(),
    i: () => toggleInvert(),
    r: () => resetCell(),
    f: () => changeView(fit),
    h: () => changeView(flipHorizontal),
    v: () => changeView(flipVertical),
    '[': () => changeView((v) => rotateBy(v, -90)),
    ']': () => changeView((v) => rotateBy(v, 90)),
    '+': () => changeView((v) => zoomAt(v, 1.25)),
    '=': () => changeView((v) => zoomAt(v, 1.25)),
    '-': () => changeView((v) => zoomAt(v, 0.8)),
    c: () => toggleCorners(),
    t: () => openTags(),
    k: () => toggleKeyImage(),
    m: () => chooseTool('magnify'),
    Delete: () => deleteSelected(),
    Backspace: () => deleteSelected(),
    Enter: () => {
      const tool = tools.current();
      if (tool instanceof DrawTool) tool.complete();
    },
  };
  for (const [id, k] of MEASURE_TOOLS) actions[k.toLowerCase()] = () => chooseTool(id);
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  const preset = e.ctrlKey ? undefined : presetForKey(e.key);
  if (preset) {
    e.preventDefault();
    return applyWindow(presetWindow(preset));
  }
  const action = e.ctrlKey ? undefined : actions[key];
  if (action) {
    e.preventDefault();
    action();
  }
}

// ---------------------------------------------------------------- test hooks

/** @param {Uint8Array} bytes */
function base64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

// Hooks for Tests/e2e/test_viewer.py: read state, the stored value of an image pixel and what the GPU shows there.
Object.assign(window, {
  viewerTest: {
    state() {
      return {
        study: state.study,
        layout: layoutName(state.layout),
        active: state.active,
        firstImageMs: state.firstImageAt,
        framesLoaded: loader?.loaded ?? 0,
        refLines: state.refLines,
        tile: state.tile ? { page: state.tile.page, per: state.tile.per, pages: Math.ceil((state.tile.series.stack?.frames.length ?? 0) / state.tile.per) } : null,
        syncScroll: state.syncScroll,
        cursor: state.cursor?.point ?? null,
        cells: state.cells.map((c) => {
          const f = currentFrame(c);
          const vp = engine?.viewports.get(c.id);
          return {
            series: c.series?.uid ?? null,
            study: c.series ? c.series.study ?? state.study : null,
            index: c.index,
            count: c.series?.stack?.frames.length ?? 0,
            sop: f?.sop ?? null,
            frame: f?.frame ?? null,
            loaded: Boolean(f && c.shown === f.key),
            window: vp?.display.window ?? null,
            invert: c.invert,
            lut: c.lut,
            view: vp?.view ?? null,
            rect: vp?.rect ?? null,
            cine: c.cine !== null,
            offset: c.offset,
            refLine: c.refLine,
            cursorAt: c.cursorAt,
          };
        }),
      };
    },
    /**
     * The stored value of image pixel (column, row) of a viewport's frame and the RGBA the canvas shows at its centre.
     * @param {number} cellIndex @param {number} column @param {number} row
     */
    probe(cellIndex, column, row) {
      const c = state.cells[cellIndex];
      const frame = c?.shown ? loader.get(c.shown) : null;
      const view = c && engine.view(c.id);
      if (!c || !frame || !view) return null;
      const p = imageToCanvas(view, { x: column + 0.5, y: row + 0.5 });
      const read = engine.readPixels(c.id);
      const x = Math.floor(p.x);
      const y = Math.floor(p.y);
      if (x < 0 || y < 0 || x >= read.width || y >= read.height) return null;
      const o = (y * read.width + x) * 4;
      return {
        stored: frame.pixels[row * frame.info.columns + column],
        slope: frame.info.rescaleSlope,
        intercept: frame.info.rescaleIntercept,
        canvas: p,
        rgba: [...read.data.subarray(o, o + 4)],
        window: engine.viewport(c.id).display.window,
      };
    },
    /** @param {number} cellIndex */
    read(cellIndex) {
      const r = engine.readPixels(state.cells[cellIndex].id);
      return { width: r.width, height: r.height, rgba: base64(r.data) };
    },
    /** @param {number} cellIndex */
    select(cellIndex) {
      setActive(cellIndex);
    },
    /**
     * Client (CSS) coordinates of an image point in a viewport, for drawing with pointer actions.
     * @param {number} cellIndex @param {number} x @param {number} y
     */
    toClient(cellIndex, x, y) {
      const c = state.cells[cellIndex];
      const view = c && engine.view(c.id);
      if (!view) return null;
      const p = imageToCanvas(view, { x, y });
      const r = c.el.getBoundingClientRect();
      const k = window.devicePixelRatio || 1;
      return { x: r.left + p.x / k, y: r.top + p.y / k };
    },
    /**
     * The annotations a viewport shows: geometry, label text and box (device pixels), values, and the shape's
     * bounding box on the canvas.
     * @param {number} cellIndex
     */
    annotations(cellIndex) {
      const c = state.cells[cellIndex];
      const view = c && engine.viewports.get(c.id)?.view;
      if (!c || !view) return [];
      const toCanvas = mapper(view);
      return c.drawn.map((d) => {
        const pts = d.annotation.points.map(toCanvas);
        const xs = pts.map((p) => p.x);
        const ys = pts.map((p) => p.y);
        return {
          ...d.annotation,
          lines: d.lines,
          label: d.label,
          values: measured(d.annotation, c).values,
          bounds: { x: Math.min(...xs), y: Math.min(...ys), width: Math.max(...xs) - Math.min(...xs), height: Math.max(...ys) - Math.min(...ys) },
        };
      });
    },
    /**
     * What a press at an image point would take hold of.
     * @param {number} cellIndex @param {number} x @param {number} y
     */
    hit(cellIndex, x, y) {
      const c = state.cells[cellIndex];
      const view = c && engine.view(c.id);
      return view ? hitTest(c, imageToCanvas(view, { x, y })) : null;
    },
    /**
     * The RGBA of the annotation overlay (reference lines, cursor, shapes) at an image point of a viewport.
     * @param {number} cellIndex @param {number} x @param {number} y
     */
    overlayPixel(cellIndex, x, y) {
      const c = state.cells[cellIndex];
      const view = c && engine.view(c.id);
      const ctx = c?.overlay.getContext('2d');
      if (!view || !ctx) return null;
      engine.renderNow();
      const p = imageToCanvas(view, { x, y });
      return [...ctx.getImageData(Math.floor(p.x), Math.floor(p.y), 1, 1).data];
    },
    keyImages() {
      return {
        marks: keyMarks.list().map((m) => ({ sop: m.sop, frame: m.frame, series: seriesOfMark(m)?.uid ?? null })),
        canSave: keyClient?.canSave ?? false,
        saving: keySaving,
        badges: state.cells.map((c) => !c.keyBadge.hidden),
      };
    },
    compare() {
      return compare.state();
    },
    sync() {
      return { status: sync?.status ?? null, version: sync?.version ?? null, count: state.annotations.length, selected: state.selected };
    },
  },
});

start();
