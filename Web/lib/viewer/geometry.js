// Patient-space geometry of images (issue #6 part 6: reference lines VIEW-05, synchronised scrolling VIEW-03/07,
// same-point positioning VIEW-06). An image plane comes from Image Position (Patient) (the centre of the first
// pixel), Image Orientation (Patient) (row and column direction cosines), Pixel Spacing (row spacing, column
// spacing), Rows and Columns (PS3.3 C.7.6.2.1.1). Image coordinates are the viewer's (view-transform.js): (0,0) is
// the top-left corner of the first pixel, so the centre of pixel (i, j) is (i + ½, j + ½). Pure functions, no DOM.

import { numbers, number, strings } from './pixels.js';

/** @typedef {import('./pixels.js').DicomJson} DicomJson */
/** @typedef {[number, number, number]} Vec3 */
/** @typedef {{ x: number, y: number }} Point */
/**
 * @typedef {object} ImagePlane
 * @property {Vec3} origin patient position (mm) of the centre of the first pixel
 * @property {Vec3} row unit vector along a row (increasing column index, image x)
 * @property {Vec3} column unit vector down a column (increasing row index, image y)
 * @property {Vec3} normal row × column
 * @property {number} rowSpacing mm between rows (along `column`)
 * @property {number} columnSpacing mm between columns (along `row`)
 * @property {number} rows
 * @property {number} columns
 * @property {string} frameOfReference Frame of Reference UID ('' when absent)
 */

export const GEOMETRY_TAGS = Object.freeze({
  ImagePositionPatient: '00200032',
  ImageOrientationPatient: '00200037',
  PixelSpacing: '00280030',
  Rows: '00280010',
  Columns: '00280011',
  FrameOfReferenceUID: '00200052',
});

/** @param {Vec3} a @param {Vec3} b */
export const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
/** @param {Vec3} a @param {Vec3} b @returns {Vec3} */
export const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
/** @param {Vec3} a @param {Vec3} b @returns {Vec3} */
const sub = (a, b) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
/** @param {Vec3} a @returns {Vec3 | null} */
function unit(a) {
  const l = Math.hypot(a[0], a[1], a[2]);
  return l > 1e-9 ? [a[0] / l, a[1] / l, a[2] / l] : null;
}

/**
 * The plane of an image, null without complete geometry.
 * @param {DicomJson} meta @returns {ImagePlane | null}
 */
export function imagePlane(meta) {
  const p = numbers(meta, GEOMETRY_TAGS.ImagePositionPatient);
  const o = numbers(meta, GEOMETRY_TAGS.ImageOrientationPatient);
  const s = numbers(meta, GEOMETRY_TAGS.PixelSpacing);
  const rows = number(meta, GEOMETRY_TAGS.Rows, 0);
  const columns = number(meta, GEOMETRY_TAGS.Columns, 0);
  if (p.length !== 3 || o.length !== 6 || s.length !== 2 || !(s[0] > 0) || !(s[1] > 0) || rows <= 0 || columns <= 0) return null;
  if (![...p, ...o].every(Number.isFinite)) return null;
  const row = unit([o[0], o[1], o[2]]);
  const column = unit([o[3], o[4], o[5]]);
  if (!row || !column) return null;
  const normal = unit(cross(row, column));
  if (!normal) return null;
  return {
    origin: [p[0], p[1], p[2]], row, column, normal, rowSpacing: s[0], columnSpacing: s[1], rows, columns,
    frameOfReference: strings(meta, GEOMETRY_TAGS.FrameOfReferenceUID)[0] ?? '',
  };
}

/**
 * Image coordinates → patient coordinates (mm) on the plane.
 * @param {ImagePlane} plane @param {Point} p @returns {Vec3}
 */
export function imageToPatient(plane, p) {
  const u = (p.x - 0.5) * plane.columnSpacing;
  const v = (p.y - 0.5) * plane.rowSpacing;
  return /** @type {Vec3} */ ([0, 1, 2].map((i) => plane.origin[i] + u * plane.row[i] + v * plane.column[i]));
}

/**
 * Patient coordinates → image coordinates of their projection on the plane, with the signed distance (mm) from
 * the plane along its normal.
 * @param {ImagePlane} plane @param {Vec3} q @returns {{ x: number, y: number, distance: number }}
 */
