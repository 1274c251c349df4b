// 检查列表 (#/worklist, VIEW-01) words and arithmetic: the search filters ⇄ the route's query, the exam date quick
// ranges, the QIDO-RS query the filters amount to, a QIDO study (DICOM JSON) as a table row, the viewer's address
// and tab name per study, and the QIDO call itself (which answers with X-Total-Count). Pure apart from `fetchStudies`
// (unit-tested in tests/worklist.test.js).
import { TAG, value, text, texts, number, personName, formatDA, formatTM, ageOn, parseAS, toDA, isoToDA } from './dicomjson.js';
import { ApiError, errorFromResponse } from './api.js';

/** @typedef {import('./dicomjson.js').DicomDataset} DicomDataset */
/** @typedef {import('./dicomjson.js').Age} Age */

/** Modalities of the 设备类型 select (ModalitiesInStudy). */
export const MODALITIES = ['CT', 'MR', 'CR', 'DX', 'DR', 'US', 'MG', 'XA', 'RF', 'NM', 'PT', 'OT'];

/** @typedef {'today' | '3d' | '7d' | '30d' | 'custom'} RangeId */

/** Exam date quick ranges: id, text key, days counted back including today (null = from / to chosen). */
export const RANGES = /** @type {const} */ ([
  ['today', 'worklist.range.today', 1],
  ['3d', 'worklist.range.3d', 3],
  ['7d', 'worklist.range.7d', 7],
  ['30d', 'worklist.range.30d', 30],
  ['custom', 'worklist.range.custom', null],
]);

/** @type {RangeId[]} */
export const RANGE_IDS = RANGES.map((r) => r[0]);

/** The attributes asked for besides QIDO's defaults: description, campus, series and image counts. */
export const INCLUDE_FIELDS = [TAG.StudyDescription, TAG.InstitutionName, TAG.NumberOfStudyRelatedSeries, TAG.NumberOfStudyRelatedInstances].join(',');

/** Re-read the today view this often while 自动刷新 is on. */
export const AUTO_REFRESH_MS = 30000;

/**
 * The search as the page holds it (and the route spells it: #/worklist?name=张&modality=CT&range=custom&from=…).
 * @typedef {object} WorklistFilters
 * @property {string} name patient name, any part, Chinese or pinyin
 * @property {string} patientId
 * @property {string} accession
 * @property {string} modality
 * @property {string} description any part of the study description
 * @property {RangeId} range
 * @property {string} from YYYY-MM-DD (custom range)
 * @property {string} to YYYY-MM-DD (custom range)
 */

/** @returns {WorklistFilters} */
export function defaultFilters() {
  return { name: '', patientId: '', accession: '', modality: '', description: '', range: 'today', from: '', to: '' };
}

/** Route query names of the filters (the same as the fields). */
const QUERY_KEYS = /** @type {const} */ (['name', 'patientId', 'accession', 'modality', 'description', 'range', 'from', 'to']);

/**
 * Filters from the route's query; unknown values fall back to the defaults.
 * @param {URLSearchParams} query
 * @returns {WorklistFilters}
 */
export function filtersFromQuery(query) {
  const f = defaultFilters();
  f.name = (query.get('name') || '').trim();
  f.patientId = (query.get('patientId') || '').trim();
  f.accession = (query.get('accession') || '').trim();
  const modality = (query.get('modality') || '').trim().toUpperCase();
  f.modality = MODALITIES.includes(modality) ? modality : '';
  f.description = (query.get('description') || '').trim();
  const range = /** @type {RangeId} */ (query.get('range') || 'today');
  f.range = RANGE_IDS.includes(range) ? range : 'today';
  if (f.range === 'custom') {
    f.from = isoToDA(query.get('from') || '') ? String(query.get('from')) : '';
    f.to = isoToDA(query.get('to') || '') ? String(query.get('to')) : '';
  }
  return f;
}

/**
 * The route's query for filters: only what differs from the defaults ('' for the default today view).
 * @param {WorklistFilters} f
 */
export function filtersToQuery(f) {
  const q = new URLSearchParams();
  for (const key of QUERY_KEYS) {
    const v = String(f[key] ?? '').trim();
    if (!v) continue;
    if (key === 'range' && v === 'today') continue;
    if ((key === 'from' || key === 'to') && f.range !== 'custom') continue;
    q.set(key, v);
  }
  return q.toString();
}

/**
 * True when the search is the plain today view (no filter but the date): its empty state says "no exams today".
 * @param {WorklistFilters} f
 */
export function isPlainToday(f) {
  return f.range === 'today' && !hasTextFilters(f);
}

/** @param {WorklistFilters} f */
export function hasTextFilters(f) {
  return Boolean(f.name.trim() || f.patientId.trim() || f.accession.trim() || f.modality || f.description.trim());
}

