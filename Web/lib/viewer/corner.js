// The four corners of a viewport: who, what, where in the stack and how it is displayed. Pure text from the
// instance metadata and the view state; viewer.js puts the lines into the overlay.

import { numbers, number, strings } from './pixels.js';

/** @typedef {import('./pixels.js').DicomJson} DicomJson */
/** @typedef {(key: string, params?: Record<string, string | number>) => string} Translate */
/**
 * @typedef {object} CornerState
 * @property {number} index 0-based position in the stack
 * @property {number} count images in the stack
 * @property {{ center: number, width: number } | null} window
 * @property {number} zoom device pixels per image pixel
 * @property {number} rotation degrees
 * @property {boolean} flipH
 * @property {boolean} flipV
 * @property {boolean} invert
 * @property {number} [frame] frame number within a multi-frame object
 * @property {number} [frames] frames in that object
 * @property {number} [location] slice position (mm) to show when the metadata has no Slice Location (0020,1041),
 *   e.g. a frame of an enhanced multi-frame object, whose position is in its functional groups
 * @property {string} [presetName]
 */
/** @typedef {{ topLeft: string[], topRight: string[], bottomLeft: string[], bottomRight: string[] }} Corners */

/**
 * A person name for display: the ideographic (汉字) group when present, else the alphabetic one, '^' as spaces.
 * @param {DicomJson} meta @param {string} tag
 */
export function personName(meta, tag) {
  const v = /** @type {any} */ (meta[tag]?.Value?.[0]);
  if (!v) return '';
  if (typeof v === 'string') return v.replace(/\^+/g, ' ').trim();
  const name = v.Ideographic || v.Alphabetic || v.Phonetic || '';
  return String(name).replace(/\^+/g, ' ').trim();
}

/**
 * DA "20241220" → "2024-12-20"; anything else unchanged.
 * @param {string | undefined} da
 */
export function dateText(da) {
  const s = String(da ?? '').trim();
  return /^\d{8}$/.test(s) ? `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}` : s;
}

/**
 * TM "091500.123" → "09:15:00".
 * @param {string | undefined} tm
 */
export function timeText(tm) {
  const s = String(tm ?? '').trim();
  const m = /^(\d{2})(\d{2})?(\d{2})?/.exec(s);
  if (!m) return s;
  return [m[1], m[2] ?? '00', m[3] ?? '00'].join(':');
}

/** @type {Record<string, string>} */
const SEX = { M: 'viewer.sex.M', F: 'viewer.sex.F', O: 'viewer.sex.O' };
/** @type {Record<string, string>} Age String units (PS3.5 AS): days, weeks, months, years */
const AGE = { D: 'viewer.age.D', W: 'viewer.age.W', M: 'viewer.age.M', Y: 'viewer.age.Y' };

/** @param {string | undefined} sex @param {Translate} t */
export function sexText(sex, t) {
  const key = SEX[String(sex ?? '').trim().toUpperCase()];
  return key ? t(key) : '';
}

/**
 * Age from Patient's Age (AS, "071Y") or else birth date and study date.
 * @param {DicomJson} meta @param {Translate} t
 */
export function ageText(meta, t) {
  const as = strings(meta, '00101010')[0];
  const m = /^(\d{1,3})([DWMY])$/i.exec(as ?? '');
  if (m) return t(AGE[m[2].toUpperCase()], { n: Number(m[1]) });
  const birth = strings(meta, '00100030')[0];
  const study = strings(meta, '00080020')[0];
  if (birth && study && /^\d{8}$/.test(birth) && /^\d{8}$/.test(study)) {
    const y = Number(study.slice(0, 4)) - Number(birth.slice(0, 4)) - (study.slice(4) < birth.slice(4) ? 1 : 0);
    if (y >= 0) return t('viewer.age.Y', { n: y });
  }
  return '';
}

/** @param {number} v */
const mm = (v) => (Math.round(v * 100) / 100).toString();

/**
 * @param {DicomJson} meta the instance on screen
 * @param {CornerState} s
 * @param {Translate} t
 * @returns {Corners}
 */
export function cornerInfo(meta, s, t) {
  const str = (/** @type {string} */ tag) => strings(meta, tag)[0] ?? '';
  const sexAge = [sexText(str('00100040'), t), ageText(meta, t)].filter(Boolean).join(' / ');
  const topLeft = [
    personName(meta, '00100010'),
    str('00100020') && t('viewer.corner.patientId', { id: str('00100020') }),
    sexAge,
    [dateText(str('00080020')), timeText(str('00080030'))].filter(Boolean).join(' '),
    str('00080050') && t('viewer.corner.accession', { n: str('00080050') }),
  ].filter(Boolean);
  const seriesNo = str('00200011');
  const topRight = [
    str('00080080'),
    [str('00080060'), str('00081030')].filter(Boolean).join(' '),
    [seriesNo && t('viewer.corner.series', { n: seriesNo }), str('0008103E')].filter(Boolean).join(' '),
    t('viewer.corner.image', { n: s.index + 1, total: s.count }),
    s.frames && s.frames > 1 ? t('viewer.corner.frame', { n: s.frame ?? 1, total: s.frames }) : '',
  ].filter(Boolean);
  const bottomLeft = [
    s.window ? t('viewer.corner.window', { w: fmt(s.window.width), l: fmt(s.window.center) }) + (s.presetName ? ` (${s.presetName})` : '') : '',
    t('viewer.corner.zoom', { z: (Math.round(s.zoom * 100) / 100).toFixed(2) }),
    s.rotation ? t('viewer.corner.rotation', { deg: Math.round(s.rotation * 10) / 10 }) : '',
    [s.flipH ? t('viewer.corner.flipH') : '', s.flipV ? t('viewer.corner.flipV') : '', s.invert ? t('viewer.corner.invert') : ''].filter(Boolean).join(' '),
  ].filter(Boolean);
  const loc = numbers(meta, '00201041');
  if (!loc.length && s.location !== undefined && Number.isFinite(s.location)) loc.push(s.location);
  const thick = number(meta, '00180050', NaN);
  const kvp = number(meta, '00180060', NaN);
  const bottomRight = [
    loc.length ? t('viewer.corner.location', { mm: mm(loc[0]) }) : '',
    Number.isFinite(thick) ? t('viewer.corner.thickness', { mm: mm(thick) }) : '',
    Number.isFinite(kvp) ? `${mm(kvp)} kV` : '',
    str('00181210'),
  ].filter(Boolean);
  return { topLeft, topRight, bottomLeft, bottomRight };
}

/**
 * Window numbers without needless decimals.
 * @param {number} v
 */
function fmt(v) {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}
