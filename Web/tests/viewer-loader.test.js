import test from 'node:test';
import assert from 'node:assert/strict';
import { priorityOrder, interleave, FrameQueue } from '../lib/viewer/frame-queue.js';
import { buildStack, sliceNormal, cineInterval } from '../lib/viewer/series.js';
import { cornerInfo, personName, ageText, dateText, timeText } from '../lib/viewer/corner.js';
import { tagRows, keywordOf, valueText } from '../lib/viewer/dicom-dict.js';
import { safeReturnPath, takeReturnPath, RETURN_KEY } from '../lib/return-to.js';
import { createTranslator } from '../lib/i18n.js';
import zhViewer from '../lib/i18n/viewer.zh-CN.js';

test('priority order: current slice, then two ahead for one behind in the scrolling direction', () => {
  assert.deepEqual(priorityOrder(10, 4, 1), [4, 5, 6, 3, 7, 8, 2, 9, 1, 0]);
  assert.deepEqual(priorityOrder(10, 4, -1), [4, 3, 2, 5, 1, 0, 6, 7, 8, 9]);
  assert.deepEqual(priorityOrder(5, 0, 1), [0, 1, 2, 3, 4]);
  assert.deepEqual(priorityOrder(5, 4, 1), [4, 3, 2, 1, 0], 'at the end, the rest lies behind');
  assert.deepEqual(priorityOrder(100, 50, 1, 4), [50, 51, 52, 49], 'bounded by the cache budget');
  assert.deepEqual(priorityOrder(0, 0), []);
  assert.deepEqual(priorityOrder(3, 99), [2, 1, 0], 'current clamped into the stack');
  const all = priorityOrder(1000, 321, 1);
  assert.equal(new Set(all).size, 1000, 'every slice exactly once');
});

test('interleave gives every viewport its current slice first', () => {
  assert.deepEqual(interleave([['a1', 'a2', 'a3'], ['b1'], ['c1', 'a2']]), ['a1', 'b1', 'c1', 'a2', 'a3']);
  assert.deepEqual(interleave([]), []);
});

