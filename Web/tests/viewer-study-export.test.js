import test from 'node:test';
import assert from 'node:assert/strict';
import { exportUrl, exportSize, checkExport, exportErrorText, MAX_EXPORT, LARGE_EXPORT } from '../lib/viewer/export-dialog.js';
import { DicomwebError } from '../lib/viewer/dicomweb.js';

test('the export URL: format, the series chosen, and the window for JPEG only', () => {
  assert.equal(exportUrl('1.2.3', { format: 'dicom' }), '/api/viewer/studies/1.2.3/export?format=dicom');
  assert.equal(exportUrl('1.2.3', { format: 'dicom', series: [] }), '/api/viewer/studies/1.2.3/export?format=dicom');
  assert.equal(exportUrl('1.2.3', { format: 'dicom', series: ['1.2.3.4', '1.2.3.5'], window: { center: 40, width: 400 } }),
    '/api/viewer/studies/1.2.3/export?format=dicom&series=1.2.3.4,1.2.3.5', 'no window for DICOM');
  assert.equal(exportUrl('1.2.3', { format: 'jpeg', series: ['9'], window: { center: -600, width: 1500, fn: 'LINEAR' } }),
    '/api/viewer/studies/1.2.3/export?format=jpeg&series=9&window=-600,1500');
  assert.equal(exportUrl('1.2.3', { format: 'jpeg', window: { center: 40.123, width: 80.5, fn: 'SIGMOID' } }),
    '/api/viewer/studies/1.2.3/export?format=jpeg&window=40.12,80.5,SIGMOID');
  assert.equal(exportUrl('1.2.3', { format: 'jpeg', window: null }), '/api/viewer/studies/1.2.3/export?format=jpeg');
  assert.equal(exportUrl('a b', { format: 'dicom' }), '/api/viewer/studies/a%20b/export?format=dicom');
});

test('the size of a selection: series, images, large above 1000, refused above 5000', () => {
  const all = [{ uid: 'a', count: 1 }, { uid: 'b', count: 40 }, { uid: 'c', count: 990 }];
  assert.deepEqual(exportSize(all, null), { series: 3, images: 1031, large: true, tooMany: false });
  assert.deepEqual(exportSize(all, new Set(['b'])), { series: 1, images: 40, large: false, tooMany: false });
  assert.deepEqual(exportSize(all, new Set()), { series: 0, images: 0, large: false, tooMany: false });
  assert.equal(exportSize([{ uid: 'x', count: LARGE_EXPORT }], null).large, false);
  assert.equal(exportSize([{ uid: 'x', count: MAX_EXPORT }], null).tooMany, false);
  assert.equal(exportSize([{ uid: 'x', count: MAX_EXPORT + 1 }], null).tooMany, true);
});

test('the check before the download: gone, too many, fine', () => {
  const fresh = [{ uid: 'a', count: 10 }, { uid: 'b', count: 4995 }];
  assert.equal(checkExport([], null), 'notFound', 'a study without series (deleted) is not found');
  assert.equal(checkExport(fresh, new Set(['z'])), 'notFound', 'a series merged away is not found');
  assert.equal(checkExport(fresh, null), 'tooMany');
  assert.equal(checkExport(fresh, new Set(['b'])), 'ok');
  assert.equal(checkExport(fresh, new Set(['a'])), 'ok');
});

test('failures are said in words', () => {
  assert.match(exportErrorText(new DicomwebError(401, 'x')), /登录已过期/);
  assert.match(exportErrorText(new DicomwebError(403, 'x')), /没有导出/);
  assert.match(exportErrorText(new DicomwebError(404, 'x')), /不存在/);
  assert.match(exportErrorText(new DicomwebError(0, 'x')), /网络/);
  assert.match(exportErrorText(new DicomwebError(500, 'boom')), /导出失败：boom/);
});
