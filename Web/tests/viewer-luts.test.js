import test from 'node:test';
import assert from 'node:assert/strict';
import { lut, lutFromPoints, LUT_NAMES } from '../lib/viewer/luts.js';

test('every LUT has 256 opaque RGBA entries', () => {
  assert.deepEqual(LUT_NAMES, ['grey', 'hotIron', 'rainbow', 'jet', 'pet']);
  for (const name of LUT_NAMES) {
    const t = lut(name);
    assert.equal(t.length, 1024, name);
    for (let i = 0; i < 256; i++) assert.equal(t[i * 4 + 3], 255, name);
  }
  assert.equal(lut('grey'), lut('grey'), 'tables are cached');
  assert.throws(() => lut(/** @type {any} */ ('nope')));
});

test('grey is the identity ramp', () => {
  const t = lut('grey');
  for (let i = 0; i < 256; i++) assert.deepEqual([...t.subarray(i * 4, i * 4 + 3)], [i, i, i]);
});

test('hot iron and PET run from black to white with rising brightness', () => {
  for (const name of /** @type {const} */ (['hotIron', 'pet'])) {
    const t = lut(name);
    assert.deepEqual([...t.subarray(0, 3)], [0, 0, 0]);
    assert.deepEqual([...t.subarray(1020, 1023)], [255, 255, 255]);
    let last = -1;
    for (let i = 0; i < 256; i++) {
      const sum = t[i * 4] + t[i * 4 + 1] + t[i * 4 + 2];
      assert.ok(sum >= last - 2, `${name} brightness falls at ${i}`); // 2: per-channel rounding
      last = sum;
    }
  }
});

test('rainbow and jet run from blue-ish to red-ish', () => {
  for (const name of /** @type {const} */ (['rainbow', 'jet'])) {
    const t = lut(name);
    assert.ok(t[2] > t[0], `${name} starts blue`);
    assert.ok(t[1020] > t[1022], `${name} ends red`);
  }
  const cyan = lut('jet').subarray(4 * 96, 4 * 96 + 3); // 96/255 ≈ 0.376, next to the cyan control point
  assert.ok(cyan[0] < 5 && cyan[1] > 250 && cyan[2] > 250, `jet at 96 is ${[...cyan]}`);
});

test('lutFromPoints interpolates and checks its input', () => {
  const t = lutFromPoints([[0, [0, 0, 0]], [1, [255, 0, 510]]]);
  assert.deepEqual([...t.subarray(0, 4)], [0, 0, 0, 255]);
  assert.equal(t[128 * 4], 128);
  assert.equal(t[255 * 4 + 2], 255, 'clamped to a byte');
  assert.throws(() => lutFromPoints([[0.1, [0, 0, 0]], [1, [1, 1, 1]]]));
});