test('the queue runs in the given order, at most `concurrency` at once, and can be re-ordered', async () => {
  /** @type {Map<string, () => void>} */
  const running = new Map();
  const done = new Set();
  let peak = 0;
  const q = new FrameQueue((key) => new Promise((resolve) => {
    running.set(key, () => {
      running.delete(key);
      done.add(key);
      resolve();
    });
    peak = Math.max(peak, running.size);
  }), { concurrency: 2, has: (k) => done.has(k) });
  q.setOrder(['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual([...running.keys()], ['a', 'b']);
  // The user scrolled: e and d are wanted now; a still runs and is not started twice.
  q.setOrder(['e', 'd', 'a']);
  running.get('a')?.();
  await Promise.resolve();
  await Promise.resolve();
  assert.deepEqual(q.started, ['a', 'b', 'e']);
  for (const k of ['b', 'e']) running.get(k)?.();
  await Promise.resolve();
  await Promise.resolve();
  running.get('d')?.();
  await q.whenIdle();
  assert.deepEqual(q.started, ['a', 'b', 'e', 'd'], 'c was dropped from the order, never fetched');
  assert.equal(peak, 2);
  q.setOrder(['a', 'b']);
  assert.equal(q.started.length, 4, 'done keys are not fetched again');
});

test('failed keys are not retried until asked', async () => {
  /** @type {string[]} */
  const errors = [];
  let calls = 0;
  const q = new FrameQueue(async () => {
    calls++;
    throw new Error('boom');
  }, { onError: (k) => errors.push(k) });
  q.setOrder(['x']);
  await q.whenIdle();
  await new Promise((r) => setTimeout(r, 0));
  q.setOrder(['x']);
  await q.whenIdle();
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(calls, 1);
  q.retryFailed();
  q.setOrder(['x']);
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(calls, 2);
  assert.deepEqual(errors, ['x', 'x']);
});

/** @param {string} sop @param {number} n @param {number} z @param {Record<string, any>} [extra] */
const inst = (sop, n, z, extra = {}) => ({
  '00080018': { vr: 'UI', Value: [sop] }, '00200013': { vr: 'IS', Value: [n] }, '00200032': { vr: 'DS', Value: [0, 0, z] },
  '00200037': { vr: 'DS', Value: [1, 0, 0, 0, 1, 0] }, '00280010': { vr: 'US', Value: [4] }, ...extra,
});

test('stacks are sorted head first along the slice normal, else by instance number; multi-frame expands', () => {
  const s = buildStack([inst('a', 1, 10), inst('b', 2, 30), inst('c', 3, 20), { '00080018': { vr: 'UI', Value: ['sr'] } }]);
  assert.deepEqual(s.frames.map((f) => f.sop), ['b', 'c', 'a']);
  assert.equal(s.spatial, true);
  assert.deepEqual(sliceNormal(inst('a', 1, 0)), [0, 0, 1]);
  const flat = buildStack([inst('a', 2, 5), inst('b', 1, 5)]);
  assert.deepEqual(flat.frames.map((f) => f.sop), ['b', 'a'], 'same position: by instance number');
  assert.equal(flat.spatial, false);
  const mf = buildStack([inst('us', 1, 0, { '00280008': { vr: 'IS', Value: [3] }, '00181063': { vr: 'DS', Value: [40] } })]);
  assert.deepEqual(mf.frames.map((f) => f.key), ['us/1', 'us/2', 'us/3']);
  assert.equal(mf.frameTime, 40);
  assert.equal(cineInterval({ '00082144': { vr: 'IS', Value: [25] } }), 40);
  assert.equal(cineInterval({}), null);
});

test('corner information from metadata', () => {
  const t = createTranslator({ 'zh-CN': zhViewer }, 'zh-CN');
  const meta = {
    '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Zhang^San', Ideographic: '张^三' }] }, '00100020': { vr: 'LO', Value: ['P1'] },
    '00100040': { vr: 'CS', Value: ['F'] }, '00101010': { vr: 'AS', Value: ['071Y'] }, '00080020': { vr: 'DA', Value: ['20241220'] },
    '00080030': { vr: 'TM', Value: ['091500'] }, '00200011': { vr: 'IS', Value: [2] }, '0008103E': { vr: 'LO', Value: ['Axial'] },
    '00201041': { vr: 'DS', Value: [24.375] }, '00180050': { vr: 'DS', Value: [1.25] },
  };
  const c = cornerInfo(meta, { index: 4, count: 40, window: { center: -600, width: 1500 }, zoom: 1.5, rotation: 0, flipH: true, flipV: false, invert: false, presetName: '肺窗' }, t);
  assert.deepEqual(c.topLeft.slice(0, 4), ['张 三', 'ID: P1', '女 / 71岁', '2024-12-20 09:15:00']);
  assert.ok(c.topRight.includes('序列 2 Axial') && c.topRight.includes('图像 5/40'));
  assert.deepEqual(c.bottomLeft, ['窗宽 1500 窗位 -600 (肺窗)', '缩放 1.50×', '水平翻转']);
  assert.deepEqual(c.bottomRight, ['层面位置 24.38 mm', '层厚 1.25 mm']);
  assert.equal(personName({ '00100010': { vr: 'PN', Value: [{ Alphabetic: 'WANG^HUA' }] } }, '00100010'), 'WANG HUA');
  assert.equal(ageText({ '00100030': { vr: 'DA', Value: ['19530807'] }, '00080020': { vr: 'DA', Value: ['20241220'] } }, t), '71岁');
  assert.equal(dateText('2024'), '2024');
  assert.equal(timeText('0915'), '09:15:00');
});

test('tag browser rows', () => {
  const rows = tagRows({
    '00100010': { vr: 'PN', Value: [{ Alphabetic: 'A^B', Ideographic: '甲' }] },
    '00091001': { vr: 'LO', Value: ['x'] },
    '00081140': { vr: 'SQ', Value: [{ '00081150': { vr: 'UI', Value: ['1.2'] } }] },
    '7FE00010': { vr: 'OW', BulkDataURI: '/x' },
  });
  assert.deepEqual(rows.map((r) => [r.tag, r.keyword, r.value, r.depth]), [
    ['(0008,1140)', '', '[1 item]', 0], ['', 'Item 1', '', 1], ['(0008,1150)', '', '1.2', 1],
    ['(0009,1001)', 'Private', 'x', 0], ['(0010,0010)', 'PatientName', 'A^B=甲', 0], ['(7FE0,0010)', 'PixelData', '[OW bulk data]', 0],
  ]);
  assert.equal(keywordOf('00280030'), 'PixelSpacing');
  assert.equal(valueText({ vr: 'DS', Value: [1, 2.5] }), '1\\2.5');
});

test('after login only our viewer paths are returned to', () => {
  assert.equal(safeReturnPath('/viewer/?study=1.2.3'), '/viewer/?study=1.2.3');
  for (const bad of ['https://evil.example/', '//evil.example/viewer/', '/viewer//evil', '/#/users', '/viewer/\\x', null]) assert.equal(safeReturnPath(bad), null, String(bad));
  /** @type {Record<string, string>} */
  const store = { [RETURN_KEY]: '/viewer/?accession=A1' };
  const storage = { getItem: (/** @type {string} */ k) => store[k] ?? null, removeItem: (/** @type {string} */ k) => void delete store[k] };
  assert.equal(takeReturnPath(storage), '/viewer/?accession=A1');
  assert.equal(takeReturnPath(storage), null, 'used once');
  assert.equal(takeReturnPath(null), null);
});
