import test from 'node:test';
import assert from 'node:assert/strict';
import {
  createView, fit, fitZoom, oneToOne, reset, panBy, zoomAt, rotateBy, setRotation, flipHorizontal, flipVertical, resize,
  imageToCanvas, canvasToImage, pixelAt, viewMatrix, invert, multiply, apply,
} from '../lib/viewer/view-transform.js';

/** @typedef {import('../lib/viewer/view-transform.js').Point} Point */

/** @param {Point} p @param {Point} q @param {string} [msg] */
function near(p, q, msg = '') {
  assert.ok(Math.abs(p.x - q.x) < 1e-9 && Math.abs(p.y - q.y) < 1e-9, `${msg} got (${p.x}, ${p.y}) want (${q.x}, ${q.y})`);
}

test('affine helpers: multiply, invert, apply', () => {
  const m = { a: 2, b: 1, c: -1, d: 3, e: 5, f: -7 };
  const id = multiply(m, invert(m));
  near({ x: id.a, y: id.d }, { x: 1, y: 1 });
  near({ x: id.b, y: id.c }, { x: 0, y: 0 });
  near({ x: id.e, y: id.f }, { x: 0, y: 0 });
  near(apply(m, { x: 1, y: 2 }), { x: 2 - 2 + 5, y: 1 + 6 - 7 });
  assert.throws(() => invert({ a: 1, b: 2, c: 2, d: 4, e: 0, f: 0 }));
});

test('createView fits and centres; 1:1 maps pixel centres onto pixel centres', () => {
  const v = createView(512, 256, 1024, 1024);
  assert.equal(v.zoom, 2);
  near(imageToCanvas(v, { x: 256, y: 128 }), { x: 512, y: 512 }, 'image centre at viewport centre');
  near(imageToCanvas(v, { x: 0, y: 0 }), { x: 0, y: 256 });
  const one = oneToOne(createView(512, 512, 512, 512));
  near(imageToCanvas(one, { x: 10.5, y: 20.5 }), { x: 10.5, y: 20.5 });
  assert.deepEqual(pixelAt(one, { x: 10.5, y: 20.5 }), { column: 10, row: 20 });
  assert.equal(pixelAt(one, { x: -0.5, y: 3 }), null);
  assert.equal(pixelAt(one, { x: 3, y: 512.5 }), null);
});

test('canvasToImage inverts imageToCanvas for any zoom, pan, rotation, flip and aspect', () => {
  let v = createView(300, 200, 640, 480, 1.25);
  const ops = [
    (/** @type {typeof v} */ s) => zoomAt(s, 1.7, { x: 100, y: 50 }), (/** @type {typeof v} */ s) => rotateBy(s, 33),
    (/** @type {typeof v} */ s) => flipHorizontal(s), (/** @type {typeof v} */ s) => panBy(s, -12.5, 40),
    (/** @type {typeof v} */ s) => flipVertical(s), (/** @type {typeof v} */ s) => rotateBy(s, -100),
  ];
  for (const op of ops) {
    v = op(v);
    for (const p of [{ x: 0, y: 0 }, { x: 299.5, y: 0.5 }, { x: 150, y: 100 }, { x: 17.25, y: 188 }]) near(canvasToImage(v, imageToCanvas(v, p)), p);
  }
});

test('rotation is clockwise on screen about the image centre; 90° steps are exact', () => {
  const v = oneToOne(createView(100, 100, 100, 100));
  const r = rotateBy(v, 90);
  // The top-left corner of the image goes to the top-right of the viewport.
  assert.deepEqual(imageToCanvas(r, { x: 0, y: 0 }), { x: 100, y: 0 });
  assert.deepEqual(imageToCanvas(r, { x: 0.5, y: 0.5 }), { x: 99.5, y: 0.5 });
  assert.equal(rotateBy(r, 300).rotation, 30);
  assert.equal(setRotation(v, -90).rotation, 270);
  near(imageToCanvas(rotateBy(panBy(v, 7, 9), 45), { x: 50, y: 50 }), { x: 57, y: 59 }, 'the image centre stays put');
});

test('screen flips mirror the displayed image, whatever the rotation', () => {
  for (const deg of [0, 30, 90, 135, 270]) {
    const v = panBy(zoomAt(rotateBy(createView(200, 120, 400, 300), deg), 1.5), 20, -10);
    const centre = imageToCanvas(v, { x: 100, y: 60 });
    const h = flipHorizontal(v);
    const vv = flipVertical(v);
    for (const p of [{ x: 0, y: 0 }, { x: 180, y: 20 }, { x: 33, y: 111 }]) {
      const q = imageToCanvas(v, p);
      near(imageToCanvas(h, p), { x: 2 * centre.x - q.x, y: q.y }, `flipH at ${deg}°`);
      near(imageToCanvas(vv, p), { x: q.x, y: 2 * centre.y - q.y }, `flipV at ${deg}°`);
    }
    // Flipping twice is the identity.
    near(imageToCanvas(flipHorizontal(h), { x: 5, y: 7 }), imageToCanvas(v, { x: 5, y: 7 }));
  }
});

test('an annotation stored in image coordinates stays on its pixel after flips and rotations', () => {
  let v = oneToOne(createView(512, 512, 512, 512));
  const marker = { x: 40.5, y: 60.5 }; // a point annotation on pixel (40, 60)
  for (const op of [flipHorizontal, flipVertical, (/** @type {typeof v} */ s) => rotateBy(s, 90), (/** @type {typeof v} */ s) => rotateBy(s, 17)]) {
    v = op(v);
    assert.deepEqual(pixelAt(v, imageToCanvas(v, marker)), { column: 40, row: 60 });
  }
  const h = flipHorizontal(oneToOne(createView(512, 512, 512, 512)));
  near(imageToCanvas(h, marker), { x: 512 - 40.5, y: 60.5 });
});

test('zoomAt keeps the point under the cursor fixed', () => {
  const v = rotateBy(createView(512, 512, 800, 600), 20);
  const at = { x: 123, y: 456 };
  const before = canvasToImage(v, at);
  const z = zoomAt(v, 2.5, at);
  assert.ok(Math.abs(z.zoom - v.zoom * 2.5) < 1e-12);
  near(canvasToImage(z, at), before);
  near(canvasToImage(zoomAt(v, 3), { x: 400, y: 300 }), canvasToImage(v, { x: 400, y: 300 }), 'default: viewport centre');
});

test('fit accounts for rotation and pixel aspect; reset undoes everything', () => {
  const v = createView(400, 100, 400, 400);
  assert.equal(v.zoom, 1);
  const r = fit(rotateBy(v, 90));
  assert.equal(r.zoom, 1); // 100 wide, 400 high once turned
  const r45 = rotateBy(v, 45);
  assert.ok(Math.abs(fitZoom(r45) - 400 / (500 * Math.SQRT1_2)) < 1e-12);
  assert.equal(createView(100, 100, 300, 300, 2).zoom, 1.5); // 100 × 200 on screen
  const messy = panBy(flipVertical(rotateBy(zoomAt(v, 3), 10)), 5, 5);
  assert.deepEqual(reset(messy), v);
  const big = resize(v, 800, 800);
  assert.equal(big.zoom, v.zoom);
  near(imageToCanvas(big, { x: 200, y: 50 }), { x: 400, y: 400 });
  assert.equal(viewMatrix(v).a, 1);
});
