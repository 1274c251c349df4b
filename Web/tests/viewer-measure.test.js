import test from 'node:test';
import assert from 'node:assert/strict';
import {
  calibration, valueUnit, distance, shoelace, polygonArea, rectArea, ellipseArea, angle, cobbAngle, cardiothoracic,
  regionStats, pixelValue, insidePolygon, fmt, PIXELS,
} from '../lib/viewer/measure.js';

/** @param {Record<string, unknown[]>} tags */
const meta = (tags) => Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, { vr: 'DS', Value: v }]));

/** @param {number} columns @param {number} rows @param {(i: number, j: number) => number} f @param {number} [slope] @param {number} [intercept] */
function image(columns, rows, f, slope = 1, intercept = 0) {
  const pixels = new Int16Array(columns * rows);
  for (let j = 0; j < rows; j++) for (let i = 0; i < columns; i++) pixels[j * columns + i] = f(i, j);
  const info = { rows, columns, bitsAllocated: 16, bitsStored: 16, highBit: 15, pixelRepresentation: 1, photometric: 'MONOCHROME2', samplesPerPixel: 1, planarConfiguration: 0, frames: 1, rescaleSlope: slope, rescaleIntercept: intercept, windows: [] };
  return { pixels, info };
}

test('calibration: Pixel Spacing, else Imager Pixel Spacing, else pixels; row spacing first', () => {
  assert.deepEqual(calibration(meta({ '00280030': [0.5, 0.7], '00181164': [0.2, 0.2] })), { row: 0.5, column: 0.7, source: 'pixel' });
  assert.deepEqual(calibration(meta({ '00181164': ['0.171', '0.171'] })), { row: 0.171, column: 0.171, source: 'imager' });
  assert.deepEqual(calibration(meta({})), { row: 1, column: 1, source: 'none' });
  assert.deepEqual(calibration(meta({ '00280030': [0, 0] })), { row: 1, column: 1, source: 'none' }, 'zero spacing is no spacing');
  assert.equal(valueUnit({ '00080060': { vr: 'CS', Value: ['CT'] } }), 'HU');
  assert.equal(valueUnit({ '00080060': { vr: 'CS', Value: ['MR'] } }), '');
});

test('lengths use the spacing of each axis', () => {
  const c = { row: 0.5, column: 0.25, source: /** @type {const} */ ('pixel') };
  assert.equal(distance({ x: 0, y: 0 }, { x: 4, y: 0 }, c), 1);
  assert.equal(distance({ x: 0, y: 0 }, { x: 0, y: 4 }, c), 2);
  assert.equal(distance({ x: 1, y: 1 }, { x: 4, y: 5 }, PIXELS), 5);
});

test('areas: shoelace polygon, rectangle, ellipse, calibrated', () => {
  const square = [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 10 }, { x: 0, y: 10 }];
  assert.equal(shoelace(square), 100);
  assert.equal(shoelace([...square].reverse()), -100);
  assert.equal(polygonArea(square, { row: 0.5, column: 0.5, source: 'pixel' }), 25);
  assert.equal(polygonArea([{ x: 0, y: 0 }, { x: 4, y: 0 }, { x: 0, y: 3 }], PIXELS), 6);
  assert.equal(polygonArea([{ x: 0, y: 0 }, { x: 4, y: 0 }], PIXELS), 0);
  assert.equal(rectArea({ x: 10, y: 10 }, { x: 0, y: 5 }, PIXELS), 50);
  assert.ok(Math.abs(ellipseArea({ x: 0, y: 0 }, { x: 20, y: 10 }, PIXELS) - Math.PI * 50) < 1e-9);
});

test('angle at a vertex, Cobb angle folded to 0–90°, physical space for non-square pixels', () => {
  const v = { x: 0, y: 0 };
  assert.equal(angle({ x: 10, y: 0 }, v, { x: 0, y: 10 }, PIXELS), 90);
  assert.ok(Math.abs(angle({ x: 10, y: 0 }, v, { x: 10, y: 10 }, PIXELS) - 45) < 1e-9);
  assert.ok(Math.abs(angle({ x: 10, y: 0 }, v, { x: -10, y: 0.0000001 }, PIXELS) - 180) < 1e-6);
  // With rows twice as far apart as columns, (10, 5) is at 45° physically.
  assert.ok(Math.abs(angle({ x: 10, y: 0 }, v, { x: 10, y: 5 }, { row: 2, column: 1, source: 'pixel' }) - 45) < 1e-9);
  assert.equal(angle(v, v, { x: 1, y: 1 }, PIXELS), 0);
  const l1 = /** @type {[any, any]} */ ([{ x: 0, y: 0 }, { x: 10, y: 0 }]);
  const l2 = /** @type {[any, any]} */ ([{ x: 0, y: 10 }, { x: 10, y: 20 }]);
  assert.ok(Math.abs(cobbAngle(l1, l2, PIXELS) - 45) < 1e-9);
  // Drawing the second line the other way round does not change a Cobb angle.
  assert.ok(Math.abs(cobbAngle(l1, [l2[1], l2[0]], PIXELS) - 45) < 1e-9);
  assert.ok(Math.abs(cobbAngle(l1, [{ x: 0, y: 0 }, { x: -10, y: 5.7735 }], PIXELS) - 30) < 1e-3);
});

