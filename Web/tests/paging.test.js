import test from 'node:test';
import assert from 'node:assert/strict';
import { pageCount, clampPage, pageRange, pageWindow } from '../lib/paging.js';

test('pageCount', () => {
  assert.equal(pageCount(0, 20), 1);
  assert.equal(pageCount(1, 20), 1);
  assert.equal(pageCount(20, 20), 1);
  assert.equal(pageCount(21, 20), 2);
  assert.equal(pageCount(123, 20), 7);
  assert.equal(pageCount(5, 0), 1);
});

test('clampPage keeps pages in range', () => {
  assert.equal(clampPage(0, 100, 20), 1);
  assert.equal(clampPage(-3, 100, 20), 1);
  assert.equal(clampPage(9, 100, 20), 5);
  assert.equal(clampPage(3, 100, 20), 3);
  assert.equal(clampPage(NaN, 100, 20), 1);
  assert.equal(clampPage(2.7, 100, 20), 2);
  assert.equal(clampPage(4, 0, 20), 1);
});

test('pageRange gives the rows shown', () => {
  assert.deepEqual(pageRange(1, 20, 0), { from: 0, to: 0 });
  assert.deepEqual(pageRange(1, 20, 7), { from: 1, to: 7 });
  assert.deepEqual(pageRange(2, 20, 45), { from: 21, to: 40 });
  assert.deepEqual(pageRange(3, 20, 45), { from: 41, to: 45 });
  assert.deepEqual(pageRange(9, 20, 45), { from: 41, to: 45 });
});

test('pageWindow shows first, last, neighbours and gaps', () => {
  assert.deepEqual(pageWindow(1, 1), [1]);
  assert.deepEqual(pageWindow(1, 0), []);
  assert.deepEqual(pageWindow(1, 3), [1, 2, 3]);
  assert.deepEqual(pageWindow(6, 20), [1, 'gap', 4, 5, 6, 7, 8, 'gap', 20]);
  assert.deepEqual(pageWindow(1, 20), [1, 2, 3, 'gap', 20]);
  assert.deepEqual(pageWindow(20, 20), [1, 'gap', 18, 19, 20]);
  assert.deepEqual(pageWindow(4, 10), [1, 2, 3, 4, 5, 6, 'gap', 10], 'no gap hiding a single page');
  assert.deepEqual(pageWindow(7, 10), [1, 'gap', 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(pageWindow(99, 5), [1, 2, 3, 4, 5], 'current page beyond the end is clamped');
});

test('pageWindow never repeats or skips a page without a gap', () => {
  for (let count = 1; count <= 30; count++) {
    for (let cur = 1; cur <= count; cur++) {
      const w = pageWindow(cur, count);
      const nums = /** @type {number[]} */ (w.filter((x) => x !== 'gap'));
      assert.ok(nums.includes(cur) && nums.includes(1) && nums.includes(count), `${cur}/${count}`);
      for (let i = 1; i < w.length; i++) {
        const a = w[i - 1];
        const b = w[i];
        if (a !== 'gap' && b !== 'gap') assert.equal(b, a + 1, `${cur}/${count}: ${w.join(',')}`);
        if (a === 'gap') assert.notEqual(b, 'gap');
      }
      for (let i = 1; i + 1 < w.length; i++) {
        if (w[i] === 'gap') assert.ok(/** @type {number} */ (w[i + 1]) - /** @type {number} */ (w[i - 1]) > 2, `gap hides one page: ${w.join(',')}`);
      }
    }
  }
});
