// 对比 / 历史检查 (VIEW-28, issue #6) in the viewer: the patient's other studies in the study browser and under the
// 对比 toolbar button (QIDO-RS by Patient ID, newest first, the current one marked); choosing one lists its series
// under a date header in the study browser and opens it beside the current study (1×2, the prior series that best
// matches the one being read on the right). Every viewport then says which study it shows (当前 / 历史 with the
// date, in different colours). With 同步 on, a viewport of another study is linked to the active one at the
// positions both show (align them, then turn 同步 on, or fine-tune with Shift + wheel) and follows it by distance
// along the slice normal (lib/viewer/priors.js). The server keeps to the user's institutions: studies outside them
// are not listed, and a prior that vanished answers 404, which is said in words.

import { h, replace, svgIcon } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { viewerIcon } from '../lib/viewer/icons.js';
import { searchStudies, searchSeries, DicomwebError } from '../lib/viewer/dicomweb.js';
import { strings } from '../lib/viewer/pixels.js';
import { priorQuery, studyEntries, isoDate, ageOf, seriesFromQido, bestMatch, makeLink, linkedIndex, errorKey } from '../lib/viewer/priors.js';

/** @typedef {import('./viewer.js').Series} Series */
/** @typedef {import('./viewer.js').Cell} Cell */
/** @typedef {import('../lib/viewer/priors.js').StudyEntry} StudyEntry */
/** @typedef {import('../lib/viewer/priors.js').CrossLink} CrossLink */
/** @typedef {import('../lib/viewer/geometry.js').ImagePlane} ImagePlane */
/** @typedef {import('../lib/viewer/pixels.js').DicomJson} DicomJson */
/** @typedef {import('../lib/viewer/layout.js').Layout} Layout */

/**
 * What the viewer lends this module.
 * @typedef {object} CompareHost
 * @property {() => string} study the current study's UID
 * @property {() => DicomJson | null} studyMeta its QIDO-RS attributes
 * @property {() => Series[]} series its series
 * @property {() => Cell[]} cells
 * @property {() => Layout} layout
 * @property {() => Cell | null} activeCell
 * @property {(s: Series) => HTMLElement} seriesCard
 * @property {(layout: Layout, initial: (Series | null)[], o: { exact?: boolean, indices?: number[] }) => void} setLayout
 * @property {() => void} markCards
 * @property {(text: string) => void} toast
 * @property {() => boolean} syncOn
 * @property {(cell: Cell) => ImagePlane | null} planeOf
 * @property {(cell: Cell) => (ImagePlane | null)[]} stackPlanes
 * @property {() => void} toLogin
 */

/**
 * @typedef {object} OpenedPrior
 * @property {StudyEntry} entry
 * @property {Series[]} series
 * @property {HTMLElement} group its section in the study browser
 */

const COMPARE_ICON = ['M3 5h8v14H3z', 'M13 5h8v14h-8z', 'M6 9h2', 'M16 9h2', 'M5 15l2-2 2 2', 'M15 15l2-2 2 2'];

