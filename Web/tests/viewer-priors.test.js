import test from 'node:test';
import assert from 'node:assert/strict';
import { imagePlane } from '../lib/viewer/geometry.js';
import {
  PRIOR_FIELDS, priorQuery, studyEntries, isoDate, ageOf, seriesFromQido, bestMatch, makeLink, linkedIndex, linkDistance, parallel, errorKey,
} from '../lib/viewer/priors.js';

/** @param {Record<string, unknown[]>} values tag → Value @returns {import('../lib/viewer/pixels.js').DicomJson} */
const ds = (values) => Object.fromEntries(Object.entries(values).map(([tag, Value]) => [tag, { vr: 'LO', Value }]));

/**
 * An axial stack: slices `spacing` mm apart from z0, in its own frame of reference.
 * @param {number} n @param {number} z0 @param {number} spacing @param {string} frame
 */
const axial = (n, z0, spacing, frame) => Array.from({ length: n }, (_, i) => imagePlane({
  '00200032': { vr: 'DS', Value: [-100, -100, z0 + i * spacing] },
  '00200037': { vr: 'DS', Value: [1, 0, 0, 0, 1, 0] },
  '00280030': { vr: 'DS', Value: [0.5, 0.5] },
  '00280010': { vr: 'US', Value: [400] },
  '00280011': { vr: 'US', Value: [400] },
  '00200052': { vr: 'UI', Value: [frame] },
}));

/** @param {string} key @param {Record<string, string | number>} [p] */
const tr = (key, p) => `${key}${p ? JSON.stringify(p) : ''}`;

test('the patient query asks for the columns of the list', () => {
  assert.deepEqual(priorQuery('P001'), { PatientID: 'P001', includefield: PRIOR_FIELDS, limit: '500' });
  for (const tag of ['00080020', '00080061', '00081030', '00201208']) assert.ok(PRIOR_FIELDS.includes(tag), tag);
});

test('studies newest first, the current one marked, duplicates once', () => {
  const list = [
    ds({ '0020000D': ['1.1'], '00080020': ['20230115'], '00080061': ['CT'], '00081030': ['胸部CT平扫'], '00201208': [1] }),
    ds({ '0020000D': ['1.3'], '00080020': ['20241220'], '00080030': ['091500'], '00080061': ['CT', 'SR'], '00201206': [3], '00201208': [41] }),
    ds({ '0020000D': ['1.2'], '00080020': ['20240601'], '00201208': [21] }),
    ds({ '0020000D': ['1.4'], '00080020': ['20241220'], '00080030': ['080000'] }),
    ds({ '0020000D': ['1.2'], '00080020': ['20240601'] }),
    ds({ '00080020': ['20240601'] }),
  ];
  const e = studyEntries(list, '1.2');
  assert.deepEqual(e.map((x) => x.uid), ['1.3', '1.4', '1.2', '1.1']);
  assert.deepEqual(e.map((x) => x.current), [false, false, true, false]);
  assert.deepEqual(e[0], { uid: '1.3', date: '20241220', time: '091500', modalities: ['CT', 'SR'], description: '', accession: '', series: 3, images: 41, current: false });
  assert.equal(e[1].images, null, 'unknown counts stay unknown, not 0');
  assert.equal(e[3].description, '胸部CT平扫');
  assert.deepEqual(studyEntries([], 'x'), []);
});

test('dates and how long ago', () => {
  assert.equal(isoDate('20240601'), '2024-06-01');
  assert.equal(isoDate(''), '');
  assert.equal(ageOf('20241220', '20241220', tr), 'compare.age.sameDay');
  assert.equal(ageOf('20241210', '20241220', tr), 'compare.age.before{"text":"compare.age.days{\\"n\\":10}"}');
  assert.equal(ageOf('20240601', '20241220', tr), 'compare.age.before{"text":"compare.age.months{\\"n\\":7}"}');
  assert.equal(ageOf('20230115', '20241220', tr), 'compare.age.before{"text":"compare.age.years{\\"n\\":1.9}"}');
  assert.equal(ageOf('20250101', '20241220', tr), 'compare.age.after{"text":"compare.age.days{\\"n\\":12}"}');
  assert.equal(ageOf('', '20241220', tr), '');
});

test('series of a prior in the viewer shape, by number, with their study', () => {
  const s = seriesFromQido([
    ds({ '0020000E': ['2.2'], '00200011': [2], '0008103E': ['Axial 2.5mm'], '00080060': ['CT'], '00201209': [20] }),
    ds({ '0020000E': ['2.1'], '00200011': [1], '00080060': ['CT'], '00201209': [1] }),
    ds({ '00200011': [3] }),
  ], '9.9');
  assert.deepEqual(s.map((x) => [x.uid, x.number, x.count, x.study]), [['2.1', 1, 1, '9.9'], ['2.2', 2, 20, '9.9']]);
  assert.equal(s[1].stack, null);
});

