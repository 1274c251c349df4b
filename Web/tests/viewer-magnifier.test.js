import test from 'node:test';
import assert from 'node:assert/strict';
import { magnifiedView, stepFactor, FACTORS } from '../lib/viewer/magnifier.js';
import { createView, imageToCanvas, canvasToImage, rotateBy, flipHorizontal, panBy } from '../lib/viewer/view-transform.js';

/** @param {number} a @param {number} b */
const near = (a, b) => Math.abs(a - b) < 1e-9;

test('the lens centre shows the image point under the pointer, magnified by the factor', () => {
  let view = createView(512, 400, 900, 700);
  view = panBy(rotateBy(flipHorizontal(view), 90), 37, -12);
  const at = { x: 301.5, y: 222.25 };
  for (const factor of [2, 3, 4]) {
    const lens = magnifiedView(view, at, factor, 220);
    assert.equal(lens.viewportWidth, 220);
    assert.equal(lens.viewportHeight, 220);
    assert.equal(lens.zoom, view.zoom * factor);
    assert.equal(lens.rotation, view.rotation);
    assert.equal(lens.flipH, view.flipH);
    const q = canvasToImage(view, at);
    const c = imageToCanvas(lens, q);
    assert.ok(near(c.x, 110) && near(c.y, 110), `${factor}: centre ${c.x},${c.y}`);
    // A step of d on screen from the pointer is a step of factor·d from the lens centre, in the same direction.
    const q2 = canvasToImage(view, { x: at.x + 5, y: at.y - 3 });
    const c2 = imageToCanvas(lens, q2);
    assert.ok(near(c2.x - 110, 5 * factor) && near(c2.y - 110, -3 * factor), `${factor}: step ${c2.x},${c2.y}`);
  }
});

test('the wheel steps the factor through 2–4× and stops at the ends', () => {
  assert.deepEqual(FACTORS, [2, 2.5, 3, 3.5, 4]);
  assert.equal(stepFactor(2, 1), 2.5);
  assert.equal(stepFactor(2.5, 1), 3);
  assert.equal(stepFactor(4, 1), 4);
  assert.equal(stepFactor(3, -1), 2.5);
  assert.equal(stepFactor(2, -1), 2);
  assert.equal(stepFactor(9, -1), 3.5);
});
