// A series' WADO-RS metadata → the stack the viewer pages through: images with pixel data, in anatomical order
// (along the slice normal when every image has position and orientation, else by Instance Number), multi-frame
// objects expanded to one entry per frame.

import { numbers, number, strings } from './pixels.js';

/** @typedef {import('./pixels.js').DicomJson} DicomJson */
/**
 * @typedef {object} StackFrame
 * @property {string} key cache key: SOP Instance UID + '/' + frame number
 * @property {string} sop
 * @property {number} frame 1-based, as in WADO-RS /frames/{n}
 * @property {DicomJson} meta the instance's metadata
 */
/**
 * @typedef {object} Stack
 * @property {StackFrame[]} frames
 * @property {number | null} frameTime ms between frames of a multi-frame object (Frame Time), for cine
 * @property {boolean} spatial sorted by position along the slice normal
 */

export const T = Object.freeze({
  SOPInstanceUID: '00080018',
  InstanceNumber: '00200013',
  ImagePositionPatient: '00200032',
  ImageOrientationPatient: '00200037',
  NumberOfFrames: '00280008',
  Rows: '00280010',
  PixelData: '7FE00010',
  FloatPixelData: '7FE00008',
  FrameTime: '00181063',
  RecommendedDisplayFrameRate: '00082144',
  CineRate: '00180040',
  SliceLocation: '00201041',
  SliceThickness: '00180050',
});

/** @param {DicomJson} meta */
export function hasPixels(meta) {
  return Boolean(meta[T.PixelData] || meta[T.FloatPixelData]) || number(meta, T.Rows, 0) > 0;
}

/**
 * Unit normal of the image plane (row × column direction cosines), null without a valid orientation.
 * @param {DicomJson} meta @returns {[number, number, number] | null}
 */
export function sliceNormal(meta) {
  const o = numbers(meta, T.ImageOrientationPatient);
  if (o.length !== 6) return null;
  const n = /** @type {[number, number, number]} */ ([o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]]);
  const len = Math.hypot(...n);
  return len > 1e-6 ? /** @type {[number, number, number]} */ (n.map((v) => v / len)) : null;
}

/**
 * Position of an image along a normal (mm), null without Image Position.
 * @param {DicomJson} meta @param {[number, number, number]} normal
 */
export function positionAlong(meta, normal) {
  const p = numbers(meta, T.ImagePositionPatient);
  if (p.length !== 3) return null;
  return p[0] * normal[0] + p[1] * normal[1] + p[2] * normal[2];
}

/**
 * @param {DicomJson[]} metas one item per instance (a WADO-RS series metadata response)
 * @returns {Stack}
 */
export function buildStack(metas) {
  const images = metas.filter(hasPixels);
  const normal = images.length ? sliceNormal(images[0]) : null;
  /** @param {DicomJson} m */
  const inst = (m) => number(m, T.InstanceNumber, Number.MAX_SAFE_INTEGER);
  /** @param {DicomJson} m */
  const sop = (m) => strings(m, T.SOPInstanceUID)[0] ?? '';
  // Spatial order only when all images are parallel to the first and have positions; a localizer or a
  // mixed-orientation series falls back to the acquisition numbering.
  let spatial = Boolean(normal) && images.length > 1;
  /** @type {Map<DicomJson, number>} */
  const pos = new Map();
  if (spatial && normal) {
    for (const m of images) {
      const n = sliceNormal(m);
      const p = positionAlong(m, normal);
      if (!n || p === null || Math.abs(n[0] * normal[0] + n[1] * normal[1] + n[2] * normal[2]) < 0.999) {
        spatial = false;
        break;
      }
      pos.set(m, p);
    }
    // All at one position (e.g. a multi-phase single slice) says nothing about order.
    if (spatial && new Set(pos.values()).size < 2) spatial = false;
  }
  const sorted = [...images].sort((a, b) => {
    if (spatial) {
      // Ascending along the normal; for axial HFS slices (normal +z, feet → head) that would start at the feet,
      // so sort descending: head first, the way radiologists page a chest or abdomen CT.
      const d = /** @type {number} */ (pos.get(b)) - /** @type {number} */ (pos.get(a));
      if (Math.abs(d) > 1e-6) return d;
    }
    return inst(a) - inst(b) || (sop(a) < sop(b) ? -1 : sop(a) > sop(b) ? 1 : 0);
  });
  /** @type {StackFrame[]} */
  const frames = [];
  let frameTime = null;
  for (const meta of sorted) {
    const n = Math.max(1, number(meta, T.NumberOfFrames, 1));
    if (n > 1 && frameTime === null) frameTime = cineInterval(meta);
    const uid = sop(meta);
    for (let f = 1; f <= n; f++) frames.push({ key: `${uid}/${f}`, sop: uid, frame: f, meta });
  }
  return { frames, frameTime, spatial };
}

/**
 * Milliseconds between frames from Frame Time, else the recommended or cine rate; null when none is given.
 * @param {DicomJson} meta
 */
export function cineInterval(meta) {
  const ft = number(meta, T.FrameTime, 0);
  if (ft > 0) return ft;
  const rate = number(meta, T.RecommendedDisplayFrameRate, 0) || number(meta, T.CineRate, 0);
  return rate > 0 ? 1000 / rate : null;
}
