import test from 'node:test';
import assert from 'node:assert/strict';
import {
  imagePlane, imageToPatient, patientToImage, distanceToPlane, planeIntersection, nearestPlane, syncedIndex, sameFrame,
} from '../lib/viewer/geometry.js';

/**
 * DICOM JSON of an image's geometry.
 * @param {number[]} ipp @param {number[]} iop @param {number[]} spacing @param {number} rows @param {number} columns
 * @param {string} [frame]
 */
function meta(ipp, iop, spacing, rows, columns, frame = '1.2.3') {
  return {
    '00200032': { vr: 'DS', Value: ipp },
    '00200037': { vr: 'DS', Value: iop },
    '00280030': { vr: 'DS', Value: spacing },
    '00280010': { vr: 'US', Value: [rows] },
    '00280011': { vr: 'US', Value: [columns] },
    '00200052': { vr: 'UI', Value: [frame] },
  };
}

const AXIAL = [1, 0, 0, 0, 1, 0];
const CORONAL = [1, 0, 0, 0, 0, -1];
const SAGITTAL = [0, 1, 0, 0, 0, -1];

/** An axial slice at z, 512² at 0.7 mm centred on x = y = 0. */
const axial = (/** @type {number} */ z, frame = '1.2.3') => /** @type {import('../lib/viewer/geometry.js').ImagePlane} */ (imagePlane(meta([-179, -179, z], AXIAL, [0.7, 0.7], 512, 512, frame)));

