import test from 'node:test';
import assert from 'node:assert/strict';
import {
  MODALITIES, RANGES, RANGE_IDS, INCLUDE_FIELDS, defaultFilters, filtersFromQuery, filtersToQuery, isPlainToday, hasTextFilters, rangeDates,
  studyDateParam, checkRange, containsPattern, qidoQuery, queryString, studyRow, countsText, viewerUrl, viewerWindowName, showsStudy, thumbnailUrl,
  fetchStudies, errorKind,
} from '../lib/worklist.js';
import { ApiError } from '../lib/api.js';
import { CATALOGS } from '../lib/i18n.js';

const NOW = new Date(2025, 2, 10, 8, 15); // 10 March 2025, local time

/** @param {Partial<import('../lib/worklist.js').WorklistFilters>} over */
const filters = (over) => ({ ...defaultFilters(), ...over });

test('the modalities and quick ranges the page offers, with their texts in both languages', () => {
  assert.deepEqual(MODALITIES, ['CT', 'MR', 'CR', 'DX', 'DR', 'US', 'MG', 'XA', 'RF', 'NM', 'PT', 'OT']);
  assert.deepEqual(RANGE_IDS, ['today', '3d', '7d', '30d', 'custom']);
  assert.deepEqual(RANGES.map((r) => CATALOGS['zh-CN'][r[1]]), ['今天', '近3天', '近7天', '近30天', '自定义']);
  for (const r of RANGES) assert.ok(CATALOGS.en[r[1]], r[1]);
  assert.equal(INCLUDE_FIELDS, '00081030,00080080,00201206,00201208');
});

test('quick ranges count back from today, including today', () => {
  assert.deepEqual(rangeDates(filters({ range: 'today' }), NOW), { from: '2025-03-10', to: '2025-03-10' });
  assert.deepEqual(rangeDates(filters({ range: '3d' }), NOW), { from: '2025-03-08', to: '2025-03-10' });
  assert.deepEqual(rangeDates(filters({ range: '7d' }), NOW), { from: '2025-03-04', to: '2025-03-10' });
  assert.deepEqual(rangeDates(filters({ range: '30d' }), NOW), { from: '2025-02-09', to: '2025-03-10' });
  assert.deepEqual(rangeDates(filters({ range: 'custom', from: '2024-01-01', to: '' }), NOW), { from: '2024-01-01', to: '' });
});

test('StudyDate range matching', () => {
  assert.equal(studyDateParam('2024-12-01', '2024-12-31'), '20241201-20241231');
  assert.equal(studyDateParam('2024-12-01', ''), '20241201-');
  assert.equal(studyDateParam('', '2024-12-31'), '-20241231');
  assert.equal(studyDateParam('2024-12-20', '2024-12-20'), '20241220');
  assert.equal(studyDateParam('', ''), '');
  assert.equal(studyDateParam('2024-13-01', 'x'), '');
  assert.deepEqual(checkRange(filters({ range: 'custom', from: '2025-01-10', to: '2025-01-01' })), { to: 'worklist.rangeError' });
  assert.deepEqual(checkRange(filters({ range: 'custom', from: '2025-01-01', to: '2025-01-10' })), {});
  assert.deepEqual(checkRange(filters({ range: '7d', from: '2025-01-10', to: '2025-01-01' })), {});
});

test('the default search is today, newest first, with the extra fields and the page', () => {
  assert.deepEqual(qidoQuery(defaultFilters(), { page: 1, pageSize: 20, now: NOW }), [
    ['StudyDate', '20250310'],
    ['includefield', '00081030,00080080,00201206,00201208'],
    ['limit', '20'],
    ['offset', '0'],
  ]);
  const q = qidoQuery(defaultFilters(), { page: 3, pageSize: 50, now: NOW });
  assert.deepEqual(q.slice(-2), [['limit', '50'], ['offset', '100']]);
});

test('every filter becomes its QIDO match', () => {
  const q = qidoQuery(filters({ name: ' 张 ', patientId: 'P0000001', accession: 'CT2024001', modality: 'CT', description: '胸部', range: 'custom', from: '2024-01-01', to: '2025-12-31' }), { page: 1, pageSize: 20, now: NOW });
  assert.deepEqual(Object.fromEntries(q), {
    PatientName: '*张*',
    fuzzymatching: 'true',
    PatientID: 'P0000001',
    AccessionNumber: 'CT2024001',
    ModalitiesInStudy: 'CT',
    StudyDate: '20240101-20251231',
    StudyDescription: '*胸部*',
    includefield: INCLUDE_FIELDS,
    limit: '20',
    offset: '0',
  });
  // Pinyin with a space (matched without spaces by the server), stray wildcards and backslashes.
  assert.equal(Object.fromEntries(qidoQuery(filters({ name: 'zhang san' }), { page: 1, pageSize: 20, now: NOW })).PatientName, '*zhangsan*');
  assert.equal(containsPattern('**abc*'), '*abc*');
  assert.equal(containsPattern('a\\b'), '*ab*');
  assert.equal(containsPattern('  '), '');
  assert.equal(containsPattern('*'), '');
  // A custom range with no dates has no date limit.
  assert.ok(!qidoQuery(filters({ range: 'custom' }), { page: 1, pageSize: 20, now: NOW }).some((p) => p[0] === 'StudyDate'));
});

