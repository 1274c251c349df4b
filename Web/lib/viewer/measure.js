// Measurement math (issue #6 part 5, VIEW-19/24/25): pure functions on image coordinates, no DOM.
//
// Image coordinates as in view-transform.js: (0,0) the top-left corner of the first pixel, pixel (i, j) covers
// [i, i+1) × [j, j+1), so its centre is (i + 0.5, j + 0.5). A region contains a pixel when it contains its centre.
//
// Calibration (PS3.3 C.7.6.2.1.1 / 10.7.1.3): Pixel Spacing (0028,0030) is "row spacing\column spacing", i.e. the
// physical distance between rows (vertical, y) and between columns (horizontal, x), in mm, in the patient. Without
// it, Imager Pixel Spacing (0018,1164) gives mm at the detector (projection radiographs; not corrected for
// magnification, hence "mm（探测器）"). Without either, lengths are in pixels. Every length, area and angle is computed
// in physical space (x·columnSpacing, y·rowSpacing), so non-square pixels measure correctly.

import { numbers, strings } from './pixels.js';

/** @typedef {import('./view-transform.js').Point} Point */
/** @typedef {import('./pixels.js').DicomJson} DicomJson */
/** @typedef {import('./pixels.js').ImageInfo} ImageInfo */
/** @typedef {import('./pixels.js').PixelArray} PixelArray */
/**
 * @typedef {object} Calibration
 * @property {number} column mm between columns (along x), 1 when uncalibrated
 * @property {number} row mm between rows (along y), 1 when uncalibrated
 * @property {'pixel' | 'imager' | 'none'} source which attribute was used
 */
/**
 * @typedef {object} RegionStats
 * @property {number} count pixels whose centre lies inside
 * @property {number} mean modality units (HU for CT)
 * @property {number} sd population standard deviation
 * @property {number} min
 * @property {number} max
 */

export const CALIBRATION_TAGS = Object.freeze({ PixelSpacing: '00280030', ImagerPixelSpacing: '00181164', Modality: '00080060' });

/** @param {DicomJson} meta @param {string} tag @returns {[number, number] | null} row, column spacing */
function spacing(meta, tag) {
  const v = numbers(meta, tag);
  return v.length >= 2 && v[0] > 0 && v[1] > 0 ? [v[0], v[1]] : v.length === 1 && v[0] > 0 ? [v[0], v[0]] : null;
}

/**
 * Pixel Spacing, else Imager Pixel Spacing, else pixels.
 * @param {DicomJson} meta
 * @returns {Calibration}
 */
export function calibration(meta) {
  const ps = spacing(meta, CALIBRATION_TAGS.PixelSpacing);
  if (ps) return { row: ps[0], column: ps[1], source: 'pixel' };
  const ips = spacing(meta, CALIBRATION_TAGS.ImagerPixelSpacing);
  if (ips) return { row: ips[0], column: ips[1], source: 'imager' };
  return { row: 1, column: 1, source: 'none' };
}

/** The calibration of raw pixels (for tests and images without metadata). */
export const PIXELS = Object.freeze(/** @type {Calibration} */ ({ row: 1, column: 1, source: 'none' }));

/**
 * The unit the modality values are in: HU for CT (after Rescale Slope/Intercept), else none (pixel values).
 * @param {DicomJson} meta
 */
export function valueUnit(meta) {
  return (strings(meta, CALIBRATION_TAGS.Modality)[0] ?? '').toUpperCase() === 'CT' ? 'HU' : '';
}

/** @param {Point} p @param {Calibration} c @returns {Point} mm (or px) */
const physical = (p, c) => ({ x: p.x * c.column, y: p.y * c.row });

/**
 * Length of a segment, in mm (or px uncalibrated).
 * @param {Point} a @param {Point} b @param {Calibration} c
 */
export function distance(a, b, c) {
  return Math.hypot((b.x - a.x) * c.column, (b.y - a.y) * c.row);
}

