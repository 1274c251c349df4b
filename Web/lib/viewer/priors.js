// 对比 / 历史检查 (VIEW-28, issue #6): the other studies of the patient from QIDO-RS, the prior series that best
// matches what the radiologist is reading, and synchronised scrolling between studies. Two studies of one patient
// have different Frames of Reference (the patient lay on the table again), so patient coordinates cannot be
// compared directly; instead a viewport of the other study is *linked* to the active one at the positions both
// show when the link is made (the radiologist aligns them first, or after with Shift + wheel, the 偏移), and then
// follows it by the same distance along the slice normal (table position / Slice Location difference). Series
// without usable geometry (or not parallel) follow by image index the same way. Pure functions, no DOM.

import { strings, number } from './pixels.js';
import { dot } from './geometry.js';

/** @typedef {import('./pixels.js').DicomJson} DicomJson */
/** @typedef {import('./geometry.js').ImagePlane} ImagePlane */

/** What the study list shows: date, time, modalities, description, accession, number of series and images. */
export const PRIOR_FIELDS = ['00080020', '00080030', '00080061', '00081030', '00080050', '00201206', '00201208'].join(',');

/**
 * @typedef {object} StudyEntry
 * @property {string} uid
 * @property {string} date YYYYMMDD ('' when unknown)
 * @property {string} time HHMMSS…
 * @property {string[]} modalities
 * @property {string} description
 * @property {string} accession
 * @property {number | null} series
 * @property {number | null} images
 * @property {boolean} current the study open in the viewer
 */

/**
 * The QIDO-RS query for every study of a patient (the server keeps to the caller's institutions).
 * @param {string} patientId
 * @returns {Record<string, string>}
 */
export function priorQuery(patientId) {
  return { PatientID: patientId, includefield: PRIOR_FIELDS, limit: '500' };
}

/**
 * The studies of the patient, newest first (date, then time, then UID for a stable order), the current one marked.
 * @param {DicomJson[]} list QIDO-RS answer
 * @param {string} currentUid
 * @returns {StudyEntry[]}
 */
export function studyEntries(list, currentUid) {
  /** @type {Map<string, StudyEntry>} */
  const seen = new Map();
  for (const ds of list) {
    const uid = strings(ds, '0020000D')[0];
    if (!uid || seen.has(uid)) continue;
    const has = (/** @type {string} */ tag) => strings(ds, tag).length > 0;
    seen.set(uid, {
      uid,
      date: strings(ds, '00080020')[0] ?? '',
      time: strings(ds, '00080030')[0] ?? '',
      modalities: strings(ds, '00080061'),
      description: strings(ds, '00081030')[0] ?? '',
      accession: strings(ds, '00080050')[0] ?? '',
      series: has('00201206') ? number(ds, '00201206', 0) : null,
      images: has('00201208') ? number(ds, '00201208', 0) : null,
      current: uid === currentUid,
    });
  }
  return [...seen.values()].sort((a, b) => (b.date + b.time).localeCompare(a.date + a.time) || a.uid.localeCompare(b.uid));
}

/**
 * YYYYMMDD → YYYY-MM-DD (anything else as given).
 * @param {string} d
 */