test('query string: percent-encoded, spaces as %20, asterisks and commas readable', () => {
  assert.equal(queryString([['PatientName', '*张*'], ['StudyDescription', '*CHEST CT*'], ['includefield', '00081030,00080080']]),
    '?PatientName=*%E5%BC%A0*&StudyDescription=*CHEST%20CT*&includefield=00081030,00080080');
  assert.equal(queryString([]), '');
});

test('filters ⇄ route query: only what differs from today; bad values fall back', () => {
  assert.equal(filtersToQuery(defaultFilters()), '');
  const f = filters({ name: '张', modality: 'MR', range: 'custom', from: '2024-01-01', to: '2025-12-31' });
  const q = filtersToQuery(f);
  assert.equal(q, 'name=%E5%BC%A0&modality=MR&range=custom&from=2024-01-01&to=2025-12-31');
  assert.deepEqual(filtersFromQuery(new URLSearchParams(q)), f);
  assert.equal(filtersToQuery(filters({ range: '7d', from: '2024-01-01' })), 'range=7d');
  const bad = filtersFromQuery(new URLSearchParams('range=week&modality=XYZ&from=2024-01-01'));
  assert.deepEqual(bad, defaultFilters());
  assert.equal(filtersFromQuery(new URLSearchParams('modality=ct')).modality, 'CT');
  assert.deepEqual(filtersFromQuery(new URLSearchParams('range=custom&from=2024-02-30&to=2024-03-01')), filters({ range: 'custom', from: '', to: '2024-03-01' }));
});

test('which empty state: the plain today view, a date range only, or a search', () => {
  assert.ok(isPlainToday(defaultFilters()));
  assert.ok(!isPlainToday(filters({ range: '7d' })));
  assert.ok(!isPlainToday(filters({ modality: 'CT' })));
  assert.ok(!hasTextFilters(filters({ range: '30d' })));
  assert.ok(hasTextFilters(filters({ description: '胸' })));
});

test('a QIDO study as a table row', () => {
  const row = studyRow({
    '00080020': { vr: 'DA', Value: ['20241220'] },
    '00080030': { vr: 'TM', Value: ['093000'] },
    '00080050': { vr: 'SH', Value: ['CT2024001'] },
    '00080061': { vr: 'CS', Value: ['CT', 'OT', 'ct'] },
    '00080080': { vr: 'LO', Value: ['云影市第一人民医院'] },
    '00081030': { vr: 'LO', Value: ['胸腹部CT增强 CHEST/ABDOMEN CT'] },
    '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Zhang^San', Ideographic: '张^三' }] },
    '00100020': { vr: 'LO', Value: ['P0000001'] },
    '00100030': { vr: 'DA', Value: ['19650312'] },
    '00100040': { vr: 'CS', Value: ['m'] },
    '0020000D': { vr: 'UI', Value: ['1.2.826.0.1.3680043.8.498.1'] },
    '00201206': { vr: 'IS', Value: [2] },
    '00201208': { vr: 'IS', Value: [5] },
  });
  assert.deepEqual(row, {
    uid: '1.2.826.0.1.3680043.8.498.1',
    name: { main: '张三', alt: 'Zhang San' },
    sex: 'M',
    age: { n: 59, unit: 'year' },
    patientId: 'P0000001',
    accession: 'CT2024001',
    date: '2024-12-20',
    time: '09:30',
    modalities: ['CT', 'OT'],
    description: '胸腹部CT增强 CHEST/ABDOMEN CT',
    institution: '云影市第一人民医院',
    series: 2,
    images: 5,
  });
  // A bare study: nothing invented.
  const bare = studyRow({ '0020000D': { vr: 'UI', Value: ['9.9'] }, '00101010': { vr: 'AS', Value: ['003M'] } });
  assert.equal(bare.name.main, '');
  assert.deepEqual(bare.age, { n: 3, unit: 'month' }, 'PatientAge when there is no birth date');
  assert.equal(bare.time, '');
  assert.deepEqual(bare.modalities, []);
  assert.equal(countsText(bare.series, bare.images), '— / —');
  assert.equal(countsText(3, 120), '3 / 120');
});

