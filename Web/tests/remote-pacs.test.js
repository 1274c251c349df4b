import test from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../lib/api.js';
import { dicomDate, displayDate, dateRange, checkCriteria, queryBody, personName, queryableNodes, nodeLabel, progress, errorKind } from '../lib/remote-pacs.js';

const empty = { patientName: '', patientId: '', accessionNumber: '', from: '', to: '', modality: '' };

test('dates between the form and DICOM', () => {
  assert.equal(dicomDate('2024-03-15'), '20240315');
  assert.equal(displayDate('20240315'), '2024-03-15');
  assert.equal(displayDate(''), '');
  assert.equal(dateRange('2024-03-01', '2024-03-31'), '20240301-20240331');
  assert.equal(dateRange('2024-03-15', '2024-03-15'), '20240315');
  assert.equal(dateRange('2024-03-01', ''), '20240301-');
  assert.equal(dateRange('', '2024-03-31'), '-20240331');
  assert.equal(dateRange('', ''), '');
});

test('a criterion is needed, a modality alone is not enough, and ranges run forwards', () => {
  assert.deepEqual(checkCriteria(empty), { patientName: 'remote.error.noCriteria' });
  assert.deepEqual(checkCriteria({ ...empty, modality: 'CT' }), { patientName: 'remote.error.noCriteria' });
  assert.deepEqual(checkCriteria({ ...empty, patientName: ' * ' }), { patientName: 'remote.error.noCriteria' });
  assert.deepEqual(checkCriteria({ ...empty, patientId: 'P1' }), {});
  assert.deepEqual(checkCriteria({ ...empty, from: '2024-03-01' }), {});
  assert.deepEqual(checkCriteria({ ...empty, from: '2024-03-02', to: '2024-03-01' }), { to: 'remote.error.range' });
});

test('the query body: names match from their beginning, identifiers exactly, empty fields left out', () => {
  assert.deepEqual(queryBody({ ...empty, patientName: ' 张 ', patientId: ' P1 ', modality: 'ct', from: '2024-03-01', to: '2024-03-31' }),
    { patientName: '张*', patientId: 'P1', studyDate: '20240301-20240331', modality: 'CT' });
  assert.deepEqual(queryBody({ ...empty, patientName: 'WANG?WU' }), { patientName: 'WANG?WU' });
  assert.deepEqual(queryBody({ ...empty, accessionNumber: 'A1' }), { accessionNumber: 'A1' });
});

test('person names: the ideographic group first, the alphabetic one beside it', () => {
  assert.deepEqual(personName('Wang^Wu=王^五='), { main: '王 五', alt: 'Wang Wu' });
  assert.deepEqual(personName('王五'), { main: '王五', alt: '' });
  assert.deepEqual(personName(''), { main: '', alt: '' });
});

test('nodes (GET /api/dicom/remote-nodes): by AE title, labelled with their description, no address', () => {
  const nodes = queryableNodes([
    { id: 2, aeTitle: 'ZPACS', description: '' },
    { id: 1, aeTitle: 'APACS', description: '区医院' },
  ]);
  assert.deepEqual(nodes.map((n) => n.id), [1, 2]);
  assert.equal(nodeLabel(nodes[0]), 'APACS · 区医院');
  assert.equal(nodeLabel(nodes[1]), 'ZPACS');
  // The endpoint lists active nodes only; a switched-off one passed in anyway is still left out.
  assert.deepEqual(queryableNodes([{ id: 3, aeTitle: 'OLD', active: false }, { id: 4, aeTitle: 'NEW', active: true }]).map((n) => n.id), [4]);
  assert.deepEqual(queryableNodes([]), []);
});

test('retrieval progress against the announced number of images', () => {
  assert.deepEqual(progress(10, 40), { received: 10, expected: 40, fraction: 0.25 });
  assert.deepEqual(progress(50, 40), { received: 50, expected: 40, fraction: 1 });
  assert.deepEqual(progress(3, null), { received: 3, expected: null, fraction: null });
  assert.deepEqual(progress(3, 0), { received: 3, expected: null, fraction: null });
});

test('errors in words by status', () => {
  const e = (/** @type {number} */ status) => new ApiError(status, 'x', 'm');
  assert.equal(errorKind(e(401)), 'remote.error.session');
  assert.equal(errorKind(e(403)), 'remote.error.forbidden');
  assert.equal(errorKind(e(502)), 'remote.error.peer');
  assert.equal(errorKind(e(404)), 'remote.error.nodeGone');
  assert.equal(errorKind(e(409)), 'remote.error.nodeInactive');
  assert.equal(errorKind(e(422)), 'remote.error.invalid');
  assert.equal(errorKind(e(0)), 'remote.error.network');
  assert.equal(errorKind(e(500)), 'remote.error.other');
  assert.equal(errorKind(new Error('x')), 'remote.error.other');
});
