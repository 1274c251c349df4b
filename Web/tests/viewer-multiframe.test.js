// Enhanced multi-frame objects (issue #6, "works for … multi-frame"): per-frame geometry, calibration, Modality LUT
// and window from the Shared / Per-frame Functional Groups, and the stack order of their frames.
import test from 'node:test';
import assert from 'node:assert/strict';
import { buildStack, frameMeta, isEnhanced } from '../lib/viewer/series.js';
import { imagePlane, planeIntersection, nearestPlane, syncedIndex, imageToPatient } from '../lib/viewer/geometry.js';
import { imageInfo } from '../lib/viewer/pixels.js';
import { calibration, distance, pixelValue, valueUnit } from '../lib/viewer/measure.js';
import { cornerInfo } from '../lib/viewer/corner.js';

const FOR = '1.2.826.0.1.3680043.8.498.1';
/** @param {unknown[]} items */
const sq = (items) => ({ vr: 'SQ', Value: items });
/** @param {string} vr @param {unknown[]} v */
const el = (vr, v) => ({ vr, Value: v });

/** Z positions of the 6 frames in acquisition order (deliberately not monotonic). */
const Z = [-40, -10, -30, -20, 0, -50];
/** Per-frame Rescale Slope/Intercept. */
const RESCALE = [[1, -1024], [2, -2048], [0.5, -512], [1, -1000], [1.5, -1500], [1, -1024]];

/**
 * DICOM JSON as a WADO-RS /metadata answer gives it for an Enhanced CT Image: orientation, pixel measures and a
 * VOI window shared, position and rescale per frame; frame 4 overrides the pixel spacing and the window.
 * @param {{ positions?: boolean, orientations?: number[][] }} [o]
 * @returns {import('../lib/viewer/pixels.js').DicomJson}
 */
function enhancedCT(o = {}) {
  const positions = o.positions ?? true;
  return {
    '00080016': el('UI', ['1.2.840.10008.5.1.4.1.1.2.1']),
    '00080018': el('UI', ['1.2.3.4.100']),
    '00080060': el('CS', ['CT']),
    '00200013': el('IS', [1]),
    '00200052': el('UI', [FOR]),
    '00280008': el('IS', [Z.length]),
    '00280010': el('US', [64]),
    '00280011': el('US', [80]),
    '00280100': el('US', [16]),
    '00280101': el('US', [12]),
    '00280103': el('US', [0]),
    '52009229': sq([{
      '00209116': sq([{ '00200037': el('DS', [1, 0, 0, 0, 1, 0]) }]),
      '00289110': sq([{ '00280030': el('DS', [0.8, 0.6]), '00180050': el('DS', [2.5]) }]),
      '00289132': sq([{ '00281050': el('DS', [40]), '00281051': el('DS', [400]), '00281055': el('LO', ['SOFT']) }]),
      '00189301': sq([{ '00189305': el('FD', [1]) }]), // CT Acquisition Details: not used, must not hurt
    }]),
    '52009230': sq(Z.map((z, i) => ({
      '00209111': sq([{ '00209157': el('UL', [1, i + 1]), '00209057': el('UL', [i + 1]) }]),
      ...(positions ? { '00209113': sq([{ '00200032': el('DS', [-25, -19, z]) }]) } : {}),
      '00289145': sq([{ '00281053': el('DS', [RESCALE[i][0]]), '00281052': el('DS', [RESCALE[i][1]]), '00281054': el('LO', ['HU']) }]),
      ...(o.orientations ? { '00209116': sq([{ '00200037': el('DS', o.orientations[i]) }]) } : {}),
      ...(i === 3 ? {
        '00289110': sq([{ '00280030': el('DS', [0.5, 0.5]), '00180050': el('DS', [1]) }]),
        '00289132': sq([{ '00281050': el('DS', [300]), '00281051': el('DS', [1500]) }]),
      } : {}),
      // Derivation Image: its items describe the source images, not this frame.
      '00089124': sq([{ '00082111': el('ST', ['resampled']), '00200032': el('DS', [999, 999, 999]) }]),
    }))),
    '7FE00010': /** @type {any} */ ({ vr: 'OW', BulkDataURI: 'http://x/frames/1' }),
  };
}