/**
 * The exam dates a range covers, as YYYY-MM-DD (local time): 近3天 is today and the two days before.
 * A custom range gives what was chosen (either end may be open).
 * @param {WorklistFilters} f
 * @param {Date} now
 * @returns {{from: string, to: string}}
 */
export function rangeDates(f, now) {
  if (f.range === 'custom') return { from: f.from, to: f.to };
  const entry = RANGES.find((r) => r[0] === f.range) || RANGES[0];
  const days = entry[2] || 1;
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate() - (days - 1));
  return { from: isoDate(start), to: isoDate(now) };
}

/** @param {Date} d */
export function isoDate(d) {
  const da = toDA(d);
  return `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6, 8)}`;
}

/**
 * StudyDate range matching: "20241201-20241231", "20241201-" or "-20241231"; '' for no limit.
 * @param {string} from YYYY-MM-DD or ''
 * @param {string} to YYYY-MM-DD or ''
 */
export function studyDateParam(from, to) {
  const a = isoToDA(from);
  const b = isoToDA(to);
  if (!a && !b) return '';
  if (a && a === b) return a;
  return `${a}-${b}`;
}

/**
 * A custom range's problems: an end before its start. Keyed by field, like the archive's checks.
 * @param {WorklistFilters} f
 * @returns {Record<string, string>} field → text key
 */
export function checkRange(f) {
  if (f.range !== 'custom') return {};
  if (f.from && f.to && f.from > f.to) return { to: 'worklist.rangeError' };
  return {};
}

/**
 * Typed text as a wildcard match: `*text*`. Backslashes (which separate alternatives) are dropped, so are
 * wildcards the user typed at the ends; '' when nothing is left.
 * @param {string} value
 */
export function containsPattern(value) {
  const v = String(value ?? '')
    .replace(/\\/g, '')
    .trim()
    .replace(/^\*+|\*+$/g, '');
  return v ? `*${v}*` : '';
}

/**
 * The QIDO-RS query (GET /dicomweb/studies) of a search page: name any part with fuzzy matching, IDs as typed,
 * the modality, the exam dates, the description any part, the extra fields and the page.
 * @param {WorklistFilters} f
 * @param {{page: number, pageSize: number, now: Date}} o
 * @returns {[string, string][]}
 */
export function qidoQuery(f, o) {
  /** @type {[string, string][]} */
  const q = [];
  // The name is matched without carets and spaces on the server ("zhang san" finds Zhang^San); `=` would split it into
  // name groups, so it goes too.
  const name = containsPattern(f.name.replace(/[=\s]+/g, ''));
  if (name) q.push(['PatientName', name], ['fuzzymatching', 'true']);
  if (f.patientId.trim()) q.push(['PatientID', f.patientId.replace(/\\/g, '').trim()]);
  if (f.accession.trim()) q.push(['AccessionNumber', f.accession.replace(/\\/g, '').trim()]);
  if (f.modality) q.push(['ModalitiesInStudy', f.modality]);
  const { from, to } = rangeDates(f, o.now);
  const dates = studyDateParam(from, to);
  if (dates) q.push(['StudyDate', dates]);
  const description = containsPattern(f.description);
  if (description) q.push(['StudyDescription', description]);
  q.push(['includefield', INCLUDE_FIELDS], ['limit', String(o.pageSize)], ['offset', String(Math.max(0, (o.page - 1) * o.pageSize))]);
  return q;
}

/**
 * "?PatientName=*%E5%BC%A0*&…": percent-encoded (a space as %20, not +), asterisks and commas left readable.
 * @param {[string, string][]} query
 */
export function queryString(query) {
  const enc = (/** @type {string} */ s) => encodeURIComponent(s).replace(/%2C/gi, ',');
  const text = query.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
  return text ? `?${text}` : '';
}

// ---------------------------------------------------------------- rows

/**
 * A study as the table shows it.
 * @typedef {object} WorklistRow
 * @property {string} uid StudyInstanceUID
 * @property {{main: string, alt: string}} name
 * @property {string} sex M / F / O / ''
 * @property {Age | null} age at the exam date
 * @property {string} patientId
 * @property {string} accession
 * @property {string} date YYYY-MM-DD
 * @property {string} time HH:MM
 * @property {string[]} modalities
 * @property {string} description
 * @property {string} institution
 * @property {number | null} series
 * @property {number | null} images
 */

/**
 * @param {DicomDataset} ds one study of the QIDO answer
 * @returns {WorklistRow}
 */
