// Reading DICOM JSON (PS3.18 F.2) as QIDO-RS returns it: `{"00100010": {"vr": "PN", "Value": [{"Alphabetic": …,
// "Ideographic": …}]}}`. Values by tag, person names for display (the Chinese name first, the pinyin under it), DA /
// TM as dates and times people read, and a patient's age from the birth date at the exam date (岁 / 月 / 天).
// Pure functions, no DOM (unit-tested in tests/dicomjson.test.js).

/** @typedef {{vr?: string, Value?: unknown[], InlineBinary?: string, BulkDataURI?: string}} DicomAttribute */
/** @typedef {Record<string, DicomAttribute>} DicomDataset */
/** @typedef {{Alphabetic?: string, Ideographic?: string, Phonetic?: string}} PersonNameValue */
/** @typedef {{n: number, unit: 'year' | 'month' | 'day'}} Age */

/** The attributes the study list reads, by keyword. */
export const TAG = /** @type {const} */ ({
  StudyDate: '00080020',
  StudyTime: '00080030',
  AccessionNumber: '00080050',
  ModalitiesInStudy: '00080061',
  InstitutionName: '00080080',
  ReferringPhysicianName: '00080090',
  StudyDescription: '00081030',
  PatientName: '00100010',
  PatientID: '00100020',
  PatientBirthDate: '00100030',
  PatientSex: '00100040',
  PatientAge: '00101010',
  StudyInstanceUID: '0020000D',
  StudyID: '00200010',
  NumberOfStudyRelatedSeries: '00201206',
  NumberOfStudyRelatedInstances: '00201208',
});

/**
 * A tag as the JSON keys spell it: 8 upper-case hex digits ("0020000d" → "0020000D", "(0010,0010)" → "00100010").
 * @param {string} tag
 */
export function normalizeTag(tag) {
  return String(tag).replace(/[^0-9a-fA-F]/g, '').toUpperCase();
}

/**
 * The attribute of a dataset (keys are upper-case hex; a lower-case key is found too).
 * @param {DicomDataset | null | undefined} ds
 * @param {string} tag
 * @returns {DicomAttribute | undefined}
 */
export function attribute(ds, tag) {
  if (!ds || typeof ds !== 'object') return undefined;
  const key = normalizeTag(tag);
  return ds[key] ?? ds[key.toLowerCase()];
}

/**
 * Every value of an attribute ([] when absent or empty); JSON nulls (empty values of a multi-valued element) kept.
 * @param {DicomDataset | null | undefined} ds
 * @param {string} tag
 * @returns {unknown[]}
 */
export function values(ds, tag) {
  const a = attribute(ds, tag);
  return a && Array.isArray(a.Value) ? a.Value : [];
}

/**
 * The first value of an attribute, or undefined.
 * @param {DicomDataset | null | undefined} ds
 * @param {string} tag
 */
export function value(ds, tag) {
  const v = values(ds, tag)[0];
  return v === null ? undefined : v;
}

/**
 * The first value as text ('' when absent); a person name gives its groups joined by '=' as in DICOM.
 * @param {DicomDataset | null | undefined} ds
 * @param {string} tag
 */
export function text(ds, tag) {
  const v = value(ds, tag);
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return personNameString(/** @type {PersonNameValue} */ (v));
  return String(v).trim();
}

/**
 * Every value as text, empty ones left out ("CT", "OT" of ModalitiesInStudy).
 * @param {DicomDataset | null | undefined} ds
 * @param {string} tag
 */
export function texts(ds, tag) {
  return values(ds, tag)
    .map((v) => (v === null || v === undefined ? '' : typeof v === 'object' ? personNameString(/** @type {PersonNameValue} */ (v)) : String(v).trim()))
    .filter(Boolean);
}

/**
 * A number value (IS, DS, US …; also when sent as a string), or null.
 * @param {DicomDataset | null | undefined} ds
 * @param {string} tag
 */
export function number(ds, tag) {
  const v = value(ds, tag);
  if (v === undefined || v === null || v === '') return null;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  return Number.isFinite(n) ? n : null;
}

/**
 * A JSON person name back in DICOM form: "Zhang^San=张^三".
 * @param {PersonNameValue | null | undefined} pn
 */
export function personNameString(pn) {
  if (!pn || typeof pn !== 'object') return '';
  const groups = [pn.Alphabetic || '', pn.Ideographic || '', pn.Phonetic || ''];
  while (groups.length && !groups[groups.length - 1]) groups.pop();
  return groups.join('=');
}

/**
 * One name group for reading: components without the carets; Chinese characters are written without spaces
 * (张^三 → 张三), Latin letters with one (Zhang^San → Zhang San).
 * @param {string | undefined} group
 */
function groupText(group) {
  const parts = String(group ?? '')
    .split('^')
    .map((s) => s.trim())
    .filter(Boolean);
  // Prefix and suffix (components 4 and 5) are rare in Chinese names and are kept in order.
  const cjk = parts.some((p) => /[\u3400-\u9fff\uf900-\ufaff]/.test(p));
  return parts.join(cjk ? '' : ' ');
}

/**
 * A person name for display: `main` is the ideographic (Chinese) group when there is one, `alt` the alphabetic
 * group (the pinyin) under it; a name with only one group has no `alt`. Takes the JSON object, a DICOM string
 * ("Zhang^San=张^三"), or a dataset attribute's first value.
 * @param {PersonNameValue | string | null | undefined} pn
 * @returns {{main: string, alt: string}}
 */