/** A coronal localizer in the same Frame of Reference, 100 × 120 at 1 mm, from z = +30 down to z = −69. */
const localizer = {
  '00080018': el('UI', ['1.2.3.4.200']),
  '00200013': el('IS', [1]),
  '00200052': el('UI', [FOR]),
  '00200032': el('DS', [-60, 0, 30]),
  '00200037': el('DS', [1, 0, 0, 0, 0, -1]),
  '00280030': el('DS', [1, 1]),
  '00280010': el('US', [100]),
  '00280011': el('US', [120]),
};

/** @param {number} a @param {number} b */
const near = (a, b, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} ≠ ${b}`);

test('frameMeta: shared functional groups first, the frame\'s own override them, the instance stays untouched', () => {
  const meta = enhancedCT();
  assert.ok(isEnhanced(meta));
  assert.ok(!isEnhanced(localizer));
  const f1 = frameMeta(meta, 1);
  assert.deepEqual(f1['00200032'].Value, [-25, -19, -40]);
  assert.deepEqual(f1['00200037'].Value, [1, 0, 0, 0, 1, 0]);
  assert.deepEqual(f1['00280030'].Value, [0.8, 0.6]);
  assert.deepEqual(f1['00180050'].Value, [2.5]);
  assert.deepEqual(f1['00281053'].Value, [1]);
  assert.deepEqual(f1['00281050'].Value, [40]);
  assert.deepEqual(f1['00209157'].Value, [1, 1], 'Frame Content comes up too');
  assert.equal(f1['00082111'], undefined, 'Derivation Image Sequence items are not brought up');
  const f4 = frameMeta(meta, 4);
  assert.deepEqual(f4['00280030'].Value, [0.5, 0.5], 'per-frame Pixel Measures win over shared');
  assert.deepEqual(f4['00281050'].Value, [300]);
  assert.deepEqual(f4['00281052'].Value, [-1000]);
  assert.equal(meta['00200032'], undefined, 'the instance is not changed');
  assert.equal(f1['00080016'], meta['00080016'], 'top-level attributes are kept');
});

test('an enhanced CT pages by position along the normal, head first, each frame with its own plane', () => {
  const meta = enhancedCT();
  const s = buildStack([meta]);
  assert.equal(s.spatial, true);
  assert.equal(s.frames.length, 6);
  // z descending: 0, −10, −20, −30, −40, −50 → frames 5, 2, 4, 3, 1, 6.
  assert.deepEqual(s.frames.map((f) => f.frame), [5, 2, 4, 3, 1, 6]);
  assert.deepEqual(s.frames.map((f) => f.key), ['1.2.3.4.100/5', '1.2.3.4.100/2', '1.2.3.4.100/4', '1.2.3.4.100/3', '1.2.3.4.100/1', '1.2.3.4.100/6']);
  assert.ok(s.frames.every((f) => f.perFrame && f.instance === meta && f.sop === '1.2.3.4.100'));
  const planes = s.frames.map((f) => imagePlane(f.meta));
  assert.deepEqual(planes.map((p) => p?.origin[2]), [0, -10, -20, -30, -40, -50]);
  assert.ok(planes.every((p) => p && p.frameOfReference === FOR && p.rows === 64 && p.columns === 80));
  assert.equal(planes[2]?.rowSpacing, 0.5, 'frame 4 has its own spacing');
  assert.equal(planes[0]?.rowSpacing, 0.8);
  assert.equal(planes[0]?.columnSpacing, 0.6);
  // The localizer's pixel at height z = −31 → the frame at −30; sync from a single-frame axial at z = −12 → −10.
  const loc = imagePlane(localizer);
  assert.ok(loc);
  const q = imageToPatient(loc, { x: 50, y: 61.5 });
  near(q[2], -31);
  assert.equal(nearestPlane(planes, q), 3);
  const axial = imagePlane({ ...localizer, '00200032': el('DS', [-25, -19, -12]), '00200037': el('DS', [1, 0, 0, 0, 1, 0]) });
  assert.equal(syncedIndex(axial, planes), 1);
  // Reference line of each frame on the localizer: the row at 30 − z (+ ½ for the pixel centre).
  for (const p of planes) {
    const line = planeIntersection(/** @type {any} */ (p), loc);
    assert.ok(line);
    for (const end of line) near(end.y, 30 - /** @type {any} */ (p).origin[2] + 0.5, 1e-9);
  }
});

test('per-frame Modality LUT, window and calibration: HU, default window, lengths', () => {
  const s = buildStack([enhancedCT()]);
  for (const f of s.frames) {
    const info = imageInfo(f.meta);
    const [slope, intercept] = RESCALE[f.frame - 1];
    assert.equal(info.rescaleSlope, slope);
    assert.equal(info.rescaleIntercept, intercept);
    assert.equal(info.frames, 6);
    const pixels = new Uint16Array(64 * 80).fill(0);
    pixels[10 * 80 + 20] = 1100;
    const v = pixelValue(pixels, info, { x: 20.5, y: 10.5 });
    assert.equal(v?.value, 1100 * slope + intercept, `frame ${f.frame}`);
    assert.equal(valueUnit(f.meta), 'HU');
    if (f.frame === 4) assert.deepEqual(info.windows, [{ center: 300, width: 1500, fn: 'LINEAR' }]);
    else assert.deepEqual(info.windows, [{ center: 40, width: 400, fn: 'LINEAR', explanation: 'SOFT' }]);
  }
  const byFrame = new Map(s.frames.map((f) => [f.frame, f]));
  const c1 = calibration(/** @type {any} */ (byFrame.get(1)).meta);
  assert.deepEqual(c1, { row: 0.8, column: 0.6, source: 'pixel' });
  near(distance({ x: 10, y: 10 }, { x: 40, y: 50 }, c1), Math.hypot(30 * 0.6, 40 * 0.8));
  assert.deepEqual(calibration(/** @type {any} */ (byFrame.get(4)).meta), { row: 0.5, column: 0.5, source: 'pixel' });
  // Loaders key their ImageInfo by the frame's metadata: every frame must have its own object.
  assert.equal(new Set(s.frames.map((f) => f.meta)).size, 6);
});

test('enhanced frames without positions, or with mixed orientations, keep the acquisition order', () => {
  const none = buildStack([enhancedCT({ positions: false })]);
  assert.equal(none.spatial, false);
  assert.deepEqual(none.frames.map((f) => f.frame), [1, 2, 3, 4, 5, 6]);
  assert.equal(imagePlane(none.frames[0].meta), null, 'no position, no plane');
  const AX = [1, 0, 0, 0, 1, 0];
  const COR = [1, 0, 0, 0, 0, -1];
  const mixed = buildStack([enhancedCT({ orientations: [AX, AX, COR, AX, AX, COR] })]);
  assert.equal(mixed.spatial, false);
  assert.deepEqual(mixed.frames.map((f) => f.frame), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(imagePlane(mixed.frames[2].meta)?.normal.map((v) => Math.round(v * 1e9) / 1e9 + 0), [0, 1, 0], 'per-frame orientation wins');
  // Two enhanced objects of one series interleave by position; single-frame and plain multi-frame objects are as before.
  const other = enhancedCT();
  other['00080018'] = el('UI', ['1.2.3.4.101']);
  other['52009230'] = sq(/** @type {any[]} */ (other['52009230'].Value).map((item, i) => ({ ...item, '00209113': sq([{ '00200032': el('DS', [-25, -19, Z[i] - 5]) }]) })));
  const both = buildStack([enhancedCT(), other]);
  assert.deepEqual(both.frames.slice(0, 4).map((f) => f.key), ['1.2.3.4.100/5', '1.2.3.4.101/5', '1.2.3.4.100/2', '1.2.3.4.101/2']);
  const cine = buildStack([{ '00080018': el('UI', ['us']), '00280010': el('US', [4]), '00280008': el('IS', [3]) }]);
  assert.deepEqual(cine.frames.map((f) => [f.key, f.perFrame]), [['us/1', false], ['us/2', false], ['us/3', false]]);
});

test('the corner shows a frame\'s position when there is no Slice Location', () => {
  const f = buildStack([enhancedCT()]).frames[1];
  const t = (/** @type {string} */ k, /** @type {any} */ v) => `${k}:${JSON.stringify(v ?? {})}`;
  const s = { index: 1, count: 6, window: null, zoom: 1, rotation: 0, flipH: false, flipV: false, invert: false, frame: f.frame, frames: 6 };
  const with_ = cornerInfo(f.meta, { ...s, location: -10 }, t);
  assert.ok(with_.bottomRight.includes('viewer.corner.location:{"mm":"-10"}'), with_.bottomRight.join('|'));
  assert.ok(with_.bottomRight.includes('viewer.corner.thickness:{"mm":"2.5"}'), 'Slice Thickness from Pixel Measures');
  const own = cornerInfo({ ...f.meta, '00201041': el('DS', [7]) }, { ...s, location: -10 }, t);
  assert.ok(own.bottomRight.includes('viewer.corner.location:{"mm":"7"}'), 'Slice Location when present');
});