export function studyRow(ds) {
  const studyDate = text(ds, TAG.StudyDate);
  return {
    uid: text(ds, TAG.StudyInstanceUID),
    name: personName(/** @type {import('./dicomjson.js').PersonNameValue | string | undefined} */ (value(ds, TAG.PatientName))),
    sex: text(ds, TAG.PatientSex).toUpperCase(),
    age: ageOn(text(ds, TAG.PatientBirthDate), studyDate) || parseAS(text(ds, TAG.PatientAge)),
    patientId: text(ds, TAG.PatientID),
    accession: text(ds, TAG.AccessionNumber),
    date: formatDA(studyDate),
    time: text(ds, TAG.StudyTime) ? formatTM(text(ds, TAG.StudyTime)) : '',
    modalities: [...new Set(texts(ds, TAG.ModalitiesInStudy).map((m) => m.toUpperCase()))],
    description: text(ds, TAG.StudyDescription),
    institution: text(ds, TAG.InstitutionName),
    series: number(ds, TAG.NumberOfStudyRelatedSeries),
    images: number(ds, TAG.NumberOfStudyRelatedInstances),
  };
}

/**
 * "2 / 5"; a count the server did not give is "—".
 * @param {number | null} series @param {number | null} images
 */
export function countsText(series, images) {
  const f = (/** @type {number | null} */ n) => (n === null ? '—' : String(n));
  return `${f(series)} / ${f(images)}`;
}

/**
 * The viewer's address for a study.
 * @param {string} uid
 */
export function viewerUrl(uid) {
  return `/viewer/?study=${encodeURIComponent(uid)}`;
}

/**
 * The browser tab name of a study's viewer: opening the same study again goes to that tab instead of a new one.
 * @param {string} uid
 */
export function viewerWindowName(uid) {
  return `yy-viewer-${String(uid).replace(/[^0-9A-Za-z.]/g, '_')}`;
}

/**
 * True when a viewer tab already shows the study (then it is only brought to the front, not loaded again).
 * @param {{pathname: string, search: string}} loc the tab's location
 * @param {string} uid
 */
export function showsStudy(loc, uid) {
  if (!/^\/viewer\/?$/.test(loc.pathname)) return false;
  return new URLSearchParams(loc.search).get('study') === uid;
}

/** Thumbnails: asked for at twice the drawn size (sharp on high-density screens). */
export const THUMB_SIZE = 44;

/** @param {string} uid */
export function thumbnailUrl(uid) {
  return `/dicomweb/studies/${encodeURIComponent(uid)}/thumbnail?viewport=${THUMB_SIZE * 2},${THUMB_SIZE * 2}`;
}

// ---------------------------------------------------------------- the QIDO call

/**
 * GET /dicomweb/studies with the session cookie: the studies of the page and the total (X-Total-Count; without it,
 * what can be inferred from the page). Errors are ApiError with the status (0 = no answer, 401 handled by the caller).
 * @param {{fetchImpl?: typeof fetch, acceptLanguage?: string, translate: (key: string, params?: Record<string, string | number>) => string}} env
 * @param {[string, string][]} query
 * @param {AbortSignal} [signal]
 * @returns {Promise<{items: DicomDataset[], total: number}>}
 */
export async function fetchStudies(env, query, signal) {
  const fetchImpl = env.fetchImpl || ((input, init) => fetch(input, init));
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/dicom+json' };
  if (env.acceptLanguage) headers['Accept-Language'] = env.acceptLanguage;
  /** @type {Response} */
  let response;
  try {
    response = await fetchImpl(`/dicomweb/studies${queryString(query)}`, { method: 'GET', headers, credentials: 'same-origin', signal });
  } catch (cause) {
    if (cause && typeof cause === 'object' && /** @type {any} */ (cause).name === 'AbortError') throw cause;
    throw new ApiError(0, 'network_error', env.translate('error.network'));
  }
  const body = response.status === 204 ? '' : await response.text();
  /** @type {unknown} */
  let data = null;
  if (body) {
    try {
      data = JSON.parse(body);
    } catch {
      data = null;
    }
  }
  if (!response.ok) throw errorFromResponse(response.status, data, env.translate);
  const items = Array.isArray(data) ? /** @type {DicomDataset[]} */ (data) : [];
  const header = response.headers.get('X-Total-Count');
  const offset = Number(query.find((p) => p[0] === 'offset')?.[1] || 0);
  const total = header !== null && /^\d+$/.test(header.trim()) ? Number(header) : offset + items.length;
  return { items, total };
}

/**
 * What an error from the study search means for the page: sign in again (401), no right to see studies (403),
 * too many matches (413: narrow the search), no answer (0), or anything else.
 * @param {unknown} error
 * @returns {'auth' | 'forbidden' | 'tooMany' | 'network' | 'other'}
 */
export function errorKind(error) {
  if (!(error instanceof ApiError)) return 'other';
  if (error.status === 401) return 'auth';
  if (error.status === 403) return error.code === 'password_change_required' ? 'auth' : 'forbidden';
  if (error.status === 413) return 'tooMany';
  if (error.status === 0) return 'network';
  return 'other';
}