export function personName(pn) {
  /** @type {PersonNameValue} */
  let groups;
  if (typeof pn === 'string') {
    const [a, i, p] = pn.split('=');
    groups = { Alphabetic: a, Ideographic: i, Phonetic: p };
  } else {
    groups = pn && typeof pn === 'object' ? pn : {};
  }
  const alphabetic = groupText(groups.Alphabetic);
  const ideographic = groupText(groups.Ideographic);
  if (ideographic) return { main: ideographic, alt: alphabetic && alphabetic !== ideographic ? alphabetic : '' };
  return { main: alphabetic || groupText(groups.Phonetic), alt: '' };
}

// ---------------------------------------------------------------- dates and times

/**
 * A DA value → {y, m, d} (null when it is not a real date). Accepts the old "YYYY.MM.DD" form too.
 * @param {unknown} da
 * @returns {{y: number, m: number, d: number} | null}
 */
export function parseDA(da) {
  const s = String(da ?? '').trim().replace(/\./g, '');
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  return { y, m: mo, d };
}

/** @param {number} y @param {number} m 1-12 */
function daysInMonth(y, m) {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** @param {number} n */
const pad = (n) => String(n).padStart(2, '0');

/**
 * DA → "2024-12-20" ('' when missing; an unreadable value is shown as it is).
 * @param {unknown} da
 */
export function formatDA(da) {
  const p = parseDA(da);
  if (p) return `${p.y}-${pad(p.m)}-${pad(p.d)}`;
  return String(da ?? '').trim();
}

/**
 * TM → "09:30" (or "09:30:05" with seconds); accepts "HHMMSS.FFFFFF", "HHMM", "HH" and the old "HH:MM:SS" form.
 * @param {unknown} tm
 * @param {{seconds?: boolean}} [options]
 */
export function formatTM(tm, options = {}) {
  const s = String(tm ?? '').trim().replace(/:/g, '');
  const m = /^(\d{2})(\d{2})?(\d{2})?(\.\d+)?$/.exec(s);
  if (!m) return String(tm ?? '').trim();
  const hh = Number(m[1]);
  const mm = Number(m[2] || 0);
  const ss = Number(m[3] || 0);
  if (hh > 23 || mm > 59 || ss > 60) return String(tm ?? '').trim();
  return `${pad(hh)}:${pad(mm)}` + (options.seconds ? `:${pad(ss)}` : '');
}

/**
 * A JS date (local time) → DA "20241220".
 * @param {Date} date
 */
export function toDA(date) {
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}`;
}

/**
 * "2024-12-20" (an <input type=date> value) → DA "20241220"; '' when it is not such a date.
 * @param {string} iso
 */
export function isoToDA(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso ?? '').trim());
  if (!m) return '';
  return parseDA(m[1] + m[2] + m[3]) ? m[1] + m[2] + m[3] : '';
}

// ---------------------------------------------------------------- age

/**
 * A patient's age on a day: whole years from one year on, whole months under one year, days under one month.
 * Null when a date is missing or the birth is after the day.
 * @param {unknown} birthDA PatientBirthDate
 * @param {unknown} onDA the exam date (StudyDate)
 * @returns {Age | null}
 */
export function ageOn(birthDA, onDA) {
  const b = parseDA(birthDA);
  const o = parseDA(onDA);
  if (!b || !o) return null;
  const bt = Date.UTC(b.y, b.m - 1, b.d);
  const ot = Date.UTC(o.y, o.m - 1, o.d);
  if (ot < bt) return null;
  // A birthday on 29 February falls on 28 February in other years.
  const dayOf = (/** @type {number} */ y, /** @type {number} */ m) => Math.min(b.d, daysInMonth(y, m));
  let months = (o.y - b.y) * 12 + (o.m - b.m);
  if (o.d < dayOf(o.y, o.m)) months -= 1;
  if (months >= 12) return { n: Math.floor(months / 12), unit: 'year' };
  if (months >= 1) return { n: months, unit: 'month' };
  return { n: Math.round((ot - bt) / 86400000), unit: 'day' };
}

/**
 * An Age String (AS, PatientAge): "045Y", "006M", "003W", "012D" → an age (weeks as days), or null.
 * @param {unknown} as
 * @returns {Age | null}
 */
export function parseAS(as) {
  const m = /^(\d{1,3})\s*([DWMY])$/i.exec(String(as ?? '').trim());
  if (!m) return null;
  const n = Number(m[1]);
  const u = m[2].toUpperCase();
  if (u === 'Y') return { n, unit: 'year' };
  if (u === 'M') return n >= 12 ? { n: Math.floor(n / 12), unit: 'year' } : { n, unit: 'month' };
  if (u === 'W') return { n: n * 7, unit: 'day' };
  return { n, unit: 'day' };
}

/**
 * An age as people write it: 59岁, 5月, 12天 (Chinese), or "59 y", "5 mo", "12 d" (English); '' for null.
 * @param {Age | null} age
 * @param {string} [lang] 'zh-CN' (default) or 'en'
 */
export function ageText(age, lang = 'zh-CN') {
  if (!age) return '';
  if (lang === 'en') return `${age.n} ${age.unit === 'year' ? 'y' : age.unit === 'month' ? 'mo' : 'd'}`;
  return `${age.n}${age.unit === 'year' ? '岁' : age.unit === 'month' ? '月' : '天'}`;
}