export function patientToImage(plane, q) {
  const d = sub(q, plane.origin);
  return {
    x: dot(d, plane.row) / plane.columnSpacing + 0.5,
    y: dot(d, plane.column) / plane.rowSpacing + 0.5,
    distance: dot(d, plane.normal),
  };
}

/**
 * Signed distance (mm) of a patient point from a plane.
 * @param {ImagePlane} plane @param {Vec3} q
 */
export function distanceToPlane(plane, q) {
  return dot(sub(q, plane.origin), plane.normal);
}

/**
 * Whether two planes can be related: both present and in the same Frame of Reference (an absent UID on both
 * sides counts as the same only when both come from one series, which the caller decides).
 * @param {ImagePlane | null} a @param {ImagePlane | null} b
 */
export function sameFrame(a, b) {
  return Boolean(a && b && a.frameOfReference && a.frameOfReference === b.frameOfReference);
}

/**
 * Where the plane `source` cuts the image rectangle of `target`: the segment's two end points in target image
 * coordinates, or null when the planes are (nearly) parallel or the plane misses the image. The rectangle is the
 * image's extent, [0, columns] × [0, rows].
 * @param {ImagePlane} source @param {ImagePlane} target
 * @param {number} [parallel] |cos| of the angle between the normals above which the planes count as parallel
 * @returns {[Point, Point] | null}
 */
export function planeIntersection(source, target, parallel = 0.9999) {
  if (Math.abs(dot(source.normal, target.normal)) > parallel) return null;
  /** @type {Point[]} */
  const corners = [{ x: 0, y: 0 }, { x: target.columns, y: 0 }, { x: target.columns, y: target.rows }, { x: 0, y: target.rows }];
  const d = corners.map((c) => distanceToPlane(source, imageToPatient(target, c)));
  /** @type {Point[]} */
  const hits = [];
  for (let i = 0; i < 4; i++) {
    const j = (i + 1) % 4;
    const a = corners[i];
    const b = corners[j];
    if (d[i] === 0) hits.push(a);
    if ((d[i] < 0 && d[j] > 0) || (d[i] > 0 && d[j] < 0)) {
      const k = d[i] / (d[i] - d[j]);
      hits.push({ x: a.x + k * (b.x - a.x), y: a.y + k * (b.y - a.y) });
    }
  }
  if (hits.length < 2) return null;
  // The two points farthest apart (a corner on the plane can appear twice).
  let best = /** @type {[Point, Point]} */ ([hits[0], hits[1]]);
  let far = -1;
  for (let i = 0; i < hits.length; i++) {
    for (let j = i + 1; j < hits.length; j++) {
      const l = Math.hypot(hits[i].x - hits[j].x, hits[i].y - hits[j].y);
      if (l > far) {
        far = l;
        best = [hits[i], hits[j]];
      }
    }
  }
  return far > 1e-6 ? best : null;
}

/**
 * The index of the plane nearest a patient point (smallest |distance|), -1 for an empty list. Planes without
 * geometry (null) are skipped.
 * @param {(ImagePlane | null)[]} planes @param {Vec3} q
 */
export function nearestPlane(planes, q) {
  let best = -1;
  let dist = Infinity;
  planes.forEach((p, i) => {
    if (!p) return;
    const d = Math.abs(distanceToPlane(p, q));
    if (d < dist - 1e-9) {
      dist = d;
      best = i;
    }
  });
  return best;
}

/**
 * Synchronised scrolling: the slice of a stack nearest the position of a source slice, measured along the target
 * stack's normal, shifted by a manual offset in slices and kept inside the stack. -1 when the stacks cannot be
 * related (no geometry, another Frame of Reference, or not parallel: a localizer does not scroll with its stack).
 * @param {ImagePlane | null} source the slice shown in the viewport being scrolled
 * @param {(ImagePlane | null)[]} target the planes of the other viewport's stack
 * @param {number} [offset] slices
 * @param {number} [parallel] |cos| of the angle between the normals needed (default about 25°)
 */
export function syncedIndex(source, target, offset = 0, parallel = 0.9) {
  const first = target.find((p) => p);
  if (!source || !first || !sameFrame(source, first) || target.length < 2) return -1;
  if (Math.abs(dot(source.normal, first.normal)) < parallel) return -1;
  const centre = imageToPatient(source, { x: source.columns / 2, y: source.rows / 2 });
  const i = nearestPlane(target, centre);
  if (i < 0) return -1;
  return Math.max(0, Math.min(target.length - 1, i + Math.round(offset)));
}