test('the viewer: its address and one browser tab per study', () => {
  assert.equal(viewerUrl('1.2.3'), '/viewer/?study=1.2.3');
  assert.equal(viewerWindowName('1.2.3'), 'yy-viewer-1.2.3');
  assert.equal(viewerWindowName('1.2 3/x'), 'yy-viewer-1.2_3_x');
  assert.notEqual(viewerWindowName('1.2.3'), viewerWindowName('1.2.4'));
  assert.ok(showsStudy({ pathname: '/viewer/', search: '?study=1.2.3' }, '1.2.3'));
  assert.ok(showsStudy({ pathname: '/viewer', search: '?study=1.2.3&x=1' }, '1.2.3'));
  assert.ok(!showsStudy({ pathname: '/viewer/', search: '?study=1.2.4' }, '1.2.3'));
  assert.ok(!showsStudy({ pathname: 'blank', search: '' }, '1.2.3'), 'a new tab (about:blank)');
  assert.ok(!showsStudy({ pathname: '/', search: '' }, '1.2.3'), 'the login page');
  assert.equal(thumbnailUrl('1.2.3'), '/dicomweb/studies/1.2.3/thumbnail?viewport=88,88');
});

/** @param {number} status @param {string} body @param {Record<string, string>} [headers] */
const answer = (status, body, headers = {}) => /** @type {typeof fetch} */ (async () => new Response(body || null, { status, headers }));
const tr = (/** @type {string} */ key) => key;

test('fetchStudies: the page and X-Total-Count; the URL and headers sent', async () => {
  /** @type {{url: string, init: any}[]} */
  const calls = [];
  /** @type {typeof fetch} */
  const fake = async (url, init) => {
    calls.push({ url: String(url), init });
    return new Response('[{"0020000D":{"vr":"UI","Value":["1.2"]}}]', { status: 200, headers: { 'Content-Type': 'application/dicom+json', 'X-Total-Count': '41' } });
  };
  const got = await fetchStudies({ fetchImpl: fake, acceptLanguage: 'zh-CN', translate: tr }, [['StudyDate', '20250310'], ['limit', '20'], ['offset', '20']]);
  assert.equal(got.total, 41);
  assert.equal(got.items.length, 1);
  assert.equal(calls[0].url, '/dicomweb/studies?StudyDate=20250310&limit=20&offset=20');
  assert.equal(calls[0].init.credentials, 'same-origin');
  assert.equal(calls[0].init.headers.Accept, 'application/dicom+json');
  assert.equal(calls[0].init.headers['Accept-Language'], 'zh-CN');
  // Without the header: what the page shows.
  const noHeader = await fetchStudies({ fetchImpl: answer(200, '[{}, {}]'), translate: tr }, [['offset', '40']]);
  assert.equal(noHeader.total, 42);
  const empty = await fetchStudies({ fetchImpl: answer(200, '[]', { 'X-Total-Count': '0' }), translate: tr }, []);
  assert.deepEqual(empty, { items: [], total: 0 });
});

test('fetchStudies errors: status and server message kept, and what they mean for the page', async () => {
  const forbidden = await fetchStudies({ fetchImpl: answer(403, '{"error":{"code":"forbidden","message":"没有权限"}}'), translate: tr }, []).catch((e) => e);
  assert.ok(forbidden instanceof ApiError);
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.message, '没有权限');
  assert.equal(errorKind(forbidden), 'forbidden');
  const tooMany = await fetchStudies({ fetchImpl: answer(413, '{"error":{"code":"too_many_matches","message":"匹配结果过多，请缩小查询范围"}}'), translate: tr }, []).catch((e) => e);
  assert.equal(errorKind(tooMany), 'tooMany');
  /** @type {typeof fetch} */
  const down = async () => {
    throw new TypeError('Failed to fetch');
  };
  const network = await fetchStudies({ fetchImpl: down, translate: tr }, []).catch((e) => e);
  assert.equal(network.status, 0);
  assert.equal(network.message, 'error.network');
  assert.equal(errorKind(network), 'network');
  const proxy = await fetchStudies({ fetchImpl: answer(502, '<html>bad gateway</html>'), translate: tr }, []).catch((e) => e);
  assert.equal(proxy.status, 502);
  assert.equal(errorKind(proxy), 'other');
  assert.equal(errorKind(new ApiError(401, 'unauthenticated', 'x')), 'auth');
  assert.equal(errorKind(new ApiError(403, 'password_change_required', 'x')), 'auth');
  assert.equal(errorKind(new Error('x')), 'other');
  /** @type {typeof fetch} */
  const aborted = async () => {
    throw new DOMException('aborted', 'AbortError');
  };
  await assert.rejects(fetchStudies({ fetchImpl: aborted, translate: tr }, []), { name: 'AbortError' });
});