/** @param {CompareHost} host */
export function createCompare(host) {
  /** @type {StudyEntry[] | null} */
  let entries = null;
  /** @type {'idle' | 'loading' | 'ready' | 'error' | 'noPatient'} */
  let status = 'idle';
  let errorText = '';
  /** @type {Map<string, OpenedPrior>} */
  const opened = new Map();
  /** @type {Promise<OpenedPrior> | null} */
  let opening = null;
  /** @type {WeakMap<Cell, CrossLink>} */
  const links = new WeakMap();
  /** @type {HTMLElement | null} */
  let section = null;
  /** @type {HTMLElement | null} */
  let seriesList = null;
  /** @type {HTMLElement | null} the current study's date header, shown once a prior is open */
  let currentHeader = null;
  /** @type {HTMLButtonElement | null} */
  let button = null;
  /** @type {HTMLElement | null} */
  let menu = null;

  const currentDate = () => strings(host.studyMeta() ?? {}, '00080020')[0] ?? '';
  const patientId = () => strings(host.studyMeta() ?? {}, '00100020')[0] ?? '';

  /** @param {Series | null | undefined} s */
  const isPrior = (s) => Boolean(s && s.study && s.study !== host.study());

  /** Every series of the opened priors. */
  const priorSeries = () => [...opened.values()].flatMap((p) => p.series);

  // ------------------------------------------------------------ the list of studies

  async function load() {
    const pid = patientId();
    if (!pid) {
      status = 'noPatient';
      render();
      return;
    }
    status = 'loading';
    render();
    try {
      entries = studyEntries(await searchStudies(priorQuery(pid)), host.study());
      status = 'ready';
    } catch (error) {
      if (error instanceof DicomwebError && error.status === 401) return host.toLogin();
      status = 'error';
      errorText = t(errorKey(error instanceof DicomwebError ? error.status : -1));
      console.warn('prior studies', error);
    }
    render();
  }

  const others = () => (entries ?? []).filter((e) => !e.current);

  /** @param {StudyEntry} e @param {'panel' | 'menu'} where */
  function entryRow(e, where) {
    const open = opened.has(e.uid);
    const counts = [
      e.series !== null ? t('compare.seriesCount', { n: e.series }) : '',
      e.images !== null ? t('compare.imageCount', { n: e.images }) : '',
    ].filter(Boolean).join(' · ');
    const age = e.current ? '' : ageOf(e.date, currentDate(), t);
    return h(
      'button',
      {
        type: 'button',
        class: ['cmp-study', e.current && 'current', open && 'open', where === 'menu' && 'vw-menu-item'],
        testid: where === 'panel' ? 'prior-study' : 'prior-menu-study',
        dataset: { uid: e.uid, current: String(e.current) },
        disabled: e.current,
        title: e.current ? t('compare.currentHint') : t('compare.openHint'),
        onclick: () => {
          closeMenu();
          if (!e.current) void openPrior(e.uid);
        },
      },
      h(
        'span',
        { class: 'cmp-study-line' },
        h('span', { class: 'cmp-date', testid: 'prior-date' }, isoDate(e.date) || t('compare.noDate')),
        h('span', { class: 'cmp-mods' }, e.modalities.map((m) => h('span', { class: 'cmp-mod' }, m))),
        e.current ? h('span', { class: 'cmp-flag current', testid: 'prior-current' }, t('compare.current')) : open ? h('span', { class: 'cmp-flag open' }, t('compare.opened')) : null,
      ),
      h('span', { class: 'cmp-desc', testid: 'prior-description' }, e.description || t('compare.noDescription')),
      h('span', { class: 'cmp-meta' }, [counts, age].filter(Boolean).join(' · ')),
    );
  }

  function render() {
    if (!section) return;
    const list = entries ?? [];
    const n = others().length;
    /** @type {import('../lib/dom.js').Child} */
    let body;
    if (status === 'loading' || status === 'idle') body = h('div', { class: 'cmp-note', testid: 'prior-loading' }, h('span', { class: 'vw-spinner small' }), t('compare.loading'));
    else if (status === 'noPatient') body = h('div', { class: 'cmp-note', testid: 'prior-empty' }, t('compare.noPatientId'));
    else if (status === 'error') {
      body = h(
        'div',
        { class: 'cmp-note cmp-error', testid: 'prior-error', role: 'alert' },
        h('span', null, errorText),
        h('button', { type: 'button', class: 'vw-btn vw-btn-sm', testid: 'prior-retry', onclick: () => void load() }, t('viewer.retry')),
      );
    } else if (n === 0) body = h('div', { class: 'cmp-note', testid: 'prior-empty' }, t('compare.empty'));
    else body = h('div', { class: 'cmp-list' }, list.map((e) => entryRow(e, 'panel')));
    replace(
      section,
      h('div', { class: 'cmp-head' }, h('span', null, t('compare.title')), h('span', { class: 'vw-muted', testid: 'prior-count' }, status === 'ready' ? t('compare.count', { n }) : '')),
      body,
    );
    if (button) {
      button.classList.toggle('has-priors', status === 'ready' && n > 0);
      button.dataset.count = status === 'ready' ? String(n) : '';
    }
  }

  // ------------------------------------------------------------ the toolbar button and its drop-down

  function closeMenu() {
    if (!menu) return;
    menu.remove();
    menu = null;
    document.removeEventListener('mousedown', outside);
  }

  /** @param {MouseEvent} e */
  function outside(e) {
    const target = /** @type {Node} */ (e.target);
    if (menu && !menu.contains(target) && !button?.contains(target)) closeMenu();
  }

  function toggleMenu() {
    if (menu) return closeMenu();
    document.querySelector('.vw-menu')?.remove();
    /** @type {import('../lib/dom.js').Child} */
    let items;
    if (status === 'ready') items = others().length ? (entries ?? []).map((e) => entryRow(e, 'menu')) : h('div', { class: 'cmp-note', testid: 'prior-menu-empty' }, t('compare.empty'));
    else if (status === 'error') items = h('div', { class: 'cmp-note cmp-error' }, errorText);
    else if (status === 'noPatient') items = h('div', { class: 'cmp-note' }, t('compare.noPatientId'));
    else items = h('div', { class: 'cmp-note' }, t('compare.loading'));
    const b = /** @type {HTMLButtonElement} */ (button);
    menu = h('div', { class: 'vw-menu cmp-menu', role: 'menu', testid: 'menu-compare' }, h('div', { class: 'cmp-menu-head' }, t('compare.menuTitle')), items);
    document.body.append(menu);
    const r = b.getBoundingClientRect();
    menu.style.left = `${Math.max(8, Math.min(r.left, window.innerWidth - menu.offsetWidth - 8))}px`;
    menu.style.top = `${r.bottom + 4}px`;
    setTimeout(() => document.addEventListener('mousedown', outside), 0);
  }

  // ------------------------------------------------------------ opening a prior

  /**
   * The prior's series under its date header in the study browser (fetched once).
   * @param {StudyEntry} entry
   */
  async function fetchPrior(entry) {
    const have = opened.get(entry.uid);
    if (have) return have;
    const list = await searchSeries(entry.uid);
    const series = /** @type {Series[]} */ (/** @type {unknown} */ (seriesFromQido(list, entry.uid)));
    if (!series.length) throw new DicomwebError(404, 'no series');
    const group = h(
      'section',
      { class: 'cmp-group prior', testid: 'prior-group', dataset: { uid: entry.uid } },
      groupHeader(entry, 'prior'),
      series.map((s) => host.seriesCard(s)),
    );
    const prior = { entry, series, group };
    opened.set(entry.uid, prior);
    if (seriesList) {
      if (!currentHeader) {
        const cur = (entries ?? []).find((e) => e.current);
        currentHeader = groupHeader(cur ?? { uid: host.study(), date: currentDate(), time: '', modalities: strings(host.studyMeta() ?? {}, '00080061'), description: strings(host.studyMeta() ?? {}, '00081030')[0] ?? '', accession: '', series: null, images: null, current: true }, 'current');
        seriesList.prepend(currentHeader);
      }
      // Newest prior first, below the current study.
      const after = [...seriesList.querySelectorAll('.cmp-group')].find((g) => (opened.get(/** @type {HTMLElement} */ (g).dataset.uid ?? '')?.entry.date ?? '') < entry.date);
      if (after) after.before(group);
      else seriesList.append(group);
    }
    render();
    return prior;
  }

  /** @param {StudyEntry} e @param {'current' | 'prior'} kind */
  function groupHeader(e, kind) {
    return h(
      'div',
      { class: ['cmp-group-head', kind], testid: kind === 'prior' ? 'prior-group-head' : 'current-group-head' },
      h('span', { class: 'cmp-group-kind' }, t(kind === 'prior' ? 'compare.prior' : 'compare.current')),
      h('span', { class: 'cmp-date' }, isoDate(e.date) || t('compare.noDate')),
      h('span', { class: 'cmp-group-desc', title: e.description }, [e.modalities.join('/'), e.description].filter(Boolean).join(' ')),
      kind === 'prior'
        ? h('button', { type: 'button', class: 'vw-icon-btn cmp-close', testid: 'prior-close', title: t('compare.close'), 'aria-label': t('compare.close'), onclick: () => closePrior(e.uid) }, viewerIcon('x'))
        : null,
    );
  }

  /**
   * Opens a prior beside the current study: 1×2, the series being read on the left (at its slice), the prior series
   * that matches it best on the right at the same relative position.
   * @param {string} uid
   */
  async function openPrior(uid) {
    const entry = (entries ?? []).find((e) => e.uid === uid);
    if (!entry || entry.current) return;
    if (opening) return;
    host.toast(t('compare.opening', { date: isoDate(entry.date) }));
    try {
      opening = fetchPrior(entry);
      const prior = await opening;
      const active = host.activeCell();
      const shown = host.cells().map((c) => c.series).filter((s) => s && !isPrior(s));
      /** @type {Series | null} */
      const current = (active?.series && !isPrior(active.series) ? active.series : shown[0]) ?? null;
      const currentCell = host.cells().find((c) => c.series === current) ?? null;
      const match = bestMatch(current, prior.series);
      if (!match) {
        host.toast(t('compare.noImages'));
        return;
      }
      const n = current?.stack?.frames.length ?? current?.count ?? 1;
      const fraction = currentCell && n > 1 ? currentCell.index / (n - 1) : 0;
      const priorIndex = Math.round(fraction * Math.max(0, match.count - 1));
      host.setLayout({ rows: 1, cols: 2 }, [current, match], { exact: true, indices: [currentCell?.index ?? 0, priorIndex] });
      host.toast(host.syncOn() ? t('compare.openedSync', { date: isoDate(entry.date) }) : t('compare.openedHint', { date: isoDate(entry.date) }));
    } catch (error) {
      if (error instanceof DicomwebError && error.status === 401) return host.toLogin();
      console.warn('open prior', error);
      host.toast(t('compare.openFailed', { reason: t(errorKey(error instanceof DicomwebError ? error.status : -1)) }));
    } finally {
      opening = null;
    }
  }

  /** @param {string} uid */
  function closePrior(uid) {
    const prior = opened.get(uid);
    if (!prior) return;
    opened.delete(uid);
    prior.group.remove();
    if (!opened.size) {
      currentHeader?.remove();
      currentHeader = null;
    }
    const cells = host.cells();
    if (cells.some((c) => c.series && prior.series.includes(c.series))) {
      // Its viewports empty; 1×2 back to the current study alone.
      const keep = cells.map((c) => (c.series && prior.series.includes(c.series) ? null : c.series));
      const indices = cells.map((c) => c.index);
      const l = host.layout();
      const k = keep.findIndex(Boolean);
      if (l.rows * l.cols === 2) host.setLayout({ rows: 1, cols: 1 }, k >= 0 ? [keep[k]] : [], { exact: k >= 0, indices: [k >= 0 ? indices[k] : 0] });
      else host.setLayout(l, keep, { exact: true, indices });
    }
    render();
    host.markCards();
  }

  // ------------------------------------------------------------ viewports: which study, and linked scrolling

  /**
   * The 当前 / 历史 label of a viewport with the study date, shown while a prior is open or the viewport shows one.
   * @param {Cell} cell
   */
  function decorate(cell) {
    let tag = /** @type {HTMLElement | null} */ (cell.el.querySelector('.cmp-tag'));
    const s = cell.series;
    const prior = isPrior(s);
    if (!s || (!prior && !opened.size)) {
      if (tag) tag.hidden = true;
      return;
    }
    if (!tag) {
      tag = h('div', { class: 'cmp-tag', testid: 'study-tag' });
      cell.el.append(tag);
    }
    tag.hidden = false;
    const date = prior ? (opened.get(/** @type {string} */ (s.study))?.entry.date ?? '') : currentDate();
    tag.className = `cmp-tag ${prior ? 'prior' : 'current'}`;
    tag.dataset.kind = prior ? 'prior' : 'current';
    tag.dataset.study = prior ? /** @type {string} */ (s.study) : host.study();
    const linked = host.syncOn() && links.has(cell);
    tag.textContent = `${t(prior ? 'compare.prior' : 'compare.current')} ${isoDate(date) || t('compare.noDate')}${linked ? ` · ${t('compare.linked')}` : ''}`;
    tag.title = prior ? t('compare.priorTagHint') : t('compare.currentTagHint');
  }

  /** @param {Cell} cell @param {Cell} source */
  const linkKey = (cell, source) => `${source.id}|${source.series?.uid ?? ''}|${cell.series?.uid ?? ''}`;

  /** @param {Cell} cell @param {Cell} source */
  const crossStudy = (cell, source) => Boolean(cell.series && source.series && (cell.series.study ?? host.study()) !== (source.series.study ?? host.study()));

  /**
   * Makes (or keeps) the link of one viewport of another study to the source, from what both show now.
   * @param {Cell} cell @param {Cell} source
   */
  function ensureLink(cell, source) {
    if (cell === source || !crossStudy(cell, source) || !cell.series?.stack || !source.series?.stack) return null;
    const key = linkKey(cell, source);
    const have = links.get(cell);
    if (have && have.key === key) return have;
    const link = makeLink(key, host.planeOf(source), source.index, host.stackPlanes(cell), cell.index, cell.offset);
    links.set(cell, link);
    return link;
  }

  /**
   * Before the source scrolls: every viewport of another study gets its link from the positions shown now.
   * @param {Cell} source
   */
  function ensureLinks(source) {
    for (const c of host.cells()) ensureLink(c, source);
  }

  /**
   * Where a viewport of another study goes when the source moves; -1: not linked (same study, or nothing to follow).
   * @param {Cell} cell @param {Cell} source
   */
  function syncIndex(cell, source) {
    const link = ensureLink(cell, source);
    if (!link) return -1;
    return linkedIndex(link, host.planeOf(source), source.index, host.stackPlanes(cell), cell.offset);
  }

  /** 同步 turned on (or off): links start again from what the viewports show. */
  function resetLinks() {
    for (const c of host.cells()) links.delete(c);
  }

  return {
    /**
     * Puts the list of studies into the study browser and starts reading it.
     * @param {HTMLElement} panel the study browser @param {HTMLElement} list its series list
     */
    mount(panel, list) {
      seriesList = list;
      section = h('section', { class: 'cmp-studies', testid: 'prior-studies' });
      const head = panel.querySelector('.vw-panel-head');
      if (head) head.after(section);
      else panel.prepend(section);
      void load();
    },
    /** The 对比 toolbar button. */
    toolbarButton() {
      button = h('button', { type: 'button', class: 'vw-tbtn vw-has-menu cmp-button', testid: 'tool-compare', 'data-tip': t('compare.tip'), 'aria-label': t('compare.tip'), 'aria-haspopup': 'menu', onclick: () => toggleMenu() },
        svgIcon(COMPARE_ICON, 'vw-icon'), viewerIcon('chevronDown', 'vw-caret'));
      render();
      return button;
    },
    openPrior,
    isPrior,
    /** @param {string} uid a series of an opened prior */
    findSeries: (/** @type {string} */ uid) => priorSeries().find((s) => s.uid === uid) ?? null,
    series: priorSeries,
    decorate,
    ensureLink,
    ensureLinks,
    syncIndex,
    resetLinks,
    /** For the tests. */
    state() {
      return {
        status,
        entries: (entries ?? []).map((e) => ({ uid: e.uid, date: e.date, current: e.current, images: e.images })),
        opened: [...opened.keys()],
        links: host.cells().map((c) => links.get(c) ?? null),
      };
    },
  };
}