test('the prior series beside the one being read: modality, then description, then size', () => {
  const cur = { uid: 'c', number: 2, description: 'Axial 1.25mm 软组织', modality: 'CT', count: 40 };
  const prior = [
    { uid: 'loc', number: 1, description: 'Topogram 定位像', modality: 'CT', count: 1 },
    { uid: 'lung', number: 3, description: 'Axial 1.25mm 肺', modality: 'CT', count: 200 },
    { uid: 'soft', number: 2, description: 'Axial 2.5mm 软组织', modality: 'CT', count: 20 },
    { uid: 'sr', number: 99, description: 'Axial 软组织 report', modality: 'SR', count: 1 },
    { uid: 'pet', number: 4, description: 'Axial 1.25mm 软组织', modality: 'PT', count: 40 },
  ];
  assert.equal(bestMatch(cur, prior)?.uid, 'soft');
  assert.equal(bestMatch(null, prior)?.uid, 'lung', 'nothing being read: the biggest');
  assert.equal(bestMatch(cur, [prior[3]]), null, 'no image series');
});

test('linked scrolling across studies follows by distance along the normal, not by index', () => {
  const current = axial(40, 0, 1.25, '1.1'); // 0 … 48.75 mm
  const prior = axial(20, 10, 2.5, '2.2'); // another frame of reference, 10 … 57.5 mm
  assert.ok(parallel(current[0], prior[0]));
  // Linked with current slice 8 (10 mm) beside prior slice 0 (10 mm): the same table position.
  const link = makeLink('k', current[8], 8, prior, 0, 0);
  assert.equal(link.mode, 'position');
  assert.equal(link.shift, 0);
  assert.equal(linkedIndex(link, current[16], 16, prior, 0), 4, '10 mm on is 4 slices of 2.5 mm');
  assert.equal(linkedIndex(link, current[17], 17, prior, 0), 4, 'nearest: 21.25 mm → 20 mm (slice 4), not 22.5');
  assert.equal(linkedIndex(link, current[39], 39, prior, 0), 15);
  assert.equal(linkedIndex(link, current[0], 0, prior, 0), 0, 'kept inside the stack');
  // The offset (Shift + wheel) adds slices of the target.
  assert.equal(linkedIndex(link, current[16], 16, prior, 2), 6);
  // Linked with an offset already set: the offset stays an offset.
  const withOffset = makeLink('k', current[8], 8, prior, 3, 1);
  assert.equal(withOffset.shift, 5, 'base slice 2 (15 mm) is 5 mm from 10 mm');
  assert.equal(linkedIndex(withOffset, current[8], 8, prior, 1), 3, 'no jump when linking');
  assert.equal(linkDistance(link, current[16], prior[4]), 0);
});

test('without parallel geometry the link follows by index', () => {
  const current = axial(10, 0, 5, '1.1');
  const sagittal = Array.from({ length: 10 }, (_, i) => imagePlane({
    '00200032': { vr: 'DS', Value: [i * 3, -100, 100] },
    '00200037': { vr: 'DS', Value: [0, 1, 0, 0, 0, -1] },
    '00280030': { vr: 'DS', Value: [1, 1] },
    '00280010': { vr: 'US', Value: [200] },
    '00280011': { vr: 'US', Value: [200] },
    '00200052': { vr: 'UI', Value: ['3.3'] },
  }));
  const link = makeLink('k', current[2], 2, sagittal, 5, 0);
  assert.deepEqual(link, { key: 'k', mode: 'index', shift: 3 });
  assert.equal(linkedIndex(link, current[4], 4, sagittal, 0), 7);
  assert.equal(linkedIndex(link, current[9], 9, sagittal, 0), 9);
  const none = makeLink('k', null, 0, [null, null], 1, 0);
  assert.equal(none.mode, 'index');
  assert.equal(linkedIndex(none, null, 1, [null, null], 0), 1);
  assert.equal(linkedIndex(link, current[0], 0, [], 0), -1);
  assert.equal(linkDistance(link, current[0], sagittal[0]), null);
});

test('error statuses in words', () => {
  assert.equal(errorKey(401), 'compare.error.session');
  assert.equal(errorKey(403), 'compare.error.forbidden');
  assert.equal(errorKey(404), 'compare.error.notFound');
  assert.equal(errorKey(0), 'compare.error.network');
  assert.equal(errorKey(500), 'compare.error.server');
});