/**
 * Signed shoelace area of a polygon in image pixels² (positive when the points turn clockwise on a y-down screen).
 * @param {Point[]} points
 */
export function shoelace(points) {
  let s = 0;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    const q = points[(i + 1) % points.length];
    s += p.x * q.y - q.x * p.y;
  }
  return s / 2;
}

/**
 * Area of a polygon in mm² (px² uncalibrated).
 * @param {Point[]} points @param {Calibration} c
 */
export function polygonArea(points, c) {
  return points.length < 3 ? 0 : Math.abs(shoelace(points)) * c.column * c.row;
}

/** @param {Point} a @param {Point} b @param {Calibration} c rectangle with opposite corners a and b, mm² */
export function rectArea(a, b, c) {
  return Math.abs(b.x - a.x) * Math.abs(b.y - a.y) * c.column * c.row;
}

/** @param {Point} a @param {Point} b @param {Calibration} c ellipse inscribed in the rectangle a–b, mm² */
export function ellipseArea(a, b, c) {
  return (Math.PI / 4) * Math.abs(b.x - a.x) * Math.abs(b.y - a.y) * c.column * c.row;
}

/**
 * The angle at `vertex` between the arms to a and b, degrees 0…180 (in physical space).
 * @param {Point} a @param {Point} vertex @param {Point} b @param {Calibration} c
 */
export function angle(a, vertex, b, c) {
  const u = physical({ x: a.x - vertex.x, y: a.y - vertex.y }, c);
  const v = physical({ x: b.x - vertex.x, y: b.y - vertex.y }, c);
  if ((!u.x && !u.y) || (!v.x && !v.y)) return 0;
  return (Math.atan2(Math.abs(u.x * v.y - u.y * v.x), u.x * v.x + u.y * v.y) * 180) / Math.PI;
}

/**
 * Cobb angle (VIEW-24): the angle between two lines (e.g. along the end plates of the end vertebrae), 0…90°:
 * the lines' directions do not matter, so an angle over 90° between the drawn vectors is taken as 180° − it.
 * @param {[Point, Point]} l1 @param {[Point, Point]} l2 @param {Calibration} c
 */
export function cobbAngle(l1, l2, c) {
  const u = physical({ x: l1[1].x - l1[0].x, y: l1[1].y - l1[0].y }, c);
  const v = physical({ x: l2[1].x - l2[0].x, y: l2[1].y - l2[0].y }, c);
  if ((!u.x && !u.y) || (!v.x && !v.y)) return 0;
  const deg = (Math.atan2(Math.abs(u.x * v.y - u.y * v.x), u.x * v.x + u.y * v.y) * 180) / Math.PI;
  return deg > 90 ? 180 - deg : deg;
}

/**
 * Cardiothoracic ratio (VIEW-25): the heart's widest horizontal width over the thorax's widest inner width.
 * Widths are the horizontal extents of the two lines (the tool keeps them horizontal).
 * @param {[Point, Point]} heart @param {[Point, Point]} thorax @param {Calibration} c
 * @returns {{ heart: number, thorax: number, ratio: number | null }}
 */
export function cardiothoracic(heart, thorax, c) {
  const hw = Math.abs(heart[1].x - heart[0].x) * c.column;
  const tw = Math.abs(thorax[1].x - thorax[0].x) * c.column;
  return { heart: hw, thorax: tw, ratio: tw > 0 ? hw / tw : null };
}

/**
 * Whether a point lies inside a polygon (even–odd rule).
 * @param {Point[]} poly @param {number} x @param {number} y
 */