export function isoDate(d) {
  return /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` : d;
}

/**
 * How long before the current study a prior was taken, in words ("3 个月前"); '' when a date is missing.
 * @param {string} prior YYYYMMDD @param {string} current YYYYMMDD
 * @param {(key: string, params?: Record<string, string | number>) => string} t
 */
export function ageOf(prior, current, t) {
  const parse = (/** @type {string} */ d) => (/^\d{8}$/.test(d) ? Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8))) : NaN);
  const days = Math.round((parse(current) - parse(prior)) / 86400000);
  if (!Number.isFinite(days)) return '';
  if (days === 0) return t('compare.age.sameDay');
  const after = days < 0;
  const n = Math.abs(days);
  const text = n < 31 ? t('compare.age.days', { n }) : n < 365 ? t('compare.age.months', { n: Math.round(n / 30.44) }) : t('compare.age.years', { n: Math.round((n / 365.25) * 10) / 10 });
  return after ? t('compare.age.after', { text }) : t('compare.age.before', { text });
}

/**
 * @typedef {object} SeriesInfo
 * @property {string} uid
 * @property {number} number
 * @property {string} description
 * @property {string} modality
 * @property {number} count
 */

/**
 * The series of a prior from QIDO-RS, in the viewer's shape, sorted by series number.
 * @param {DicomJson[]} list @param {string} study
 */
export function seriesFromQido(list, study) {
  return list
    .map((s) => ({
      uid: strings(s, '0020000E')[0] ?? '',
      number: number(s, '00200011', 0),
      description: strings(s, '0008103E')[0] ?? '',
      modality: strings(s, '00080060')[0] ?? '',
      count: number(s, '00201209', 0),
      study,
      stack: null,
      loading: null,
      error: null,
      loaded: 0,
      card: null,
    }))
    .filter((s) => s.uid)
    .sort((a, b) => a.number - b.number);
}

const NOT_IMAGES = ['SR', 'KO', 'PR', 'DOC', 'REG', 'SEG', 'RWV'];

/**
 * The words of a description that say what a series is (kernel, window, plane, contrast), not numbers such as the
 * slice thickness, which often differs between the studies.
 * @param {string} s
 */
const words = (s) => new Set(s.toLowerCase().split(/[^a-z0-9\u4e00-\u9fff]+/).filter((w) => w && !/\d/.test(w)));

/**
 * The prior series to put beside the one being read: same modality first, then the most words of the description
 * in common (numbers left out), then the closest number of images, then the biggest. null when the prior has no image series.
 * @template {SeriesInfo} S
 * @param {SeriesInfo | null} current @param {S[]} candidates
 * @returns {S | null}
 */
export function bestMatch(current, candidates) {
  const images = candidates.filter((s) => s.count > 0 && !NOT_IMAGES.includes(s.modality.toUpperCase()));
  if (!images.length) return null;
  if (!current) return [...images].sort((a, b) => b.count - a.count)[0];
  const mine = words(current.description);
  const score = (/** @type {SeriesInfo} */ s) => {
    let common = 0;
    for (const w of words(s.description)) if (mine.has(w)) common++;
    return [s.modality.toUpperCase() === current.modality.toUpperCase() ? 1 : 0, common, -Math.abs(s.count - current.count), s.count];
  };
  return [...images].sort((a, b) => {
    const x = score(a);
    const y = score(b);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return y[i] - x[i];
    return a.number - b.number;
  })[0];
}

// ---------------------------------------------------------------- synchronised scrolling across studies

/**
 * @typedef {object} CrossLink
 * @property {string} key which pair of viewports and series it was made for
 * @property {'position' | 'index'} mode
 * @property {number} shift position: mm to add to the source's position along the normal; index: images
 */

/**
 * Whether two planes are parallel enough to follow by position (about 25°, as within a study).
 * @param {ImagePlane | null} a @param {ImagePlane | null} b
 */
export function parallel(a, b) {
  return Boolean(a && b && Math.abs(dot(a.normal, b.normal)) >= 0.9);
}

/**
 * Links a viewport of another study to the source at what both show now. `targetIndex - offset` is the link's base,
 * so that an offset already set stays an offset.
 * @param {string} key
 * @param {ImagePlane | null} source the plane the source viewport shows
 * @param {number} sourceIndex
 * @param {(ImagePlane | null)[]} target every plane of the target's stack
 * @param {number} targetIndex @param {number} offset
 * @returns {CrossLink}
 */
export function makeLink(key, source, sourceIndex, target, targetIndex, offset) {
  const base = Math.max(0, Math.min(target.length - 1, targetIndex - Math.round(offset)));
  const t = target[base];
  if (source && t && parallel(source, t)) return { key, mode: 'position', shift: dot(t.origin, source.normal) - dot(source.origin, source.normal) };
  return { key, mode: 'index', shift: base - sourceIndex };
}

/**
 * The target's image for the source's: by position, the slice whose position along the source's normal is nearest
 * the source's plus the link's shift; by index, the source's index plus the shift; then the offset, kept inside the
 * stack. -1 when the link cannot be followed (a plane is missing).
 * @param {CrossLink} link
 * @param {ImagePlane | null} source @param {number} sourceIndex
 * @param {(ImagePlane | null)[]} target @param {number} offset
 */
export function linkedIndex(link, source, sourceIndex, target, offset) {
  if (target.length === 0) return -1;
  let i = -1;
  if (link.mode === 'position') {
    if (!source) return -1;
    const want = dot(source.origin, source.normal) + link.shift;
    let best = Infinity;
    target.forEach((p, k) => {
      if (!p) return;
      const d = Math.abs(dot(p.origin, source.normal) - want);
      if (d < best - 1e-6) {
        best = d;
        i = k;
      }
    });
    if (i < 0) return -1;
  } else {
    i = sourceIndex + link.shift;
  }
  return Math.max(0, Math.min(target.length - 1, Math.round(i + offset)));
}

/**
 * Distance (mm) between what two linked viewports show, beyond the link's own shift: the table-position
 * difference shown in the corner while aligning. null when not linked by position.
 * @param {CrossLink | null} link @param {ImagePlane | null} source @param {ImagePlane | null} target
 */
export function linkDistance(link, source, target) {
  if (!link || link.mode !== 'position' || !source || !target) return null;
  return dot(target.origin, source.normal) - dot(source.origin, source.normal);
}

/**
 * What to tell the radiologist when the patient's studies cannot be listed or a prior cannot be opened.
 * @param {number} status HTTP status (0: no answer)
 */
export function errorKey(status) {
  if (status === 401) return 'compare.error.session';
  if (status === 403) return 'compare.error.forbidden';
  if (status === 404) return 'compare.error.notFound';
  if (status === 0) return 'compare.error.network';
  return 'compare.error.server';
}