/** @param {number} a @param {number} b */
const near = (a, b, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} ≠ ${b}`);

test('imagePlane reads position, orientation, spacing and size; refuses incomplete geometry', () => {
  const p = imagePlane(meta([-100, -50, 20], AXIAL, [0.5, 0.8], 256, 300));
  assert.ok(p);
  assert.deepEqual(p.origin, [-100, -50, 20]);
  assert.deepEqual(p.row, [1, 0, 0]);
  assert.deepEqual(p.column, [0, 1, 0]);
  assert.deepEqual(p.normal, [0, 0, 1]);
  assert.equal(p.rowSpacing, 0.5);
  assert.equal(p.columnSpacing, 0.8);
  assert.equal(p.rows, 256);
  assert.equal(p.columns, 300);
  assert.equal(p.frameOfReference, '1.2.3');
  const full = meta([0, 0, 0], AXIAL, [1, 1], 10, 10);
  for (const tag of ['00200032', '00200037', '00280030', '00280010', '00280011']) {
    const m = /** @type {Record<string, any>} */ ({ ...full });
    delete m[tag];
    assert.equal(imagePlane(m), null, tag);
  }
  assert.equal(imagePlane(meta([0, 0, 0], [0, 0, 0, 0, 1, 0], [1, 1], 10, 10)), null, 'zero row vector');
  assert.equal(imagePlane(meta([0, 0, 0], [1, 0, 0, 1, 0, 0], [1, 1], 10, 10)), null, 'parallel row and column');
});

test('image ⇄ patient: the centre of the first pixel is Image Position; spacing per axis (row spacing along y)', () => {
  const p = /** @type {import('../lib/viewer/geometry.js').ImagePlane} */ (imagePlane(meta([-100, -50, 20], AXIAL, [0.5, 0.8], 256, 300)));
  assert.deepEqual(imageToPatient(p, { x: 0.5, y: 0.5 }), [-100, -50, 20]);
  assert.deepEqual(imageToPatient(p, { x: 10.5, y: 0.5 }), [-92, -50, 20], 'x steps by column spacing along the row');
  assert.deepEqual(imageToPatient(p, { x: 0.5, y: 10.5 }), [-100, -45, 20], 'y steps by row spacing down the column');
  const q = patientToImage(p, [-92, -45, 23]);
  near(q.x, 10.5);
  near(q.y, 10.5);
  near(q.distance, 3);
  // Round trip on an oblique plane.
  const c = Math.cos(0.3);
  const s = Math.sin(0.3);
  const o = /** @type {import('../lib/viewer/geometry.js').ImagePlane} */ (imagePlane(meta([5, -7, 11], [c, s, 0, 0, 0, -1], [0.9, 1.1], 100, 120)));
  for (const pt of [{ x: 0, y: 0 }, { x: 33.25, y: 71.5 }, { x: 120, y: 100 }]) {
    const back = patientToImage(o, imageToPatient(o, pt));
    near(back.x, pt.x);
    near(back.y, pt.y);
    near(back.distance, 0);
  }
});

test('an axial slice cuts a coronal localizer along a horizontal line at the slice height', () => {
  // Coronal localizer: rows go feet-ward (column vector −z), 400 rows at 1 mm from z = 200 down to z = −200.
  const loc = /** @type {import('../lib/viewer/geometry.js').ImagePlane} */ (imagePlane(meta([-250, 0, 199.5], CORONAL, [1, 1.25], 400, 400)));
  for (const z of [150, 0, -37.5]) {
    const line = planeIntersection(axial(z), loc);
    assert.ok(line, `z ${z}`);
    const want = 199.5 - z + 0.5; // image y where patient z is reached
    for (const end of line) near(end.y, want, 1e-9);
    const xs = line.map((e) => e.x).sort((a, b) => a - b);
    assert.deepEqual(xs, [0, 400], 'from edge to edge of the localizer');
  }
  assert.equal(planeIntersection(axial(250), loc), null, 'above the localizer: no line');
  assert.equal(planeIntersection(axial(10), axial(20)), null, 'parallel planes: no line');
});

test('a sagittal slice cuts an axial image along a vertical line; a tilted plane gives a slanted segment', () => {
  const ax = axial(0);
  const sag = /** @type {import('../lib/viewer/geometry.js').ImagePlane} */ (imagePlane(meta([17.15, -200, 200], SAGITTAL, [1, 1], 400, 400)));
  const line = planeIntersection(sag, ax);
  assert.ok(line);
  const wantX = (17.15 + 179) / 0.7 + 0.5;
  for (const end of line) near(end.x, wantX, 1e-9);
  assert.deepEqual(line.map((e) => e.y).sort((a, b) => a - b), [0, 512]);
  // The axial slice drawn on the sagittal image: a horizontal line at z = 0, i.e. y = 200.5.
  const back = planeIntersection(ax, sag);
  assert.ok(back);
  for (const end of back) near(end.y, 200.5, 1e-9);
  // A plane through the image centre tilted 45° in the axial plane: a diagonal through the corners.
  const c = Math.SQRT1_2;
  const diag = /** @type {import('../lib/viewer/geometry.js').ImagePlane} */ (imagePlane(meta([0, 0, 100], [c, -c, 0, 0, 0, -1], [1, 1], 300, 300)));
  const cut = planeIntersection(diag, ax);
  assert.ok(cut);
  const mid = imageToPatient(ax, { x: (cut[0].x + cut[1].x) / 2, y: (cut[0].y + cut[1].y) / 2 });
  near(distanceToPlane(diag, mid), 0, 1e-9);
  near(Math.abs(cut[0].x - cut[1].x), Math.abs(cut[0].y - cut[1].y), 1e-9);
});

test('sameFrame needs one Frame of Reference UID on both planes', () => {
  assert.ok(sameFrame(axial(0), axial(5)));
  assert.ok(!sameFrame(axial(0), axial(5, '9.9')));
  assert.ok(!sameFrame(axial(0, ''), axial(5, '')));
  assert.ok(!sameFrame(null, axial(0)));
});

test('nearestPlane and syncedIndex: nearest slice along the normal, manual offset, clamping, unrelated stacks', () => {
  // Target stack head first (descending z) at 2.5 mm, source slices at 1.25 mm.
  const target = Array.from({ length: 20 }, (_, i) => axial(50 - 2.5 * i));
  assert.equal(nearestPlane(target, [0, 0, 50]), 0);
  assert.equal(nearestPlane(target, [0, 0, 41.4]), 3); // 42.5 is nearer than 40
  assert.equal(nearestPlane([null, ...target], [0, 0, 50]), 1);
  assert.equal(nearestPlane([], [0, 0, 0]), -1);
  assert.equal(syncedIndex(axial(45), target), 2);
  assert.equal(syncedIndex(axial(45), target, 1), 3);
  assert.equal(syncedIndex(axial(45), target, -5), 0, 'clamped to the first slice');
  assert.equal(syncedIndex(axial(-500), target), 19, 'beyond the stack: the last slice');
  assert.equal(syncedIndex(axial(45, '9.9'), target), -1, 'another Frame of Reference');
  const loc = /** @type {import('../lib/viewer/geometry.js').ImagePlane} */ (imagePlane(meta([-250, 0, 199.5], CORONAL, [1, 1], 400, 400)));
  assert.equal(syncedIndex(loc, target), -1, 'a localizer does not drive the axial stack');
  assert.equal(syncedIndex(axial(0), [loc]), -1, 'nor follow it');
  assert.equal(syncedIndex(null, target), -1);
});