export function insidePolygon(poly, x, y) {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const a = poly[i];
    const b = poly[j];
    if (a.y > y !== b.y > y && x < ((b.x - a.x) * (y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

/**
 * @typedef {{ kind: 'rect', a: Point, b: Point } | { kind: 'ellipse', a: Point, b: Point } | { kind: 'polygon', points: Point[] }} Region
 */

/**
 * Statistics of the modality values (stored × slope + intercept; HU for CT) of the pixels whose centres lie in a
 * region, from the exact stored pixels. Null when the region holds no pixel centre or the image is colour.
 * @param {PixelArray} pixels @param {ImageInfo} info @param {Region} region
 * @returns {RegionStats | null}
 */
export function regionStats(pixels, info, region) {
  if (info.samplesPerPixel !== 1) return null;
  const W = info.columns;
  const H = info.rows;
  /** @type {Point[]} */
  const pts = region.kind === 'polygon' ? region.points : [region.a, region.b];
  if (!pts.length) return null;
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  // Pixel i is a candidate when its centre i + 0.5 is within the bounding box.
  const i0 = Math.max(0, Math.ceil(Math.min(...xs) - 0.5));
  const i1 = Math.min(W - 1, Math.floor(Math.max(...xs) - 0.5));
  const j0 = Math.max(0, Math.ceil(Math.min(...ys) - 0.5));
  const j1 = Math.min(H - 1, Math.floor(Math.max(...ys) - 0.5));
  /** @type {(x: number, y: number) => boolean} */
  let inside;
  if (region.kind === 'rect') inside = () => true;
  else if (region.kind === 'ellipse') {
    const cx = (region.a.x + region.b.x) / 2;
    const cy = (region.a.y + region.b.y) / 2;
    const rx = Math.abs(region.b.x - region.a.x) / 2;
    const ry = Math.abs(region.b.y - region.a.y) / 2;
    if (!rx || !ry) return null;
    inside = (x, y) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;
  } else {
    if (pts.length < 3) return null;
    inside = (x, y) => insidePolygon(pts, x, y);
  }
  const slope = info.rescaleSlope;
  const intercept = info.rescaleIntercept;
  let n = 0;
  let sum = 0;
  let sum2 = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let j = j0; j <= j1; j++) {
    const y = j + 0.5;
    const row = j * W;
    for (let i = i0; i <= i1; i++) {
      if (!inside(i + 0.5, y)) continue;
      const s = pixels[row + i];
      n++;
      sum += s;
      sum2 += s * s;
      if (s < min) min = s;
      if (s > max) max = s;
    }
  }
  if (!n) return null;
  // Sums of stored (integer) values are exact in doubles for any realistic ROI; rescale afterwards.
  const meanStored = sum / n;
  const variance = Math.max(0, sum2 / n - meanStored * meanStored);
  const lo = min * slope + intercept;
  const hi = max * slope + intercept;
  return { count: n, mean: meanStored * slope + intercept, sd: Math.sqrt(variance) * Math.abs(slope), min: Math.min(lo, hi), max: Math.max(lo, hi) };
}

/**
 * The modality value of the pixel under an image point (VIEW-19); for colour images the RGB triple.
 * @param {PixelArray} pixels @param {ImageInfo} info @param {Point} p
 * @returns {{ column: number, row: number, value: number | null, rgb: number[] | null } | null} null outside
 */
export function pixelValue(pixels, info, p) {
  const column = Math.floor(p.x);
  const row = Math.floor(p.y);
  if (column < 0 || row < 0 || column >= info.columns || row >= info.rows) return null;
  const o = row * info.columns + column;
  if (info.samplesPerPixel !== 1) {
    // Decoded colour frames are interleaved RGB whatever the stored Planar Configuration (pixels.js).
    return { column, row, value: null, rgb: [pixels[o * 3], pixels[o * 3 + 1], pixels[o * 3 + 2]] };
  }
  return { column, row, value: pixels[o] * info.rescaleSlope + info.rescaleIntercept, rgb: null };
}

/**
 * A number for a label: fixed decimals, no "-0".
 * @param {number} v @param {number} digits
 */
export function fmt(v, digits) {
  const s = v.toFixed(digits);
  return /^-0(\.0+)?$/.test(s) ? s.slice(1) : s;
}