test('cardiothoracic ratio from horizontal widths', () => {
  const r = cardiothoracic([{ x: 100, y: 50 }, { x: 40, y: 50 }], [{ x: 10, y: 60 }, { x: 130, y: 61 }], { row: 0.2, column: 0.2, source: 'imager' });
  assert.ok(Math.abs(r.heart - 12) < 1e-9 && Math.abs(r.thorax - 24) < 1e-9);
  assert.equal(r.ratio, 0.5);
  assert.equal(cardiothoracic([{ x: 0, y: 0 }, { x: 1, y: 0 }], [{ x: 5, y: 0 }, { x: 5, y: 9 }], PIXELS).ratio, null);
});

test('region statistics: pixel centres inside, modality values, population SD', () => {
  // Value = column index; rescale 2x − 1000.
  const { pixels, info } = image(8, 6, (i) => i, 2, -1000);
  const rect = regionStats(pixels, info, { kind: 'rect', a: { x: 2, y: 1 }, b: { x: 5, y: 3 } });
  // Columns 2, 3, 4 (centres 2.5…4.5), rows 1, 2 → 6 pixels.
  assert.ok(rect);
  assert.equal(rect.count, 6);
  assert.equal(rect.mean, 3 * 2 - 1000);
  assert.equal(rect.min, 2 * 2 - 1000);
  assert.equal(rect.max, 4 * 2 - 1000);
  assert.ok(Math.abs(rect.sd - Math.sqrt(2 / 3) * 2) < 1e-12);
  // A box that holds no pixel centre.
  assert.equal(regionStats(pixels, info, { kind: 'rect', a: { x: 2.1, y: 1.1 }, b: { x: 2.4, y: 1.4 } }), null);
  // Outside the image is clipped.
  assert.equal(regionStats(pixels, info, { kind: 'rect', a: { x: -5, y: -5 }, b: { x: 100, y: 100 } })?.count, 48);
  // A negative slope swaps min and max.
  const neg = image(4, 1, (i) => i, -1, 0);
  const s = regionStats(neg.pixels, neg.info, { kind: 'rect', a: { x: 0, y: 0 }, b: { x: 4, y: 1 } });
  assert.deepEqual([s?.min, s?.max, s?.mean], [-3, 0, -1.5]);
});

test('ellipse and polygon statistics match a brute-force count', () => {
  const { pixels, info } = image(64, 64, (i, j) => (i * 7 + j * 13) % 50 - 20, 1, -1024);
  const a = { x: 10.3, y: 12.7 };
  const b = { x: 41.6, y: 30.2 };
  const cx = (a.x + b.x) / 2;
  const cy = (a.y + b.y) / 2;
  const rx = (b.x - a.x) / 2;
  const ry = (b.y - a.y) / 2;
  /** @type {number[]} */
  const values = [];
  for (let j = 0; j < 64; j++) for (let i = 0; i < 64; i++) if (((i + 0.5 - cx) / rx) ** 2 + ((j + 0.5 - cy) / ry) ** 2 <= 1) values.push(pixels[j * 64 + i] - 1024);
  const s = regionStats(pixels, info, { kind: 'ellipse', a, b });
  const mean = values.reduce((x, y) => x + y, 0) / values.length;
  const sd = Math.sqrt(values.reduce((x, y) => x + (y - mean) ** 2, 0) / values.length);
  assert.ok(s);
  assert.equal(s.count, values.length);
  assert.ok(Math.abs(s.mean - mean) < 1e-9);
  assert.ok(Math.abs(s.sd - sd) < 1e-9);
  assert.equal(s.min, Math.min(...values));
  assert.equal(s.max, Math.max(...values));
  const tri = [{ x: 5, y: 5 }, { x: 40, y: 8 }, { x: 20, y: 50 }];
  let n = 0;
  for (let j = 0; j < 64; j++) for (let i = 0; i < 64; i++) if (insidePolygon(tri, i + 0.5, j + 0.5)) n++;
  assert.equal(regionStats(pixels, info, { kind: 'polygon', points: tri })?.count, n);
  assert.ok(Math.abs(n - polygonArea(tri, PIXELS)) < 30, 'the pixel count is close to the area');
});

test('point value: modality value of the pixel under the point; colour gives RGB; outside gives null', () => {
  const { pixels, info } = image(4, 4, (i, j) => i + 10 * j, 1, -1024);
  assert.deepEqual(pixelValue(pixels, info, { x: 2.9, y: 1.1 }), { column: 2, row: 1, value: 12 - 1024, rgb: null });
  assert.equal(pixelValue(pixels, info, { x: -0.1, y: 0 }), null);
  assert.equal(pixelValue(pixels, info, { x: 4, y: 0 }), null);
  const rgb = new Uint8Array([1, 2, 3, 4, 5, 6]);
  const cinfo = { ...info, columns: 2, rows: 1, samplesPerPixel: 3 };
  assert.deepEqual(pixelValue(rgb, cinfo, { x: 1.5, y: 0.5 })?.rgb, [4, 5, 6]);
  assert.equal(regionStats(rgb, cinfo, { kind: 'rect', a: { x: 0, y: 0 }, b: { x: 2, y: 1 } }), null);
});

test('fmt never shows -0', () => {
  assert.equal(fmt(-0.01, 1), '0.0');
  assert.equal(fmt(-0.4, 0), '0');
  assert.equal(fmt(-1.25, 1), '-1.3');
  assert.equal(fmt(3.14159, 2), '3.14');
});
